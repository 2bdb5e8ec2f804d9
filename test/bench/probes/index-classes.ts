// Probe: the bench's query classes (suites/search.ts) straight on an index
// built from N synthetic users, no dispatcher, no SQLite: p50/p95 per class.
// For `node --cpu-prof`. Run:
//   node test/bench/probes/run.mjs test/bench/probes/index-classes.ts '{"count":100000}'
import { performance } from 'node:perf_hooks';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { QUERY_CLASSES } from '../suites/search';
import { pct, zulipWrites } from './probe-data';

export async function main(args: {
  count?: number;
  runs?: number;
  only?: string;
}): Promise<unknown> {
  const count = args.count ?? 100_000;
  const rows: IndexedRow[] = zulipWrites(count, 'conn-z', 1).writes.map((w, i) => ({
    ...searchRowOf(w.user),
    rowId: i + 1,
  }));
  const index = createSearchIndex();
  const t = performance.now();
  index.deferOrdersToRebuild();
  index.deferTextToRebuild();
  for (let i = 0; i < rows.length; i += 256)
    index.upsert(rows.slice(i, i + 256), { deferOrder: true });
  await index.rebuildText(async () => true, 1000);
  await index.rebuildOrders(async () => true, 1000);
  const out: Record<string, unknown> = {
    buildMs: Math.round(performance.now() - t),
    stats: index.stats(),
  };
  for (const cls of QUERY_CLASSES) {
    if (args.only && !cls.id.includes(args.only)) continue;
    for (const sort of ['relevance', 'name'] as const) {
      const qs: SearchQuery[] = cls.queries.map((q) => ({
        ...DEFAULT_SEARCH_SPEC,
        connectionIds: [],
        roles: [],
        offset: 0,
        limit: 60,
        ...q,
        sort: q.sort ?? (q.text ? sort : 'name'),
      }));
      const per: Record<string, number[]> = {};
      const all: number[] = [];
      for (let r = 0; r < (args.runs ?? 30); r++) {
        for (const q of qs) {
          const s = performance.now();
          index.search(q);
          const ms = performance.now() - s;
          all.push(ms);
          (per[q.text || JSON.stringify(q.roles)] ??= []).push(ms);
        }
      }
      out[`${cls.id}.${sort}`] = {
        p50: +pct(all, 50).toFixed(2),
        p95: +pct(all, 95).toFixed(2),
        per: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, +pct(v, 50).toFixed(2)])),
      };
    }
  }
  return out;
}
