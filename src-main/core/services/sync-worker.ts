/**
 * The sync worker: a worker thread that runs the body of a sync
 * (sync-pages.ts: fetch, parse, normalize, write, mark gone) on its own
 * connection to the cache file, so none of it holds the main thread's event
 * loop. Its requests go out through main's fetch (net/fetch-relay.ts); it
 * tells main the progress and, as each chunk commits, the changes main's
 * in-memory search index must learn. The cache is in WAL mode, so main's
 * connection sees each chunk once committed; a chunk is one transaction, so
 * a worker that dies mid-way leaves whole chunks only.
 *
 * Loaded as its own entry: Electron's main build emits it beside index.js
 * (electron.vite.config.ts); tests and benches load the source through the
 * repository's module runner (test/support/sync-worker.ts).
 *
 * Node only; never imports `electron`.
 */
import { MessageChannel, parentPort, type MessagePort } from 'node:worker_threads';
import { toRollcallError } from '@shared/errors';
import type { Logger } from '../log';
import { relayedFetch } from '../net/fetch-relay';
import { createHttpClient, DIRECTORY_MAX_BYTES } from '../net/http';
import { createProviders, PAGE_CONCURRENCY } from '../providers';
import { damageMarker, type OpenedDatabase } from '../store/cache-open';
import { createMetaRepo } from '../store/meta-repo';
import { openBulkInserter, type BulkInserter } from '../store/users-bulk-insert';
import { openConnection, pragmaValue } from '../store/sqlite-helpers';
import { createUsersRepo, type UsersRepo } from '../store/users-repo';
import { startWalCheckpointer, type WalCheckpointer } from '../store/wal-checkpointer';
import { createProviderContexts, type ProviderContexts } from './provider-context';
import { syncPages, type SyncPagesDeps } from './sync-pages';
import { lowerThisThreadPriority } from './thread-priority';
import type { FromWorker, IndexChanges, ToWorker } from './sync-worker-protocol';

/** Pages of the cache this connection keeps in memory (negative: KiB). */
const CACHE_KIB = 65_536;
/**
 * WAL pages before this connection checkpoints itself (SQLite's default is
 * 1000): fewer, larger checkpoints. Only when the bindings give no pool for
 * a background checkpointer (see `open`).
 */
const AUTOCHECKPOINT_PAGES = 4000;
/**
 * Chunks here may be larger than on the main thread (nothing waits on this
 * loop but a cancel): fewer commits, fewer index messages. Each commit
 * writes every page it dirtied to the WAL, and random inserts into the
 * users table's indexes dirty about as many pages at 1 000 rows as at
 * 8 000: at 1 000 rows a chunk, a 100 000-user sync wrote its index pages
 * a hundred times over. A cancel waits for the chunk under way (a second
 * or two at most).
 */
const CHUNKS = { maxChunkRows: 8000, chunkBudgetMs: 2000 };
/** Users the worker lets pile up across pages before writing them (see `SyncPagesDeps.batchRows`). */
const BATCH_ROWS = 8000;
/**
 * Open WebUI list pages (30 users each) asked for ahead. Main's relay sends
 * `PAGE_CONCURRENCY` at a time and keeps the rest waiting, so pages go on
 * arriving while this thread writes (its loop busy for hundreds of
 * milliseconds) instead of each waiting for it to see the one before end.
 * Four rounds ahead: a page's timer (15 s) starts when it is asked for, so
 * the wait stays short of it unless a page takes over 3 s to answer.
 */
const READ_AHEAD_PAGES = 4 * PAGE_CONCURRENCY;
/** Index changes per message on the index port (main reads one and applies it in slices). */
const INDEX_MESSAGE_CHANGES = 250;

const port = parentPort;
if (!port) throw new Error('sync-worker.ts runs as a worker thread only');

// Main's event loop first when both want a core (thread-priority.ts).
lowerThisThreadPriority();

const post = (message: FromWorker, transfer?: (ArrayBuffer | MessagePort)[]): void =>
  port.postMessage(message, transfer);

// Index changes travel on a port of their own, which main reads from at its pace.
const indexChannel = new MessageChannel();
post({ t: 'index-port', port: indexChannel.port2 }, [indexChannel.port2]);
const postIndex = (changes: IndexChanges): void => indexChannel.port1.postMessage(changes);

const log: Logger = {
  info: (message, fields) => post({ t: 'log', level: 'info', message, fields }),
  warn: (message, fields) => post({ t: 'log', level: 'warn', message, fields }),
  error: (message, fields) => post({ t: 'log', level: 'error', message, fields }),
};

const relay = relayedFetch((request) => post({ t: 'fetch', request }));
const providers = createProviders({
  // Every body whole, in one JSON.parse: nothing here waits on this loop.
  http: createHttpClient({
    fetch: relay.fetch,
    now: Date.now,
    slicedParseMinBytes: DIRECTORY_MAX_BYTES,
  }),
  now: Date.now,
  pageReadAhead: READ_AHEAD_PAGES,
});

