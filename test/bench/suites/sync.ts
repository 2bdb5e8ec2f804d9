/**
 * Sync benchmarks: end to end against the fake servers (10 000 and 100 000
 * users, each fake in a process of its own), ingest with the network taken
 * out (the same sync replaying the fake's recorded answers from memory) into
 * an empty and into a full cache, the event loop during both, and lookups
 * cached and uncached. Every figure goes through `core.dispatch`. Leaves the
 * 100 000-user Zulip cache behind for the search and window suites.
 *
 * Runs in Node (a bench child process, started by run.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { FetchLike } from '@core/deps';
import {
  addConnection,
  linesWith,
  openBenchCore,
  waitForLog,
  type BenchCore,
} from '../lib/bench-core';
import { startFakeProcess, type FakeProcess } from '../lib/fake-process';
import {
  figure,
  statsOf,
  type Figure,
  type Stats,
  type SuiteArgs,
  type SuiteResult,
} from '../lib/figures';
import { countRecordedUsers, floorIngest } from '../lib/ingest-floor';
import {
  rawFetchAll,
  recordedBytes,
  recordingFetch,
  replayFetch,
  switchableFetch,
  type Recorded,
} from '../lib/replay-fetch';
import {
  collectGarbage,
  idleLoopDelay,
  samplePaired,
  timed,
  waitUntilIdle,
  watchEventLoop,
  type LoopDelay,
  type SampleOptions,
} from '../lib/sampling';

/** The issue's targets for a sync of 100 000 users, end to end (issue 17, item 3), in seconds. */
const SYNC_TARGET_S = { zulip: 5, openwebui: 8 } as const;
/** The directory size those targets are set for. */
const SYNC_TARGET_USERS = 100_000;
/** The issue's target for the longest hold of the event loop. */
const LOOP_TARGET_MS = 50;

/** How many runs of what, for one provider at one size. */
interface Scenario {
  kind: 'zulip' | 'openwebui';
  count: number;
  /** End-to-end runs after the recording one (which counts at 100 000, is warm-up below). */
  e2e: SampleOptions;
  /** Re-syncs of the full cache, answers replayed. */
  full: SampleOptions | null;
  /** Syncs into an empty cache, answers replayed. */
  empty: SampleOptions | null;
  /** Skip `empty` when it would end past the suite's time budget. */
  emptyOptional: boolean;
  lookups: SampleOptions | null;
  /** Leave the cache for the search and window suites. */
  keepCache: boolean;
}

const LABEL = { zulip: 'Zulip', openwebui: 'Open WebUI' } as const;

function thousands(n: number): string {
  return n.toLocaleString('en-US').replace(/,/g, ' ');
}

function scenarios(quick: boolean): Scenario[] {
  const runs = (full: number, quickRuns: number, budgetMs: number): SampleOptions => ({
    warmup: 0,
    runs: quick ? quickRuns : full,
    minRuns: Math.min(quick ? quickRuns : full, quick ? 1 : 2),
    budgetMs: quick ? budgetMs / 3 : budgetMs,
  });
  const lookups: SampleOptions = {
    warmup: 3,
    runs: quick ? 15 : 40,
    minRuns: 10,
    budgetMs: quick ? 5_000 : 15_000,
  };
  return [
    {
      kind: 'zulip',
      count: 10_000,
      e2e: runs(6, 2, 20_000),
      full: null,
      empty: null,
      emptyOptional: false,
      lookups: null,
      keepCache: false,
    },
    {
      kind: 'openwebui',
      count: 10_000,
      e2e: runs(6, 2, 20_000),
      full: null,
      empty: null,
      emptyOptional: false,
      lookups: null,
      keepCache: false,
    },
    {
      kind: 'zulip',
      count: 100_000,
      e2e: runs(0, 0, 0),
      full: runs(3, 1, 30_000),
      empty: runs(1, 1, 0),
      emptyOptional: false,
      lookups,
      keepCache: true,
    },
    {
      kind: 'openwebui',
      count: 100_000,
      e2e: runs(0, 0, 0),
      full: runs(2, 1, 20_000),
      empty: runs(1, 1, 0),
      emptyOptional: true,
      lookups,
      keepCache: false,
    },
  ];
}

