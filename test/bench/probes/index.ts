// Probe: builds the in-memory search index from N synthetic users, reports
// build time and heap cost, times every query class against the reference
// `searchRows` (checked equal) and a brute-force `Array.filter` baseline.
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/index.ts '{"count":100000}'
import { performance } from 'node:perf_hooks';
import { fieldsOf, groupIdsOf } from '@core/search/filter-keys';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf, searchRows, searchTerms } from '@core/search/search-text';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { pct, zulipWrites } from './probe-data';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** The query classes, with the queries of the bench (test/bench/suites/search.ts) and a few more. */
export const QUERY_CLASSES: Record<string, Partial<SearchQuery>[]> = {
  'no text': [{}],
  '1 char': ['a', 'e', 'z', 'ö', '王', 'и', '7'].map((text) => ({ text })),
  '2 chars': ['an', 'mü', 'er', 'ol', '佐藤', 'ив', '42', 'ji'].map((text) => ({ text })),
  '3+ chars': ['müll', 'anna', 'garcía', 'иван', 'schröder', 'nguyen', 'zoë müller', 'mar'].map(
    (text) => ({ text }),
  ),
  'email domain': [
    '@example.org',
    'corp.example.net',
    'contractors.example.io',
    'example.com',
    'zulip.example.com',
  ].map((text) => ({ text })),
  'ID fragment': ['4711', '9999', '1234', '80008', '555'].map((text) => ({ text })),
  'profile field value': [
    'finance',
    'she/they',
    'ze/hir',
    '+44',
    'people ops',
    '2021-03',
    'berlin',
  ].map((text) => ({ text })),
  'no match': ['xyzzy', 'qqqq', 'zz9zz', 'müllerxyz', '@nowhere.invalid'].map((text) => ({ text })),
  'filters only': [
    { roles: ['guest'] },
    { accounts: 'bots' },
    { status: 'deactivated' },
    { roles: ['owner', 'administrator'], sort: 'lastActive', direction: 'desc' },
    { status: 'active', sort: 'joined' },
    { accounts: 'humans', sort: 'role' },
  ],
  'filters + text': [
    { roles: ['guest'], text: 'mü' },
    { accounts: 'bots', text: 'bot' },
    { status: 'deactivated', text: 'an' },
    { accounts: 'humans', status: 'active', text: 'example.org' },
    { roles: ['member'], text: 'a', sort: 'joined', direction: 'desc' },
  ],
  'deep pages': [
    { sort: 'joined', direction: 'desc', offset: 50_000 },
    { text: 'example', sort: 'role', direction: 'desc', offset: 90_000 },
  ],
};

/**
 * The group and profile-field filters (issue 16) on the probe's own data:
 * its first groups and its first choice field's value, alone and with text.
 */
function keyedClasses(rows: readonly IndexedRow[]): Record<string, Partial<SearchQuery>[]> {
  const groupIds = [...new Set(rows.flatMap((r) => groupIdsOf(r.filterKeys)))].slice(0, 2);
  const groups = groupIds.map((groupId) => ({ connectionId: 'conn-z', groupId }));
  const field = rows.flatMap((r) => fieldsOf(r.filterKeys))[0];
  const out: Record<string, Partial<SearchQuery>[]> = {};
  if (groups.length > 0) {
    out['group filter'] = [{ groups: groups.slice(0, 1) }, { groups, text: 'an' }];
  }
  if (field) {
    const [fieldId, value] = field;
    out['profile field filter'] = [
      { profileField: { connectionId: 'conn-z', fieldId, match: 'choice', value } },
      { profileField: { connectionId: 'conn-z', fieldId, match: 'text', value: 'e' }, text: 'a' },
    ];
  }
  return out;
}

export async function main(args: { count?: number; runs?: number }): Promise<unknown> {
  const count = args.count ?? 100_000;
  const { writes } = zulipWrites(count);
  const rows: IndexedRow[] = writes.map((w, i) => ({ ...searchRowOf(w.user), rowId: i + 1 }));
  gc();
  const heapBefore = process.memoryUsage();
  const index = createSearchIndex();
  const t = performance.now();
  for (let i = 0; i < rows.length; i += 2000) index.upsert(rows.slice(i, i + 2000));
  const buildMs = performance.now() - t;
  gc();
  const heapAfter = process.memoryUsage();
  const out: Record<string, unknown> = {
    count,
    buildMs: Math.round(buildMs),
    heapMB: +((heapAfter.heapUsed - heapBefore.heapUsed) / 1e6).toFixed(1),
    externalMB: +((heapAfter.external - heapBefore.external) / 1e6).toFixed(1),
    stats: index.stats(),
  };
  const runs = args.runs ?? 10;
  const classes = { ...QUERY_CLASSES, ...keyedClasses(rows) };
  for (const [name, partials] of Object.entries(classes)) {
    const qs: SearchQuery[] = partials.map((partial) => ({
      ...DEFAULT_SEARCH_SPEC,
      connectionIds: [],
      roles: [],
      offset: 0,
      limit: 60,
      ...partial,
    }));
    const times: number[] = [];
    const cold: number[] = [];
    let same = true;
    const totals: number[] = [];
    for (const q of qs) {
      let s = performance.now();
      const result = index.search(q);
      cold.push(performance.now() - s);
      const expected = searchRows(rows, q);
      same &&=
        expected.total === result.total &&
        JSON.stringify(expected.items.map((r) => r.rowId)) === JSON.stringify(result.rowIds);
      totals.push(result.total);
      for (let r = 0; r < runs; r++) {
        s = performance.now();
        index.search(q);
        times.push(performance.now() - s);
      }
    }
    // The baseline: Array.filter with lowercase includes, then sort and slice.
    const base: number[] = [];
    for (const q of qs) {
      const s = performance.now();
      const terms = searchTerms(q.text);
      const m = rows.filter((row) => terms.every((x) => row.searchText.includes(x)));
      m.sort((a, b) => (a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0));
      m.slice(q.offset, q.offset + q.limit);
      base.push(performance.now() - s);
    }
    out[name] = {
      totals: totals.join(' '),
      same,
      p50: +pct(times, 50).toFixed(2),
      p95: +pct(times, 95).toFixed(2),
      max: +Math.max(...times).toFixed(2),
      coldMax: +Math.max(...cold).toFixed(2),
      baselineP50: +pct(base, 50).toFixed(1),
    };
  }
  return out;
}
