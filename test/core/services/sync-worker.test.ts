// Proves the sync worker (services/sync-worker.ts, run from its source
// through test/support/sync-worker.ts) against the fake servers, beside a
// core that syncs on the main thread: the same summary, users, payloads,
// progress phases and search answers; a failure inside the worker reaches
// the window as the same error; a cancel stops the worker's run and keeps
// what was committed; a worker that dies mid-way fails its sync with a clear
// error and leaves the cache and the search index consistent; and the
// worker's commits never make the main thread's index rebuild itself; and
// (Linux) the worker's thread runs at a lower priority than main's.
import { readdirSync, readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { ConnectionSummary, SyncProgress } from '@shared/model';
import type { FromWorker } from '@core/services/sync-worker-protocol';
import { BACKGROUND_NICE } from '@core/services/thread-priority';
import { REBUILD_AFTER_ROWS } from '@core/store/users-index-sync';
import { startOpenWebUIFake, type OpenWebUIFake } from '../../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../../fakes/zulip-fake';
import { startSourceSyncWorker } from '../../support/sync-worker';
import { openTestCore, type TestCore } from '../core-fixture';

const SLOW = 120_000;

let zulip: ZulipFake;
let owui: OpenWebUIFake;
let workers: Worker[];
let cores: TestCore[];
/** The new users each run told main to expect ('expect' messages), in order. */
let expects: number[];
/** Index changes the worker handed main, in messages of at most 250 ('index' messages). */
let indexMessages: number;

beforeAll(async () => {
  zulip = await startZulipFake({ seed: 21, count: 1500 });
  owui = await startOpenWebUIFake({ seed: 22, count: 2400 });
});
afterAll(async () => {
  await zulip.close();
  await owui.close();
});
beforeEach(() => {
  workers = [];
  cores = [];
  expects = [];
  indexMessages = 0;
});
afterEach(async () => {
  for (const t of cores) await t.close();
  zulip.setMode({ kind: 'normal' });
  owui.setMode({ kind: 'normal' });
});

/** A core that syncs in a worker (`worker`) or on its main thread. */
async function core(worker: boolean): Promise<TestCore> {
  const t = await openTestCore(
    worker
      ? {
          startSyncWorker: () => {
            const w = startSourceSyncWorker();
            workers.push(w);
            w.on('message', (m: FromWorker) => {
              if (m.t === 'expect') expects.push(m.rows);
              if (m.t === 'index') indexMessages += m.messages;
            });
            return w;
          },
        }
      : {},
  );
  cores.push(t);
  return t;
}

async function add(t: TestCore, kind: 'zulip' | 'openwebui'): Promise<ConnectionSummary> {
  const draft =
    kind === 'zulip'
      ? {
          kind: 'zulip' as const,
          label: 'Z',
          baseUrl: zulip.url,
          loginEmail: zulip.admin.email,
          secret: zulip.admin.apiKey,
        }
      : { kind: 'openwebui' as const, label: 'O', baseUrl: owui.url, secret: owui.adminKey };
  return (await t.call('connections:save', { draft, skipTest: true })).connection;
}

function progressOf(t: TestCore, connectionId: string): SyncProgress[] {
  return t.eventsOf('directory:sync-progress').filter((p) => p.connectionId === connectionId);
}

/** The phases in order, each once however often it repeats in a row. */
function phases(t: TestCore, connectionId: string): string[] {
  return progressOf(t, connectionId)
    .map((p) => p.phase)
    .filter((p, i, all) => p !== all[i - 1]);
}

const counts = (s: {
  added: number;
  updated: number;
  unchanged: number;
  gone: number;
  total: number;
}) => ({
  added: s.added,
  updated: s.updated,
  unchanged: s.unchanged,
  gone: s.gone,
  total: s.total,
});

async function searchTotal(t: TestCore, connectionId: string, query = ''): Promise<number> {
  return (await t.call('users:search', { connectionIds: [connectionId], text: query, limit: 1 }))
    .total;
}

async function userCount(t: TestCore): Promise<number> {
  return (await t.call('connections:list', {}))[0]?.userCount ?? -1;
}

describe.each(['zulip', 'openwebui'] as const)('a %s sync in the worker', (kind) => {
  it(
    'stores what a sync on the main thread stores, and the index learns it without a rebuild',
    async () => {
      const [inWorker, here] = [await core(true), await core(false)];
      const [a, b] = [await add(inWorker, kind), await add(here, kind)];
      await inWorker.call('users:search', { text: '', limit: 1 });
      const first = await inWorker.call('directory:sync', { connectionId: a.id });
      const expected = await here.call('directory:sync', { connectionId: b.id });
      expect(workers).toHaveLength(1);
      expect(counts(first)).toEqual(counts(expected));
      expect(first.added).toBeGreaterThan(1000);
      expect(phases(inWorker, a.id)).toEqual(phases(here, b.id));
      expect(progressOf(inWorker, a.id).at(-1)).toMatchObject({ phase: 'done', done: first.total });
      // Searches (from the index) answer alike, and every user reads back alike.
      for (const query of ['', 'a', 'son', 'example']) {
        expect(await searchTotal(inWorker, a.id, query)).toBe(await searchTotal(here, b.id, query));
      }
      const page = await inWorker.call('users:search', { connectionIds: [a.id], limit: 40 });
      const other = await here.call('users:search', { connectionIds: [b.id], limit: 40 });
      expect(page.items.map((u) => u.userId)).toEqual(other.items.map((u) => u.userId));
      for (const u of page.items.slice(0, 10)) {
        const mine = await inWorker.call('users:get', { connectionId: a.id, userId: u.userId });
        const theirs = await here.call('users:get', { connectionId: b.id, userId: u.userId });
        expect(mine.raw).toEqual(theirs.raw);
        expect({ ...mine.user, connectionId: '' }).toEqual({ ...theirs.user, connectionId: '' });
      }
      // Again, nothing changed: all unchanged, through the same worker.
      const again = await inWorker.call('directory:sync', { connectionId: a.id });
      expect(counts(again)).toMatchObject({
        added: 0,
        updated: 0,
        unchanged: first.total,
        gone: 0,
      });
      expect(workers).toHaveLength(1);
      expect(await searchTotal(inWorker, a.id)).toBe(first.total);
      // Each run told main, before writing, how many new users to expect:
      // too few here for main to build its index at the end instead.
      expect(expects).toEqual([first.total, 0]);
      expect(inWorker.logLines.filter((l) => /built again/.test(l))).toEqual([]);
      // The worker's commits were the index's own: it never rebuilt.
      expect(inWorker.logLines.filter((l) => /out of step/.test(l))).toEqual([]);
      expect(inWorker.logLines.filter((l) => / ERROR /.test(l))).toEqual([]);
    },
    SLOW,
  );
});

describe('a first sync of many users in the worker', () => {
  it(
    'hands main no index changes once main builds its index at the end, and the index holds everyone',
    async () => {
      const count = REBUILD_AFTER_ROWS + 500;
      const many = await startZulipFake({ seed: 23, count });
      try {
        const t = await core(true);
        const draft = {
          kind: 'zulip' as const,
          label: 'Many',
          baseUrl: many.url,
          loginEmail: many.admin.email,
          secret: many.admin.apiKey,
        };
        const { connection } = await t.call('connections:save', { draft, skipTest: true });
        await t.call('users:search', { text: '', limit: 1 });
        const first = await t.call('directory:sync', { connectionId: connection.id });
        expect(first.added).toBe(count);
        expect(expects).toEqual([count]);
        expect(t.logLines.some((l) => /built again once the sync ends/.test(l))).toBe(true);
        // All of them would be 42 messages. Main answers the worker's
        // "expect" before its first chunk commits, unless this machine is
        // very busy: then a chunk or two (4 messages each) may go first.
        expect(indexMessages).toBeLessThanOrEqual(16);
        const deadline = Date.now() + 60_000;
        while (
          t.logLines.filter((l) => l.includes('search index ready')).length < 2 &&
          Date.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(t.logLines.filter((l) => l.includes('search index ready'))).toHaveLength(2);
        expect(await searchTotal(t, connection.id)).toBe(count);
        const named = await t.call('users:search', {
          connectionIds: [connection.id],
          text: '',
          limit: 1,
          offset: count - 1,
        });
        expect(named.items).toHaveLength(1);
      } finally {
        await many.close();
      }
    },
    SLOW,
  );
});

describe('failures', () => {
  it(
    'a failure inside the worker reaches the window as the same error as on the main thread',
    async () => {
      const [inWorker, here] = [await core(true), await core(false)];
      const [a, b] = [await add(inWorker, 'zulip'), await add(here, 'zulip')];
      const results = [];
      for (const [t, id] of [
        [inWorker, a.id],
        [here, b.id],
      ] as const) {
        zulip.setMode({ kind: 'truncated' }, { match: (p) => p.endsWith('/users') });
        results.push(await t.result('directory:sync', { connectionId: id }));
        zulip.setMode({ kind: 'normal' });
      }
      const [mine, theirs] = results;
      expect(mine?.ok).toBe(false);
      expect(mine).toEqual(theirs);
      expect(progressOf(inWorker, a.id).at(-1)?.phase).toBe('failed');
      expect(await userCount(inWorker)).toBe(0);
      // The worker lives on for the next sync.
      expect((await inWorker.call('directory:sync', { connectionId: a.id })).added).toBe(1500);
      expect(workers).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'a cancel stops the run in the worker and keeps what it committed',
    async () => {
      const t = await core(true);
      const conn = await add(t, 'openwebui');
      // Pages after the tenth wait until the test lets them go, so the
      // cancel lands while pages remain to fetch whatever the machine's
      // load: with timed pages, a loaded machine fetched the whole
      // directory before the cancel arrived.
      let release = (): void => {};
      const until = new Promise<void>((resolve) => (release = resolve));
      owui.setMode({
        kind: 'hostile',
        answer: (url) =>
          url.pathname === '/api/v1/users/' && Number(url.searchParams.get('page')) > 10
            ? { kind: 'held', until }
            : null,
      });
      const running = t.result('directory:sync', { connectionId: conn.id });
      try {
        // The worker writes pages in batches, so its `done` stays at 0 until
        // the fetch ends: wait for the message that ten pages were read.
        await expect
          .poll(() => progressOf(t, conn.id).at(-1)?.message, { timeout: 60_000, interval: 10 })
          .toMatch(/^Fetched 300 of 2400 users/);
        expect(await t.call('directory:cancel-sync', { connectionId: conn.id })).toEqual({
          cancelled: true,
        });
        // The cancel ends the run without waiting for the held pages.
        expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
      } finally {
        release();
      }
      expect(progressOf(t, conn.id).at(-1)?.phase).toBe('cancelled');
      // It stopped: no request after the cancel has settled.
      const requests = owui.requests.length;
      await new Promise((r) => setTimeout(r, 300));
      expect(owui.requests.length).toBe(requests);
      const kept = await userCount(t);
      // The ten pages read before the cancel, written as it ended the run.
      expect(kept).toBe(300);
      expect(await searchTotal(t, conn.id)).toBe(kept);
      const done = await t.call('directory:sync', { connectionId: conn.id });
      expect(done).toMatchObject({ total: 2400, gone: 0 });
      expect(await searchTotal(t, conn.id)).toBe(2400);
    },
    SLOW,
  );

  it(
    'a worker that dies mid-way fails the sync clearly and leaves cache and index consistent',
    async () => {
      // The first worker dies right after a commit it never hands over
      // (test/support/sync-worker-boot.mjs); the next one is healthy.
      const t = await openTestCore({
        startSyncWorker: () => {
          const w = startSourceSyncWorker(workers.length === 0 ? { dieAtIndexMessage: 4 } : {});
          workers.push(w);
          return w;
        },
      });
      cores.push(t);
      const conn = await add(t, 'openwebui');
      await t.call('users:search', { text: '', limit: 1 });
      const outcome = await t.result('directory:sync', { connectionId: conn.id });
      expect(outcome).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
      if (!outcome.ok) expect(outcome.error.message).toMatch(/stopped unexpectedly.*kept/);
      expect(progressOf(t, conn.id).at(-1)?.phase).toBe('failed');
      const kept = await userCount(t);
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(2400);
      // The index is rebuilt from the cache, so it holds the chunk it was never told of.
      await expect.poll(() => searchTotal(t, conn.id), { timeout: 60_000 }).toBe(kept);
      expect(t.logLines.some((l) => /stopped mid-way/.test(l))).toBe(true);
      const sample = await t.call('users:search', { connectionIds: [conn.id], limit: 30 });
      for (const s of sample.items) {
        const rec = await t.call('users:get', { connectionId: conn.id, userId: s.userId });
        expect(rec.raw).toMatchObject({ id: s.userId });
      }
      // A new worker finishes the directory.
      const done = await t.call('directory:sync', { connectionId: conn.id });
      expect(workers).toHaveLength(2);
      expect(done).toMatchObject({ total: 2400, gone: 0 });
      expect(await searchTotal(t, conn.id)).toBe(2400);
    },
    SLOW,
  );
});

/** Each thread of this process and its nice value (Linux: /proc/self/task/<tid>/stat, field 19). */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The fields after the command name, which may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return out;
}

const linux = process.platform === 'linux';
if (!linux) {
  console.warn(
    `[skipped] sync worker priority: only Linux gives a thread a nice value of its own (this is ${process.platform})`,
  );
}

describe('the worker thread', () => {
  it.skipIf(!linux)('runs at a lower priority than main, which keeps its own', async () => {
    const before = niceByThread();
    const w = startSourceSyncWorker();
    try {
      await new Promise<void>((resolve, reject) => {
        w.on('message', (m: FromWorker) => {
          if (m.t === 'ready') resolve();
        });
        w.on('error', reject);
      });
      const after = niceByThread();
      const lowered = [...after].filter(
        ([tid, nice]) => !before.has(tid) && nice === BACKGROUND_NICE,
      );
      expect(lowered.length).toBeGreaterThanOrEqual(1);
      // Main's thread (its ID is the process's) and every thread that was there keep theirs.
      expect(after.get(process.pid)).toBe(before.get(process.pid));
      for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
    } finally {
      await w.terminate();
    }
  });
});
