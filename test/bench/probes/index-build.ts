// Probe: builds the in-memory search index from N synthetic users the way
// the app loads it at start (users-index-sync.ts: 64 rows a read with the
// sort orders sorted once at the end, in slices), for each N of `counts`: time per
// user should stay flat as N grows.
// `"rowByRow":true` indexes the text row by row, as before bulk-postings.ts.
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/index-build.ts '{"counts":[10000,100000]}'
import { performance } from 'node:perf_hooks';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { zulipWrites } from './probe-data';

export async function main(args: { counts?: number[]; rowByRow?: boolean }): Promise<unknown> {
  const out: unknown[] = [];
  for (const count of args.counts ?? [10_000, 30_000, 100_000]) {
    const { writes } = zulipWrites(count);
    const rows: IndexedRow[] = writes.map((w, i) => ({ ...searchRowOf(w.user), rowId: i + 1 }));
    const index = createSearchIndex();
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    index.deferOrdersToRebuild();
    if (!args.rowByRow) index.deferTextToRebuild();
    for (let i = 0; i < rows.length; i += 64) {
      index.upsert(rows.slice(i, i + 64), { deferOrder: true });
    }
    const pause = async (): Promise<boolean> => {
      await new Promise((resolve) => setImmediate(resolve));
      return true;
    };
    const x = performance.now();
    await index.rebuildText(pause, 10);
    const textMs = performance.now() - x;
    const f = performance.now();
    await index.rebuildOrders(pause, 10);
    const flushMs = performance.now() - f;
    const buildMs = performance.now() - t;
    const used = process.cpuUsage(cpu0);
    const cpuMs = (used.user + used.system) / 1000;
    out.push({
      count,
      buildMs: Math.round(buildMs),
      cpuMs: Math.round(cpuMs),
      cpuUsPerUser: +((cpuMs * 1000) / count).toFixed(1),
      flushMs: Math.round(flushMs),
      textMs: Math.round(textMs),
      stats: index.stats(),
    });
  }
  return out;
}
