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
 * The pool's connection checkpoints the WAL itself as SQLite does, in its
 * commits, which run on the libuv thread too.
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

/** What was inserted: each new row's ID, by user. */
export interface InsertedRow {
  rowId: number;
  userId: string;
}

/** Writes chunks of new users off the JavaScript thread. */
export interface BulkInserter {
  /**
   * Inserts the rows of one connection's new users in one transaction, all
   * or nothing. Rejects (nothing written) when any of them exists already.
   * The pool takes the work in a later turn of the event loop.
   */
  insertNew(
    connectionId: string,
    rows: readonly NewUserRows[],
    seenAt: number,
  ): Promise<InsertedRow[]>;
  close(): Promise<void>;
}

/** Rows per statement: 22 parameters a users row, under SQLite's 32 766. */
const ROWS_PER_STATEMENT = 500;

/** The slice of the bindings' experimental pool used here. */
type Pool = Pick<Experimental.DatabasePool, 'batch' | 'close'>;

const USER_VALUES = `(?, ?, ${DATA_COLUMNS.map(() => '?').join(', ')}, ?, NULL)`;

/** The three statements of `n` new users, made once per size. */
function statementsOf(n: number): { users: string; seen: string; payloads: string } {
  const rows = (tuple: string): string => Array.from({ length: n }, () => tuple).join(', ');
  return {
    users: `INSERT INTO users (connection_id, user_id, ${DATA_COLUMNS.join(', ')}, seen_at, gone_at)
      VALUES ${rows(USER_VALUES)} RETURNING row_id, user_id`,
    // The rows just inserted, found by their (connection, user ID) key.
    seen: `INSERT INTO user_seen (row_id, fetched_at, seen_at)
      SELECT u.row_id, v.column2, ? FROM (VALUES ${rows('(?, ?)')}) AS v
      JOIN users u ON u.connection_id = ? AND u.user_id = v.column1`,
    payloads: `INSERT INTO user_payloads (row_id, user_json, raw_json, raw_parts)
      SELECT u.row_id, v.column2, v.column3, NULL FROM (VALUES ${rows('(?, ?, ?)')}) AS v
      JOIN users u ON u.connection_id = ? AND u.user_id = v.column1`,
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
    async insertNew(connectionId, rows, seenAt) {
      const ops: Experimental.PoolOperation[] = [];
      for (let from = 0; from < rows.length; from += ROWS_PER_STATEMENT) {
        const part = rows.slice(from, from + ROWS_PER_STATEMENT);
        const sql = sqlFor(part.length);
        const users: (string | number | null)[] = [];
        const seen: (string | number | null)[] = [];
        const payloads: (string | number | null)[] = [];
        for (const r of part) {
          if (r.connectionId !== connectionId) throw new Error('one connection per chunk');
          users.push(r.connectionId, r.userId);
          for (const v of r.params) users.push(v);
          users.push(seenAt);
          seen.push(r.userId, r.fetchedAt);
          payloads.push(r.userId, r.userJson, r.rawJson);
        }
        ops.push(
          { kind: 'all', sql: sql.users, params: users },
          { kind: 'run', sql: sql.seen, params: [seenAt, ...seen, connectionId] },
          { kind: 'run', sql: sql.payloads, params: [...payloads, connectionId] },
        );
      }
      const results = await pool.batch(ops, { transaction: 'immediate' });
      const inserted: InsertedRow[] = [];
      for (let k = 0; k < results.length; k += 3) {
        for (const row of results[k] as Record<string, unknown>[]) {
          inserted.push({ rowId: Number(row.row_id), userId: String(row.user_id) });
        }
      }
      if (inserted.length !== rows.length) {
        // The statements cannot do this; if they did, the caller writes the chunk again its own way.
        throw new Error(`inserted ${inserted.length} of ${rows.length} new users`);
      }
      return inserted;
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
        { sql: 'PRAGMA foreign_keys = ON' },
        { sql: 'PRAGMA synchronous = NORMAL' },
        { sql: `PRAGMA cache_size = -${options.cacheKib}` },
        { sql: `PRAGMA wal_autocheckpoint = ${options.autocheckpointPages}` },
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
