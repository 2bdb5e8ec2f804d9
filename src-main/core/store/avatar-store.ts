/**
 * Cached pictures: bytes as files under `<userData>/avatars/`, one row per
 * user in the `avatars` table (content type, relative path, sha256, size,
 * where it came from, when). Files are named by hashes, never by user or
 * connection IDs, are written atomically (temp file + rename), and are
 * shared by users whose pictures are byte-identical (a server's default
 * picture). A read never leaves the avatars folder and never returns bytes
 * that do not match their recorded hash.
 *
 * Node only; never imports `electron`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { OpenedDatabase } from './db';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { statementCache } from './sqlite-helpers';
import { silentLogger, type Logger } from '../log';

/** The folder under the user-data folder that holds every picture. */
export const AVATARS_DIR = 'avatars';

/** The largest picture kept (the fetcher's cap too). */
export const MAX_AVATAR_BYTES = 5 * 1024 * 1024;

/** Raster image types the window may show, with the file extension used for each. */
const AVATAR_TYPES: ReadonlyMap<string, string> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
  ['image/avif', 'avif'],
  ['image/bmp', 'bmp'],
  ['image/x-icon', 'ico'],
  ['image/vnd.microsoft.icon', 'ico'],
]);

/** A cached picture's record, without its bytes. */
interface AvatarEntry {
  connectionId: string;
  userId: string;
  contentType: string;
  /** Relative to the user-data folder, with `/` separators. */
  path: string;
  sha256: string;
  byteSize: number;
  /** What the picture was fetched from (its URL or the summary's `avatarKey`). */
  sourceKey: string | null;
  fetchedAt: number;
}

/** A cached picture with its bytes. */
interface AvatarFile extends AvatarEntry {
  bytes: Uint8Array;
}

/** What `put` stores. */
interface AvatarInput {
  bytes: Uint8Array;
  contentType: string;
  sourceKey: string | null;
  fetchedAt?: number;
}