/** Stats of per-run loop readings, judged on the worst run. */
function loopFigure(
  id: string,
  group: string,
  name: string,
  runs: LoopDelay[],
  idle: Stats | null,
): Figure {
  const stats = statsOf(runs.map((r) => r.maxMs));
  const worst = stats?.max ?? Number.NaN;
  return figure({
    id,
    group,
    name,
    unit: 'ms',
    stats,
    baseline: { name: 'idle loop, same process', stats: idle },
    speedWords: false,
    target: {
      text: `max ≤ ${LOOP_TARGET_MS} ms`,
      holds: worst <= LOOP_TARGET_MS,
      why: `longest event-loop delay ${worst.toFixed(0)} ms over ${runs.length} run(s)`,
    },
    extra: {
      worstMaxMs: worst,
      worstP99Ms: Math.max(...runs.map((r) => r.p99Ms)),
      medianP99Ms: statsOf(runs.map((r) => r.p99Ms))?.median ?? null,
    },
    notes: [
      'per run: the longest delay monitorEventLoopDelay({resolution: 10}) saw; an idle loop reads ~10 ms',
      'baseline: the same monitor over idle 1.5 s stretches of this process (the noise floor)',
    ],
  });
}

/**
 * One `directory:sync` through the dispatcher, with the event loop watched.
 * A sync that brings many new users leaves main's index to be built at its
 * end (users-index-sync.ts `expectNewRows`): then the watch goes on until
 * the index is ready, and `readyS` says when (else it is `s`), and on
 * through what follows a build in the app, the index saved three quiet
 * seconds later and then compacted: a hold there is one the admin feels
 * as much (a save held main's loop 110-155 ms, unseen by a watch
 * that stopped at "ready").
 */
async function syncOnce(
  bench: BenchCore,
  connectionId: string,
): Promise<{ s: number; readyS: number; loop: LoopDelay; total: number; unchanged: number }> {
  collectGarbage();
  const deferredBefore = linesWith(bench, 'built again once the sync ends');
  const compactedBefore = linesWith(bench, 'search index compacted');
  const watch = watchEventLoop();
  const t0 = performance.now();
  const summary = await bench.call('directory:sync', { connectionId });
  const s = (performance.now() - t0) / 1000;
  let readyS = s;
  if (linesWith(bench, 'built again once the sync ends') > deferredBefore) {
    const before = linesWith(bench, 'search index ready');
    if (!(await waitForLog(bench, 'search index ready', { before, timeoutMs: 300_000 })))
      throw new Error('the index was not built after the sync');
    readyS = (performance.now() - t0) / 1000;
    const compacted = { before: compactedBefore, timeoutMs: 60_000 };
    if (!(await waitForLog(bench, 'search index compacted', compacted)))
      throw new Error('the index built after the sync was not saved and compacted within 60 s');
  }
  return { s, readyS, loop: watch.stop(), total: summary.total, unchanged: summary.unchanged };
}

async function dispose(bench: BenchCore): Promise<void> {
  await bench.close();
  rmSync(bench.userDataDir, { recursive: true, force: true });
}