/** The worker's connection to one cache file, and the repositories over it. */
interface Opened {
  cache: OpenedDatabase;
  users: UsersRepo;
  contexts: ProviderContexts;
  /** Null when the bindings give no pool: SQLite checkpoints in each commit here. */
  checkpointer: WalCheckpointer | null;
  /** Writes chunks of new users on a libuv thread; null when the bindings give no pool. */
  bulk: BulkInserter | null;
}
const openedByPath = new Map<string, Promise<Opened>>();
const runs = new Map<number, AbortController>();
/**
 * Runs main said it takes no index changes for (`index-off`). Main keeps
 * to that until every run has ended, so while one of them lasts no change
 * is sent, whichever run wrote it: at 100 000 users, serializing them took
 * this thread about 0.4 s and reading them took main's about 0.9 s, for
 * nothing.
 */
const indexOff = new Set<number>();

/**
 * The users repository as a sync writes it, each batch's checkpoint off this
 * thread: copying a batch's WAL into the file (and its fsync) runs on a
 * libuv thread while this one fetches and derives the next batch, and the
 * next batch waits for it, so the WAL starts over each time. SQLite's own
 * checkpoints ran inside this thread's commits, in the way of the next batch.
 */
function checkpointedWrites(
  users: UsersRepo,
  checkpointer: WalCheckpointer | null,
): SyncPagesDeps['users'] {
  if (!checkpointer) return users;
  return {
    knownSources: (connectionId) => users.knownSources(connectionId),
    settleWrites: () => users.settleWrites(),
    markMissingAsGone: (...args) => users.markMissingAsGone(...args),
    upsertBatch: async (records, options) => {
      await checkpointer.beforeWrite();
      try {
        return await users.upsertBatch(records, options);
      } finally {
        checkpointer.wrote();
      }
    },
  };
}

function open(path: string): Promise<Opened> {
  let opened = openedByPath.get(path);
  if (!opened) {
    opened = openCache(path);
    openedByPath.set(path, opened);
    // A file that would not open is tried again by the next run.
    opened.catch(() => openedByPath.delete(path));
  }
  return opened;
}

async function openCache(path: string): Promise<Opened> {
  const db = openConnection(path, false);
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`PRAGMA cache_size = -${CACHE_KIB}`);
  db.exec(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  const cache: OpenedDatabase = {
    db,
    path,
    readOnly: false,
    notices: [],
    schemaVersion: Number(pragmaValue(db, 'user_version') ?? 0),
    markDamaged: damageMarker(path, log),
    close: () => {
      if (db.isOpen) db.close();
    },
  };
  // New users' rows are written by the pool while this thread derives the next ones.
  const bulk = await openBulkInserter(path, {
    log,
    cacheKib: CACHE_KIB,
    autocheckpointPages: AUTOCHECKPOINT_PAGES,
  });
  const users = createUsersRepo(cache, {
    now: Date.now,
    log,
    bulk,
    // In batches small enough for main to take each in one short turn.
    relayIndex: (changes) => {
      if (indexOff.size > 0) return;
      let messages = 0;
      for (let k = 0; k < changes.length; k += INDEX_MESSAGE_CHANGES, messages++)
        postIndex(changes.slice(k, k + INDEX_MESSAGE_CHANGES));
      // After the changes themselves: main finds them waiting when it reads this.
      post({ t: 'index', messages });
    },
  });
  return {
    cache,
    users,
    contexts: createProviderContexts(createMetaRepo(cache, { now: Date.now })),
    checkpointer: await startWalCheckpointer(cache, { log }),
    bulk,
  };
}

async function run(message: Extract<ToWorker, { t: 'run' }>): Promise<void> {
  const { runId } = message;
  const controller = new AbortController();
  runs.set(runId, controller);
  try {
    const { users, contexts, checkpointer } = await open(message.path);
    const counts = await syncPages(
      {
        provider: providers[message.kind],
        session: message.session,
        users: checkpointedWrites(users, checkpointer),
        contexts,
        now: Date.now,
        answered: () => post({ t: 'answered', runId }),
        expectNewRows: (rows) => post({ t: 'expect', runId, rows }),
        progress: (change) => post({ t: 'progress', runId, change }),
        chunks: CHUNKS,
        batchRows: BATCH_ROWS,
      },
      controller.signal,
      message.startedAt,
    );
    post({ t: 'done', runId, counts });
  } catch (thrown) {
    if (!(thrown instanceof Error && 'error' in thrown)) {
      log.error('the sync worker met an unexpected error', {
        error: thrown instanceof Error ? thrown.message : String(thrown),
      });
    }
    post({ t: 'failed', runId, error: toRollcallError(thrown) });
  } finally {
    runs.delete(runId);
    indexOff.delete(runId);
  }
}

async function close(): Promise<void> {
  for (const controller of runs.values()) controller.abort();
  const opened = [...openedByPath.values()];
  openedByPath.clear();
  for (const settled of await Promise.allSettled(opened)) {
    if (settled.status === 'rejected') continue;
    // The write pool drains what it took; the checkpointer then gives checkpoints back to this connection.
    await settled.value.bulk?.close().catch(() => {});
    await settled.value.checkpointer?.close();
    settled.value.cache.close();
  }
  post({ t: 'closed' });
  port?.close();
}

port.on('message', (message: ToWorker) => {
  if (message.t === 'run') void run(message);
  else if (message.t === 'cancel') runs.get(message.runId)?.abort();
  else if (message.t === 'index-off') {
    // A run that ended already gets no say over the next ones.
    if (runs.has(message.runId)) indexOff.add(message.runId);
  } else if (message.t === 'fetch') relay.receive(message.answer);
  else void close();
});
post({ t: 'ready' });
