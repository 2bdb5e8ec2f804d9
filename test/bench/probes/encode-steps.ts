// Probe: the steps of exporting and encoding a saved index
// (index-state.ts, index-snapshot-format.ts) of N synthetic users, each
// timed: the longest ones are what a save after a sync holds the loop for
// (a major GC lands in one of them).
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/encode-steps.ts '{"count":50000}'
import { performance } from 'node:perf_hooks';
import { encodeIndexState } from '@core/search/index-snapshot-format';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { zulipWrites } from './probe-data';

export async function main(args: { count?: number }): Promise<unknown> {
  const count = args.count ?? 50_000;
  const rows: IndexedRow[] = zulipWrites(count).writes.map((w, i) => ({
    ...searchRowOf(w.user),
    rowId: i + 1,
  }));
  const index = createSearchIndex();
  for (let i = 0; i < rows.length; i += 500) {
    index.upsert(rows.slice(i, i + 500), { deferOrder: true });
  }
  index.flushOrder();
  const steps: { part: string; ms: number }[] = [];
  /** Runs a generator to its end, timing each step. */
  function timed<T>(part: string, gen: Generator<void, T>): T {
    for (;;) {
      const t = performance.now();
      const next = gen.next();
      steps.push({ part, ms: performance.now() - t });
      if (next.done) return next.value;
    }
  }
  // 4 000 renamed users wait to be merged, as after a sync's last chunk.
  const renamed = rows.slice(0, 4000).map((r) => ({ ...r, sortName: `~${r.sortName}` }));
  index.upsert(renamed, { deferOrder: true });
  const state = timed('export', index.exportState());
  timed('encode', encodeIndexState(state));
  const slowest = steps
    .map(({ part, ms }, step) => ({ step, part, ms: +ms.toFixed(1) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);
  const totalMs = steps.reduce((a, b) => a + b.ms, 0);
  return { count, steps: steps.length, totalMs: Math.round(totalMs), slowest };
}
