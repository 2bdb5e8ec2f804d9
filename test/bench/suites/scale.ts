/**
 * The 300 000-user scenario of issue 17: a cache three times the search
 * suite's, written once per run straight through the users repository
 * (lib/cache-direct.ts; a sync of that size would cost minutes), then
 * launch to searchable with and without the saved index, the memory a
 * start costs, the SQL search that answers until the index is ready, and
 * every query class of the search suite as the window sends it (by
 * relevance while text is typed), each against the in-memory baseline of
 * the same users measured interleaved.
 *
 * Runs in Node (a bench child process, started by run.mjs).
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath } from '@core/store/db';
import { DERIVATION_VERSION } from '@core/store/derivation';
import type { ArgOf } from '@shared/contract';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { openBenchCore, waitForLog } from '../lib/bench-core';
import { makeDirectZulipCache } from '../lib/cache-direct';
import { figure, statsOf, type Figure, type SuiteArgs, type SuiteResult } from '../lib/figures';
import { launchFigures, sqlFallbackFigure, type LaunchScale } from '../lib/launch-index';
import { baselineSearch, loadBaselineRows } from '../lib/search-baseline';
import { collectGarbage, samplePaired, timed } from '../lib/sampling';
import { QUERY_CLASSES } from './search';

/** The target for every class at 300 000 users. */
const P95_TARGET_MS = 5;
const USERS = 300_000;
const SCALE: LaunchScale = {
  users: USERS,
  id: 'scale300k.launch',
  group: 'Searchable at launch, 300 000 users (issue 17)',
};

/** A query as the window sends it: by relevance while text is typed, else by name. */
function fullQuery(q: Partial<SearchQuery>): SearchQuery {
  return {
    ...DEFAULT_SEARCH_SPEC,
    connectionIds: [],
    roles: [],
    sort: q.text ? 'relevance' : 'name',
    direction: 'asc',
    offset: 0,
    limit: 60,
    ...q,
  };
}

/** Every query class over the 300 000-user cache in `dir` (the saved index is read at start). */
async function classFigures(args: SuiteArgs, dir: string, log: string[]): Promise<Figure[]> {
  const offline = async (): Promise<Response> => {
    throw new TypeError('fetch failed (the bench is offline)');
  };
  const bench = await openBenchCore({ workDir: args.workDir, userDataDir: dir, fetch: offline });
  const figures: Figure[] = [];
  try {
    if (!(await waitForLog(bench, 'search index ready', { timeoutMs: 900_000, pollMs: 5 })))
      throw new Error('the index was never ready (15 min)');
    const { rows, via } = await loadBaselineRows(bench);
    log.push(`scale: baseline holds ${rows.length} users, read from ${via}`);
    const group = `Search at 300 000 users (users:search, 60 a page)`;
    for (const cls of QUERY_CLASSES) {
      const queries = cls.queries.map(fullQuery);
      const at = (k: number): SearchQuery => queries[k % queries.length] as SearchQuery;
      collectGarbage();
      const totals: number[] = queries.map(() => -1);
      const samples = await samplePaired(
        {
          warmup: queries.length,
          runs: args.quick ? 30 : 100,
          minRuns: args.quick ? 10 : 20,
          budgetMs: args.quick ? 1_500 : 4_000,
          scavengeBetween: true,
        },
        async (k) =>
          timed(async () => {
            const r = await bench.call('users:search', at(k) as ArgOf<'users:search'>);
            totals[k % queries.length] = r.total;
          }),
        (k) => timed(() => baselineSearch(rows, at(k))),
      );
      const stats = statsOf(samples.measured);
      const base = statsOf(samples.baseline);
      figures.push(
        figure({
          id: `scale300k.search.${cls.id}`,
          group,
          name: cls.name,
          unit: 'ms',
          stats,
          baseline: { name: 'Array.filter + includes, sort, slice', stats: base },
          target: {
            text: `p95 ≤ ${P95_TARGET_MS} ms`,
            holds: stats !== null && stats.p95 <= P95_TARGET_MS,
            why: stats ? `p95 ${stats.p95.toFixed(2)} ms` : 'no samples',
          },
          extra: { matches: totals.join(' ') },
        }),
      );
    }
    const errors = bench.errors();
    if (errors.length > 0)
      log.push(`ODD: core logged ${errors.length} error(s), e.g. ${errors[0]}`);
  } finally {
    await bench.close();
  }
  return figures;
}

/** Whether every row of the cache at `path` was derived by this version (else core re-derives them at start). */
function derivedByThisVersion(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db
      .prepare('SELECT count(*) AS n FROM users WHERE derived_version < ?')
      .get(DERIVATION_VERSION) as { n: number };
    return Number(row.n) === 0;
  } finally {
    db.close();
  }
}

/** The suite. */
export async function main(args: SuiteArgs): Promise<SuiteResult> {
  const t0 = performance.now();
  const start = loadavg();
  const log: string[] = [];
  const only = args.filter ? new RegExp(args.filter) : null;
  // ROLLCALL_BENCH_CACHE300K: a folder a kept run (--keep) wrote, to skip writing one again.
  const kept = process.env.ROLLCALL_BENCH_CACHE300K;
  let dir: string;
  if (kept && existsSync(databasePath(kept)) && derivedByThisVersion(databasePath(kept))) {
    dir = kept;
    log.push(`scale: reused the ${USERS}-user cache in ${kept}`);
  } else {
    if (kept && existsSync(databasePath(kept)))
      log.push(
        `scale: the cache in ${kept} has rows an older version derived (core would derive them again while measured): writing a new one`,
      );
    const made = await makeDirectZulipCache(args, USERS);
    dir = made.dir;
    log.push(
      `scale: wrote a ${USERS}-user cache through the repository in ${made.seconds.toFixed(0)} s`,
    );
  }
  const figures: Figure[] = [];
  // Launch first: it leaves the saved index the class figures start from.
  figures.push(...(await launchFigures(args, dir, log, SCALE)));
  if (!only || only.test('sql')) {
    figures.push(
      await sqlFallbackFigure(
        dir,
        QUERY_CLASSES.flatMap((c) => c.queries),
        1,
        SCALE,
      ),
    );
  }
  if (!only || only.test('search')) figures.push(...(await classFigures(args, dir, log)));
  return {
    suite: 'scale',
    figures,
    elapsedMs: performance.now() - t0,
    load: { start, end: loadavg() },
    log,
  };
}