/** Everything Rollcall does with cached pictures. */
export interface AvatarStore {
  /** Stores a user's picture (the user must be cached), replacing the old one. */
  put(connectionId: string, userId: string, input: AvatarInput): Promise<AvatarEntry>;
  /** The picture with its bytes, or null (also when its file is missing or damaged). */
  get(connectionId: string, userId: string): Promise<AvatarFile | null>;
  /** The record only, without touching the disk. */
  info(connectionId: string, userId: string): AvatarEntry | null;
  remove(connectionId: string, userId: string): Promise<boolean>;
  /** Deletes every picture of a connection, rows and files. */
  removeConnection(connectionId: string): Promise<void>;
  /** Deletes files no row points at (after users were purged, or a crash mid-write). */
  sweep(): Promise<number>;
  count(connectionId?: string): number;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The folder of one connection's pictures: a hash, so no ID ever becomes a path. */
function connectionFolder(connectionId: string): string {
  return sha256(`connection:${connectionId}`).slice(0, 32);
}

/** A media type without parameters, lowercased: `image/PNG; q=1` → `image/png`. */
function baseType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

type Row = Record<string, unknown>;

function entryOf(row: Row): AvatarEntry {
  return {
    connectionId: String(row.connection_id),
    userId: String(row.user_id),
    contentType: String(row.content_type),
    path: String(row.path),
    sha256: String(row.sha256),
    byteSize: Number(row.byte_size),
    sourceKey: row.source_key === null ? null : String(row.source_key),
    fetchedAt: Number(row.fetched_at),
  };
}

/** Builds the avatar store over an open cache and the user-data folder. */
export function createAvatarStore(
  cache: OpenedDatabase,
  deps: { userDataDir: string; now: () => number; log?: Logger },
): AvatarStore {
  const { db } = cache;
  const log = deps.log ?? silentLogger;
  const root = resolve(deps.userDataDir, AVATARS_DIR);

  /** Mutations run one at a time, so a delete never races a write to the same file. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Absolute path of a stored relative path, or null if it would leave the avatars folder. */
  function inside(relPath: string): string | null {
    if (relPath.includes('\0') || isAbsolute(relPath)) return null;
    const abs = resolve(deps.userDataDir, relPath);
    const rel = relative(root, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
      return null;
    }
    return abs;
  }

  const stmt = statementCache(db);
  const SELECT = 'SELECT * FROM avatars WHERE connection_id = ? AND user_id = ?';
  const select = {
    get: (connectionId: string, userId: string): Row | undefined =>
      stmt(SELECT).get(connectionId, userId) as Row | undefined,
  };

  /** Deletes a file unless some row still points at it. */
  async function unlinkIfUnused(relPath: string): Promise<void> {
    if (
      Number((stmt('SELECT count(*) AS n FROM avatars WHERE path = ?').get(relPath) as Row).n) > 0
    ) {
      return;
    }
    const abs = inside(relPath);
    if (abs) await unlink(abs).catch(() => undefined);
  }

  function writable(): void {
    if (cache.readOnly) throw readOnlyFailure(cache, 'save pictures');
  }

  return {
    put(connectionId, userId, input) {
      writable();
      const type = baseType(input.contentType);
      const ext = AVATAR_TYPES.get(type);
      if (!ext) {
        throw new RollcallFailure(
          rollcallError(
            'INVALID_INPUT',
            `A picture of type "${type || 'unknown'}" is not kept; only raster images are.`,
          ),
        );
      }
      if (!(input.bytes instanceof Uint8Array) || input.bytes.byteLength === 0) {
        throw new RollcallFailure(rollcallError('INVALID_INPUT', 'The picture is empty.'));
      }
      if (input.bytes.byteLength > MAX_AVATAR_BYTES) {
        throw new RollcallFailure(
          rollcallError(
            'TOO_LARGE',
            `The picture is larger than ${MAX_AVATAR_BYTES / 1024 / 1024} MB and was not kept.`,
          ),
        );
      }
      const bytes = Uint8Array.from(input.bytes);
      return serial(async () => {
        const cached = stmt('SELECT 1 FROM users WHERE connection_id = ? AND user_id = ?').get(
          connectionId,
          userId,
        );
        if (!cached) {
          throw new RollcallFailure(
            rollcallError(
              'INVALID_INPUT',
              `User ${userId} is not in the cache, so its picture was not kept.`,
            ),
          );
        }
        const hash = sha256(bytes);
        const folder = connectionFolder(connectionId);
        const relPath = `${AVATARS_DIR}/${folder}/${hash}.${ext}`;
        const abs = inside(relPath);
        if (!abs) throw new Error('avatar path escaped its folder');
        await mkdir(join(root, folder), { recursive: true });
        const temp = `${abs}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
        try {
          await writeFile(temp, bytes, { flag: 'wx' });
          await rename(temp, abs);
        } catch (thrown) {
          await unlink(temp).catch(() => undefined);
          log.error('could not write a picture', {
            error: thrown instanceof Error ? thrown.message : String(thrown),
          });
          throw new RollcallFailure(
            rollcallError(
              'CACHE_UNAVAILABLE',
              'Rollcall could not save the picture. Check the disk and the permissions of the user-data folder.',
            ),
          );
        }
        const previous = select.get(connectionId, userId);
        const entry: AvatarEntry = {
          connectionId,
          userId,
          contentType: type,
          path: relPath,
          sha256: hash,
          byteSize: bytes.byteLength,
          sourceKey: input.sourceKey,
          fetchedAt: Math.round(input.fetchedAt ?? deps.now()),
        };
        try {
          stmt(
            `INSERT INTO avatars (connection_id, user_id, content_type, path, sha256, byte_size, source_key, fetched_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (connection_id, user_id) DO UPDATE SET content_type = excluded.content_type,
               path = excluded.path, sha256 = excluded.sha256, byte_size = excluded.byte_size,
               source_key = excluded.source_key, fetched_at = excluded.fetched_at`,
          ).run(
            connectionId,
            userId,
            entry.contentType,
            entry.path,
            entry.sha256,
            entry.byteSize,
            entry.sourceKey,
            entry.fetchedAt,
          );
        } catch (thrown) {
          await unlinkIfUnused(relPath);
          throw cacheFailure(thrown, 'save the picture', cache);
        }
        if (previous && String(previous.path) !== relPath)
          await unlinkIfUnused(String(previous.path));
        return entry;
      });
    },

    async get(connectionId, userId) {
      const row = select.get(connectionId, userId);
      if (!row) return null;
      const entry = entryOf(row);
      const abs = inside(entry.path);
      let bytes: Uint8Array | null = null;
      if (abs) {
        try {
          bytes = new Uint8Array(await readFile(abs));
        } catch {
          bytes = null;
        }
      } else {
        log.warn('avatar row points outside the avatars folder; ignored', { connectionId });
      }
      if (!bytes || sha256(bytes) !== entry.sha256) {
        // Missing or damaged: forget it, so the picture is fetched again.
        if (!cache.readOnly) {
          stmt('DELETE FROM avatars WHERE connection_id = ? AND user_id = ? AND path = ?').run(
            connectionId,
            userId,
            entry.path,
          );
        }
        return null;
      }
      return { ...entry, bytes };
    },

    info(connectionId, userId) {
      const row = select.get(connectionId, userId);
      return row ? entryOf(row) : null;
    },

    remove(connectionId, userId) {
      writable();
      return serial(async () => {
        const row = select.get(connectionId, userId);
        if (!row) return false;
        stmt('DELETE FROM avatars WHERE connection_id = ? AND user_id = ?').run(
          connectionId,
          userId,
        );
        await unlinkIfUnused(String(row.path));
        return true;
      });
    },

    removeConnection(connectionId) {
      writable();
      return serial(async () => {
        stmt('DELETE FROM avatars WHERE connection_id = ?').run(connectionId);
        await rm(join(root, connectionFolder(connectionId)), { recursive: true, force: true });
      });
    },

    sweep() {
      writable();
      return serial(async () => {
        const used = new Set(
          (stmt('SELECT DISTINCT path FROM avatars').all() as Row[]).map((r) => String(r.path)),
        );
        let removed = 0;
        let folders: string[];
        try {
          folders = await readdir(root);
        } catch {
          return 0;
        }
        for (const folder of folders) {
          let files: string[];
          try {
            files = await readdir(join(root, folder));
          } catch {
            continue;
          }
          let kept = 0;
          for (const file of files) {
            if (used.has(`${AVATARS_DIR}/${folder}/${file}`)) {
              kept++;
              continue;
            }
            await rm(join(root, folder, file), { force: true, recursive: true });
            removed++;
          }
          if (kept === 0) await rm(join(root, folder), { recursive: true, force: true });
        }
        return removed;
      });
    },

    count(connectionId) {
      const row = (
        connectionId === undefined
          ? stmt('SELECT count(*) AS n FROM avatars').get()
          : stmt('SELECT count(*) AS n FROM avatars WHERE connection_id = ?').get(connectionId)
      ) as Row;
      return Number(row.n);
    },
  };
}
