/**
 * Issue 17's figures, for the search suite: how long a start over the
 * 100 000-user cache takes until the index answers, with the saved index
 * (store/index-snapshot.ts) and without it (built from the cache), the
 * longest loop hold meanwhile; what the SQL search that answers until then
 * costs; and the index build's time per user at two sizes, which must stay
 * flat (the build was quadratic).
 *
 * Runs in Node (the search suite's process).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@core/log';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf, searchTerms } from '@core/search/search-text';
import { databasePath, openDatabase } from '@core/store/db';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { startWalCheckpointer } from '@core/store/wal-checkpointer';
import { createUsersRepo } from '@core/store/users-repo';
import { containsPattern, globIsFaster } from '@core/store/users-search-where';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { zulipWrites } from '../probes/probe-data';
import { openBenchCore, waitForLog } from './bench-core';
import { figure, statsOf, type Figure, type SuiteArgs } from './figures';
import { collectGarbage, watchEventLoop } from './sampling';

const GROUP = 'Searchable at launch (issue 17)';

/** What a start until the index is ready cost in memory, measured after a full GC. */
interface StartMemory {
  /** Resident set growth of the process from before opening, MB. */
  rssMb: number;
  /** V8 heap growth, MB. */
  heapMb: number;
  /** Typed arrays and characters of strings the index holds (its own count), MB. */
  indexTypedMb: number;
  indexStringMb: number;
}

/** Opens core over `dir` and times it until its log says the index is ready. */
async function openUntilReady(
  args: SuiteArgs,
  dir: string,
  waitForSave: boolean,
): Promise<{
  ms: number;
  loopMaxMs: number;
  fromSaved: boolean;
  savedAfterMs: number | null;
  memory: StartMemory;
}> {
  const offline = async (): Promise<Response> => {
    throw new TypeError('fetch failed (the bench is offline)');
  };
  collectGarbage();
  const before = process.memoryUsage();
  const watch = watchEventLoop();
  const t0 = performance.now();
  const bench = await openBenchCore({ workDir: args.workDir, userDataDir: dir, fetch: offline });
  if (!(await waitForLog(bench, 'search index ready', { timeoutMs: 900_000, pollMs: 2 })))
    throw new Error('the index was never ready (15 min)');
  const ready = bench.logLines.find((l) => l.includes('search index ready')) ?? '';
  const ms = performance.now() - t0;
  const loop = watch.stop();
  collectGarbage();
  const after = process.memoryUsage();
  const logged = (key: string): number =>
    Number(new RegExp(`"${key}":(\\d+)`).exec(ready)?.[1] ?? NaN);
  const memory: StartMemory = {
    rssMb: (after.rss - before.rss) / 1e6,
    heapMb: (after.heapUsed - before.heapUsed) / 1e6,
    indexTypedMb: logged('typedBytes') / 1e6,
    // UTF-16: two bytes a character at most (V8 keeps Latin-1 strings in one).
    indexStringMb: (logged('stringChars') * 2) / 1e6,
  };
  // Let it save the index (a few seconds after it settles), so the next start can read it.
  let savedAfterMs: number | null = null;
  const file = join(dir, SNAPSHOT_FILE_NAME);
  const waitFrom = performance.now();
  if (waitForSave) await waitForLog(bench, 'search index saved', { timeoutMs: 120_000 });
  if (existsSync(file)) savedAfterMs = performance.now() - waitFrom;
  await bench.close();
  return {
    ms,
    loopMaxMs: loop.maxMs,
    fromSaved: ready.includes('saved index'),
    savedAfterMs,
    memory,
  };
}

/** Which directory a set of launch figures is about. */
export interface LaunchScale {
  /** Users in the cache, for the names. */
  users: number;
  /** Prefix of the figure IDs ("launch", "scale300k.launch"). */
  id: string;
  group: string;
}

const AT_100K: LaunchScale = { users: 100_000, id: 'launch', group: GROUP };

/** "300 000" */
function spaced(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, ' ');
}

/**
 * Launch to searchable over the cache in `dir`: without a saved index, then
 * with it; the longest loop hold of each; and (beyond 100 000 users) the
 * memory a start costs.
 */
