/**
 * The cache file: one SQLite database in the user-data folder. Opens (or
 * creates) it with WAL and foreign keys, brings its schema up to date one
 * migration at a time, opens a file written by a newer Rollcall read-only
 * (never altering it), and moves a damaged file aside (kept, never deleted)
 * so the app still starts.
 *
 * Node only; never imports `electron`. The bindings are
 * `@photostructure/sqlite` (Node-API: one build loads in Node and Electron).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  DatabaseSync,
  type DatabaseSyncInstance,
  type StatementSyncInstance,
} from '@photostructure/sqlite';
import { fail, rollcallError, RollcallFailure } from '@shared/errors';
import type { Logger } from '../log';

/** A synchronous SQLite connection (node:sqlite's `DatabaseSync` API). */
export type SqliteDb = DatabaseSyncInstance;

/** The cache file's name inside the user-data folder. */
export const DATABASE_FILE_NAME = 'rollcall.sqlite';

/** How long a statement waits for a lock held by another connection. */
export const BUSY_TIMEOUT_MS = 5_000;

/** One step of the schema. `up` runs inside the migration's transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: SqliteDb): void;
}

/**
 * v1: the base tables. Columns are ordered small and fixed first, so reading
 * the filter and sort columns never reaches a row's long tail. Never edit a
 * shipped migration: add a new one.
 */
const V1_BASE = `
CREATE TABLE connections (
  id             TEXT PRIMARY KEY NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('zulip', 'openwebui')),
  label          TEXT NOT NULL,
  base_url       TEXT NOT NULL,
  login_email    TEXT,
  demo           INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  last_test_json TEXT,
  last_sync_at   INTEGER,
  last_sync_json TEXT,
  removed_at     INTEGER
) STRICT;

CREATE TABLE users (
  row_id         INTEGER PRIMARY KEY,
  connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  user_id        TEXT NOT NULL,
  kind           TEXT NOT NULL,
  role           TEXT NOT NULL,
  role_rank      INTEGER NOT NULL,
  is_bot         INTEGER NOT NULL,
  bot_type       INTEGER,
  bot_owner_id   TEXT,
  deactivated    INTEGER NOT NULL,
  joined_at      INTEGER,
  last_active_at INTEGER,
  fetched_at     INTEGER NOT NULL,
  seen_at        INTEGER NOT NULL,
  gone_at        INTEGER,
  content_hash   TEXT NOT NULL,
  timezone       TEXT,
  name           TEXT NOT NULL,
  sort_name      TEXT NOT NULL,
  email          TEXT,
  delivery_email TEXT,
  group_names    TEXT NOT NULL,
  profile_text   TEXT NOT NULL,
  search_text    TEXT NOT NULL,
  summary_json   TEXT NOT NULL,
  UNIQUE (connection_id, user_id)
) STRICT;

-- The big JSON lives apart, so scans, filters and "seen" updates of users
-- touch small rows only.
CREATE TABLE user_payloads (
  row_id    INTEGER PRIMARY KEY REFERENCES users (row_id) ON DELETE CASCADE,
  user_json TEXT NOT NULL,
  raw_json  TEXT NOT NULL
) STRICT;

CREATE TABLE profile_fields (
  connection_id    TEXT PRIMARY KEY NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  definitions_json TEXT NOT NULL,
  fetched_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE avatars (
  connection_id TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  path          TEXT NOT NULL,
  sha256        TEXT NOT NULL,
  byte_size     INTEGER NOT NULL,
  source_key    TEXT,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, user_id),
  FOREIGN KEY (connection_id, user_id) REFERENCES users (connection_id, user_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX avatars_path ON avatars (path);
`;

/**
 * v2: search. A trigram full-text index over the folded haystack (external
 * content: the text lives once, in users.search_text), kept in step by
 * triggers, and the indexes the filters and sorts of search-text.ts need.
 */
