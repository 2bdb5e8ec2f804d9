// Probe: the SQL search (users-search-sql.ts), the path that answers while
// no index is ready, over a cache of N synthetic users (made once under
// `dir`): every query class of the bench timed, median and p95.
// Run: node test/bench/probes/run.mjs test/bench/probes/sql-search.ts '{"count":100000}'
import { existsSync, mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@core/log';
import { databasePath, openDatabase } from '@core/store/db';
import { createUsersRepo } from '@core/store/users-repo';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { QUERY_CLASSES } from './index';
import { pct, zulipWrites } from './probe-data';

export async function main(args: {
  count?: number;
  runs?: number;
  dir?: string;
}): Promise<unknown> {
  const count = args.count ?? 100_000;
  const dir = args.dir ?? `/tmp/rollcall-probe-sql-${count}`;
  const fresh = !existsSync(databasePath(dir));
  mkdirSync(dir, { recursive: true });
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  if (fresh) {
    cache.db
      .prepare(
        `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
         VALUES ('conn-z', 'zulip', 'Z', 'https://chat.example.com', 'a@example.com', 0, 1, 1)`,
      )
      .run();
    const writer = createUsersRepo(cache, { now: () => 1 });
    await writer.upsertBatch(zulipWrites(count).writes);
  }
  const users = createUsersRepo(cache, { now: () => 1 });
  const out: Record<string, unknown> = { count };
  for (const [name, partials] of Object.entries(QUERY_CLASSES)) {
    const times: number[] = [];
    for (let r = 0; r < (args.runs ?? 5); r++) {
      for (const p of partials) {
        const q: SearchQuery = { ...DEFAULT_SEARCH_SPEC, offset: 0, limit: 60, ...p };
        const t = performance.now();
        users.search(q);
        times.push(performance.now() - t);
      }
    }
    times.sort((a, b) => a - b);
    out[name] = { median: +pct(times, 50).toFixed(1), p95: +pct(times, 95).toFixed(1) };
  }
  cache.close();
  return out;
}