export async function launchFigures(
  args: SuiteArgs,
  dir: string,
  log: string[],
  scale: LaunchScale = AT_100K,
): Promise<Figure[]> {
  const file = join(dir, SNAPSHOT_FILE_NAME);
  const built: number[] = [];
  const loaded: number[] = [];
  const builtLoops: number[] = [];
  const loadedLoops: number[] = [];
  const memory: { built: StartMemory[]; loaded: StartMemory[] } = { built: [], loaded: [] };
  const runs = args.quick ? 1 : 2;
  for (let i = 0; i < runs; i++) {
    rmSync(file, { force: true });
    const b = await openUntilReady(args, dir, true);
    if (b.fromSaved) log.push('ODD: a start without a saved index read one');
    built.push(b.ms);
    builtLoops.push(b.loopMaxMs);
    memory.built.push(b.memory);
    if (b.savedAfterMs === null) log.push('ODD: the index was not saved within 120 s of settling');
    const l = await openUntilReady(args, dir, false);
    if (!l.fromSaved) log.push('ODD: a start with a saved index built it instead');
    loaded.push(l.ms);
    loadedLoops.push(l.loopMaxMs);
    memory.loaded.push(l.memory);
  }
  const loops = [...builtLoops, ...loadedLoops];
  const worst = Math.max(...loops);
  const users = spaced(scale.users);
  const out = [
    figure({
      id: `${scale.id}.searchable`,
      group: scale.group,
      name: `open the cache → index ready, saved index read (${users} users)`,
      unit: 'ms',
      stats: statsOf(loaded),
      baseline: { name: 'no saved index: built from the cache', stats: statsOf(built) },
      target: {
        text: '≤ 2 000 ms',
        holds: Math.max(...loaded) <= 2_000,
        why: `slowest ${Math.max(...loaded).toFixed(0)} ms over ${loaded.length} start(s)`,
      },
      extra: { builtMedianMs: statsOf(built)?.median ?? null },
    }),
    figure({
      id: `${scale.id}.loop`,
      group: scale.group,
      name: `event loop from opening to index ready (built or read, ${users} users)`,
      unit: 'ms',
      stats: statsOf(loops),
      baseline: null,
      speedWords: false,
      target: { text: 'max ≤ 50 ms', holds: worst <= 50, why: `longest ${worst.toFixed(0)} ms` },
      extra: {
        worstReadingSavedMs: Math.round(Math.max(...loadedLoops)),
        worstBuildingMs: Math.round(Math.max(...builtLoops)),
      },
    }),
  ];
  if (scale.users > 100_000) {
    out.push(
      figure({
        id: `${scale.id}.built`,
        group: scale.group,
        name: `open the cache → index ready, no saved index (built, ${users} users)`,
        unit: 'ms',
        stats: statsOf(built),
        baseline: { name: 'saved index read', stats: statsOf(loaded) },
        speedWords: false,
        target: {
          text: '≤ 2 000 ms (searchable by SQL meanwhile)',
          holds: Math.max(...built) <= 2_000,
          why: `slowest ${Math.max(...built).toFixed(0)} ms`,
        },
      }),
    );
    const last = memory.loaded[memory.loaded.length - 1] as StartMemory;
    const lastBuilt = memory.built[memory.built.length - 1] as StartMemory;
    out.push(
      figure({
        id: `${scale.id}.memory`,
        group: scale.group,
        name: `memory of a start from the saved index (${users} users): RSS growth`,
        unit: 'MB',
        stats: statsOf(memory.loaded.map((m) => m.rssMb)),
        baseline: {
          name: 'RSS growth of a start that built it',
          stats: statsOf([lastBuilt.rssMb]),
        },
        speedWords: false,
        target: null,
        extra: {
          heapMb: Math.round(last.heapMb),
          indexTypedArraysMb: Math.round(last.indexTypedMb),
          indexStringsMbAtMost: Math.round(last.indexStringMb),
          heapMbBuilt: Math.round(lastBuilt.heapMb),
        },
        notes: [
          'after a full GC, the process that opened core; RSS includes SQLite page cache; index sizes are its own count (stats())',
        ],
      }),
    );
  }
  return out;
}

/**
 * A bench query as the window sends it (directory-store.ts): its first page
 * of 60 with the facet counts, by relevance while text is typed.
 */
export function asTheWindowAsks(q: Partial<SearchQuery>): SearchQuery {
  return {
    ...DEFAULT_SEARCH_SPEC,
    offset: 0,
    limit: 60,
    facets: true,
    sort: q.text ? 'relevance' : 'name',
    ...q,
  };
}

/**
 * The SQL search over the cache in `dir` (a repository with no index), every
 * query as the window sends it (by relevance while text is typed, with the
 * facets) and as core runs it (`searchAsync`: the scans on the background
 * connection), against the floor of any SQL answer: one count of the same
 * matches (a scan of the covering index) on that connection, interleaved.
 */
