/**
 * The main thread's side of the sync worker (sync-worker.ts): starts it at
 * the first sync and keeps it for the next, relays its requests through
 * core's fetch, hands its progress to the sync's pacer, and applies the
 * index changes it committed to the in-memory search index in slices that
 * each hold the event loop a few milliseconds. A run ends only once every
 * change it committed is in the index, so a search right after a sync sees
 * it, exactly as when the sync ran here; and a progress event that follows
 * index changes waits for them, so the users it counts as saved are
 * already found by a search (the window asks again on such events).
 *
 * Cancelling asks the worker to stop between chunks (what was committed
 * stays). A worker that
 * dies fails its runs with a clear error; the cache keeps whole chunks only
 * (each was one transaction), and the index keeps every chunk it was told of.
 *
 * Node only; never imports `electron`.
 */
import { receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { rollcallError, RollcallFailure, type RollcallError } from '@shared/errors';
import type { ConnectionKind } from '@shared/model';
import type { FetchLike } from '../deps';
import type { Logger } from '../log';
import { serveRelayedFetch } from '../net/fetch-relay';
import { PAGE_CONCURRENCY, type ProviderSession } from '../providers';
import type { ExternalWrites, IndexChange } from '../store/users-index-sync';
import type { UsersRepo } from '../store/users-repo';
import type { ProgressChange, SyncCounts } from './sync-pages';
import type { FromWorker, IndexChanges, ToWorker } from './sync-worker-protocol';

/** Starts a sync worker thread (the host knows where its entry file is). */
export type StartSyncWorker = () => Worker;

/** One sync, run by the worker. */
interface SyncWorkerRun {
  kind: ConnectionKind;
  session: ProviderSession;
  startedAt: number;
  signal: AbortSignal;
  progress: (change: ProgressChange) => void;
  answered: () => void;
}

/** What the sync service asks of the worker. */
export interface SyncWorkerHost {
  /** Runs one sync in the worker; rejects with `SyncWorkerUnavailable` if the worker could not start. */
  run(run: SyncWorkerRun): Promise<SyncCounts>;
  /** False once the worker failed to start: syncs run on the main thread again. */
  available(): boolean;
  /** Stops the worker (its runs, if any, fail). */
  close(): Promise<void>;
}

/** The worker could not start at all: the caller runs the sync on this thread instead. */
export class SyncWorkerUnavailable extends Error {}

/**
 * Requests of the worker's that go out at once: its list pages (it asks
 * for more ahead, and they wait here, so pages keep going out while it
 * writes), as many as a provider on this thread would send.
 */
const RELAYED_IN_FLIGHT = PAGE_CONCURRENCY;
/** Time an index slice may hold the loop, in milliseconds. */
const SLICE_MS = 8;
/**
 * Changes applied between two looks at the clock. A slice used to apply a
 * count learned from the slices before it, but a change's cost varies a
 * hundredfold (a "seen again" flips a bit, a new user is indexed in about
 * 0.2 ms): after a run of cheap ones, a slice of new users held the loop
 * for 50 ms and more.
 */
const GROUP_CHANGES = 16;
/** How long a closed worker may take to exit (its connection closed) before it is terminated. */
const EXIT_GRACE_MS = 2_000;

const DIED_MESSAGE =
  'The sync stopped unexpectedly; the users saved so far are kept. Try again, and if it keeps happening, restart Rollcall.';

type Item =
  /** `messages` more wait on `port` after `changes`, of which `from` are applied. */
  | {
      kind: 'index';
      port: MessagePort | null;
      messages: number;
      changes: readonly IndexChange[];
      from: number;
    }
  | { kind: 'end'; runId: number; counts: SyncCounts | null; error: RollcallError | null }
  /** A progress event that came after index changes still waiting here. */
  | { kind: 'progress'; runId: number; change: ProgressChange };

interface Pending {
  run: SyncWorkerRun;
  resolve: (counts: SyncCounts) => void;
  reject: (thrown: unknown) => void;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Builds the host over the cache at `path`; nothing starts until the first run. */
export function createSyncWorkerHost(deps: {
  start: StartSyncWorker;
  path: string;
  users: Pick<UsersRepo, 'externalWrites'>;
  fetch: FetchLike;
  log: Logger;
}): SyncWorkerHost {
  let worker: Worker | null = null;
  let ready = false;
  let broken = false;
  let nextRunId = 1;
  const runs = new Map<number, Pending>();
  const queue: Item[] = [];
  let draining = false;
  let external: ExternalWrites | null = null;
  let closing: Promise<void> | null = null;
  /**
   * The index may miss what the current external writes committed: a run
   * ended with its worker's death, or changes it announced were not there.
   * The index is then rebuilt from the cache once the runs end.
   */
  let indexMissesChanges = false;
  let relay: ReturnType<typeof serveRelayedFetch> | null = null;
  /**
   * The current worker's index port (sync-worker-protocol.ts): never
   * listened to, read from by `applySlice`. Each item keeps the port its
   * changes wait on, should a new worker start before they are applied.
   */
  let indexPort: MessagePort | null = null;

  const send = (message: ToWorker, transfer?: ArrayBuffer[]): void =>
    worker?.postMessage(message, transfer);

  /**
   * Applies the item's changes for about `SLICE_MS`, reading its messages
   * off the index port one at a time as it goes; true once all are applied.
   */
  function applySlice(item: Extract<Item, { kind: 'index' }>): boolean {
    const started = performance.now();
    do {
      if (item.from >= item.changes.length) {
        if (item.messages === 0) return true;
        item.messages--;
        const got = item.port ? receiveMessageOnPort(item.port) : undefined;
        // Announced but not there: the index misses what the worker
        // committed, and is rebuilt from the cache once the runs end.
        if (!got) indexMissesChanges = true;
        item.changes = got ? (got.message as IndexChanges) : [];
        item.from = 0;
        continue;
      }
      const to = Math.min(item.changes.length, item.from + GROUP_CHANGES);
      external?.apply(item.changes.slice(item.from, to));
      item.from = to;
    } while (performance.now() - started < SLICE_MS);
    return item.from >= item.changes.length && item.messages === 0;
  }

  function settle(item: Extract<Item, { kind: 'end' }>): void {
    const one = runs.get(item.runId);
    runs.delete(item.runId);
    // A run that ended without a word (its worker died) may have committed
    // a chunk it never handed over.
    if (!item.counts && !item.error) indexMissesChanges = true;
    if (runs.size === 0) {
      external?.end(!indexMissesChanges);
      external = null;
      indexMissesChanges = false;
      worker?.unref();
    }
    if (!one) return;
    if (item.counts) one.resolve(item.counts);
    else one.reject(new RollcallFailure(item.error ?? rollcallError('INTERNAL', DIED_MESSAGE)));
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const item = queue[0] as Item;
        if (item.kind === 'end') {
          queue.shift();
          settle(item);
          continue;
        }
        if (item.kind === 'progress') {
          queue.shift();
          runs.get(item.runId)?.run.progress(item.change);
          continue;
        }
        if (applySlice(item)) queue.shift();
        await turn();
        if (external?.settle()) await turn();
      }
    } finally {
      draining = false;
    }
  }

  function onMessage(message: FromWorker): void {
    switch (message.t) {
      case 'ready':
        ready = true;
        return;
      case 'fetch':
        relay?.handle(message.request);
        return;
      case 'progress':
        // Behind index changes not applied yet, it waits for them.
        if (queue.length === 0) {
          runs.get(message.runId)?.run.progress(message.change);
          return;
        }
        queue.push({ kind: 'progress', runId: message.runId, change: message.change });
        void drain();
        return;
      case 'answered':
        runs.get(message.runId)?.run.answered();
        return;
      case 'expect':
        // The worker then spares itself and this thread the changes.
        if (runs.has(message.runId) && external?.expectNewRows(message.rows))
          send({ t: 'index-off', runId: message.runId });
        return;
      case 'index-port':
        indexPort = message.port;
        return;
      case 'index':
        queue.push({
          kind: 'index',
          port: indexPort,
          messages: message.messages,
          changes: [],
          from: 0,
        });
        void drain();
        return;
      case 'done':
        queue.push({ kind: 'end', runId: message.runId, counts: message.counts, error: null });
        void drain();
        return;
      case 'failed':
        queue.push({ kind: 'end', runId: message.runId, counts: null, error: message.error });
        void drain();
        return;
      case 'log':
        deps.log[message.level](`sync worker: ${message.message}`, message.fields);
        return;
      case 'closed':
        return;
    }
  }

  function onExit(w: Worker, code: number): void {
    if (worker !== w) return;
    worker = null;
    relay?.close();
    relay = null;
    if (!ready && !closing) {
      broken = true;
      deps.log.error('the sync worker could not start; syncs run on the main thread', { code });
      for (const [runId, one] of runs) {
        runs.delete(runId);
        one.reject(new SyncWorkerUnavailable('the sync worker could not start'));
      }
      external?.end(true);
      external = null;
      return;
    }
    ready = false;
    if (runs.size > 0 && !closing)
      deps.log.error('the sync worker stopped during a sync', { code });
    // What it committed before dying is still applied, then its runs fail.
    for (const runId of runs.keys()) {
      queue.push({ kind: 'end', runId, counts: null, error: null });
    }
    void drain();
  }

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = deps.start();
    worker = w;
    relay = serveRelayedFetch(
      deps.fetch,
      (answer, transfer) => send({ t: 'fetch', answer }, transfer),
      RELAYED_IN_FLIGHT,
    );
    w.on('message', onMessage);
    w.on('error', (error) => {
      deps.log.error('the sync worker failed', { error: error.message });
    });
    w.on('exit', (code) => onExit(w, code));
    return w;
  }

  return {
    available: () => !broken,
    run(run) {
      if (broken) return Promise.reject(new SyncWorkerUnavailable('no sync worker'));
      const w = ensureWorker();
      w.ref();
      const runId = nextRunId++;
      external ??= deps.users.externalWrites();
      return new Promise<SyncCounts>((resolve, reject) => {
        runs.set(runId, { run, resolve, reject });
        // The worker stops between two steps (a request, a chunk). It is
        // never terminated from here while it may be inside SQLite: the
        // bindings abort the whole process when a thread dies in a call.
        const onAbort = (): void => send({ t: 'cancel', runId });
        if (run.signal.aborted) onAbort();
        else run.signal.addEventListener('abort', onAbort, { once: true });
        send({
          t: 'run',
          runId,
          path: deps.path,
          kind: run.kind,
          session: run.session,
          startedAt: run.startedAt,
        });
      });
    },
    close() {
      closing ??= (async () => {
        const w = worker;
        if (!w) return;
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        // Its connection closes first ('closed'); only then may a worker
        // that lingers (a module runner's handles) be terminated.
        const closed = new Promise<void>((resolve) =>
          w.on('message', (m: FromWorker) => m.t === 'closed' && resolve()),
        );
        send({ t: 'close' });
        await Promise.race([exited, closed]);
        const timer = setTimeout(() => void w.terminate(), EXIT_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
