/**
 * Moves SQLite's WAL checkpoints off the main thread. SQLite normally runs
 * a checkpoint inside whichever COMMIT pushes the WAL past 1000 pages, on
 * the thread that committed: copying 8 MB into the database file and
 * fsyncing it held Electron's main process 20-80 ms at a time during a
 * sync. Here the main connection never checkpoints (`wal_autocheckpoint =
 * 0`); a second connection, run by the SQLite bindings' pool on a libuv
 * worker thread, checkpoints (PASSIVE: never blocks a writer or a reader)
 * shortly after the main connection has written.
 *
 * The WAL only starts over (instead of growing) when a checkpoint has
 * caught up before the next write begins. A bulk writer therefore awaits
 * `betweenWrites()` between its chunks: usually one turn of the event loop,
 * and every `SETTLE_EVERY_MS` the end of a checkpoint (the main thread stays
 * free; only the writer waits). Without it a 100 000-user sync grew the WAL
 * past a gigabyte, and shrinking it again (`journal_size_limit`) stalled
 * the main thread for a second in `ftruncate`, so the WAL is never
 * truncated while open: it keeps the size it reached, a few megabytes.
 *
 * Without the pool (a build of the bindings without it, a temporary
 * in-memory cache, a read-only file) nothing changes: SQLite checkpoints
 * as it always did.
 *
 * Node only; never imports `electron`.
 */
import type { OpenedDatabase } from './db';
import type { Logger } from '../log';
import type * as Experimental from '@photostructure/sqlite/experimental';
import { requireSqliteExperimental } from './native-modules';

/** How often the main connection is looked at for new writes. */
const CHECKPOINT_INTERVAL_MS = 250;

/** How often a bulk writer waits for a checkpoint to catch up (see `betweenWrites`). */
export const SETTLE_EVERY_MS = 200;

/** What SQLite's own checkpointing is set back to when this one stops. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/** A checkpoint's outcome, as `PRAGMA wal_checkpoint` reports it. */
interface CheckpointResult {
  /** 1 when it could not finish because another connection held a lock. */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied into the database file. */
  checkpointed: number;
}

/** The running checkpointer. */
export interface WalCheckpointer {
  /** Checkpoints now (waiting for one already running); resolves with its outcome. */
  checkpoint(): Promise<CheckpointResult>;
  /**
   * What a bulk writer awaits between two chunks: a turn of the event loop,
   * and now and then a checkpoint that covers every chunk committed so far.
   */
  betweenWrites(): Promise<void>;
  /**
   * For a writer whose transactions lie apart (the sync worker, deriving the
   * next batch between two): says a write committed, and a checkpoint of it
   * starts now, while the writer works on.
   */
  wrote(): void;
  /**
   * What that writer awaits before its next transaction: the end of the
   * checkpoint `wrote` started (if it still runs), so the next write starts
   * the WAL over and the WAL holds about one batch, not the whole sync.
   */
  beforeWrite(): Promise<void>;
  /** Checkpoints run so far and the last outcome, for logs and tests. */
  stats(): { checkpoints: number; last: CheckpointResult | null };
  /**
   * Runs a read-only query on the worker-thread connection, so a slow scan
   * (a search before the in-memory index is ready) never holds the main
   * thread. It waits behind a checkpoint in progress.
   */
  read(
    sql: string,
    params: readonly (string | number | null)[],
  ): Promise<Record<string, unknown>[]>;
  /** Stops, and gives checkpointing back to SQLite on the main connection. */
  close(): Promise<void>;
}

/** The slice of the bindings' experimental pool used here. */
interface CheckpointPool {
  get(sql: string): Promise<unknown>;
  all(sql: string, params?: readonly (string | number | null)[]): Promise<unknown[]>;
  close(): Promise<void>;
}

async function openPool(path: string): Promise<CheckpointPool> {
  const { DatabasePool } = requireSqliteExperimental() as typeof Experimental;
  return DatabasePool.open(path, {
    connections: 1,
    // PRAGMAs are the whole point of this connection.
    authorizer: 'none',
    // Reads only: a statement that would write fails instead of taking the write lock.
    connectionSetup: [{ sql: 'PRAGMA query_only = 1' }],
  });
}

function resultOf(row: unknown): CheckpointResult {
  const r = (row ?? {}) as Record<string, unknown>;
  return { busy: Number(r.busy), log: Number(r.log), checkpointed: Number(r.checkpointed) };
}

/**
 * Starts checkpointing `cache` from a worker thread. Null when it cannot
 * (read-only or in-memory cache, no pool in the bindings): SQLite's own
 * checkpointing then stays on, as before.
 */
export async function startWalCheckpointer(
  cache: OpenedDatabase,
  options: { log: Logger; intervalMs?: number },
): Promise<WalCheckpointer | null> {
  const { db, path } = cache;
  if (cache.readOnly || path === ':memory:' || path === '') return null;
  let pool: CheckpointPool;
  try {
    pool = await openPool(path);
  } catch (thrown) {
    options.log.warn('checkpoints stay on the main thread: no connection pool', {
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return null;
  }
  if (!db.isOpen) {
    await pool.close().catch(() => {});
    return null;
  }
  db.exec('PRAGMA wal_autocheckpoint = 0');
  const changesNow = (): number =>
    Number((db.prepare('SELECT total_changes() AS n').get() as { n: unknown }).n);

  let running: Promise<CheckpointResult> | null = null;
  let closed = false;
  let checkedAt = -1;
  let settledAt = performance.now();
  let count = 0;
  let last: CheckpointResult | null = null;

  const giveBack = (): void => {
    if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
  };

  function checkpoint(): Promise<CheckpointResult> {
    if (running) return running;
    if (closed) return Promise.resolve({ busy: 0, log: -1, checkpointed: -1 });
    running = pool
      .get('PRAGMA wal_checkpoint(PASSIVE)')
      .then((row) => {
        count++;
        last = resultOf(row);
        return last;
      })
      .catch((thrown: unknown) => {
        // Checkpoints are housekeeping: on trouble, hand them back to SQLite.
        options.log.warn('background checkpoint failed; SQLite checkpoints on its own again', {
          error: thrown instanceof Error ? thrown.message : String(thrown),
        });
        void stop();
        return { busy: 1, log: -1, checkpointed: -1 };
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  const timer = setInterval(() => {
    if (closed || running || !db.isOpen) return;
    const changes = changesNow();
    if (changes === checkedAt) return;
    checkedAt = changes;
    void checkpoint();
  }, options.intervalMs ?? CHECKPOINT_INTERVAL_MS);
  timer.unref();

  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  async function betweenWrites(): Promise<void> {
    if (closed || performance.now() - settledAt < SETTLE_EVERY_MS) return turn();
    // A checkpoint that starts now covers every commit so far.
    if (running) await running;
    await checkpoint();
    settledAt = performance.now();
  }

  async function beforeWrite(): Promise<void> {
    if (running) await running;
  }

  async function stop(): Promise<void> {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    await running?.catch(() => {});
    await pool.close().catch(() => {});
    giveBack();
  }

  async function read(
    sql: string,
    params: readonly (string | number | null)[],
  ): Promise<Record<string, unknown>[]> {
    if (closed) throw new Error('The background connection is closed.');
    return (await pool.all(sql, params)) as Record<string, unknown>[];
  }

  return {
    checkpoint,
    betweenWrites,
    wrote: () => void checkpoint(),
    beforeWrite,
    stats: () => ({ checkpoints: count, last }),
    read,
    close: stop,
  };
}
