// The main thread's side of the sync worker (services/sync-worker-host.ts)
// applies the index changes the worker hands over in slices that each hold
// the loop about 8 ms, however the cost of a change varies: a run of cheap
// "seen again" changes must not teach it to take new users hundreds at a
// time. The worker here is a stand-in that posts the messages a real one
// would; the real worker is proven in sync-worker.test.ts.
import { EventEmitter } from 'node:events';
import { MessageChannel, type Worker } from 'node:worker_threads';
import type { ProviderSession } from '@core/providers';
import { createSyncWorkerHost } from '@core/services/sync-worker-host';
import type { ProgressChange } from '@core/services/sync-pages';
import type { FromWorker, ToWorker } from '@core/services/sync-worker-protocol';
import type { IndexChange } from '@core/store/users-index-sync';
import { silentLogger } from '@core/log';
import { searchRowOf } from '@core/search/search-text';
import { makeUser } from '../cache-fixtures';

/** A worker thread's surface, as the host uses it, driven by the test. */
class StandInWorker extends EventEmitter {
  readonly sent: ToWorker[] = [];
  postMessage(message: ToWorker): void {
    this.sent.push(message);
  }
  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    this.emit('exit', 0);
    return Promise.resolve(0);
  }
  tell(message: FromWorker): void {
    this.emit('message', message);
  }
}

/** Waits `ms` of wall time without yielding: a change that costs that much to index. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const seen = (n: number, from: number): IndexChange[] =>
  Array.from({ length: n }, (_, k) => ({ kind: 'seen', rowId: from + k }));

const upserts = (n: number, from: number): IndexChange[] =>
  Array.from({ length: n }, (_, k) => ({
    kind: 'upsert',
    row: { ...searchRowOf(makeUser({ userId: String(from + k) })), rowId: from + k },
  }));

/**
 * A host over a stand-in worker whose index applies changes with `apply`,
 * one run started with `progress`, the worker ready and its index port open.
 */
function startRun(
  apply: (changes: readonly IndexChange[]) => void,
  progress: (change: ProgressChange) => void = () => {},
) {
  const worker = new StandInWorker();
  const host = createSyncWorkerHost({
    start: () => worker as unknown as Worker,
    path: '/nowhere/rollcall.sqlite',
    users: {
      externalWrites: () => ({
        apply,
        settle: () => false,
        expectNewRows: () => false,
        end: () => {},
      }),
    },
    fetch: () => Promise.reject(new Error('no fetch here')),
    log: silentLogger,
  });
  const run = host.run({
    kind: 'zulip',
    session: {} as ProviderSession,
    startedAt: 0,
    signal: new AbortController().signal,
    progress,
    answered: () => {},
  });
  const start = worker.sent[0];
  if (start?.t !== 'run') throw new Error('the host did not start a run');
  const channel = new MessageChannel();
  worker.tell({ t: 'index-port', port: channel.port2 });
  worker.tell({ t: 'ready' });
  return { worker, run, runId: start.runId, channel };
}

describe('the sync worker host', () => {
  it('holds the loop for a slice at a time when costly changes follow cheap ones', async () => {
    // A new user costs 0.5 ms to index, a "seen again" next to nothing. Between two turns of the loop, count
    // the costly ones applied.
    let costlySinceTurn = 0;
    let mostInATurn = 0;
    let applied = 0;
    let ticking = true;
    const tick = (): void => {
      mostInATurn = Math.max(mostInATurn, costlySinceTurn);
      costlySinceTurn = 0;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const { worker, run, runId, channel } = startRun((changes) => {
      for (const c of changes) {
        applied++;
        if (c.kind === 'upsert') {
          busy(0.5);
          costlySinceTurn++;
        }
      }
    });
    // As the worker sends them: 250 changes a message on the index port,
    // then how many wait there.
    const chunk = (messages: IndexChange[][]): void => {
      for (const changes of messages) channel.port1.postMessage(changes);
      worker.tell({ t: 'index', messages: messages.length });
    };
    chunk(Array.from({ length: 8 }, (_, k) => seen(250, k * 250 + 1)));
    chunk([upserts(250, 1), upserts(250, 251)]);
    const counts = {
      added: 500,
      updated: 0,
      unchanged: 2000,
      gone: 0,
      total: 2500,
      unreadable: { count: 0, firstReason: null, ids: [] },
    };
    worker.tell({ t: 'done', runId, counts });
    await expect(run).resolves.toEqual(counts);
    ticking = false;
    channel.port1.close();
    expect(applied).toBe(2500);
    // A slice stops after the group of 16 changes that passed 8 ms, and at
    // most two slices fall between two turns of the ticker.
    expect(mostInATurn).toBeGreaterThan(0);
    expect(mostInATurn).toBeLessThanOrEqual(32);
  });

  it('hands on a progress event after the index changes sent before it are applied', async () => {
    const log: string[] = [];
    let indexed = 0;
    const { worker, run, runId, channel } = startRun(
      (changes) => {
        // 1 ms a user: more than one slice of the loop for the 64 below.
        for (const c of changes) {
          if (c.kind !== 'upsert') continue;
          busy(1);
          indexed++;
        }
      },
      (change) => log.push(`${change.phase} ${change.done}, ${indexed} indexed`),
    );
    // Nothing waits: handed on at once.
    worker.tell({ t: 'progress', runId, change: { phase: 'fetching', done: 0 } });
    expect(log).toEqual(['fetching 0, 0 indexed']);
    // 64 users committed, their changes sent, then "64 saved": the event waits for them.
    channel.port1.postMessage(upserts(64, 1));
    worker.tell({ t: 'index', messages: 1 });
    worker.tell({ t: 'progress', runId, change: { phase: 'writing', done: 64 } });
    expect(indexed).toBeLessThan(64);
    expect(log).toEqual(['fetching 0, 0 indexed']);
    worker.tell({
      t: 'done',
      runId,
      counts: {
        added: 64,
        updated: 0,
        unchanged: 0,
        gone: 0,
        total: 64,
        unreadable: { count: 0, firstReason: null, ids: [] },
      },
    });
    await run;
    channel.port1.close();
    expect(log).toEqual(['fetching 0, 0 indexed', 'writing 64, 64 indexed']);
  });
});
