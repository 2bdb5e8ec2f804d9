/**
 * The users and user_payloads rows, and how a user maps to them: checks a
 * write before anything is written, hashes it (an unchanged user costs one
 * small update), derives the summary and search columns (stamped with
 * DERIVATION_VERSION), and writes one user's rows, or an existing row's
 * derivation again. Rows read back become cards and index rows in
 * stored-users.ts. Also the access (statement cache, failed-read wording)
 * every part of the users repository shares.
 *
 * Node only; never imports `electron`.
 */
import {
  CONNECTION_KINDS,
  ROLE_RANK,
  ROLES,
  type DirectoryUser,
  type JsonValue,
} from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { summarize } from '@shared/summary';
import type { OpenedDatabase } from './db';
import { DERIVATION_VERSION } from './derivation';
import { textDigest } from '../text-digest';
import {
  digestOfPartsId,
  partsContentHash,
  payloadPreview,
  serializeLargePayload,
  type LargePayload,
} from './payload-parts';
import { cacheFailure } from './sqlite-errors';
import { statementCache, type SqliteDb, type SqliteStatement } from './sqlite-helpers';
import { createSummaryMemo, type SummaryMemo } from './summary-memo';
import type { IndexChange } from './users-index-sync';
import type { Logger } from '../log';
import { filterJsonAndKeysOf } from '../search/filter-keys';
import type { IndexedRow } from '../search/search-index';
import { buildHaystack, sortNameOf, timeKey } from '../search/search-text';

/** One user as a provider delivered it, ready to cache. */
export interface UserWrite {
  user: DirectoryUser;
  raw: JsonValue;
  fetchedAt: number;
  /**
   * The digest of what a sync derived the user from (providers/source-digest.ts),
   * stored so the next sync can skip it when unchanged; absent for a
   * lookup's write (stored as NULL: the next sync derives it in full).
   */
  source?: string;
  /**
   * `raw` serialized, when a sync already did it for the source digest
   * (providers/source-digest.ts `memberSource`); absent, `hashWrite` does.
   */
  rawJson?: string;
}

/**
 * A member a sync found unchanged by its source digest (store/users-known.ts):
 * its row is marked seen in the chunk the member falls in, in the order the
 * server listed it. `derive` gives its whole write, for a row that changed
 * since the digests were read.
 */
export interface KnownWrite {
  known: true;
  connectionId: string;
  userId: string;
  source: string;
  fetchedAt: number;
  derive(): UserWrite;
}

/** What a sync's batch holds: users to write, and users to mark seen. */
export type BatchRecord = UserWrite | KnownWrite;

/** Whether a batch record is a known member. */
export function isKnownWrite(record: BatchRecord): record is KnownWrite {
  return 'known' in record && record.known === true;
}

/** A row as the bindings return it (column name to value), before it is mapped. */
export type Row = Record<string, unknown>;

/**
 * What every part of the users repository goes through: the cache, one
 * statement cache and one way to report a failed read, shared so the parts
 * in their own files behave as the one closure they came from.
 */
export interface UsersAccess {
  cache: OpenedDatabase;
  db: SqliteDb;
  log: Logger;
  stmt: (sql: string) => SqliteStatement;
  /** Runs a read, turning SQLite errors (damage above all) into a `RollcallFailure`. */
  reading<T>(doing: string, run: () => T): T;
  /** The cards of recent pages, parsed once (summary-memo.ts). */
  summaries: SummaryMemo;
}

/** Builds the access of one users repository: its own statement cache over the cache's connection. */
export function usersAccess(cache: OpenedDatabase, log: Logger): UsersAccess {
  const { db } = cache;
  const stmt = statementCache(db);

  /** Runs a read, turning SQLite errors (damage above all) into a `RollcallFailure`. */
  function reading<T>(doing: string, run: () => T): T {
    try {
      return run();
    } catch (thrown) {
      if (!(thrown instanceof RollcallFailure)) {
        log.error('cache read failed', {
          doing,
          error: thrown instanceof Error ? thrown.message : String(thrown),
        });
      }
      throw cacheFailure(thrown, doing, cache);
    }
  }

  return { cache, db, log, stmt, reading, summaries: createSummaryMemo() };
}

