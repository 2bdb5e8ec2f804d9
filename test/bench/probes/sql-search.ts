// Probe: the SQL search (users-search-sql.ts), the path that answers while
// no index is ready, over a cache of N synthetic users (made once under
// `dir`): every query of the bench's classes (suites/search.ts) as the
// window sends it (by relevance while text is typed, with the facets) and
// as core runs it (`searchAsync`, the scans on the background connection),
// as the bench's "SQL search while no index is ready" times them: p50/p95
// overall and per class, and the slowest queries by their median.
// Run: node test/bench/probes/run.mjs test/bench/probes/sql-search.ts '{"count":100000}'
import { existsSync, mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@core/log';
import { databasePath, openDatabase } from '@core/store/db';
import { createUsersRepo } from '@core/store/users-repo';
import { startWalCheckpointer } from '@core/store/wal-checkpointer';
import { asTheWindowAsks } from '../lib/launch-index';
import { QUERY_CLASSES } from '../suites/search';
import { pct, zulipWrites } from './probe-data';

export async function main(args: {
  count?: number;
  runs?: number;
  dir?: string;
  slowest?: number;
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
  const background = await startWalCheckpointer(cache, { log: silentLogger });
  if (!background) throw new Error('no background connection');
  const users = createUsersRepo(cache, { now: () => 1, backgroundRead: background.read });
  const all: number[] = [];
  const byClass: Record<string, { median: number; p95: number }> = {};
  const byQuery = new Map<string, number[]>();
  for (const cls of QUERY_CLASSES) {
    const times: number[] = [];
    for (let r = 0; r < (args.runs ?? 5); r++) {
      for (const p of cls.queries) {
        const t = performance.now();
        await users.searchAsync(asTheWindowAsks(p));
        const ms = performance.now() - t;
        times.push(ms);
        all.push(ms);
        const key = JSON.stringify(p);
        byQuery.set(key, [...(byQuery.get(key) ?? []), ms]);
      }
    }
    byClass[cls.id] = { median: +pct(times, 50).toFixed(1), p95: +pct(times, 95).toFixed(1) };
  }
  await background.close();
  cache.close();
  const slowest = [...byQuery]
    .map(([query, times]) => ({
      query,
      medianMs: +pct(
        [...times].sort((a, b) => a - b),
        50,
      ).toFixed(1),
    }))
    .sort((a, b) => b.medianMs - a.medianMs)
    .slice(0, args.slowest ?? 12);
  return {
    count,
    medianMs: +pct(all, 50).toFixed(1),
    p95Ms: +pct(all, 95).toFixed(1),
    byClass,
    slowest,
  };
}
