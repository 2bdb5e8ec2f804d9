/**
 * New users' rows written on a libuv thread: the bindings' connection pool
 * (`DatabasePool`, experimental) runs one chunk's inserts (users, user_seen,
 * user_payloads) as one transaction off the JavaScript thread, so the sync
 * worker derives the next chunk while SQLite writes this one. A first sync
 * of 100 000 users spent about 6 s of its thread in SQLite, one chunk after
 * another, between the deriving; here the two overlap (test/bench/probes/
 * bulk-insert.ts measures both ways). Only rows the cache does not hold yet
 * go this way (users-write.ts decides): an insert needs no lookup of what
 * was there, and a chunk that fails (a lookup inserted one of its users
 * meanwhile) is rolled back whole and written the ordinary way.
 *
 * Used where the sync's thread is busy deriving (a directory that came in
 * one answer: Provider.directoryInOneAnswer). The pool's connection
 * checkpoints the WAL itself as SQLite does, in its commits, which run on
 * the libuv thread too.
 *
 * Node only; never imports `electron`.
 */
import type * as Experimental from '@photostructure/sqlite/experimental';
import type { Logger } from '../log';
import { requireSqliteExperimental } from './native-modules';
import { BUSY_TIMEOUT_MS } from './sqlite-helpers';
import { DATA_COLUMNS } from './users-rows';

/** One new user's rows, as `columnsOf` and `hashWrite` made them. */
export interface NewUserRows {
  connectionId: string;
  userId: string;
  /** The users columns of DATA_COLUMNS, in order. */
  params: readonly (string | number | null)[];
  fetchedAt: number;
  userJson: string;
  rawJson: string;
}

/** Writes chunks of new users off the JavaScript thread. */
export interface BulkInserter {
  /**
   * Inserts the rows of one connection's new users in one transaction, all
   * or nothing, with row IDs `firstRowId` on in order (what SQLite would
   * give them: the caller reads the largest after the chunk before has
   * committed). Rejects, writing nothing, when any row ID or user exists
   * already (another connection wrote meanwhile). The pool takes the work
   * in a later turn of the event loop.
   */
  insertNew(
    connectionId: string,
    rows: readonly NewUserRows[],
    at: { seenAt: number; firstRowId: number },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Rows per statement: 23 parameters a users row, under SQLite's 32 766. */
const ROWS_PER_STATEMENT = 500;

/** The slice of the bindings' experimental pool used here. */
type Pool = Pick<Experimental.DatabasePool, 'batch' | 'close'>;

const USER_VALUES = `(?, ?, ?, ${DATA_COLUMNS.map(() => '?').join(', ')}, ?, NULL)`;

/**
 * The three statements of `n` new users, made once per size. OR ROLLBACK:
 * a conflict ends the whole chunk's transaction, which is what the caller
 * wants, and SQLite then keeps no journal to undo one statement alone (a
 * copy of every page it changes: about a second of a 100 000-user sync).
 */
function statementsOf(n: number): { users: string; seen: string; payloads: string } {
  const rows = (tuple: string): string => Array.from({ length: n }, () => tuple).join(', ');
  return {
    users: `INSERT OR ROLLBACK INTO users (row_id, connection_id, user_id, ${DATA_COLUMNS.join(', ')}, seen_at, gone_at)
      VALUES ${rows(USER_VALUES)}`,
    seen: `INSERT OR ROLLBACK INTO user_seen (row_id, fetched_at, seen_at) VALUES ${rows('(?, ?, ?)')}`,
    payloads: `INSERT OR ROLLBACK INTO user_payloads (row_id, user_json, raw_json, raw_parts)
      VALUES ${rows('(?, ?, ?, NULL)')}`,
  };
}

/** Builds the inserter over an open pool. */
function bulkInserterOver(pool: Pool): BulkInserter {
  const bySize = new Map<number, ReturnType<typeof statementsOf>>();
  const sqlFor = (n: number): ReturnType<typeof statementsOf> => {
    let sql = bySize.get(n);
    if (!sql) bySize.set(n, (sql = statementsOf(n)));
    return sql;
  };
  return {
    async insertNew(connectionId, rows, { seenAt, firstRowId }) {
      const ops: Experimental.PoolOperation[] = [];
      for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
        const part = rows.slice(from, from + ROWS_PER_STATEMENT);
        const sql = sqlFor(part.length);
        const users: (string | number | null)[] = [];
        const seen: (string | number | null)[] = [];
        const payloads: (string | number | null)[] = [];
        part.forEach((r, k) => {
          if (r.connectionId !== connectionId) throw new Error('one connection per chunk');
          const rowId = firstRowId + from + k;
          users.push(rowId, r.connectionId, r.userId);
          for (const v of r.params) users.push(v);
          users.push(seenAt);
          seen.push(rowId, r.fetchedAt, seenAt);
          payloads.push(rowId, r.userJson, r.rawJson);
        });
        ops.push(
          { kind: 'run', sql: sql.users, params: users },
          { kind: 'run', sql: sql.seen, params: seen },
          { kind: 'run', sql: sql.payloads, params: payloads },
        );
      }
      await pool.batch(ops, { transaction: 'immediate' });
    },
    close: () => pool.close(),
  };
}

/**
 * Opens a one-connection pool on the cache file, set up as the worker's own
 * connection is. Null when the bindings give no pool (or the file will not
 * open there): every chunk is then written on the JavaScript thread, as before.
 */
export async function openBulkInserter(
  path: string,
  options: { log: Logger; cacheKib: number; autocheckpointPages: number },
): Promise<BulkInserter | null> {
  try {
    const { DatabasePool } = requireSqliteExperimental() as typeof Experimental;
    const pool = await DatabasePool.open(path, {
      connections: 1,
      connectionSetup: [
        { sql: `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}` },
        // Foreign keys would make every statement keep that journal again
        // (a failed check undoes the statement alone). What they check holds
        // without them: upsertBatch checks the connection before deriving, a
        // connection is removed only once its sync has stopped (services/
        // connections.ts), which waits for its chunks, and the user_seen
        // and user_payloads rows point to users rows of the same transaction.
        { sql: 'PRAGMA foreign_keys = OFF' },
        { sql: 'PRAGMA synchronous = NORMAL' },
        { sql: `PRAGMA cache_size = -${options.cacheKib}` },
        { sql: `PRAGMA wal_autocheckpoint = ${options.autocheckpointPages}` },
        // Whatever temporary data a statement needs stays in memory, not in a
        // file it writes each page to (with the journal above, that doubled
        // the sync's writes).
        { sql: 'PRAGMA temp_store = MEMORY' },
      ],
    });
    return bulkInserterOver(pool);
  } catch (thrown) {
    options.log.warn('new users are written on the sync thread: no connection pool', {
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return null;
  }
}