/** Runs one provider at one size. */
async function runScenario(
  s: Scenario,
  args: SuiteArgs,
  idle: Stats | null,
  log: string[],
  budgetEnd: number,
): Promise<{ figures: Figure[]; cacheDir: string | null }> {
  const figures: Figure[] = [];
  const who = `${LABEL[s.kind]} ${thousands(s.count)}`;
  const big = s.count >= 100_000;
  const fake: FakeProcess = await startFakeProcess(args.workDir, {
    kind: s.kind,
    count: s.count,
    seed: args.seed,
    sampleIds: 60,
  });
  const fresh = async (fetchImpl?: FetchLike) => {
    const bench = await openBenchCore({ workDir: args.workDir, fetch: fetchImpl });
    const id = await addConnection(bench, fake.target, `${who} bench`);
    return { bench, id };
  };
  /** One sync into a fresh core with its own fetch, disposed after. */
  const plainRun = async () => {
    const run = await fresh();
    try {
      return await syncOnce(run.bench, run.id);
    } finally {
      await dispose(run.bench);
    }
  };
  let cacheDir: string | null = null;
  let kept: { bench: BenchCore; id: string } | null = null;
  try {
    // At 100 000 the end-to-end figures are a sync with core's own fetch, run
    // first and alone: the recording sync below keeps every answer on main and
    // adds a stream to each body, so its loop and time are the bench's as much
    // as core's (its loop is logged, not counted).
    const plain = big ? await plainRun() : null;
    // The recording sync: every answer kept as it streams through (the replay
    // and the raw-fetch baseline use them).
    const recorder = recordingFetch();
    const swap = switchableFetch(recorder.fetch);
    kept = await fresh(swap.fetch);
    const keptDir = kept.bench.userDataDir;
    const closeKept = async (): Promise<void> => {
      const k = kept;
      kept = null;
      if (k) await k.bench.close();
    };
    const recorded = await syncOnce(kept.bench, kept.id);
    const answers: Recorded[] = recorder.answers();
    const concurrency = recorder.maxInFlight;
    const users = countRecordedUsers(answers);
    const errors = kept.bench.errors();
    log.push(
      `${who}: recording sync ${recorded.s.toFixed(1)} s, ${recorded.total} users stored, ${answers.length} requests (${(recordedBytes(answers) / 1e6).toFixed(1)} MB), up to ${concurrency} in flight${errors.length ? `; core logged ${errors.length} error(s): ${errors[0]}` : ''}`,
    );
    if (recorded.total !== fake.users || users !== fake.users) {
      log.push(
        `${who}: ODD: the fake has ${fake.users} users, the sync stored ${recorded.total}, the answers held ${users}`,
      );
    }

    // End to end, over loopback, into an empty cache.
    if (plain) {
      log.push(
        `${who}: longest loop delay ${plain.loop.maxMs.toFixed(1)} ms in the measured sync, ${recorded.loop.maxMs.toFixed(1)} ms in the recording one (not counted)`,
      );
    }
    const e2eS: number[] = plain ? [plain.s] : [];
    const rawS: number[] = big ? [(await rawFetchAll(answers, concurrency)) / 1000] : [];
    const e2eLoops: LoopDelay[] = plain ? [plain.loop] : [];
    const readyS: number[] = plain ? [plain.readyS] : [];
    const more = await samplePaired(
      s.e2e,
      async () => {
        const r = await plainRun();
        e2eLoops.push(r.loop);
        readyS.push(r.readyS);
        return r.s;
      },
      async () => (await rawFetchAll(answers, concurrency)) / 1000,
    );
    e2eS.push(...more.measured);
    rawS.push(...more.baseline);
    const group = 'Sync end to end (directory:sync against the fake server, own process)';
    const e2eStats = statsOf(e2eS);
    figures.push(
      figure({
        id: `sync.${s.kind}-${s.count}`,
        group,
        name: `${who} users → empty cache`,
        unit: 's',
        stats: e2eStats,
        baseline: {
          name: `raw fetch of the same ${answers.length} URL${answers.length === 1 ? '' : 's'}, ${concurrency} at a time`,
          stats: statsOf(rawS),
        },
        target:
          s.count === SYNC_TARGET_USERS
            ? {
                text: `≤ ${SYNC_TARGET_S[s.kind]} s`,
                holds: (e2eStats?.median ?? Number.POSITIVE_INFINITY) <= SYNC_TARGET_S[s.kind],
                why: `median ${(e2eStats?.median ?? Number.NaN).toFixed(1)} s over ${e2eS.length} run(s)`,
              }
            : null,
        extra: {
          requests: answers.length,
          bytes: recordedBytes(answers),
          concurrency,
          usersPerSecond: users / (e2eStats?.median ?? Number.NaN),
        },
        notes: ['ratio = the overhead over the network alone (Rollcall ÷ raw fetch)'],
      }),
    );
    if (big)
      figures.push(
        figure({
          id: `sync.${s.kind}-${s.count}.ready`,
          group,
          name: `${who} users → empty cache, until main's index answers`,
          unit: 's',
          stats: statsOf(readyS),
          baseline: { name: 'the same syncs, until they returned', stats: e2eStats },
          target: null,
          notes: [
            'a sync that brings many new users leaves the index to be built from the cache at its end; searches read the file until then',
          ],
        }),
        loopFigure(
          `sync.${s.kind}-${s.count}.loop`,
          group,
          `${who}: event loop during the sync, the index build after it, and its save`,
          e2eLoops,
          idle,
        ),
      );
    if (big) {
      // The same directory again, nothing changed (issue 17: "costs little more than the fetch").
      swap.use((input, init) => fetch(input, init));
      const again = await syncOnce(kept.bench, kept.id);
      const againRaw = (await rawFetchAll(answers, concurrency)) / 1000;
      figures.push(
        figure({
          id: `sync.${s.kind}-${s.count}.unchanged`,
          group,
          name: `${who} users → full cache, nothing changed (re-sync)`,
          unit: 's',
          stats: statsOf([again.s]),
          baseline: {
            name: `raw fetch of the same ${answers.length} URL${answers.length === 1 ? '' : 's'}, ${concurrency} at a time`,
            stats: statsOf([againRaw]),
          },
          target: null,
          extra: { unchanged: again.unchanged, total: again.total },
          notes: ['ratio = the overhead over the network alone (Rollcall ÷ raw fetch)'],
        }),
      );
      if (again.unchanged !== fake.users)
        log.push(`${who}: ODD: the re-sync found ${again.unchanged} of ${fake.users} unchanged`);
    }

    // Ingest: the same sync with the answers replayed from memory.
    const ingestGroup =
      'Sync ingest (directory:sync, answers replayed from memory: parse + normalize + upsert)';
    const floorName = 'JSON.parse + bare INSERT in 1 transaction';
    const floorDir = mkdtempSync(join(args.workDir, 'floor-'));
    const replay = replayFetch(answers);
    try {
      if (s.full) {
        swap.use(replay);
        const fullFloor = join(floorDir, 'full.sqlite');
        floorIngest(answers, fullFloor);
        const loops: LoopDelay[] = [];
        const kb = kept;
        const full = await samplePaired(
          s.full,
          async () => {
            const r = await syncOnce(kb.bench, kb.id);
            loops.push(r.loop);
            return r.s;
          },
          async () => floorIngest(answers, fullFloor) / 1000,
        );
        const stats = statsOf(full.measured);
        figures.push(
          figure({
            id: `ingest.${s.kind}-${s.count}.full`,
            group: ingestGroup,
            name: `${who} users → full cache (re-sync, nothing changed)`,
            unit: 's',
            stats,
            baseline: { name: `${floorName}, over the rows`, stats: statsOf(full.baseline) },
            target: null,
            extra: { usersPerSecond: users / (stats?.median ?? Number.NaN) },
          }),
          loopFigure(
            `ingest.${s.kind}-${s.count}.full.loop`,
            ingestGroup,
            `${who} → full cache: event loop`,
            loops,
            idle,
          ),
        );
      }
      // One core at a time from here, as in the app: the kept core's index and
      // cache beside the measured one doubled the heap the collector marks
      // (a 451 ms hold at 100 000 that one core alone does not show).
      await closeKept();
      const lookupsMs = s.lookups ? s.lookups.budgetMs * 2 : 0;
      const wouldEnd = performance.now() + recorded.s * 1000 + lookupsMs;
      if (s.empty && s.emptyOptional && wouldEnd > budgetEnd) {
        log.push(
          `${who}: skipped the ingest into an empty cache: it would take about ${recorded.s.toFixed(0)} s more than the suite's time budget allows (the end-to-end sync covers that case)`,
        );
      } else if (s.empty) {
        let n = 0;
        const loops: LoopDelay[] = [];
        const empty = await samplePaired(
          s.empty,
          async () => {
            const run = await fresh(replay);
            const r = await syncOnce(run.bench, run.id);
            await dispose(run.bench);
            loops.push(r.loop);
            return r.s;
          },
          async () => floorIngest(answers, join(floorDir, `empty-${n++}.sqlite`)) / 1000,
        );
        const stats = statsOf(empty.measured);
        figures.push(
          figure({
            id: `ingest.${s.kind}-${s.count}.empty`,
            group: ingestGroup,
            name: `${who} users → empty cache`,
            unit: 's',
            stats,
            baseline: { name: floorName, stats: statsOf(empty.baseline) },
            target: null,
            extra: { usersPerSecond: users / (stats?.median ?? Number.NaN) },
          }),
          loopFigure(
            `ingest.${s.kind}-${s.count}.empty.loop`,
            ingestGroup,
            `${who} → empty cache: event loop (the sync, the index build, its save)`,
            loops,
            idle,
          ),
        );
      }
    } finally {
      rmSync(floorDir, { recursive: true, force: true });
    }

    await closeKept();
    if (s.keepCache) cacheDir = keptDir;
    else rmSync(keptDir, { recursive: true, force: true });

    if (s.lookups) figures.push(...(await lookupFigures(s.lookups, s.kind, args, fake, who, log)));
  } finally {
    if (kept) await dispose(kept.bench).catch(() => {});
    await fake.close();
  }
  return { figures, cacheDir };
}

