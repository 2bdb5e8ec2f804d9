// Probes' shared data: a seeded synthetic Zulip organization put through the
// real normalizer (as a sync does), and a timer for "the longest the event
// loop was held". Used by the probe scripts next to it; not a test.
import { createHook } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import {
  normalizeZulipProfileFields,
  normalizeZulipUser,
  type ZulipContext,
} from '@core/providers';
import { zulipGroupsOf, zulipPresenceOf } from '@core/providers/zulip-wire';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import type { UserWrite } from '@core/store/users-rows';
import type { JsonValue } from '@shared/model';

/** Normalized writes of a synthetic Zulip organization, and how long normalizing took. */
export function zulipWrites(
  count: number,
  connectionId = 'conn-z',
  seed = 42,
): { writes: UserWrite[]; normalizeMs: number; generateMs: number } {
  let t = performance.now();
  const dir = generateZulipDirectory({ seed, count });
  const generateMs = performance.now() - t;
  t = performance.now();
  const context: ZulipContext = {
    kind: 'zulip',
    fetchedAt: 1,
    profileFields: normalizeZulipProfileFields({
      subscriptions: [],
      custom_fields: dir.profileFields,
    }),
    ...zulipGroupsOf({ user_groups: dir.userGroups }),
  };
  const writes = dir.members.map((raw) => ({
    user: normalizeZulipUser(raw, {
      connectionId,
      baseUrl: 'https://chat.example.com',
      context,
      presence: zulipPresenceOf(dir.presences[raw.email]),
    }),
    raw: raw as unknown as JsonValue,
    fetchedAt: 1,
  }));
  return { writes, normalizeMs: performance.now() - t, generateMs };
}

/**
 * This thread's time on a CPU and waiting in the run queue, in ms (Linux's
 * /proc/thread-self/schedstat); null elsewhere. Process CPU time cannot
 * tell a gap main spent computing from one it waited behind the sync
 * worker's or the collector's threads for a core.
 */
function threadSched(): { runMs: number; waitMs: number } | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(' ');
    return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
  } catch {
    return null;
  }
}

/**
 * Watches the event loop: the longest gap between two timer turns, and the
 * histogram max. Beside each gap it takes the CPU time the process spent in
 * it: on a loaded machine a gap can be time the process was not scheduled at
 * all, which holds no keystroke of its own. `cpuHeldMaxMs` is the longest gap
 * counted only as far as the process was computing (min of the gap and its
 * CPU time). On Linux each long gap is also split into main's own CPU time
 * and its wait for a core (`threadSched`): with the sync worker, its
 * checkpointer and the collector's threads on two cores, a gap can be main
 * runnable but not running.
 */
export function loopWatch(): {
  stop(): {
    maxGapMs: number;
    histMaxMs: number;
    p99Ms: number;
    cpuHeldMaxMs: number;
    /** Gaps over 40 ms as [start, end] in monotonic microseconds (a CPU profile's clock). */
    longGaps: [number, number][];
    /** Each gap over 40 ms: main's own CPU time in it and its time waiting for a core (Linux). */
    longGapsSched: { ms: number; runMs: number; waitMs: number }[];
    /** Main's CPU and run-queue time over the whole watch (Linux; null elsewhere). */
    mainSched: { runMs: number; waitMs: number } | null;
  };
} {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const micros = (): number => Number(process.hrtime.bigint() / 1000n);
  let last = micros();
  let maxGap = 0;
  let cpu = process.cpuUsage();
  let held = 0;
  const longGaps: [number, number][] = [];
  const longGapsSched: { ms: number; runMs: number; waitMs: number }[] = [];
  const first = threadSched();
  let sched = first;
  const timer = setInterval(() => {
    const t = micros();
    const used = process.cpuUsage(cpu);
    const now = threadSched();
    maxGap = Math.max(maxGap, (t - last) / 1000);
    held = Math.max(held, Math.min(t - last, used.user + used.system) / 1000);
    if (t - last > 40_000) {
      longGaps.push([last, t]);
      if (now && sched) {
        longGapsSched.push({
          ms: Math.round((t - last) / 100) / 10,
          runMs: Math.round((now.runMs - sched.runMs) * 10) / 10,
          waitMs: Math.round((now.waitMs - sched.waitMs) * 10) / 10,
        });
      }
    }
    last = t;
    sched = now;
    cpu = process.cpuUsage();
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      h.disable();
      const end = threadSched();
      return {
        maxGapMs: maxGap,
        histMaxMs: h.max / 1e6,
        p99Ms: h.percentile(99) / 1e6,
        cpuHeldMaxMs: held,
        longGaps,
        longGapsSched,
        mainSched:
          first && end
            ? {
                runMs: Math.round(end.runMs - first.runMs),
                waitMs: Math.round(end.waitMs - first.waitMs),
              }
            : null,
      };
    },
  };
}

/** Percentiles of a list of numbers. */
export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

/**
 * Times every callback the event loop runs (async_hooks before/after) and
 * keeps the longest, each with where its async resource was created. For
 * finding what holds the loop; slows everything down a little.
 */
export function longTasks(keep: number): {
  stop(): { ms: number; type: string; origin: string }[];
} {
  const origins = new Map<number, { type: string; origin: string }>();
  const started = new Map<number, number>();
  const longest: { ms: number; type: string; origin: string }[] = [];
  const hook = createHook({
    init(id, type) {
      const stack = (new Error().stack ?? '').split('\n').slice(2);
      const mine = stack.filter((l) => /src-main|probes/.test(l)).slice(0, 3);
      origins.set(id, {
        type,
        origin: mine
          .map((l) =>
            l
              .trim()
              .replace(/^at /, '')
              .replace(/\(.*\/(.*)\)/, '($1)'),
          )
          .join(' < '),
      });
    },
    before(id) {
      started.set(id, performance.now());
    },
    after(id) {
      const t = started.get(id);
      if (t === undefined) return;
      started.delete(id);
      const ms = performance.now() - t;
      if (longest.length < keep || ms > (longest[longest.length - 1]?.ms ?? 0)) {
        longest.push({ ms: +ms.toFixed(1), ...(origins.get(id) ?? { type: '?', origin: '' }) });
        longest.sort((a, b) => b.ms - a.ms);
        longest.length = Math.min(longest.length, keep);
      }
    },
    destroy(id) {
      origins.delete(id);
    },
  });
  hook.enable();
  return {
    stop() {
      hook.disable();
      return longest;
    },
  };
}