export async function sqlFallbackFigure(
  dir: string,
  queries: Partial<SearchQuery>[],
  runs: number,
  scale: LaunchScale = AT_100K,
): Promise<Figure> {
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  const background = await startWalCheckpointer(cache, { log: silentLogger });
  try {
    if (!background) throw new Error('the SQL search figure needs the background connection');
    const users = createUsersRepo(cache, { now: () => 1, backgroundRead: background.read });
    const times: number[] = [];
    const floor: number[] = [];
    const byName: number[] = [];
    for (let r = 0; r < runs; r++) {
      for (const q of queries) {
        const query = asTheWindowAsks(q);
        let t = performance.now();
        await users.searchAsync(query);
        times.push(performance.now() - t);
        t = performance.now();
        await users.searchAsync({ ...query, sort: q.sort ?? 'name' });
        byName.push(performance.now() - t);
        const count = countMatchesSql(query.text);
        t = performance.now();
        await background.read(count.sql, count.params);
        floor.push(performance.now() - t);
      }
    }
    const stats = statsOf(times);
    return figure({
      id: `${scale.id}.sql`,
      group: scale.group,
      name: `SQL search while no index is ready (every bench query as the window sends it, ${spaced(scale.users)} users)`,
      unit: 'ms',
      stats,
      baseline: { name: 'one count of the same text matches (SQL)', stats: statsOf(floor) },
      speedWords: false,
      target: {
        text: 'p95 ≤ 50 ms',
        holds: stats !== null && stats.p95 <= 50,
        why: stats ? `p95 ${stats.p95.toFixed(0)} ms, median ${stats.median.toFixed(0)} ms` : '',
      },
      extra: {
        byNameP95Ms: Math.round(statsOf(byName)?.p95 ?? NaN),
        byNameMedianMs: Math.round(statsOf(byName)?.median ?? NaN),
      },
      notes: [
        'relevance ranks at most 2 000 matches by SQL; more are listed by name until the index is ready',
      ],
    });
  } finally {
    await background?.close();
    cache.close();
  }
}

/**
 * `count(*)` of the users whose haystack holds every term of `text`: a scan
 * of the covering index, each term tested as the SQL search tests it (GLOB
 * where it is the faster test, else `instr()`; the bench's haystacks hold
 * no NUL).
 */
function countMatchesSql(text: string): { sql: string; params: string[] } {
  const terms = [...new Set(searchTerms(text))];
  const where = terms
    .map((t) => (globIsFaster(t) ? 'search_text GLOB ?' : 'instr(search_text, ?) > 0'))
    .join(' AND ');
  const params = terms.map((t) => (globIsFaster(t) ? containsPattern(t) : t));
  return { sql: `SELECT count(*) AS n FROM users${where ? ` WHERE ${where}` : ''}`, params };
}

/** Builds the index from `count` synthetic users as a start does: wall ms and heap. */
async function buildOnce(count: number, seed: number): Promise<{ ms: number; heapMb: number }> {
  const rows: IndexedRow[] = zulipWrites(count, 'conn-z', seed).writes.map((w, i) => ({
    ...searchRowOf(w.user),
    rowId: i + 1,
  }));
  collectGarbage();
  const heap = process.memoryUsage().heapUsed;
  const index = createSearchIndex();
  const t = performance.now();
  // As a start does (users-index-sync.ts): orders and text built once, at the end.
  index.deferOrdersToRebuild();
  index.deferTextToRebuild();
  for (let i = 0; i < rows.length; i += 64)
    index.upsert(rows.slice(i, i + 64), { deferOrder: true });
  const pause = async (): Promise<boolean> => {
    await new Promise((resolve) => setImmediate(resolve));
    return true;
  };
  await index.rebuildText(pause, 10);
  await index.rebuildOrders(pause, 10);
  const ms = performance.now() - t;
  collectGarbage();
  const heapMb = (process.memoryUsage().heapUsed - heap) / 1e6;
  if (index.size !== count) throw new Error(`built ${index.size} of ${count}`);
  return { ms, heapMb };
}

/** The build's time per user at 10 000 and 100 000 users: flat when it is linear. */
export async function buildFigures(args: SuiteArgs): Promise<Figure[]> {
  const small = await buildOnce(10_000, args.seed);
  const large = await buildOnce(100_000, args.seed);
  const perSmall = small.ms / 10;
  const perLarge = large.ms / 100;
  return [
    figure({
      id: 'launch.build',
      group: GROUP,
      name: 'index build from 100 000 synthetic users, per 1 000 users',
      unit: 'ms',
      stats: statsOf([perLarge]),
      baseline: { name: 'the same at 10 000 users', stats: statsOf([perSmall]) },
      speedWords: false,
      target: {
        text: 'per user at 100 000 ≤ 1.5 × per user at 10 000 (linear)',
        holds: perLarge <= 1.5 * perSmall,
        why: `${(large.ms / 1000).toFixed(1)} s for 100 000, ${(small.ms / 1000).toFixed(1)} s for 10 000`,
      },
      extra: { heapMb100k: Math.round(large.heapMb), heapMb10k: Math.round(small.heapMb) },
    }),
  ];
}
