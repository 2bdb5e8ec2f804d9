/**
 * The search index saved next to the cache, so a start over an unchanged
 * cache is searchable in a fraction of a second instead of after a build
 * of seconds (100 000 users: ~10 s). One file beside the SQLite file:
 *
 *   "RCSNAP01" | u32 header length | u32 0 | header JSON, padded to 8 | body
 *
 * The header says the format, the search code's version
 * (SEARCH_INDEX_VERSION), the derivation version (DERIVATION_VERSION), the
 * fingerprint of the users table it was saved from (the cache's ID and
 * change count, kept by triggers, migration 9, with its row count and
 * largest row ID), the body's size and its SHA-256. The body is
 * search/index-snapshot-format.ts's.
 *
 * A snapshot is only ever an accelerator: one that is stale, damaged,
 * truncated, of another version or unreadable is discarded (deleted when
 * the cache is writable) and the index is built from the cache as before.
 * Its header is read and checked first, so a stale file's body is never read.
 * Both directions run in slices that yield: reading, checking and decoding
 * between turns of the loop, writing through async file I/O to a temporary
 * file renamed into place, abandoned if the index changed meanwhile.
 *
 * Node only; never imports `electron`.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeIndexState, encodeIndexState } from '../search/index-snapshot-format';
import { SEARCH_INDEX_VERSION } from '../search/index-version';
import type { SearchIndex } from '../search/search-index';
import { DERIVATION_VERSION } from './derivation';
import type { Row, UsersAccess } from './users-rows';

/** The file's name, in the cache's folder. */
export const SNAPSHOT_FILE_NAME = 'search-index.snapshot';
/** The layout of the file (header and body); bump it with any change to either. */
const SNAPSHOT_FORMAT_VERSION = 4;
const MAGIC = 'RCSNAP01';
/** A header longer than this is not one this code wrote. */
const MAX_HEADER_BYTES = 4096;
/** Bytes hashed, or read, between two yields. */
const STEP_BYTES = 4 << 20;

/**
 * What the users table was when the index was saved: any write since changes
 * it. Updates and deletes count in `seq` (triggers, migrations 9 and 10);
 * an insert raises `rows`, and only a delete (counted) can lower it again.
 */
interface Fingerprint {
  cacheId: string;
  seq: number;
  rows: number;
  maxRowId: number;
}

/** What a caller of `loadIndexSnapshot`/`saveIndexSnapshot` lends them. */
export interface SnapshotContext {
  access: UsersAccess;
  index: SearchIndex;
  /** Lets other work run; false: stop (the build was aborted, or the repository closed). */
  pause: () => Promise<boolean>;
  /** Work per slice, in ms. */
  budgetMs: number;
  /** Counts changes applied to the index: a save or load spanning one is abandoned. */
  changes: () => number;
}

/** The snapshot's path beside the cache's file; null for a cache in memory. */
function snapshotPath(cachePath: string): string | null {
  return cachePath === ':memory:' || cachePath === ''
    ? null
    : join(dirname(cachePath), SNAPSHOT_FILE_NAME);
}

/** The users table's fingerprint now; null when the cache cannot say (no migration 9: read-only). */
function readFingerprint(access: UsersAccess): Fingerprint | null {
  try {
    const c = access.stmt('SELECT cache_id, seq FROM users_changes WHERE id = 1').get() as
      Row | undefined;
    // Two statements: together, count(*) and max() scanned every row of the
    // index (6-13 ms warm at 100 000 users, 98 ms once in a sync's profile);
    // apart, count(*) is SQLite's own count of its smallest index, and max() one seek.
    const n = access.stmt('SELECT count(*) AS n FROM users').get() as Row;
    const m = access.stmt('SELECT coalesce(max(row_id), 0) AS m FROM users').get() as Row;
    if (!c || typeof c.cache_id !== 'string') return null;
    return { cacheId: c.cache_id, seq: Number(c.seq), rows: Number(n.n), maxRowId: Number(m.m) };
  } catch {
    return null;
  }
}

function sameFingerprint(a: Fingerprint, b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return false;
  const o = b as Record<string, unknown>;
  return (
    o.cacheId === a.cacheId && o.seq === a.seq && o.rows === a.rows && o.maxRowId === a.maxRowId
  );
}

/**
 * Runs a generator to its end, pausing once a slice has run `budgetMs`.
 * Null: told to stop. Every sliced walk of the index is driven by it (a
 * save, a load, a compaction in users-index-sync.ts).
 */
export async function drive<T>(
  steps: Generator<void, T>,
  ctx: Pick<SnapshotContext, 'pause' | 'budgetMs'>,
): Promise<{ value: T } | null> {
  let started = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return { value: next.value };
    if (performance.now() - started > ctx.budgetMs) {
      if (!(await ctx.pause())) return null;
      started = performance.now();
    }
  }
}

