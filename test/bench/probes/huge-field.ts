// Probe (issue 13): one member whose name is `chars` characters long (10 MB
// by default) in a directory of `count`. A `directory:sync` through the real
// dispatcher into an empty cache and again (unchanged), then a restart over
// that cache until the search index is loaded, then opening that user's
// detail: the longest event-loop hold of each. Then typing in the search box
// as the window does (issue 13: no keystroke slower than with ordinary
// data): per keystroke the time of the first page and its size as JSON.
// The fake runs in a child process. Run:
//   node test/bench/probes/run.mjs test/bench/probes/huge-field.ts '{"kind":"zulip"}'
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openCore } from '@core/open-core';
import { startSourceSyncWorker } from '../../support/sync-worker';
import { DEFAULT_SEARCH_SPEC, type SearchResult } from '@shared/model';
import { silentLogger, type Logger } from '@core/log';
import { createMemorySecretStore, type SecretStore } from '@core/store/secrets';
import { startFakeProcess } from '../lib/fake-process';
import { loopWatch, pct } from './probe-data';

type Core = Awaited<ReturnType<typeof openCore>>;

async function open(
  dir: string,
  secrets: SecretStore,
  log: Logger,
  worker: boolean,
): Promise<Core> {
  return openCore({
    appVersion: '0',
    userDataDir: dir,
    fetch: (input, init) => fetch(input, init),
    secrets,
    now: () => Date.now(),
    emit: () => {},
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log,
    ...(worker ? { startSyncWorker: startSourceSyncWorker } : {}),
  });
}

const ms = (n: number): number => +n.toFixed(1);

/** The longest loop hold of a watch, as this probe prints it. */
function held(watch: ReturnType<typeof loopWatch>): {
  loopMaxMs: number;
  cpuHeldMaxMs: number;
  longGaps: [number, number][];
} {
  const l = watch.stop();
  return { loopMaxMs: ms(l.maxGapMs), cpuHeldMaxMs: ms(l.cpuHeldMaxMs), longGaps: l.longGaps };
}

/** What the search box holds keystroke by keystroke while `word` is typed. */
const prefixes = (word: string): string[] => Array.from(word, (_, i) => word.slice(0, i + 1));

/**
 * Types each word keystroke by keystroke as the window asks for it: one
 * `users:search` for the first page (with the chip counts) per keystroke,
 * `runs` times over. Per word: each keystroke's time (max, p95, and the
 * first pass in full), the longest loop hold meanwhile, and per prefix the
 * hits and the page's size as JSON (what crosses IPC).
 */
async function typeWords(
  core: Core,
  words: Record<string, string>,
  limit: number,
  runs: number,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [label, word] of Object.entries(words)) {
    const times: number[] = [];
    const pages: { text: string; total: number; ipcChars: number }[] = [];
    const watch = loopWatch();
    for (let run = 0; run < runs; run++) {
      for (const text of prefixes(word)) {
        // Keystrokes come as separate messages: the loop turns between them.
        await new Promise((r) => setTimeout(r, 20));
        const t = performance.now();
        const r = await core.dispatch('users:search', {
          ...DEFAULT_SEARCH_SPEC,
          text,
          facets: true,
          offset: 0,
          limit,
        });
        times.push(performance.now() - t);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        if (run === 0) {
          const total = (r.value as SearchResult).total;
          pages.push({ text: text.slice(0, 12), total, ipcChars: JSON.stringify(r).length });
        }
      }
    }
    const { longGaps, ...loop } = held(watch);
    out[label] = {
      word,
      keystrokes: times.length,
      msMax: ms(Math.max(...times)),
      msP95: ms(pct(times, 95)),
      firstPassMs: times.slice(0, word.length).map(ms),
      ...loop,
      longGapCount: longGaps.length,
      ipcCharsMax: Math.max(...pages.map((p) => p.ipcChars)),
      pages,
    };
  }
  return out;
}

export async function main(args: {
  kind?: 'zulip' | 'openwebui';
  count?: number;
  chars?: number;
  /** Return the long loop gaps (to match against a CPU profile). */
  gaps?: boolean;
  /** The first page the window asks for (directory-store's PAGE_SIZE). */
  limit?: number;
  /** How many times each word is typed. */
  runs?: number;
  /** Sync in the worker thread, as the app does (default true); false: on the main thread. */
  worker?: boolean;
}): Promise<unknown> {
  const kind = args.kind ?? 'zulip';
  const count = args.count ?? 2000;
  const chars = args.chars ?? 10 * 1024 * 1024;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-huge-probe-'));
  const fake = await startFakeProcess(dir, {
    kind,
    count,
    seed: 7,
    sampleIds: 0,
    hugeFieldChars: chars,
  });
  const target = fake.target;
  const secrets = createMemorySecretStore();
  let core = await open(dir, secrets, silentLogger, args.worker !== false);
  const saved = await core.dispatch('connections:save', {
    draft:
      target.kind === 'zulip'
        ? {
            kind: 'zulip',
            label: 'Z',
            baseUrl: target.url,
            loginEmail: target.email,
            secret: target.apiKey,
          }
        : { kind: 'openwebui', label: 'O', baseUrl: target.url, secret: target.apiKey },
    skipTest: true,
  });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
  const id = (saved.value as { connection: { id: string } }).connection.id;
  const out: Record<string, unknown> = { kind, count, chars };
  const gaps = (g: [number, number][]): Record<string, unknown> =>
    args.gaps ? { longGaps: g } : {};
  for (const pass of ['syncEmpty', 'syncAgain']) {
    const watch = loopWatch();
    const t = performance.now();
    const r = await core.dispatch('directory:sync', { connectionId: id });
    const took = performance.now() - t;
    const { longGaps, ...loop } = held(watch);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    out[pass] = {
      seconds: +(took / 1000).toFixed(2),
      ...loop,
      ...gaps(longGaps),
      summary: r.value,
    };
  }
  await core.close();

  // Restart over that cache: open core and wait for the index (and any rederive).
  let ready: () => void = () => {};
  const indexReady = new Promise<void>((done) => (ready = done));
  const log: Logger = {
    ...silentLogger,
    info(message) {
      if (message === 'search index ready') ready();
    },
  };
  const watch = loopWatch();
  const t = performance.now();
  core = await open(dir, secrets, log, args.worker !== false);
  await indexReady;
  const readyMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 500));
  const { longGaps, ...loop } = held(watch);
  out.restart = { indexReadyMs: ms(readyMs), ...loop, ...gaps(longGaps) };

  // The detail of the user with the huge name, and a search that finds them.
  const found = await core.dispatch('users:search', {
    ...DEFAULT_SEARCH_SPEC,
    connectionIds: [],
    roles: [],
    text: 'nnnnnnnn',
    offset: 0,
    limit: 5,
  });
  out.search = found.ok ? 'ok' : found.error;
  const userId = found.ok ? (found.value as SearchResult).items[0]?.userId : undefined;
  if (userId) {
    const t2 = performance.now();
    const got = await core.dispatch('users:get', { connectionId: id, userId });
    // One call, all of it synchronous: its time is the loop hold.
    out.detail = { ms: ms(performance.now() - t2), ipcChars: JSON.stringify(got).length };
  }

  // Typing in the search box: a query that reaches the huge name, and one
  // for a common family name of the synthetic data that does not.
  out.typing = await typeWords(
    core,
    { huge: 'nnnnnnnn', common: 'müller' },
    args.limit ?? 60,
    args.runs ?? 5,
  );
  await core.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
