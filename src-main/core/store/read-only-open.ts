/**
 * Opening a cache that cannot be written where it is (a read-only file or
 * folder, a read-only disk): the cached directory is still shown, read-only,
 * since reading offline is what the cache is for. Never writes beside the
 * file.
 *
 * A WAL database needs its -shm beside it even to be read, and a read-only
 * folder cannot hold one. With no pending -wal the file alone is the whole
 * cache, so it is opened `immutable=1` (no -shm, no locks: nothing else can
 * write a read-only folder). With a -wal whose changes are not yet in the
 * file, `immutable` would miss them, so the file and its -wal are copied to
 * a temporary folder and the copy is opened; the same copy is migrated when
 * the file is older than this version. The copy is deleted on close.
 *
 * Node only; never imports `electron`.
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  applyPragmas,
  damageMarker,
  newerVersionNotice,
  type OpenDatabaseOptions,
  type OpenedDatabase,
} from './cache-open';
import { migrate, MIGRATIONS } from './migrations';
import { BUSY_TIMEOUT_MS, openConnection, pragmaValue, type SqliteDb } from './sqlite-helpers';

/** Whether a -wal beside the file holds changes the file itself does not. */
function pendingWal(path: string): boolean {
  const wal = `${path}-wal`;
  return existsSync(wal) && statSync(wal).size > 0;
}

/** The file opened in place without -shm or locks: every page read from the file alone. */
function openImmutable(path: string): SqliteDb {
  const db = openConnection(`${pathToFileURL(path).href}?immutable=1`, true);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}

/** Copies the file and its -wal into a new temporary folder; returns the copy's path. */
function copyAside(path: string): { copy: string; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), 'rollcall-read-only-cache-'));
  const copy = join(folder, basename(path));
  try {
    // The copies keep the originals' modes: make them this user's to write.
    copyFileSync(path, copy);
    chmodSync(copy, 0o600);
    if (existsSync(`${path}-wal`)) {
      copyFileSync(`${path}-wal`, `${copy}-wal`);
      chmodSync(`${copy}-wal`, 0o600);
    }
  } catch (thrown) {
    rmSync(folder, { recursive: true, force: true });
    throw thrown;
  }
  return { copy, folder };
}

/**
 * Opens the cache at `path` read-only because it cannot be written there,
 * with a notice saying so. Throws what SQLite throws when even that fails.
 */
export function openUnwritable(path: string, options: OpenDatabaseOptions): OpenedDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  const target = migrations.length;
  let folder: string | null = null;
  let db: SqliteDb | null = null;
  const removeCopy = (): void => {
    if (folder) rmSync(folder, { recursive: true, force: true });
    folder = null;
  };
  const closeQuietly = (): void => {
    try {
      if (db?.isOpen) db.close();
    } catch {
      // Nothing left to release.
    }
  };
  /** Replaces the connection with a writable one on a temporary copy of the file. */
  const openCopy = (): string => {
    closeQuietly();
    const made = copyAside(path);
    folder = made.folder;
    db = openConnection(made.copy, false);
    return made.copy;
  };
  try {
    let copy: string | null = pendingWal(path) ? openCopy() : null;
    if (copy === null) db = openImmutable(path);
    const opened = db as unknown as SqliteDb;
    const found = Number(pragmaValue(opened, 'user_version') ?? 0);
    const notices = [
      `The cache folder ${dirname(path)} is read-only: Rollcall shows the cached directory but cannot sync or save until it is writable.`,
    ];
    let schemaVersion = found;
    if (found > target) {
      notices.push(newerVersionNotice(found, target));
    } else if (found < target) {
      // Written by an older version: migrate a copy, never the file.
      copy ??= openCopy();
      const writable = db as unknown as SqliteDb;
      applyPragmas(writable, copy);
      schemaVersion = migrate(writable, found, migrations, options.log);
    }
    if (copy !== null) {
      // The copy replayed its WAL (and migrated): from here on it is read like the file.
      closeQuietly();
      db = openConnection(copy, true);
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    const readOnlyDb = db as unknown as SqliteDb;
    options.log.warn('cache opened read-only: it cannot be written where it is', {
      copied: copy !== null,
      schemaVersion,
    });
    return {
      db: readOnlyDb,
      path,
      readOnly: true,
      readOnlyReason: `the cache folder ${dirname(path)} is read-only. Make it writable, then restart Rollcall`,
      schemaVersion,
      notices,
      markDamaged: damageMarker(path, options.log),
      close: () => {
        try {
          if (readOnlyDb.isOpen) readOnlyDb.close();
        } finally {
          removeCopy();
        }
      },
    };
  } catch (thrown) {
    closeQuietly();
    removeCopy();
    throw thrown;
  }
}
