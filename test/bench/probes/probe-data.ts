// Probes' shared data: a seeded synthetic Zulip organization put through the
// real normalizer (as a sync does), and a timer for "the longest the event
// loop was held". Used by the probe scripts next to it; not a test.
import { createHook } from 'node:async_hooks';
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
 * Watches the event loop: the longest gap between two timer turns, and the
 * histogram max. Beside each gap it takes the CPU time the process spent in
 * it: on a loaded machine a gap can be time the process was not scheduled at
 * all, which holds no keystroke of its own. `cpuHeldMaxMs` is the longest gap
 * counted only as far as the process was computing (min of the gap and its
 * CPU time).
 */
export function loopWatch(): {
  stop(): {
    maxGapMs: number;
    histMaxMs: number;
    p99Ms: number;
    cpuHeldMaxMs: number;
    /** Gaps over 40 ms as [start, end] in monotonic microseconds (a CPU profile's clock). */
    longGaps: [number, number][];
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
  const timer = setInterval(() => {
    const t = micros();
    const used = process.cpuUsage(cpu);
    maxGap = Math.max(maxGap, (t - last) / 1000);
    held = Math.max(held, Math.min(t - last, used.user + used.system) / 1000);
    if (t - last > 40_000) longGaps.push([last, t]);
    last = t;
    cpu = process.cpuUsage();
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      h.disable();
      return {
        maxGapMs: maxGap,
        histMaxMs: h.max / 1e6,
        p99Ms: h.percentile(99) / 1e6,
        cpuHeldMaxMs: held,
        longGaps,
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
