/**
 * SQLite's result codes and what they mean to an admin: reads the code of a
 * thrown error, tells damage apart, and words a `RollcallFailure` that says
 * what to do (update, free space, close the other copy, restart).
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure } from '@shared/errors';

/** SQLite's primary result codes Rollcall branches on. */
const SQLITE = {
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
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

/** The extended SQLite result code of a thrown error, or null if it is not one. */
function sqliteExtendedCodeOf(thrown: unknown): number | null {
  if (typeof thrown !== 'object' || thrown === null) return null;
  const e = thrown as { sqliteExtendedCode?: unknown; errcode?: unknown };
  const code = typeof e.sqliteExtendedCode === 'number' ? e.sqliteExtendedCode : e.errcode;
  return typeof code === 'number' ? code : null;
}

/** The primary SQLite result code of a thrown error, or null if it is not one. */
function sqliteCodeOf(thrown: unknown): number | null {
  if (typeof thrown !== 'object' || thrown === null) return null;
  const e = thrown as { errcode?: unknown; sqliteCode?: unknown };
  const code = typeof e.errcode === 'number' ? e.errcode : e.sqliteCode;
  return typeof code === 'number' ? code & 0xff : null;
}

/** Whether a thrown error says the file is damaged: the open path then sets it aside. */
export function isCorruption(thrown: unknown): boolean {
  const code = sqliteCodeOf(thrown);
  return code === SQLITE.CORRUPT || code === SQLITE.NOTADB;
}

/** SQLite's extended codes for a -shm file it could not open or grow (a read-only folder). */
const SQLITE_IOERR_SHM = new Set([4618, 4874, 5386]);

/** File-system errors that mean "not writable here", not damage or a full disk. */
const UNWRITABLE_ERRNO = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Whether a failure to open or set up the cache means it cannot be written
 * here (a read-only file or folder, a -wal/-shm that cannot be made): the
 * file can still be read, read-only.
 */
export function isUnwritable(thrown: unknown): boolean {
  const code = sqliteCodeOf(thrown);
  if (code === SQLITE.READONLY || code === SQLITE.CANTOPEN || code === SQLITE.PERM) return true;
  const extended = sqliteExtendedCodeOf(thrown);
  if (extended !== null && SQLITE_IOERR_SHM.has(extended)) return true;
  const errno = (thrown as { code?: unknown } | null)?.code;
  return typeof errno === 'string' && UNWRITABLE_ERRNO.has(errno);
}

/** Why a read-only cache refuses writes, when the cache does not say: a newer Rollcall wrote it. */
const NEWER_VERSION_REASON =
  'the cache is open read-only because a newer version of Rollcall wrote it. Update Rollcall';

/**
 * The failure every repository throws for a write to a cache opened
 * read-only, before any SQL runs, in the cache's own words of why.
 */
export function readOnlyFailure(
  cache: { readOnlyReason?: string | undefined },
  doing: string,
): RollcallFailure {
  return new RollcallFailure(
    rollcallError(
      'CACHE_UNAVAILABLE',
      `Rollcall cannot ${doing}: ${cache.readOnlyReason ?? NEWER_VERSION_REASON}.`,
    ),
  );
}

/** A thrown value as one line for the log, whatever was thrown. */
export function errorText(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

/**
 * Turns a SQLite error into a `RollcallFailure` an admin can act on. Repositories
 * wrap their writes with it, passing the cache (an `OpenedDatabase`) so damage
 * is remembered for the next start; `RollcallFailure`s pass through unchanged.
 */
export function cacheFailure(
  thrown: unknown,
  doing: string,
  cache?: { markDamaged(): void },
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
