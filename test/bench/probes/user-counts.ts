// Probe: what counting the users still on their server costs (the
// sidebar's counts, `connections:list`; users-read.ts `countUsers` and
// `countUsersByConnection`) over a cache of many users, against the same
// counts by `gone_at IS NULL`, as they were counted before: ms per count,
// each run `runs` times in turn. Opens the cache as the app does (a cache
// from an older version is upgraded: give it a copy). Run:
//   node test/bench/probes/run.mjs test/bench/probes/user-counts.ts '{"dir":"/tmp/rollcall-probe-core-100000"}'
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@core/log';
import { databasePath, openDatabase } from '@core/store/db';
import { createUsersRepo } from '@core/store/users-repo';
import type { Row } from '@core/store/users-rows';
import { pct } from './probe-data';

export async function main(args: { dir: string; runs?: number }): Promise<unknown> {
  const cache = openDatabase(databasePath(args.dir), { log: silentLogger, now: Date.now });
  const users = createUsersRepo(cache, { now: Date.now });
  const some = cache.db.prepare('SELECT connection_id FROM users LIMIT 1').get() as Row | undefined;
  const id = String(some?.connection_id ?? '');
  const before = {
    one: cache.db.prepare(
      'SELECT count(*) AS n FROM users WHERE connection_id = ? AND gone_at IS NULL',
    ),
    byConnection: cache.db.prepare(
      'SELECT connection_id, count(*) AS n FROM users WHERE gone_at IS NULL GROUP BY connection_id',
    ),
  };
  const cases: Record<string, () => unknown> = {
    'one connection': () => users.count(id),
    'one connection, before': () => before.one.get(id),
    'per connection': () => users.countsByConnection(),
    'per connection, before': () => before.byConnection.all(),
  };
  const ms = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < (args.runs ?? 20); r++) {
    for (const [name, run] of Object.entries(cases)) {
      const t = performance.now();
      run();
      ms.get(name)!.push(performance.now() - t);
    }
  }
  const out: Record<string, unknown> = { users: users.count(undefined, { includeGone: true }) };
  for (const [name, list] of ms) {
    list.sort((a, b) => a - b);
    out[name] = { p50: +pct(list, 50).toFixed(1), p95: +pct(list, 95).toFixed(1) };
  }
  cache.close();
  return out;
}
