// Probe: a start over a cache with a saved search index (store/index-snapshot.ts):
// open, then the index until ready, with the longest loop gaps and what ran in them.
// Run: node test/bench/probes/run.mjs test/bench/probes/snapshot-load.ts '{"dir":"/path/to/userData"}'
// (`"gaps":true`: also each gap over 40 ms in the monotonic clock's µs, to
// match against a CPU profile's samples, as sync-e2e.ts gives them.)
import { performance } from 'node:perf_hooks';
import { createSearchIndex } from '@core/search/search-index';
import { databasePath, openDatabase } from '@core/store/db';
import { createUsersRepo } from '@core/store/users-repo';

export async function main(args: { dir: string; gaps?: boolean }): Promise<unknown> {
  const lines: string[] = [];
  const t0 = performance.now();
  const stamp = (m: string): void => {
    lines.push(`${(performance.now() - t0).toFixed(0)} ${m}`);
  };
  const log = { info: stamp, warn: stamp, error: stamp };
  const cache = openDatabase(databasePath(args.dir), { log, now: Date.now });
  stamp('opened');
  const gaps: string[] = [];
  const longGaps: [number, number][] = [];
  const micros = (): number => Number(process.hrtime.bigint() / 1000n);
  let last = performance.now();
  let lastMicros = micros();
  const tick = setInterval(() => {
    const now = performance.now();
    const nowMicros = micros();
    if (now - last > 30) gaps.push(`${(last - t0).toFixed(0)}+${(now - last).toFixed(0)}`);
    if (nowMicros - lastMicros > 40_000) longGaps.push([lastMicros, nowMicros]);
    last = now;
    lastMicros = nowMicros;
  }, 1);
  const users = createUsersRepo(cache, { now: () => 1, log, index: createSearchIndex() });
  await users.buildSearchIndex();
  stamp('ready');
  const end = performance.now();
  if (end - last > 30) gaps.push(`${(last - t0).toFixed(0)}+${(end - last).toFixed(0)}`);
  clearInterval(tick);
  cache.close();
  return { lines, gaps, ...(args.gaps ? { longGaps } : {}) };
}