/** SHA-256 of `parts`, a slice at a time. Null: told to stop. */
async function digest(
  parts: readonly Uint8Array[],
  ctx: Pick<SnapshotContext, 'pause' | 'budgetMs'>,
): Promise<string | null> {
  const hash = createHash('sha256');
  let since = 0;
  for (const part of parts) {
    for (let at = 0; at < part.byteLength; at += STEP_BYTES) {
      const piece = part.subarray(at, Math.min(part.byteLength, at + STEP_BYTES));
      hash.update(piece);
      since += piece.byteLength;
      if (since >= STEP_BYTES) {
        since = 0;
        if (!(await ctx.pause())) return null;
      }
    }
  }
  return hash.digest('hex');
}

/** Deletes a snapshot that must not be read again (not in a read-only cache). */
async function discard(access: UsersAccess, path: string, why: string): Promise<void> {
  access.log.info('saved search index not used; building it from the cache', { why });
  if (access.cache.readOnly) return;
  await rm(path, { force: true }).catch(() => {});
}

/** Where the body starts, by the header length the first 16 bytes give; null: not a snapshot's start. */
function bodyStartOf(bytes: Uint8Array): number | null {
  if (bytes.byteLength < 16) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  if (length > MAX_HEADER_BYTES) return null;
  return 16 + length + ((8 - (length % 8)) % 8);
}

/** Runs `use` over the file at `path` opened for reading, with its size, and closes it; null: no file. */
async function withFile<T>(
  path: string,
  use: (handle: FileHandle, size: number) => Promise<T>,
): Promise<T | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    return await use(handle, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
}

/**
 * Reads the whole file into a fresh, aligned buffer, and hashes its body
 * (SHA-256, hex) as it comes: each step is hashed here while the next is
 * read in the thread pool, where reading first and hashing after held
 * 0.28 s more of a 300 000-user start. Null: no file. `sha256` null: the
 * file does not start as a snapshot (no body to hash).
 */
export function readSnapshotFile(
  path: string,
  stepBytes = STEP_BYTES,
): Promise<{ bytes: Uint8Array; sha256: string | null } | null> {
  return withFile(path, async (handle, size) => {
    const bytes = new Uint8Array(size);
    const hash = createHash('sha256');
    let bodyStart: number | null = null;
    let hashed = 0;
    let at = 0;
    let reading = size > 0 ? handle.read(bytes, 0, Math.min(stepBytes, size), 0) : null;
    while (reading) {
      const { bytesRead } = await reading;
      at += bytesRead;
      reading =
        bytesRead > 0 && at < size
          ? handle.read(bytes, at, Math.min(stepBytes, size - at), at)
          : null;
      if (bodyStart === null && (at >= 16 || !reading)) {
        bodyStart = bodyStartOf(bytes.subarray(0, at)) ?? -1;
      }
      if (bodyStart !== null && bodyStart >= 0 && at > bodyStart) {
        hash.update(bytes.subarray(Math.max(hashed, bodyStart), at));
        hashed = at;
      }
    }
    // A body of no bytes still has a hash (of nothing).
    const sha256 = bodyStart !== null && bodyStart >= 0 ? hash.digest('hex') : null;
    return { bytes: at === size ? bytes : bytes.subarray(0, at), sha256 };
  });
}

/** The header and body of a file's bytes, or why they are not a snapshot. */
function splitFile(
  bytes: Uint8Array,
): { header: Record<string, unknown>; body: Uint8Array } | string {
  if (bytes.byteLength < 16) return 'too short';
  if (Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) {
    return 'not a snapshot';
  }
  const start = bodyStartOf(bytes);
  const length = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  if (start === null || 16 + length > bytes.byteLength) return 'header cut short';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 16, length).toString('utf8'));
  } catch {
    return 'header unreadable';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return 'header unreadable';
  }
  return { header: header as Record<string, unknown>, body: bytes.subarray(start) };
}

/**
 * The header of the file at `path`, read alone, with the body's size on
 * disk: a file that is stale, of another version or the wrong size is
 * turned down without reading its body (145 MB at 100 000 users, and a
 * damaged one may be any size). Null: no file; a string: why it is not a
 * snapshot.
 */
function readHeader(
  path: string,
): Promise<{ header: Record<string, unknown>; bodyBytes: number } | string | null> {
  return withFile(path, async (handle, size) => {
    const head = new Uint8Array(Math.min(size, 16 + MAX_HEADER_BYTES + 8));
    const { bytesRead } = await handle.read(head, 0, head.byteLength, 0);
    const split = splitFile(head.subarray(0, bytesRead));
    if (typeof split === 'string') return split;
    return { header: split.header, bodyBytes: size - (bodyStartOf(head) as number) };
  });
}

/** Why a header's file cannot be read into the index now; null: it may be (its checksum aside). */
function headerProblem(
  header: Record<string, unknown>,
  now: Fingerprint,
  bodyBytes: number,
): string | null {
  if (header.format !== SNAPSHOT_FORMAT_VERSION) return 'format';
  if (
    header.searchIndexVersion !== SEARCH_INDEX_VERSION ||
    header.derivationVersion !== DERIVATION_VERSION
  ) {
    return 'another version of the search code';
  }
  if (!sameFingerprint(now, header.fingerprint)) return 'the cache changed since it was saved';
  if (header.bodyBytes !== bodyBytes) return 'cut short';
  return null;
}