const V2_SEARCH = `
CREATE VIRTUAL TABLE users_fts USING fts5 (
  search_text,
  content = 'users',
  content_rowid = 'row_id',
  tokenize = 'trigram case_sensitive 1'
);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
  INSERT INTO users_fts (rowid, search_text) VALUES (new.row_id, new.search_text);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
  INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.row_id, old.search_text);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users
WHEN old.search_text IS NOT new.search_text BEGIN
  INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.row_id, old.search_text);
  INSERT INTO users_fts (rowid, search_text) VALUES (new.row_id, new.search_text);
END;
INSERT INTO users_fts (users_fts) VALUES ('rebuild');

CREATE INDEX users_by_name ON users (sort_name, connection_id, user_id);
CREATE INDEX users_by_role ON users (role_rank, sort_name, connection_id, user_id);
CREATE INDEX users_by_last_active ON users (last_active_at, sort_name, connection_id, user_id);
CREATE INDEX users_by_joined ON users (joined_at, sort_name, connection_id, user_id);
CREATE INDEX users_seen ON users (connection_id, seen_at);
CREATE INDEX users_gone ON users (connection_id, gone_at) WHERE gone_at IS NOT NULL;
CREATE INDEX users_bot_owner ON users (connection_id, bot_owner_id) WHERE bot_owner_id IS NOT NULL;
`;

/** v3: per-connection JSON (a provider's context: groups, field definitions...). */
const V3_META = `
CREATE TABLE connection_meta (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value_json    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, key)
) STRICT;
`;

/**
 * v4: the trigram index goes. Searches are answered by the in-memory index
 * (search-index.ts), and until it is built by exact `instr()` scans of
 * users.search_text; keeping the trigram index in step cost two thirds of
 * every user written (100 000 users: 38 s against 12 s) and its merges held
 * the event loop up to 100 ms at a commit. The sort indexes stay.
 */
const V4_DROP_TRIGRAMS = `
DROP TRIGGER IF EXISTS users_fts_insert;
DROP TRIGGER IF EXISTS users_fts_delete;
DROP TRIGGER IF EXISTS users_fts_update;
DROP TABLE IF EXISTS users_fts;
`;