/** Lookups by ID: uncached (straight to the server) and cached (answered at once, refreshed behind). */
async function lookupFigures(
  options: SampleOptions,
  kind: Scenario['kind'],
  args: SuiteArgs,
  fake: FakeProcess,
  who: string,
  log: string[],
): Promise<Figure[]> {
  const recorder = recordingFetch();
  const bench = await openBenchCore({ workDir: args.workDir, fetch: recorder.fetch });
  try {
    const connectionId = await addConnection(bench, fake.target, `${who} lookups`);
    const ids = fake.sampleIds;
    const wanted = options.warmup + options.runs;
    if (ids.length < wanted)
      log.push(`${who}: only ${ids.length} sample users for ${wanted} lookups; IDs repeat`);
    const answersOf = new Map<string, Recorded[]>();
    // Uncached: each lookup, then the raw fetch of exactly the URLs it requested.
    const uncachedMs: number[] = [];
    const rawMs: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < wanted; i++) {
      if (i >= options.warmup + options.minRuns && performance.now() - t0 > options.budgetMs) break;
      const ref = ids[i % ids.length] as string;
      recorder.reset();
      const ms = await timed(() =>
        bench.call('users:lookup', { connectionId, ref, waitForNetwork: true }),
      );
      const answers = recorder.answers();
      answersOf.set(ref, answers);
      const raw = await rawFetchAll(answers, 1);
      // The first lookups also fetch the field definitions and groups: warm-up, dropped.
      if (i < options.warmup) continue;
      uncachedMs.push(ms);
      rawMs.push(raw);
    }
    const requests =
      statsOf([...answersOf.values()].map((a) => a.length).slice(options.warmup))?.median ?? 0;

    // Cached: answered from the cache at once; the refresh behind it is let finish.
    const cachedIds = [...answersOf.keys()];
    const refAt = (k: number): string => cachedIds[k % cachedIds.length] as string;
    const cached = await samplePaired(
      options,
      async (k) => {
        const before = bench.events.length;
        const ms = await timed(() => bench.call('users:lookup', { connectionId, ref: refAt(k) }));
        const w0 = performance.now();
        while (
          !bench.events.slice(before).some((e) => e.event === 'users:refreshed') &&
          performance.now() - w0 < 5_000
        ) {
          await new Promise((r) => setTimeout(r, 2));
        }
        return ms;
      },
      async (k) => rawFetchAll(answersOf.get(refAt(k)) ?? [], 1),
    );
    const group = 'Lookup by ID (users:lookup against the fake server, 100 000 users)';
    const baselineName = `raw fetch of the same ${requests} URL${requests === 1 ? '' : 's'} in turn`;
    return [
      figure({
        id: `lookup.${kind}.uncached`,
        group,
        name: `${LABEL[kind]}: not cached (waits for the server)`,
        unit: 'ms',
        stats: statsOf(uncachedMs),
        baseline: { name: baselineName, stats: statsOf(rawMs) },
        target: null,
        notes: ['ratio = the overhead over the network alone'],
      }),
      figure({
        id: `lookup.${kind}.cached`,
        group,
        name: `${LABEL[kind]}: cached (answers at once, refreshes behind)`,
        unit: 'ms',
        stats: statsOf(cached.measured),
        baseline: { name: baselineName, stats: statsOf(cached.baseline) },
        target: null,
      }),
    ];
  } finally {
    await bench.close();
    rmSync(bench.userDataDir, { recursive: true, force: true });
  }
}