/**
 * Loads the saved index into `ctx.index` when it matches the cache now.
 * True: the index holds exactly what a build would have made. False: no
 * snapshot, or one discarded; the caller builds as before.
 */
export async function loadIndexSnapshot(ctx: SnapshotContext): Promise<boolean> {
  const { access } = ctx;
  const path = snapshotPath(access.cache.path);
  const before = readFingerprint(access);
  if (!path || !before) return false;
  const changes = ctx.changes();
  const head = await readHeader(path);
  if (head === null) return false;
  if (typeof head === 'string') return (await discard(access, path, head), false);
  const turnedDown = headerProblem(head.header, before, head.bodyBytes);
  if (turnedDown) return (await discard(access, path, turnedDown), false);
  const read = await readSnapshotFile(path);
  if (!read) return false;
  const split = splitFile(read.bytes);
  if (typeof split === 'string') return (await discard(access, path, split), false);
  const { header, body } = split;
  // Checked again as read whole: the file may have been replaced meanwhile.
  const problem = headerProblem(header, before, body.byteLength);
  if (problem) return (await discard(access, path, problem), false);
  if (read.sha256 !== header.sha256) {
    return (await discard(access, path, 'damaged (checksum)'), false);
  }
  let decoded;
  try {
    decoded = await drive(decodeIndexState(body), ctx);
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    return (await discard(access, path, why), false);
  }
  if (!decoded) return false;
  // Any write since the first look makes it stale (the caller holds writes
  // back from the index meanwhile, counting them): check again once imported,
  // on a turn of its own (`readFingerprint` reads a whole index).
  const imported = await drive(ctx.index.importState(decoded.value), ctx);
  const now = imported && (await ctx.pause()) ? readFingerprint(access) : null;
  if (!imported || !now || !sameFingerprint(now, header.fingerprint) || ctx.changes() !== changes) {
    ctx.index.clear();
    return false;
  }
  return true;
}

/**
 * Saves `ctx.index` beside the cache, if the cache is writable and the
 * index is in step with it. Abandoned (false) if the index changes before
 * the file is complete; a failure to write is logged, never thrown.
 */
export async function saveIndexSnapshot(ctx: SnapshotContext): Promise<boolean> {
  const { access } = ctx;
  const path = snapshotPath(access.cache.path);
  if (!path || access.cache.readOnly) return false;
  // Each look at the fingerprint has a turn of its own: its count(*) reads
  // every page of an index, 20 ms at 100 000 users once the sync worker had
  // written, and with a slice of work after it in the same turn a save held
  // main's loop 57 ms. The first, too: a save starts from a timer, and the
  // work of a timer and of the next immediate is one hold to the loop.
  if (!(await ctx.pause())) return false;
  const fingerprint = readFingerprint(access);
  if (!fingerprint) return false;
  const changes = ctx.changes();
  const unchanged = async (): Promise<boolean> => {
    if (!(await ctx.pause()) || ctx.changes() !== changes) return false;
    const now = readFingerprint(access);
    return now !== null && sameFingerprint(fingerprint, now);
  };
  if (!(await ctx.pause())) return false;
  const exported = await drive(ctx.index.exportState(), ctx);
  if (!exported || !(await unchanged()) || !(await ctx.pause())) return false;
  const encoded = await drive(encodeIndexState(exported.value), ctx);
  if (!encoded || !(await unchanged()) || !(await ctx.pause())) return false;
  const body = encoded.value;
  const sha256 = await digest(body, ctx);
  if (sha256 === null || !(await unchanged())) return false;
  // The last turn before the disk: a save told to stop (its time at close ran out) writes nothing.
  if (!(await ctx.pause())) return false;
  const bodyBytes = body.reduce((n, p) => n + p.byteLength, 0);
  const json = Buffer.from(
    JSON.stringify({
      format: SNAPSHOT_FORMAT_VERSION,
      searchIndexVersion: SEARCH_INDEX_VERSION,
      derivationVersion: DERIVATION_VERSION,
      fingerprint,
      bodyBytes,
      sha256,
    }),
    'utf8',
  );
  const head = Buffer.alloc(16 + json.byteLength + ((8 - (json.byteLength % 8)) % 8));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.byteLength, 8);
  json.copy(head, 16);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // Owner only: it holds what the cache holds (names, addresses, profile values).
    const handle = await open(temp, 'w', 0o600);
    try {
      for (const part of [head, ...body]) {
        if (ctx.changes() !== changes) return false;
        for (let at = 0; at < part.byteLength;) {
          at += (await handle.write(part, at, part.byteLength - at)).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await unchanged())) return false;
    await rename(temp, path);
    access.log.info('search index saved', { bytes: head.byteLength + bodyBytes });
    return true;
  } catch (thrown) {
    access.log.warn('the search index could not be saved', {
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return false;
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}