/** Every migration, in order. `PRAGMA user_version` is the last one applied. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'base tables', up: (db) => db.exec(V1_BASE) },
  { version: 2, name: 'full-text search and sort indexes', up: (db) => db.exec(V2_SEARCH) },
  { version: 3, name: 'per-connection metadata', up: (db) => db.exec(V3_META) },
  {
    version: 4,
    name: 'in-memory search instead of the trigram index',
    up: (db) => db.exec(V4_DROP_TRIGRAMS),
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** An open cache: the connection plus what the window should be told about it. */
export interface OpenedDatabase {
  db: SqliteDb;
  path: string;
  /** Opened read-only because a newer Rollcall wrote it: every write fails. */
  readOnly: boolean;
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

/** Up to this size `auto` checks the file at every start (a few tenths of a second). */
export const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024;

/** The file whose presence says "damage was met: check at the next start". */
export function damageMarkerPath(path: string): string {
  return `${path}.damaged`;
}

/** SQLite's primary result codes Rollcall branches on. */
export const SQLITE = {
  PERM: 3,
  BUSY: 5,
  LOCKED: 6,
  READONLY: 8,
  IOERR: 10,
  CORRUPT: 11,
  FULL: 13,
  CANTOPEN: 14,
  CONSTRAINT: 19,
  NOTADB: 26,
} as const;

/** SQLite's extended code for a broken foreign key (SQLITE_CONSTRAINT_FOREIGNKEY). */
export const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

/** The extended SQLite result code of a thrown error, or null if it is not one. */
export function sqliteExtendedCodeOf(thrown: unknown): number | null {
  if (typeof thrown !== 'object' || thrown === null) return null;
  const e = thrown as { sqliteExtendedCode?: unknown; errcode?: unknown };
  const code = typeof e.sqliteExtendedCode === 'number' ? e.sqliteExtendedCode : e.errcode;
  return typeof code === 'number' ? code : null;
}

/** The primary SQLite result code of a thrown error, or null if it is not one. */
export function sqliteCodeOf(thrown: unknown): number | null {
  if (typeof thrown !== 'object' || thrown === null) return null;
  const e = thrown as { errcode?: unknown; sqliteCode?: unknown };
  const code = typeof e.errcode === 'number' ? e.errcode : e.sqliteCode;
  return typeof code === 'number' ? code & 0xff : null;
}

function isCorruption(thrown: unknown): boolean {
  const code = sqliteCodeOf(thrown);
  return code === SQLITE.CORRUPT || code === SQLITE.NOTADB;
}

function errorText(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

/**
 * Turns a SQLite error into a `RollcallFailure` an admin can act on. Repositories
 * wrap their writes with it, passing the cache so damage is remembered for the
 * next start; `RollcallFailure`s pass through unchanged.
 */
export function cacheFailure(
  thrown: unknown,
  doing: string,
  cache?: Pick<OpenedDatabase, 'markDamaged'>,
): RollcallFailure {
  if (thrown instanceof RollcallFailure) return thrown;
  const code = sqliteCodeOf(thrown);
  if (isCorruption(thrown)) cache?.markDamaged();
  const say = (message: string): RollcallFailure =>
    new RollcallFailure(rollcallError('CACHE_UNAVAILABLE', message));
  switch (code) {
    case SQLITE.READONLY:
      return say(
        `Rollcall could not ${doing}: the cache is open read-only (it was written by a newer Rollcall, or the file is not writable). Update Rollcall or check the file's permissions.`,
      );
    case SQLITE.FULL:
      return say(`Rollcall could not ${doing}: the disk is full. Free some space and try again.`);
    case SQLITE.BUSY:
    case SQLITE.LOCKED:
      return say(
        `Rollcall could not ${doing}: the cache file is in use by another program. Close other copies of Rollcall and try again.`,
      );
    case SQLITE.CORRUPT:
    case SQLITE.NOTADB:
      return say(
        `Rollcall could not ${doing}: the cache file is damaged. Restart Rollcall: it will set the file aside and start a fresh cache.`,
      );
    case SQLITE.CONSTRAINT:
      if (sqliteExtendedCodeOf(thrown) !== SQLITE_CONSTRAINT_FOREIGNKEY) {
        return say(`Rollcall could not ${doing} in its cache.`);
      }
      return new RollcallFailure(
        rollcallError(
          'INVALID_INPUT',
          `Rollcall could not ${doing}: the connection or user it belongs to is not in the cache (it may have just been removed).`,
        ),
      );
    case SQLITE.IOERR:
    case SQLITE.PERM:
    case SQLITE.CANTOPEN:
      return say(
        `Rollcall could not ${doing}: the cache file could not be read or written. Check the disk and the permissions of the user-data folder.`,
      );
    default:
      return say(`Rollcall could not ${doing} in its cache.`);
  }
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

/** Reads one pragma's single value. */
function pragmaValue(db: SqliteDb, pragma: string): unknown {
  const row = db.prepare(`PRAGMA ${pragma}`).get() as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration "${m.name}" is number ${m.version}, expected ${i + 1}`);
    }
  });
}

/** Applies every migration above the file's version, each in its own transaction. */
function migrate(
  db: SqliteDb,
  from: number,
  migrations: readonly Migration[],
  log: Logger,
): number {
  let version = from;
  for (const m of migrations) {
    if (m.version <= version) continue;
    try {
      inTransaction(db, () => {
        m.up(db);
        db.exec(`PRAGMA user_version = ${m.version}`);
      });
    } catch (thrown) {
      if (isCorruption(thrown)) throw thrown;
      log.error('cache migration failed', {
        to: m.version,
        name: m.name,
        error: errorText(thrown),
      });
      throw cacheFailure(
        thrown,
        `update the cache to this version of Rollcall (step ${m.version}, ${m.name}); the file was left as it was`,
      );
    }
    log.info('cache migrated', { to: m.version, name: m.name });
    version = m.version;
  }
  return version;
}

function openConnection(path: string, readOnly: boolean): SqliteDb {
  return new DatabaseSync(path, {
    readOnly,
    timeout: BUSY_TIMEOUT_MS,
    enableForeignKeyConstraints: true,
  });
}

/** File-name-safe ISO time: `2026-01-31T12-00-00.000Z`. */
function fileTime(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-');
}

/**
 * Moves a damaged file and its -wal/-shm aside under one new name, so the
 * WAL still belongs to its database if someone wants to rescue it.
 * Returns the new path of the main file.
 */
function setAside(path: string, now: number): string {
  let aside = `${path}.corrupt-${fileTime(now)}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.corrupt-${fileTime(now)}-${n}`;
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  rmSync(damageMarkerPath(path), { force: true });
  return aside;
}

const CONNECTION_COLUMNS = [
  'id',
  'kind',
  'label',
  'base_url',
  'login_email',
  'demo',
  'created_at',
  'updated_at',
  'last_test_json',
  'last_sync_at',
  'last_sync_json',
  'removed_at',
];

/**
 * Copies what can still be read of the connections table from a damaged file
 * into the fresh one: the keychain still holds their keys under the same IDs,
 * so the admin only has to sync again. Best effort; returns how many.
 */
function salvageConnections(asidePath: string, fresh: SqliteDb, log: Logger): number {
  let old: SqliteDb | null = null;
  try {
    old = openConnection(asidePath, true);
    const present = new Set(
      (old.prepare('PRAGMA table_info(connections)').all() as { name: string }[]).map(
        (c) => c.name,
      ),
    );
    const columns = CONNECTION_COLUMNS.filter((c) => present.has(c));
    if (
      !['id', 'kind', 'label', 'base_url', 'created_at', 'updated_at'].every((c) => present.has(c))
    ) {
      return 0;
    }
    const rows = old.prepare(`SELECT ${columns.join(', ')} FROM connections`).all() as Record<
      string,
      unknown
    >[];
    const insert = fresh.prepare(
      `INSERT OR IGNORE INTO connections (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    let count = 0;
    inTransaction(fresh, () => {
      for (const row of rows) {
        try {
          count += insert.run(...columns.map((c) => row[c] as string | number | null)).changes;
        } catch {
          // A row that no longer fits the schema is skipped, not fatal.
        }
      }
    });
    return count;
  } catch (thrown) {
    log.warn('could not salvage connections from the damaged cache', { error: errorText(thrown) });
    return 0;
  } finally {
    try {
      old?.close();
    } catch {
      // Closing a damaged file may fail too; nothing is left to release.
    }
  }
}

/** Page size of new files: a user's JSON (2-3 KB) packs three to a page, not one. */
export const PAGE_SIZE = 8192;

function applyPragmas(db: SqliteDb, path: string): void {
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
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
}

type Attempt = { kind: 'ready'; opened: OpenedDatabase } | { kind: 'corrupt'; error: unknown };

/** Leaves the "check me at next start" marker; best effort (the check is a safety net). */
function damageMarker(path: string, log: Logger): () => void {
  return () => {
    try {
      writeFileSync(damageMarkerPath(path), `${new Date().toISOString()}\n`);
      log.error('cache damage met at run time; the file will be checked at the next start');
    } catch {
      // Without the marker the next start still notices unless the file closes cleanly.
    }
  };
}

/** Whether `auto` should pay for a quick_check of this file now. */
function shouldCheck(path: string, size: number, options: OpenDatabaseOptions): boolean {
  if (options.quickCheck === 'always') return true;
  if (options.quickCheck === 'never') return false;
  const wal = `${path}-wal`;
  const uncleanExit = existsSync(wal) && statSync(wal).size > 0;
  const small = size <= (options.quickCheckMaxBytes ?? QUICK_CHECK_MAX_BYTES);
  return uncleanExit || existsSync(damageMarkerPath(path)) || small;
}

function newerVersion(
  db: SqliteDb,
  path: string,
  version: number,
  target: number,
  log: Logger,
): OpenedDatabase {
  return {
    db,
    path,
    readOnly: true,
    markDamaged: damageMarker(path, log),
    schemaVersion: version,
    notices: [
      `The cache file was written by a newer version of Rollcall (format ${version}; this version understands up to ${target}). It is open read-only and will not be changed: update Rollcall to sync or edit connections.`,
    ],
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}

function tryOpen(path: string, options: OpenDatabaseOptions): Attempt {
  const migrations = options.migrations ?? MIGRATIONS;
  const target = migrations.length;
  let db: SqliteDb | null = null;
  const closeQuietly = (): void => {
    try {
      if (db?.isOpen) db.close();
    } catch {
      // Already broken; nothing to release.
    }
  };
  try {
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size > 0) {
      // Look first through a read-only connection: unlike a writable one it
      // never checkpoints or deletes the WAL when closed, so a damaged file is
      // set aside exactly as it was found, and a newer one is never touched.
      db = openConnection(path, true);
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const version = Number(pragmaValue(db, 'user_version') ?? 0);
      if (version > target) {
        options.log.warn('cache written by a newer Rollcall; opened read-only', {
          version,
          target,
        });
        return { kind: 'ready', opened: newerVersion(db, path, version, target, options.log) };
      }
      const checked = shouldCheck(path, size, options);
      if (checked) {
        const rows = db.prepare('PRAGMA quick_check').all() as Record<string, unknown>[];
        const verdict = rows.map((r) => String(Object.values(r)[0]));
        if (verdict.length !== 1 || verdict[0] !== 'ok') {
          closeQuietly();
          return {
            kind: 'corrupt',
            error: new Error(`quick_check: ${verdict.slice(0, 3).join('; ')}`),
          };
        }
      }
      db.close();
      if (checked) rmSync(damageMarkerPath(path), { force: true }); // Checked and sound.
    }
    db = openConnection(path, false);
    const version = Number(pragmaValue(db, 'user_version') ?? 0);
    if (version > target) {
      // Another Rollcall upgraded the file between the two opens: do not touch it.
      db.close();
      db = openConnection(path, true);
      return { kind: 'ready', opened: newerVersion(db, path, version, target, options.log) };
    }
    applyPragmas(db, path);
    const schemaVersion = migrate(db, version, migrations, options.log);
    const rw = db;
    return {
      kind: 'ready',
      opened: {
        db: rw,
        path,
        readOnly: false,
        schemaVersion,
        notices: [],
        markDamaged: damageMarker(path, options.log),
        close: () => {
          if (!rw.isOpen) return;
          try {
            rw.exec('PRAGMA optimize');
          } catch {
            // Only an optimisation hint; closing matters more.
          }
          rw.close();
        },
      },
    };
  } catch (thrown) {
    closeQuietly();
    if (isCorruption(thrown)) return { kind: 'corrupt', error: thrown };
    if (thrown instanceof RollcallFailure) throw thrown;
    options.log.error('cache could not be opened', { error: errorText(thrown) });
    throw cacheFailure(thrown, 'open its cache file');
  }
}

/**
 * Opens the cache at `path`, creating it (and its folder) if needed. A damaged
 * file is renamed to `<name>.corrupt-<time>` with its -wal/-shm, a fresh one
 * is started, the connections that can still be read are carried over, and a
 * notice says so. Throws `CACHE_UNAVAILABLE` only when no cache can be opened
 * at all (unwritable folder, disk full, another program holding the lock).
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): OpenedDatabase {
  checkMigrations(options.migrations ?? MIGRATIONS);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (thrown) {
    options.log.error('cannot create the user-data folder', { error: errorText(thrown) });
    fail(
      'CACHE_UNAVAILABLE',
      `Rollcall could not create the folder for its cache (${dirname(path)}). Check that it is writable.`,
    );
  }
  const first = tryOpen(path, options);
  if (first.kind === 'ready') return first.opened;

  options.log.error('cache file is damaged; setting it aside', { error: errorText(first.error) });
  let aside: string;
  try {
    aside = setAside(path, options.now());
  } catch (thrown) {
    options.log.error('could not set the damaged cache aside', { error: errorText(thrown) });
    fail(
      'CACHE_UNAVAILABLE',
      `The cache file ${path} is damaged and could not be moved aside. Move or delete it yourself, then start Rollcall again.`,
    );
  }
  const second = tryOpen(path, options);
  if (second.kind !== 'ready') {
    fail('CACHE_UNAVAILABLE', `Rollcall could not start a fresh cache at ${path}.`);
  }
  const opened = second.opened;
  const recovered = opened.readOnly ? 0 : salvageConnections(aside, opened.db, options.log);
  const kept = basename(aside);
  opened.notices.push(
    recovered > 0
      ? `The cache file was damaged and could not be read. It was kept as ${kept} and a fresh cache was started; ${recovered === 1 ? 'your connection was' : `your ${recovered} connections were`} recovered. Sync your connections to refill it.`
      : `The cache file was damaged and could not be read. It was kept as ${kept} and a fresh cache was started; sync your connections to refill it.`,
  );
  return opened;
}

/** The cache's path inside a user-data folder. */
export function databasePath(userDataDir: string): string {
  return join(userDataDir, DATABASE_FILE_NAME);
}

/** A prepared statement of `SqliteDb`. */
export type SqliteStatement = StatementSyncInstance;

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

/** Lets the event loop run (timers, IPC) between chunks of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