/** The suite: every scenario in turn. */
export async function main(args: SuiteArgs): Promise<SuiteResult & { cache100k: string | null }> {
  const t0 = performance.now();
  const start = loadavg();
  const log: string[] = [];
  const figures: Figure[] = [];
  const failures: string[] = [];
  await waitUntilIdle({ timeoutMs: 10_000 });
  const idleRuns: LoopDelay[] = [];
  for (let i = 0; i < (args.quick ? 3 : 5); i++) idleRuns.push(await idleLoopDelay(1_500));
  const idle = statsOf(idleRuns.map((r) => r.maxMs));
  let cache100k: string | null = null;
  // Optional parts are skipped past this, so the whole run stays under 10 minutes.
  const budgetEnd = t0 + (args.quick ? 150_000 : 330_000);
  const only = args.filter ? new RegExp(args.filter) : null;
  for (const s of scenarios(args.quick)) {
    if (only && !only.test(`${s.kind}-${s.count}`)) continue;
    try {
      const out = await runScenario(s, args, idle, log, budgetEnd);
      figures.push(...out.figures);
      cache100k ??= out.cacheDir;
    } catch (thrown) {
      failures.push(
        `sync ${s.kind}-${s.count}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
    }
    console.error(
      `[bench] sync: ${LABEL[s.kind]} ${s.count} done at ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  return {
    suite: 'sync',
    figures,
    elapsedMs: performance.now() - t0,
    load: { start, end: loadavg() },
    log,
    failures,
    cache100k,
  };
}
