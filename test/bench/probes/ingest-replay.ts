// Probe: the sync suite's ingest into an empty cache, alone in a process:
// the fake server's answers are recorded by a first sync, then replayed from
// memory into a fresh core (the worker thread writes, main applies the index
// changes), `runs` times. Per run: seconds, the longest loop hold, and each
// hold over 40 ms in the monotonic clock's µs, to match `--trace-gc` lines or
// a `--cpu-prof` profile, with main's CPU and wait for a core in it (Linux).
// The suite's figure includes whatever else its process holds; this one
// holds only the recorded answers (off the heap).
// With `settleMs`, each run then waits (the index is saved and compacted
// meanwhile) and reports the heap after a full GC and the loop's holds.
// With `resyncs`, each run then syncs the same core again that many times,
// right after its index is ready (a save due then may meet the re-sync, as
// when an admin syncs again at once): seconds, longest hold and holds each.
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/ingest-replay.ts '{"count":100000}'
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addConnection, openBenchCore, waitForLog, type FakeTarget } from '../lib/bench-core';
import { startFakeProcess } from '../lib/fake-process';
import { recordingFetch, replayFetch, type Recorded } from '../lib/replay-fetch';
import { collectGarbage } from '../lib/sampling';
import { loopWatch } from './probe-data';

/** The answers of one sync through a core that is closed and dropped after (its heap must not count). */
async function record(workDir: string, target: FakeTarget): Promise<Recorded[]> {
  const recorder = recordingFetch();
  const first = await openBenchCore({ workDir, fetch: recorder.fetch });
  await first.call('directory:sync', {
    connectionId: await addConnection(first, target, 'probe'),
  });
  await first.close();
  rmSync(first.userDataDir, { recursive: true, force: true });
  return recorder.answers();
}

/**
 * The longest hold of a watch, and each hold over 40 ms in the monotonic
 * clock's µs, with (Linux) main's own CPU time in it and its time waiting
 * for a core: a hold of little run and much wait is other threads' doing.
 */
function holdsOf(loop: {
  maxGapMs: number;
  longGaps: [number, number][];
  longGapsSched: { runMs: number; waitMs: number }[];
}): {
  loopMaxMs: number;
  holds: { fromUs: number; ms: number; runMs?: number; waitMs?: number }[];
} {
  return {
    loopMaxMs: Number(loop.maxGapMs.toFixed(1)),
    holds: loop.longGaps.map(([a, b], i) => {
      const sched = loop.longGapsSched[i];
      return {
        fromUs: a,
        ms: Number(((b - a) / 1000).toFixed(1)),
        ...(sched ? { runMs: sched.runMs, waitMs: sched.waitMs } : {}),
      };
    }),
  };
}

/** Asks for the first page every `everyMs` until stopped: the count of asks and their ms (p50, max). */
function askWhileSyncing(
  bench: Awaited<ReturnType<typeof openBenchCore>>,
  everyMs: number,
): { stop(): Promise<{ count: number; p50Ms: number; maxMs: number }> } {
  const times: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (stopped) break;
      const t = performance.now();
      await bench.call('users:search', { text: '', facets: true, offset: 0, limit: 60 });
      times.push(performance.now() - t);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      times.sort((a, b) => a - b);
      return {
        count: times.length,
        p50Ms: Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(1)),
        maxMs: Number((times.at(-1) ?? 0).toFixed(1)),
      };
    },
  };
}

export async function main(args: {
  kind?: 'zulip' | 'openwebui';
  count?: number;
  runs?: number;
  /** Also wait this long after each sync (ms), then report the heap after a full GC and the loop meanwhile. */
  settleMs?: number;
  /** Then sync the same core again this many times, each at once after the last (nothing changed). */
  resyncs?: number;
  /**
   * While each first sync runs, ask for the window's first page (`users:search`
   * with facets) every this many ms, as the window does while users arrive
   * (renderer actions/show-saved-users.ts): how many asks, and their ms.
   */
  askEveryMs?: number;
}): Promise<unknown> {
  const kind = args.kind ?? 'zulip';
  const count = args.count ?? 100_000;
  const workDir = mkdtempSync(join(tmpdir(), 'rollcall-probe-ingest-'));
  const fake = await startFakeProcess(workDir, { kind, count, seed: 1, sampleIds: 0 });
  try {
    const answers = await record(workDir, fake.target);
    const runs: unknown[] = [];
    for (let i = 0; i < (args.runs ?? 2); i++) {
      const bench = await openBenchCore({ workDir, fetch: replayFetch(answers) });
      const id = await addConnection(bench, fake.target, 'probe');
      collectGarbage();
      const heapMbBefore = Math.round(process.memoryUsage().heapUsed / 1e6);
      const watch = loopWatch();
      const t0 = performance.now();
      const asking = args.askEveryMs ? askWhileSyncing(bench, args.askEveryMs) : null;
      await bench.call('directory:sync', { connectionId: id });
      const seconds = (performance.now() - t0) / 1000;
      const loop = watch.stop();
      const asks = asking ? await asking.stop() : null;
      const heapMb = process.memoryUsage().heapUsed / 1e6;
      // What follows a sync when the window stays open: the index saved after
      // three quiet seconds, then compacted (users-index-sync.ts `compact`).
      let settled: Record<string, unknown> = {};
      if (args.settleMs) {
        const after = loopWatch();
        await new Promise((resolve) => setTimeout(resolve, args.settleMs));
        const held = after.stop();
        collectGarbage();
        const { loopMaxMs, holds } = holdsOf(held);
        settled = {
          heapMbSettled: Math.round(process.memoryUsage().heapUsed / 1e6),
          settleLoopMaxMs: loopMaxMs,
          settleHolds: holds,
        };
      }
      const again: unknown[] = [];
      if (args.resyncs) {
        // A first sync of many users leaves main's index to be built at its end.
        if (!(await waitForLog(bench, 'search index ready', { timeoutMs: 300_000 })))
          throw new Error('the index was not built after the sync');
        for (let r = 0; r < args.resyncs; r++) {
          const held = loopWatch();
          const t = performance.now();
          await bench.call('directory:sync', { connectionId: id });
          again.push({
            seconds: Number(((performance.now() - t) / 1000).toFixed(2)),
            ...holdsOf(held.stop()),
          });
        }
      }
      runs.push({
        ...settled,
        heapMbBefore,
        heapMbAfter: Math.round(heapMb),
        seconds: Number(seconds.toFixed(2)),
        ...holdsOf(loop),
        ...(asks ? { asks } : {}),
        ...(args.resyncs ? { resyncs: again } : {}),
      });
      await bench.close();
      rmSync(bench.userDataDir, { recursive: true, force: true });
    }
    return { kind, count, runs };
  } finally {
    await fake.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
