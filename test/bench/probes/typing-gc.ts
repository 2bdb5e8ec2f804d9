// Probe: the window's first-page search per keystroke, through the real
// dispatcher over the 100k cache of search-core.ts, with every GC pause of
// this thread observed: where the time of a slow keystroke goes when core
// itself answers in a millisecond.
//   node test/bench/probes/run.mjs test/bench/probes/typing-gc.ts '{"count":100000}'
import { existsSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { databasePath } from '@core/store/db';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { openBenchCore } from '../lib/bench-core';

const WORDS = [
  'müller',
  'иван',
  'example.org',
  'zzq',
  'anna',
  'garcía',
  '王',
  'smith',
  '4930',
  "o'connor",
];

export async function main(args: { count?: number; rounds?: number }): Promise<unknown> {
  const dir = `/tmp/rollcall-probe-core-${args.count ?? 100_000}`;
  if (!existsSync(databasePath(dir))) {
    throw new Error(
      `No cache in ${dir}: run search-core.ts with the same count first, which makes it.`,
    );
  }
  const { core } = await openBenchCore({ workDir: dir, userDataDir: dir });
  const q = (text: string): SearchQuery =>
    ({
      ...DEFAULT_SEARCH_SPEC,
      connectionIds: [],
      roles: [],
      text,
      facets: true,
      offset: 0,
      limit: 60,
    }) as SearchQuery;
  // Wait for the index: a query that answers fast.
  for (;;) {
    const s = performance.now();
    await core.dispatch('users:search', q('e'));
    if (performance.now() - s < 5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const gcs: { start: number; ms: number; kind: number }[] = [];
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries())
      gcs.push({
        start: e.startTime,
        ms: e.duration,
        kind: (e as unknown as { detail: { kind: number } }).detail?.kind ?? -1,
      });
  });
  obs.observe({ entryTypes: ['gc'] });
  const keys: {
    round: number;
    text: string;
    start: number;
    dispatch: number;
    json: number;
    chars: number;
  }[] = [];
  for (let r = 0; r < (args.rounds ?? 3); r++) {
    for (const w of WORDS) {
      const steps = [...Array.from({ length: w.length }, (_, i) => w.slice(0, i + 1)), ''];
      for (const text of steps) {
        const t0 = performance.now();
        const res = await core.dispatch('users:search', q(text));
        const t1 = performance.now();
        const s = JSON.stringify(res);
        const t2 = performance.now();
        keys.push({ round: r, text, start: t0, dispatch: t1 - t0, json: t2 - t1, chars: s.length });
        await new Promise((r2) => setTimeout(r2, 30));
      }
    }
  }
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  const total = keys.map((k) => k.dispatch + k.json).sort((a, b) => a - b);
  const p = (xs: number[], f: number): number =>
    +xs[Math.min(xs.length - 1, Math.floor(f * xs.length))]!.toFixed(2);
  const slow = [...keys]
    .sort((a, b) => b.dispatch + b.json - a.dispatch - a.json)
    .slice(0, 8)
    .map((k) => ({
      text: `${k.round}:${k.text}`,
      dispatch: +k.dispatch.toFixed(1),
      json: +k.json.toFixed(1),
      chars: k.chars,
      gcInside: gcs
        .filter((g) => g.start >= k.start && g.start <= k.start + k.dispatch + k.json)
        .map((g) => `${g.kind}:${g.ms.toFixed(1)}`),
    }));
  const gcMs = gcs.map((g) => g.ms).sort((a, b) => a - b);
  await core.close();
  return {
    keystrokes: keys.length,
    p50: p(total, 0.5),
    p95: p(total, 0.95),
    max: p(total, 0.999),
    charsMedian: keys.map((k) => k.chars).sort((a, b) => a - b)[keys.length >> 1],
    gcCount: gcs.length,
    gcP50: gcMs.length ? p(gcMs, 0.5) : 0,
    gcP95: gcMs.length ? p(gcMs, 0.95) : 0,
    gcMax: gcMs.length ? p(gcMs, 0.999) : 0,
    gcTotal: +gcMs.reduce((a, b) => a + b, 0).toFixed(1),
    slow,
  };
}
