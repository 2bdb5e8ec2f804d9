/**
 * How the benchmarks take samples: warm-up first, then runs until both a
 * count and a time budget are met, the measured side and its baseline
 * interleaved (alternating which goes first) so machine noise lands on
 * both alike. Also the event-loop monitor and "wait until core is idle".
 *
 * Runs in Node (bench processes).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** How many samples to take. */
export interface SampleOptions {
  /** Unrecorded runs first (JIT, caches, page cache). */
  warmup: number;
  /** Runs wanted. */
  runs: number;
  /** Runs taken even when the budget is spent. */
  minRuns: number;
  /** Stop after this long (ms), once `minRuns` are in. */
  budgetMs: number;
  /**
   * Empty V8's young generation (a scavenge, ~1 ms; no old-space sweeping
   * follows it) before every timed call, so garbage one side left is never
   * collected during the other's timing. Needs --expose-gc; ignored without.
   */
  scavengeBetween?: boolean;
}

/** A measured step: does the work once, returns the milliseconds it took. */
export type Timed = (iteration: number) => Promise<number> | number;

/** Samples `measured` and `baseline` alternately; returns both lists of ms. */
export async function samplePaired(
  options: SampleOptions,
  measured: Timed,
  baseline: Timed | null,
): Promise<{ measured: number[]; baseline: number[] }> {
  for (let i = 0; i < options.warmup; i++) {
    await measured(i);
    if (baseline) await baseline(i);
  }
  const out = { measured: [] as number[], baseline: [] as number[] };
  const started = performance.now();
  const enough = (i: number): boolean =>
    i >= options.runs || (i >= options.minRuns && performance.now() - started > options.budgetMs);
  const clean = options.scavengeBetween ? scavenge : () => {};
  for (let i = 0; !enough(i); i++) {
    // Both sides of one iteration get the same index (counting warm-up runs), so they can
    // work on the same item; which goes first alternates.
    const k = options.warmup + i;
    if (baseline && i % 2 === 1) {
      clean();
      out.baseline.push(await baseline(k));
      clean();
      out.measured.push(await measured(k));
    } else {
      clean();
      out.measured.push(await measured(k));
      clean();
      if (baseline) out.baseline.push(await baseline(k));
    }
  }
  return out;
}

/** Times one call. */
export async function timed(run: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

/** What `monitorEventLoopDelay` saw while it ran, in ms. */
export interface LoopDelay {
  /**
   * Longest delay seen. Node's histogram records the interval between timer
   * ticks, so an idle loop reads about the resolution (10 ms): a reading
   * of 60 means the loop was held for about 50 ms.
   */
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  /** Ticks recorded. */
  count: number;
}

/** The event-loop delay histogram of the brief: resolution 10 ms. */
const LOOP_RESOLUTION_MS = 10;

/** Starts watching the event loop of this process; `stop` returns what it saw. */
export function watchEventLoop(): { stop(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return {
        maxMs: histogram.max / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        meanMs: histogram.mean / 1e6,
        count: histogram.count,
      };
    },
  };
}

/** The event loop over an idle stretch of this process: the noise floor of `watchEventLoop`. */
export async function idleLoopDelay(ms: number): Promise<LoopDelay> {
  const watch = watchEventLoop();
  await sleep(ms);
  return watch.stop();
}

/**
 * Waits until this process (every thread: workers and SQLite's too) has
 * been nearly idle for `quietWindows` windows in a row, so background work
 * of core (an index built at start, a refresh behind a lookup) does not land
 * in a measurement. Says how long it waited, when the last busy window
 * ended (both from the call, ms) and whether it got there.
 */
export async function waitUntilIdle(
  options: {
    windowMs?: number;
    quietWindows?: number;
    maxCpuShare?: number;
    timeoutMs?: number;
  } = {},
): Promise<{ waitedMs: number; busyUntilMs: number; settled: boolean }> {
  const windowMs = options.windowMs ?? 100;
  const quietWindows = options.quietWindows ?? 4;
  const maxShare = options.maxCpuShare ?? 0.05;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const t0 = performance.now();
  let quiet = 0;
  let busyUntilMs = 0;
  while (performance.now() - t0 < timeoutMs) {
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpu0);
    const share = (cpu.user + cpu.system) / 1000 / (performance.now() - w0);
    if (share <= maxShare) quiet++;
    else {
      quiet = 0;
      busyUntilMs = performance.now() - t0;
    }
    if (quiet >= quietWindows)
      return { waitedMs: performance.now() - t0, busyUntilMs, settled: true };
  }
  return { waitedMs: performance.now() - t0, busyUntilMs, settled: false };
}

/** A scavenge of V8's young generation, when Node runs with --expose-gc. */
function scavenge(): void {
  const gc = (globalThis as { gc?: (options?: { type: 'minor'; execution: 'sync' }) => void }).gc;
  gc?.({ type: 'minor', execution: 'sync' });
}

/** Frees what can be freed before a measurement, when Node runs with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}
