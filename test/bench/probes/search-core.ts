// Probe: `users:search` through the real dispatcher over a cache of N
// synced Zulip users (made once under /tmp by a sync against a fake in a
// child process): how long the index takes to load at start-up and the
// longest the event loop was held meanwhile, the heap it costs, and every
// query class (the bench's queries) cold and warm, checked against the SQL
// search. Run (with --expose-gc for the heap figure):
//   node --expose-gc test/bench/probes/run.mjs test/bench/probes/search-core.ts '{"count":100000}'
import { existsSync, mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { databasePath, openDatabase } from '@core/store/db';
import type { Core } from '@core/handlers';
import { openCore } from '@core/open-core';
import { silentLogger } from '@core/log';
import { createMemorySecretStore } from '@core/store/secrets';
import { createUsersRepo } from '@core/store/users-repo';
import { DEFAULT_SEARCH_SPEC, type SearchQuery, type SearchResult } from '@shared/model';
import { startFakeProcess } from '../lib/fake-process';
import { QUERY_CLASSES } from './index';
import { loopWatch, pct } from './probe-data';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function open(dir: string): Promise<Core> {
  return openCore({
    appVersion: '0',
    userDataDir: dir,
    fetch: (input, init) => fetch(input, init),
    secrets: createMemorySecretStore(),
    now: () => Date.now(),
    emit: () => {},
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log: silentLogger,
  });
}

async function fill(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const fake = await startFakeProcess(dir, { kind: 'zulip', count, seed: 7, sampleIds: 0 });
  const core = await open(dir);
  const t = fake.target;
  if (t.kind !== 'zulip') throw new Error('not zulip');
  const saved = await core.dispatch('connections:save', {
    draft: { kind: 'zulip', label: 'Z', baseUrl: t.url, loginEmail: t.email, secret: t.apiKey },
    skipTest: true,
  });
  if (!saved.ok) throw new Error(saved.error.message);
  const id = (saved.value as { connection: { id: string } }).connection.id;
  const r = await core.dispatch('directory:sync', { connectionId: id });
  if (!r.ok) throw new Error(r.error.message);
  await core.close();
  await fake.close();
}

export async function main(args: {
  count?: number;
  runs?: number;
  /** Before each query, run a baseline-like scan that evicts the CPU caches (as the bench interleaves). */
  thrash?: boolean;
}): Promise<unknown> {
  const count = args.count ?? 100_000;
  const dir = `/tmp/rollcall-probe-core-${count}`;
  if (!existsSync(databasePath(dir))) await fill(dir, count);
  const out: Record<string, unknown> = {};

  // Start-up: open core, then wait for the index, watching the loop.
  gc();
  const heapBefore = process.memoryUsage();
  const watch = loopWatch();
  const t0 = performance.now();
  const core = await open(dir);
  const call = async (q: SearchQuery): Promise<SearchResult> => {
    const r = await core.dispatch('users:search', q);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as SearchResult;
  };
  const firstAnswer = await call({
    ...DEFAULT_SEARCH_SPEC,
    connectionIds: [],
    roles: [],
    text: 'a',
    offset: 0,
    limit: 60,
  });
  const firstMs = performance.now() - t0;
  // The repo reports readiness in its log; here: poll a query until it is fast (index built).
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  const sql = createUsersRepo(cache, { now: Date.now });
  const deadline = performance.now() + 120_000;
  let readyMs = -1;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const s = performance.now();
    await call({
      ...DEFAULT_SEARCH_SPEC,
      connectionIds: [],
      roles: [],
      text: 'e',
      offset: 0,
      limit: 60,
    });
    if (performance.now() - s < 5) {
      readyMs = performance.now() - t0;
      break;
    }
  }
  const loop = watch.stop();
  gc();
  const heapAfter = process.memoryUsage();
  out.startup = {
    firstAnswerMs: Math.round(firstMs),
    firstTotal: firstAnswer.total,
    indexReadyMs: Math.round(readyMs),
    loopMaxMs: +loop.maxGapMs.toFixed(1),
    longGaps: loop.longGaps,
    heapMB: +((heapAfter.heapUsed - heapBefore.heapUsed) / 1e6).toFixed(1),
    externalMB: +((heapAfter.external - heapBefore.external) / 1e6).toFixed(1),
  };

  const runs = args.runs ?? 20;
  // A stand-in for the bench's interleaved baseline: 100 000 objects scanned and sorted.
  const junk = Array.from({ length: args.thrash ? 100_000 : 0 }, (_, i) => ({
    text: `user ${i} someone${i}@example.com member ${i % 977}`,
    name: `n${(i * 7919) % 100_000}`,
  }));
  const thrash = (): void => {
    if (!args.thrash) return;
    const m = junk.filter((r) => r.text.includes('e'));
    m.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };
  for (const [name, partials] of Object.entries(QUERY_CLASSES)) {
    const qs: SearchQuery[] = partials.map((p) => ({
      ...DEFAULT_SEARCH_SPEC,
      connectionIds: [],
      roles: [],
      offset: 0,
      limit: 60,
      ...p,
    }));
    const cold: number[] = [];
    const warm: number[] = [];
    let same = true;
    const totals: number[] = [];
    for (const q of qs) {
      const s = performance.now();
      const first = await call(q);
      cold.push(performance.now() - s);
      const expected = sql.search(q);
      same &&=
        first.total === expected.total &&
        JSON.stringify(first.items) === JSON.stringify(expected.items);
      totals.push(first.total);
    }
    for (let r = 0; r < runs; r++) {
      for (const q of qs) {
        thrash();
        const s = performance.now();
        await call(q);
        warm.push(performance.now() - s);
      }
    }
    out[name] = {
      totals: totals.join(' '),
      sameAsSql: same,
      coldMax: +Math.max(...cold).toFixed(2),
      p50: +pct(warm, 50).toFixed(2),
      p95: +pct(warm, 95).toFixed(2),
      max: +Math.max(...warm).toFixed(2),
    };
  }
  cache.close();
  await core.close();
  return out;
}