/** An `INVALID_INPUT` failure: a batch is refused whole, before anything is written. */
export function invalid(message: string, field?: string): RollcallFailure {
  return new RollcallFailure(rollcallError('INVALID_INPUT', message, field ? { field } : {}));
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isNumOrNull = (v: unknown): boolean =>
  v === null || (typeof v === 'number' && Number.isFinite(v));

/** Checks a record enough that writing it cannot fail halfway or store nonsense. */
export function checkWrite(w: UserWrite, index: number): void {
  const where = `User ${index + 1} of the batch`;
  if (typeof w !== 'object' || w === null || typeof w.user !== 'object' || w.user === null) {
    throw invalid(`${where} is not a user.`);
  }
  const u = w.user;
  if (!isStr(u.connectionId) || u.connectionId === '') throw invalid(`${where} has no connection.`);
  if (!isStr(u.userId) || u.userId === '' || u.userId.length > 200) {
    throw invalid(`${where} has no valid user ID.`);
  }
  const who = `User ${u.userId}`;
  if (!(CONNECTION_KINDS as readonly string[]).includes(u.kind))
    throw invalid(`${who} has an unknown kind.`);
  if (!isStr(u.name)) throw invalid(`${who} has no name.`);
  if (!(ROLES as readonly string[]).includes(u.role)) throw invalid(`${who} has an unknown role.`);
  if (typeof u.isBot !== 'boolean' || typeof u.deactivated !== 'boolean') {
    throw invalid(`${who} lacks its bot or deactivated flag.`);
  }
  if (![u.username, u.email, u.deliveryEmail, u.timezone].every(isStrOrNull)) {
    throw invalid(`${who} has a malformed name, email or timezone.`);
  }
  if (!isNumOrNull(u.joinedAt) || !isNumOrNull(u.presence?.lastActiveAt ?? null)) {
    throw invalid(`${who} has a malformed time.`);
  }
  if (!Array.isArray(u.groups) || !Array.isArray(u.profileFields)) {
    throw invalid(`${who} lacks its groups or profile fields.`);
  }
  if (typeof w.fetchedAt !== 'number' || !Number.isFinite(w.fetchedAt)) {
    throw invalid(`${who} has no fetch time.`);
  }
  if (w.rawJson !== undefined && typeof w.rawJson !== 'string') {
    throw invalid(`${who} has a malformed payload.`);
  }
}

/** A user's JSON and its content hash: all an unchanged user costs to write. */
export interface HashedWrite {
  record: UserWrite;
  connectionId: string;
  userId: string;
  userJson: string;
  /** The payload's JSON; a preview of it when it is stored in parts (`rawParts`). */
  rawJson: string;
  /** Where a large payload's parts are (payload-parts.ts); null when `rawJson` is the whole. */
  rawParts: string | null;
  hash: string;
  fetchedAt: number;
}

/** The content hash of an ordinary row: its user's JSON and its whole payload's. */
function contentHash(userJson: string, rawJson: string): string {
  return textDigest('sha256', `${userJson}\n${rawJson}`, 'hex');
}

/** Serializes and hashes a checked record, so an unchanged user is known without deriving its columns. */
export function hashWrite(record: UserWrite): HashedWrite {
  const u = record.user;
  let userJson: string;
  let rawJson: string;
  try {
    userJson = JSON.stringify(u);
    rawJson = record.rawJson ?? JSON.stringify(record.raw ?? null) ?? 'null';
  } catch {
    throw invalid(`User ${u.userId} cannot be stored: its data is not plain JSON.`);
  }
  return {
    record,
    connectionId: u.connectionId,
    userId: u.userId,
    userJson,
    rawJson,
    rawParts: null,
    hash: contentHash(userJson, rawJson),
    fetchedAt: Math.round(record.fetchedAt),
  };
}

/** A user's search columns, as the index holds them (no row ID yet). */
type IndexFields = Omit<IndexedRow, 'rowId'>;

/**
 * The users columns of DATA_COLUMNS, in order, for a new or changed user,
 * and its search columns: everything a write derives beyond `hashWrite`
 * (exported for the thread-split probe, which times exactly this).
 */
export function columnsOf(h: HashedWrite): {
  params: (string | number | null)[];
  fields: IndexFields;
} {
  const u = h.record.user;
  const { hash, fetchedAt } = h;
  const summaryJson = JSON.stringify(summarize(u));
  const searchText = buildHaystack(u);
  const sortName = sortNameOf(u.name);
  const joinedAt = timeKey(u.joinedAt);
  const lastActiveAt = timeKey(u.presence?.lastActiveAt ?? null);
  const filter = filterJsonAndKeysOf(u);
  const fields: IndexFields = {
    connectionId: u.connectionId,
    userId: u.userId,
    email: u.email,
    deliveryEmail: u.deliveryEmail,
    searchText,
    sortName,
    role: u.role,
    roleRank: ROLE_RANK[u.role],
    isBot: u.isBot,
    deactivated: u.deactivated,
    gone: false,
    lastActiveAt,
    joinedAt,
    filterKeys: filter.keys,
  };
  const params = [
    u.kind,
    u.role,
    ROLE_RANK[u.role],
    u.isBot ? 1 : 0,
    u.isBot ? (u.bot?.ownerId ?? null) : null,
    u.deactivated ? 1 : 0,
    DERIVATION_VERSION,
    joinedAt,
    lastActiveAt,
    fetchedAt,
    hash,
    u.name,
    sortName,
    u.email,
    u.deliveryEmail,
    searchText,
    summaryJson,
    filter.json,
    h.record.source ?? null,
  ];
  return { params, fields };
}

/** The users columns a write sets, in the order of `columnsOf`: everything derived, and the version that derived it. */
export const DATA_COLUMNS = [
  'kind',
  'role',
  'role_rank',
  'is_bot',
  'bot_owner_id',
  'deactivated',
  'derived_version',
  'joined_at',
  'last_active_at',
  'fetched_at',
  'content_hash',
  'name',
  'sort_name',
  'email',
  'delivery_email',
  'search_text',
  'summary_json',
  'filter_json',
  'source_hash',
];

/** A user_seen row written again: the new times replace the old. */
const SEEN_AGAIN = `ON CONFLICT (row_id) DO UPDATE
    SET fetched_at = excluded.fetched_at, seen_at = excluded.seen_at`;

const SQL = {
  find: `SELECT row_id, content_hash, derived_version, source_hash FROM users
    WHERE connection_id = ? AND user_id = ?`,
  insert: `INSERT INTO users (connection_id, user_id, ${DATA_COLUMNS.join(', ')}, seen_at, gone_at)
    VALUES (?, ?, ${DATA_COLUMNS.map(() => '?').join(', ')}, ?, NULL)`,
  update: `UPDATE users SET ${DATA_COLUMNS.map((c) => `${c} = ?`).join(', ')}, seen_at = ?, gone_at = NULL
    WHERE row_id = ?`,
  // When a user was fetched and seen (migration 13): written with every
  // write of the user, and alone for an unchanged one.
  seen: `INSERT INTO user_seen (row_id, fetched_at, seen_at) VALUES (?, ?, ?) ${SEEN_AGAIN}`,
  // Touching an unchanged user: "seen" for all, and "not gone" only where it
  // was gone, so the users_changes trigger (migration 9) fires for those alone.
  // ("WHERE true" tells SQLite's parser the ON CONFLICT is the upsert's.)
  touchMany: `INSERT INTO user_seen (row_id, fetched_at, seen_at)
    SELECT value, ?, ? FROM json_each(?) WHERE true ${SEEN_AGAIN}`,
  ungoneMany: `UPDATE users SET gone_at = NULL
    WHERE row_id IN (SELECT value FROM json_each(?)) AND gone_at IS NOT NULL`,
  findMany: `SELECT u.user_id, u.row_id, u.content_hash, u.derived_version, u.source_hash
    FROM json_each(?) AS j CROSS JOIN users AS u ON u.connection_id = ? AND u.user_id = j.value`,
  insertPayload:
    'INSERT INTO user_payloads (row_id, user_json, raw_json, raw_parts) VALUES (?, ?, ?, ?)',
  updatePayload:
    'UPDATE user_payloads SET user_json = ?, raw_json = ?, raw_parts = ? WHERE row_id = ?',
  // Derived again: when it was fetched, seen or gone, and the payload, stay.
  rederive: `UPDATE users SET ${DATA_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE row_id = ?`,
  rederivePayload: 'UPDATE user_payloads SET user_json = ? WHERE row_id = ?',
  setSource: 'UPDATE users SET source_hash = ? WHERE row_id = ?',
};

/**
 * Unchanged users a chunk has met, by fetch time, touched by one statement
 * each (`touchRows`) instead of one per user.
 */
export type TouchList = Map<number, number[]>;

/**
 * The stored row (ID, hash, version) of each of `userIds` of one
 * connection, read by one statement: a chunk looks its users up at once.
 */
export function findRows(
  access: UsersAccess,
  connectionId: string,
  userIds: readonly string[],
): Map<string, Row> {
  const rows = access.stmt(SQL.findMany).all(JSON.stringify(userIds), connectionId) as Row[];
  return new Map(rows.map((r) => [String(r.user_id), r]));
}

/** Records rows fetched and seen, in one statement (user_seen alone); must run inside a transaction. */
export function markSeen(
  access: UsersAccess,
  rowIds: readonly number[],
  fetchedAt: number,
  seenAt: number,
): void {
  if (rowIds.length > 0) access.stmt(SQL.touchMany).run(fetchedAt, seenAt, JSON.stringify(rowIds));
}

/** Marks the unchanged users of `touched` seen (and not gone); must run inside a transaction. */
export function touchRows(access: UsersAccess, touched: TouchList, seenAt: number): void {
  for (const [fetchedAt, rowIds] of touched) {
    markSeen(access, rowIds, fetchedAt, seenAt);
    access.stmt(SQL.ungoneMany).run(JSON.stringify(rowIds));
  }
  touched.clear();
}

/**
 * Writes one prepared row; must run inside a transaction. What the index
 * must learn is pushed to `changes` (only when `indexed`: a repository with
 * an index), to apply once the transaction commits. With `batch`, the row
 * was already looked up (`found`, by `findRows`) and an unchanged user is
 * added to `touched`, for `touchRows` to mark seen with the others.
 */
export function writeRow(
  access: UsersAccess,
  p: HashedWrite,
  seenAt: number,
  changes: IndexChange[],
  indexed: boolean,
  batch?: { found: Row | undefined; touched: TouchList },
): 'added' | 'updated' | 'unchanged' {
  const { stmt } = access;
  const found = batch
    ? batch.found
    : (stmt(SQL.find).get(p.connectionId, p.userId) as Row | undefined);
  if (!found) {
    const { params, fields } = columnsOf(p);
    const inserted = stmt(SQL.insert).run(p.connectionId, p.userId, ...params, seenAt);
    stmt(SQL.seen).run(inserted.lastInsertRowid, p.fetchedAt, seenAt);
    stmt(SQL.insertPayload).run(inserted.lastInsertRowid, p.userJson, p.rawJson, p.rawParts);
    if (indexed)
      changes.push({
        kind: 'upsert',
        row: { ...fields, rowId: Number(inserted.lastInsertRowid) },
      });
    return 'added';
  }
  const rowId = Number(found.row_id);
  // Same content, derived by this version: nothing to write but "seen".
  if (found.content_hash === p.hash && Number(found.derived_version) >= DERIVATION_VERSION) {
    const touched = batch?.touched ?? new Map<number, number[]>();
    const ids = touched.get(p.fetchedAt);
    if (ids) ids.push(rowId);
    else touched.set(p.fetchedAt, [rowId]);
    if (!batch) touchRows(access, touched, seenAt);
    // The same user from other sources (a field definition it lacks was renamed):
    // remember these, or every sync would derive it again.
    const source = p.record.source;
    if (source !== undefined && found.source_hash !== source)
      stmt(SQL.setSource).run(source, rowId);
    if (indexed) changes.push({ kind: 'seen', rowId });
    return 'unchanged';
  }
  const { params, fields } = columnsOf(p);
  stmt(SQL.update).run(...params, seenAt, rowId);
  stmt(SQL.seen).run(rowId, p.fetchedAt, seenAt);
  stmt(SQL.updatePayload).run(p.userJson, p.rawJson, p.rawParts, rowId);
  if (indexed) changes.push({ kind: 'upsert', row: { ...fields, rowId } });
  return 'updated';
}

/**
 * The derived user of an existing row, ready to write over it: the user
 * derived again and the payload as stored (its text untouched), hashed as a
 * sync of the same answer would hash it (a payload in parts by its digest).
 */
export function hashRederived(
  user: DirectoryUser,
  rawJson: string,
  rawParts: string | null,
  fetchedAt: number,
): HashedWrite {
  let userJson: string;
  try {
    userJson = JSON.stringify(user);
  } catch {
    throw invalid(`User ${user.userId} cannot be stored: its data is not plain JSON.`);
  }
  return {
    record: { user, raw: null, fetchedAt },
    connectionId: user.connectionId,
    userId: user.userId,
    userJson,
    rawJson,
    rawParts,
    hash:
      rawParts === null
        ? contentHash(userJson, rawJson)
        : partsContentHash(userJson, digestOfPartsId(rawParts)),
    fetchedAt: Math.round(fetchedAt),
  };
}

/**
 * A checked record whose payload is large (payload-parts.ts), serialized and
 * hashed in slices that yield: its `rawJson` is the preview and `rawParts`
 * null until its parts are written. `unchanged` when the row holds this
 * content already, derived by this version: then no part need be written.
 */
export async function hashLargeWrite(
  access: UsersAccess,
  record: UserWrite,
): Promise<{ prepared: HashedWrite; payload: LargePayload; unchanged: boolean }> {
  const u = record.user;
  const fail = (): RollcallFailure =>
    invalid(`User ${u.userId} cannot be stored: its data is not plain JSON.`);
  let userJson: string;
  let rawJson: string;
  try {
    userJson = JSON.stringify(u);
    rawJson = JSON.stringify(payloadPreview(record.raw ?? null));
  } catch {
    throw fail();
  }
  const payload = await serializeLargePayload(record.raw ?? null);
  if (payload === null) throw fail();
  const hash = partsContentHash(userJson, payload.digest);
  const found = access.stmt(SQL.find).get(u.connectionId, u.userId) as Row | undefined;
  const unchanged =
    found !== undefined &&
    found.content_hash === hash &&
    Number(found.derived_version) >= DERIVATION_VERSION;
  const prepared: HashedWrite = {
    record,
    connectionId: u.connectionId,
    userId: u.userId,
    userJson,
    rawJson,
    rawParts: null,
    hash,
    fetchedAt: Math.round(record.fetchedAt),
  };
  return { prepared, payload, unchanged };
}

/**
 * Writes a row's derived columns and user again, as `writeRow` derives them,
 * leaving when it was fetched, seen and gone and its payload as they were;
 * must run inside a transaction. The index learns it like any write.
 */
export function rewriteDerived(
  access: UsersAccess,
  rowId: number,
  p: HashedWrite,
  gone: boolean,
  changes: IndexChange[],
  indexed: boolean,
): void {
  const { stmt } = access;
  const { params, fields } = columnsOf(p);
  stmt(SQL.rederive).run(...params, rowId);
  stmt(SQL.rederivePayload).run(p.userJson, rowId);
  if (indexed) changes.push({ kind: 'upsert', row: { ...fields, gone, rowId } });
}

/** The row IDs a `RETURNING row_id` statement (or a row ID query) gave. */
export function rowIdsOf(rows: Row[]): number[] {
  return rows.map((r) => Number(r.row_id));
}
