/**
 * The cache file: opening it and recovering it. Opens (or creates) the one
 * SQLite database in the user-data folder with WAL and foreign keys, brings
 * its schema up to date (migrations.ts), opens a file written by a newer
 * Rollcall read-only (never altering it), and moves a damaged file aside
 * (kept, never deleted) so the app still starts, with the notices the
 * window shows about it.
 *
 * Node only; never imports `electron`. The bindings are
 * `@photostructure/sqlite` (Node-API: one build loads in Node and Electron).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail, RollcallFailure } from '@shared/errors';
import type { Logger } from '../log';
import { checkMigrations, migrate, MIGRATIONS } from './migrations';
import {
  applyPragmas,
  damageMarker,
  damageMarkerPath,
  newerVersionNotice,
  type OpenDatabaseOptions,
  type OpenedDatabase,
} from './cache-open';
import { openUnwritable } from './read-only-open';
import { cacheFailure, errorText, isCorruption, isUnwritable } from './sqlite-errors';
import {
  BUSY_TIMEOUT_MS,
  inTransaction,
  openConnection,
  pragmaValue,
  type SqliteDb,
} from './sqlite-helpers';

export type { OpenDatabaseOptions, OpenedDatabase } from './cache-open';
export { damageMarkerPath, PAGE_SIZE } from './cache-open';

/** The cache file's name inside the user-data folder. */
export const DATABASE_FILE_NAME = 'rollcall.sqlite';

/** Up to this size `auto` checks the file at every start (a few tenths of a second). */
const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024;

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

type Attempt = { kind: 'ready'; opened: OpenedDatabase } | { kind: 'corrupt'; error: unknown };

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
    notices: [newerVersionNotice(version, target)],
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
    // SQLite opens a file it may not write read-only without a word: take
    // the write lock once so a read-only file or folder shows now, not at
    // the first sync.
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
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
    if (isUnwritable(thrown) && existsSync(path) && statSync(path).size > 0) {
      // The cached directory is still there to read: show it, read-only.
      options.log.warn('the cache cannot be written here; opening it read-only', {
        error: errorText(thrown),
      });
      try {
        return { kind: 'ready', opened: openUnwritable(path, { ...options, migrations }) };
      } catch (second) {
        if (isCorruption(second)) return { kind: 'corrupt', error: second };
        options.log.error('the cache could not be opened read-only either', {
          error: errorText(second),
        });
      }
    }
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
