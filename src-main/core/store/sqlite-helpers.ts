/**
 * Small SQLite helpers every store module shares: the connection and
 * statement types, opening a connection, one transaction, reading a pragma,
 * the statement cache, and a turn of the event loop between chunks of work.
 *
 * Node only; never imports `electron`. The bindings are
 * `@photostructure/sqlite` (Node-API: one build loads in Node and Electron).
 */
import {
  DatabaseSync,
  type DatabaseSyncInstance,
  type StatementSyncInstance,
} from '@photostructure/sqlite';

/** A synchronous SQLite connection (node:sqlite's `DatabaseSync` API). */
export type SqliteDb = DatabaseSyncInstance;

/** A prepared statement of `SqliteDb`. */
export type SqliteStatement = StatementSyncInstance;

/** How long a statement waits for a lock held by another connection. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens one connection with the lock wait and foreign keys every Rollcall
 * connection needs, so the cache and a damaged file's salvage open alike.
 */
export function openConnection(path: string, readOnly: boolean): SqliteDb {
  return new DatabaseSync(path, {
    readOnly,
    timeout: BUSY_TIMEOUT_MS,
    enableForeignKeyConstraints: true,
  });
}

/**
 * Runs `fn` in one transaction (`BEGIN IMMEDIATE`: the write lock is taken
 * up front, so a conflict shows at BEGIN, not halfway). Rolls back on throw.
 */
export function inTransaction<T>(db: SqliteDb, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (thrown) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw thrown;
  }
}

/** Reads one pragma's single value (the open path branches on several). */
export function pragmaValue(db: SqliteDb, pragma: string): unknown {
  const row = db.prepare(`PRAGMA ${pragma}`).get() as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

/**
 * Statements prepared on first use and reused, keyed by their SQL (the
 * least recently used are finalized past `capacity`). Lazy, so a repository
 * over a read-only file of another schema fails only where it differs.
 */
export function statementCache(db: SqliteDb, capacity = 64): (sql: string) => SqliteStatement {
  const cache = new Map<string, SqliteStatement>();
  return (sql) => {
    const hit = cache.get(sql);
    if (hit) {
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const stmt = db.prepare(sql);
    cache.set(sql, stmt);
    if (cache.size > capacity) {
      const [oldest, old] = cache.entries().next().value as [string, SqliteStatement];
      cache.delete(oldest);
      try {
        old.close();
      } catch {
        // Already finalized.
      }
    }
    return stmt;
  };
}
