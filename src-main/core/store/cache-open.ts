/**
 * What opening the cache file shares between its two ways in, db.ts (the
 * usual open, migrations, recovery) and read-only-open.ts (a file this
 * version may not write): the open cache's shape and options, the
 * pragmas of a writing connection, the damage marker, and the notice for a
 * file a newer Rollcall wrote. Apart, so neither of the two imports the
 * other back.
 *
 * Node only; never imports `electron`.
 */
import { writeFileSync } from 'node:fs';
import type { Logger } from '../log';
import type { Migration } from './migrations';
import { BUSY_TIMEOUT_MS, pragmaValue, type SqliteDb } from './sqlite-helpers';

/** An open cache: the connection plus what the window should be told about it. */
export interface OpenedDatabase {
  db: SqliteDb;
  path: string;
  /** Opened read-only (a newer Rollcall wrote it, or its folder is read-only): every write fails. */
  readOnly: boolean;
  /** Why writes are refused, for their errors; unset means a newer Rollcall wrote the file. */
  readOnlyReason?: string;
  /** Sentences for the window to show verbatim (damaged file set aside, newer version...). */
  notices: string[];
  /** The file's `user_version` (after migrating, unless read-only). */
  schemaVersion: number;
  /**
   * Records that a query met damage (SQLITE_CORRUPT), so the next start
   * checks the file and sets it aside. `cacheFailure` calls it.
   */
  markDamaged(): void;
  /** Closes the connection; safe to call twice. */
  close(): void;
}

/** What `openDatabase` needs besides the path. */
export interface OpenDatabaseOptions {
  log: Logger;
  now: () => number;
  /** The migrations to apply; tests pass a prefix to build files of earlier versions. */
  migrations?: readonly Migration[];
  /**
   * When to run `PRAGMA quick_check` at open. `auto` (the default): when the
   * last session did not close cleanly (a -wal file is left), when damage was
   * met at run time, or when the file is small enough for the check to be
   * quick (`QUICK_CHECK_MAX_BYTES`). A 100 000-user cache (430 MB) took
   * 1-2.4 s to check here: too long to pay at every start.
   */
  quickCheck?: 'auto' | 'always' | 'never';
  /** Where `auto` stops checking clean files at every start; default `QUICK_CHECK_MAX_BYTES`. */
  quickCheckMaxBytes?: number;
}

/** The file whose presence says "damage was met: check at the next start". */
export function damageMarkerPath(path: string): string {
  return `${path}.damaged`;
}

/** Page size of new files: a user's JSON (2-3 KB) packs three to a page, not one. */
export const PAGE_SIZE = 8192;

/**
 * Page cache of a connection that writes, in KiB (a cap, filled as pages
 * are used). SQLite's default of 2 MB held a fraction of the users table's
 * eight indexes, so a sync's random inserts into them read pages back over
 * and over. 20 000-user Zulip syncs (sync-e2e probe, runs alternating with
 * the default, load 3-6): into an empty cache 11.6-18.2 s against
 * 18.0-20.2 s, and again unchanged 3.0-3.8 s against 3.9-4.5 s.
 */
export const WRITER_CACHE_KIB = 131_072;

/**
 * The pragmas of a connection that writes: WAL, synchronous NORMAL, foreign
 * keys, lock wait, and a page cache that holds the indexes a sync writes.
 */
export function applyPragmas(db: SqliteDb, path: string): void {
  const empty = Number(pragmaValue(db, 'schema_version') ?? 0) === 0;
  if (empty) db.exec(`PRAGMA page_size = ${PAGE_SIZE}`); // Only possible before the first table.
  const mode = String(pragmaValue(db, 'journal_mode = WAL')).toLowerCase();
  // The temporary cache of a session whose file could not open has no WAL to keep.
  const inMemory = path === ':memory:' && mode === 'memory';
  if (mode !== 'wal' && !inMemory) {
    throw new Error(`journal_mode stayed ${String(mode)}`);
  }
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec(`PRAGMA cache_size = -${WRITER_CACHE_KIB}`);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
}

/** Leaves the "check me at next start" marker; best effort (the check is a safety net). */
export function damageMarker(path: string, log: Logger): () => void {
  return () => {
    try {
      writeFileSync(damageMarkerPath(path), `${new Date().toISOString()}\n`);
      log.error('cache damage met at run time; the file will be checked at the next start');
    } catch {
      // Without the marker the next start still notices unless the file closes cleanly.
    }
  };
}

/** The notice for a file a newer Rollcall wrote, which this one opens read-only. */
export function newerVersionNotice(version: number, target: number): string {
  return `The cache file was written by a newer version of Rollcall (format ${version}; this version understands up to ${target}). It is open read-only and will not be changed: update Rollcall to sync or edit connections.`;
}
