// Probe: the bare cost of inserting N users into the cache's real schema
// (users, user_seen and user_payloads rows as a sync writes them, 8 000 a
// transaction), with parts of the schema taken away to see what each costs:
// `drop` names indexes, `sql` runs first (e.g. to drop or add a trigger),
// `fk: false` turns foreign keys off, `payload: false` skips the payload
// rows, `seen: false` the user_seen rows.
// Run: node test/bench/probes/run.mjs test/bench/probes/insert-cost.ts '{"count":30000}'
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@core/log';
import { databasePath, openDatabase } from '@core/store/db';
import { DATA_COLUMNS as COLUMNS } from '@core/store/users-rows';

export async function main(args: {
  count?: number;
  drop?: string[];
  sql?: string;
  fk?: boolean;
  payload?: boolean;
  seen?: boolean;
}): Promise<unknown> {
  const count = args.count ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-probe-'));
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  const db = cache.db;
  db.prepare(
    `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
     VALUES ('conn-z', 'zulip', 'Z', 'https://chat.example.com', 'a@example.com', 0, 1, 1)`,
  ).run();
  for (const name of args.drop ?? []) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not an index name: ${name}`);
    db.exec(`DROP INDEX ${name}`);
  }
  if (args.fk === false) db.exec('PRAGMA foreign_keys = OFF');
  if (args.sql) db.exec(args.sql);
  const insert = db.prepare(
    `INSERT INTO users (connection_id, user_id, ${COLUMNS.join(', ')}, seen_at, gone_at)
     VALUES (?, ?, ${COLUMNS.map(() => '?').join(', ')}, ?, NULL)`,
  );
  const seen = db.prepare(
    `INSERT INTO user_seen (row_id, fetched_at, seen_at) VALUES (?, ?, ?)
     ON CONFLICT (row_id) DO UPDATE SET fetched_at = excluded.fetched_at, seen_at = excluded.seen_at`,
  );
  const payload = db.prepare(
    'INSERT INTO user_payloads (row_id, user_json, raw_json, raw_parts) VALUES (?, ?, ?, ?)',
  );
  let seed = 1;
  const text = (n: number): string => {
    let out = '';
    while (out.length < n) {
      seed = (seed * 48271) % 0x7fffffff;
      out += seed.toString(36);
    }
    return out.slice(0, n);
  };
  // The rows' texts are made before the clock starts: making them took
  // about 90 µs a row, as much as the inserts measured.
  const rows = Array.from({ length: count }, () => {
    const name = `${text(6)} ${text(8)}`;
    const email = `${text(8)}@example.com`;
    return {
      name,
      email,
      hash: text(64),
      hay: `${name}\n${email}\n${text(40)}\n${text(30)}`,
      summary: JSON.stringify({ a: text(800) }),
      user: JSON.stringify({ u: text(2500) }),
      raw: JSON.stringify({ r: text(1500) }),
    };
  });
  const started = performance.now();
  let commitMs = 0;
  for (let from = 0; from < count; from += 8000) {
    db.exec('BEGIN');
    for (let k = from; k < Math.min(count, from + 8000); k++) {
      const r = rows[k] as (typeof rows)[number];
      const row = insert.run(
        'conn-z',
        String((k * 7919) % 1_000_003),
        'zulip',
        'member',
        3,
        0,
        null,
        0,
        4,
        1.7e12 - k * 1000,
        1.7e12 - k * 77,
        1,
        r.hash,
        r.name,
        r.name.toLowerCase(),
        r.email,
        null,
        r.hay,
        r.summary,
        '',
        r.hash,
        1,
      );
      if (args.seen !== false) seen.run(Number(row.lastInsertRowid), 1, 1);
      if (args.payload !== false) {
        payload.run(Number(row.lastInsertRowid), r.user, r.raw, null);
      }
    }
    const c = performance.now();
    db.exec('COMMIT');
    commitMs += performance.now() - c;
  }
  const ms = performance.now() - started;
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    count,
    ms: Math.round(ms),
    usPerRow: +((ms * 1000) / count).toFixed(1),
    commitMs: Math.round(commitMs),
  };
}
