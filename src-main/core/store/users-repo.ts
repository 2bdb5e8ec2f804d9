/**
 * Cached users: written as a sync or a lookup delivers them, read by search,
 * the card grid, exports and the detail view. Batches are written in short
 * transactions that yield to the event loop in between, so a 100 000-user
 * sync never freezes the window and a crash leaves whole chunks only.
 * Search follows the rules of search-text.ts exactly: from the in-memory
 * index (search-index.ts) once it is built and kept in step with every
 * write here, from SQL until then.
 *
 * Node only; never imports `electron`.
 */
import { createHash } from 'node:crypto';
import {
  CONNECTION_KINDS,
  ROLE_RANK,
  ROLES,
  type DirectoryUser,
  type JsonValue,
  type Role,
  type SearchQuery,
  type SearchResult,
  type UserRecord,
  type UserSummary,
} from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { summarize } from '@shared/summary';
import {
  cacheFailure,
  inTransaction,
  statementCache,
  yieldToEventLoop,
  type OpenedDatabase,
  type SqliteDb,
} from './db';
import { silentLogger, type Logger } from '../log';
import type { IndexedRow, SearchIndex } from '../search/search-index';
import {
  buildHaystack,
  searchTerms,
  sortNameOf,
  timeKey,
  type SearchFilter,
  type SearchRow,
} from '../search/search-text';

/** One user as a provider delivered it, ready to cache. */
export interface UserWrite {
  user: DirectoryUser;
  raw: JsonValue;
  fetchedAt: number;
}

/** What a batch did. `unchanged` rows had the same content; they were still marked seen. */
export interface UpsertCounts {
  added: number;
  updated: number;
  unchanged: number;
}

/** How one written chunk went, for progress bars and measurements. */
export interface ChunkReport {
  /** Records written so far, this chunk included. */
  done: number;
  total: number;
  rows: number;
  /** Time the event loop was held by this chunk, in milliseconds. */
  ms: number;
  /** Of which the COMMIT took this long. */
  commitMs?: number;
  /** Of which bringing the search index up to date took this long. */
  indexMs?: number;
}

/** Options of `upsertBatch`. */
export interface UpsertBatchOptions {
  /** Stops between chunks: what was committed stays, the rest is not written. */
  signal?: AbortSignal;
  /** The sync's time stamp for `seen_at`; default now. */
  seenAt?: number;
  /** Most rows one transaction holds (default 1000). */
  maxChunkRows?: number;
  /**
   * A chunk stops taking rows once it has held the event loop this long,
   * counting what its commit and index update are expected to add (default 12 ms).
   */
  chunkBudgetMs?: number;
  onChunk?: (report: ChunkReport) => void;
}

/** A summary with the search columns it was stored with (for an in-memory index). */
export interface IndexedSummary {
  summary: UserSummary;
  row: SearchRow;
}

/** The sorting and filtering part of a search, without paging. */
export type SearchSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/** Everything Rollcall does with cached users. */
export interface UsersRepo {
  /** Writes one user in one transaction. */
  upsert(record: UserWrite, seenAt?: number): 'added' | 'updated' | 'unchanged';
  /** Writes many users in chunks, yielding between chunks. Checks every record's shape before writing any. */
  upsertBatch(records: readonly UserWrite[], options?: UpsertBatchOptions): Promise<UpsertCounts>;
  get(connectionId: string, userId: string): UserRecord | null;
  getSummary(connectionId: string, userId: string): UserSummary | null;
  /** The ID of the cached user with this address (API or real, any case), if any. */
  findIdByEmail(connectionId: string, email: string): string | null;
  /** One connection's users, by name. */
  listByConnection(
    connectionId: string,
    paging?: { offset?: number; limit?: number },
  ): SearchResult;
  /** Users still on their server (gone ones only with `includeGone`). */
  count(connectionId?: string, options?: { includeGone?: boolean }): number;
  /** Users still on their server, per connection. */
  countsByConnection(): Map<string, number>;
  /** The server said this user no longer exists. Resolves true if it was not marked yet. */
  markGone(connectionId: string, userId: string, at: number): boolean;
  /**
   * After a COMPLETED full sync: marks every user not seen since `seenBefore`
   * as gone, in chunks (a server that lost everyone is 100 000 updates).
   */
  markMissingAsGone(connectionId: string, seenBefore: number, at: number): Promise<number>;
  /** Deletes the users marked gone (their avatar rows go too; sweep the files after). */
  purgeGone(connectionId: string): Promise<number>;
  search(query: SearchQuery): SearchResult;
  /**
   * `search`, but a search the index cannot answer yet scans the cache on
   * the background connection (when one was given), not on this thread.
   */
  searchAsync(query: SearchQuery): Promise<SearchResult>;
  /** Every match of a search in order, a chunk at a time (for exports). */
  searchAll(spec: SearchSpec, options?: { chunkSize?: number }): AsyncGenerator<UserSummary[]>;
  /** Every cached user with its search columns, in storage order, a chunk at a time. */
  iterateSummaries(options?: {
    connectionIds?: string[];
    chunkSize?: number;
  }): AsyncGenerator<IndexedSummary[]>;
  /**
   * Loads the search index given at creation from the cache, a slice at a
   * time (yielding between slices, each within `budgetMs`, default 10), and
   * serves searches from it once done. Writes made meanwhile reach it too.
   * Resolves when ready or when `signal` aborts; a second call joins the first.
   */
  buildSearchIndex(options?: { signal?: AbortSignal; budgetMs?: number }): Promise<void>;
  /** Where the search index stands: none given, not built, loading, or serving searches. */
  searchIndexState(): SearchIndexState;
}

/** See `UsersRepo.searchIndexState`. */
export type SearchIndexState = 'off' | 'empty' | 'building' | 'ready';

function invalid(message: string, field?: string): RollcallFailure {
  return new RollcallFailure(rollcallError('INVALID_INPUT', message, field ? { field } : {}));
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isNumOrNull = (v: unknown): boolean =>
  v === null || (typeof v === 'number' && Number.isFinite(v));

/** Checks a record enough that writing it cannot fail halfway or store nonsense. */
function checkWrite(w: UserWrite, index: number): void {
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
}

/** A user's JSON and its content hash: all an unchanged user costs to write. */
interface HashedWrite {
  record: UserWrite;
  connectionId: string;
  userId: string;
  userJson: string;
  rawJson: string;
  hash: string;
  fetchedAt: number;
}

function hashWrite(record: UserWrite): HashedWrite {
  const u = record.user;
  let userJson: string;
  let rawJson: string;
  try {
    userJson = JSON.stringify(u);
    rawJson = JSON.stringify(record.raw ?? null) ?? 'null';
  } catch {
    throw invalid(`User ${u.userId} cannot be stored: its data is not plain JSON.`);
  }
  return {
    record,
    connectionId: u.connectionId,
    userId: u.userId,
    userJson,
    rawJson,
    hash: createHash('sha256').update(userJson).update('\n').update(rawJson).digest('hex'),
    fetchedAt: Math.round(record.fetchedAt),
  };
}

/** A user's search columns, as the index holds them (no row ID yet). */
type IndexFields = Omit<IndexedRow, 'rowId'>;

/** The users columns of DATA_COLUMNS, in order, for a new or changed user, and its search columns. */
function columnsOf(h: HashedWrite): { params: (string | number | null)[]; fields: IndexFields } {
  const u = h.record.user;
  const { hash, fetchedAt } = h;
  const summaryJson = JSON.stringify(summarize(u));
  const botType =
    u.isBot && typeof u.bot?.type === 'number' && Number.isFinite(u.bot.type)
      ? Math.trunc(u.bot.type)
      : null;
  const searchText = buildHaystack(u);
  const sortName = sortNameOf(u.name);
  const joinedAt = timeKey(u.joinedAt);
  const lastActiveAt = timeKey(u.presence?.lastActiveAt ?? null);
  const fields: IndexFields = {
    connectionId: u.connectionId,
    userId: u.userId,
    searchText,
    sortName,
    role: u.role,
    roleRank: ROLE_RANK[u.role],
    isBot: u.isBot,
    deactivated: u.deactivated,
    gone: false,
    lastActiveAt,
    joinedAt,
  };
  const params = [
    u.kind,
    u.role,
    ROLE_RANK[u.role],
    u.isBot ? 1 : 0,
    botType,
    u.isBot ? (u.bot?.ownerId ?? null) : null,
    u.deactivated ? 1 : 0,
    joinedAt,
    lastActiveAt,
    fetchedAt,
    hash,
    u.timezone,
    u.name,
    sortName,
    u.email,
    u.deliveryEmail,
    u.groups.map((g) => g.name).join('\n'),
    u.profileFields
      .map((f) => f.text)
      .filter((t) => t !== '')
      .join('\n'),
    searchText,
    summaryJson,
  ];
  return { params, fields };
}

/** The users columns a write sets, in the order of `columnsOf`. */
const DATA_COLUMNS = [
  'kind',
  'role',
  'role_rank',
  'is_bot',
  'bot_type',
  'bot_owner_id',
  'deactivated',
  'joined_at',
  'last_active_at',
  'fetched_at',
  'content_hash',
  'timezone',
  'name',
  'sort_name',
  'email',
  'delivery_email',
  'group_names',
  'profile_text',
  'search_text',
  'summary_json',
];

const SQL = {
  find: 'SELECT row_id, content_hash FROM users WHERE connection_id = ? AND user_id = ?',
  insert: `INSERT INTO users (connection_id, user_id, ${DATA_COLUMNS.join(', ')}, seen_at, gone_at)
    VALUES (?, ?, ${DATA_COLUMNS.map(() => '?').join(', ')}, ?, NULL)`,
  update: `UPDATE users SET ${DATA_COLUMNS.map((c) => `${c} = ?`).join(', ')}, seen_at = ?, gone_at = NULL
    WHERE row_id = ?`,
  touch: 'UPDATE users SET fetched_at = ?, seen_at = ?, gone_at = NULL WHERE row_id = ?',
  insertPayload: 'INSERT INTO user_payloads (row_id, user_json, raw_json) VALUES (?, ?, ?)',
  updatePayload: 'UPDATE user_payloads SET user_json = ?, raw_json = ? WHERE row_id = ?',
  connectionKind: 'SELECT kind FROM connections WHERE id = ?',
  get: `SELECT p.user_json, p.raw_json, u.fetched_at, u.gone_at
    FROM users u JOIN user_payloads p ON p.row_id = u.row_id
    WHERE u.connection_id = ? AND u.user_id = ?`,
  summary: `SELECT u.summary_json, u.gone_at, o.name AS owner_name FROM users u
    LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id
    WHERE u.connection_id = ? AND u.user_id = ?`,
  summariesByIds: `SELECT u.row_id, u.summary_json, u.gone_at, o.name AS owner_name
    FROM json_each(?) AS page JOIN users u ON u.row_id = page.value
    LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id`,
  findByEmail: `SELECT user_id FROM users WHERE connection_id = ?
    AND (email = ? COLLATE NOCASE OR delivery_email = ? COLLATE NOCASE)
    ORDER BY gone_at IS NOT NULL, user_id LIMIT 1`,
  markGone: `UPDATE users SET gone_at = ? WHERE connection_id = ? AND user_id = ? AND gone_at IS NULL
    RETURNING row_id`,
  markMissingChunk: `UPDATE users SET gone_at = ? WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? AND seen_at < ? AND gone_at IS NULL LIMIT ?)
    RETURNING row_id`,
  purgeChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? AND gone_at IS NOT NULL LIMIT ?)
    RETURNING row_id`,
  deleteChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? LIMIT ?) RETURNING row_id`,
  indexRows: `SELECT row_id, connection_id, user_id, search_text, sort_name, role, role_rank,
    is_bot, deactivated, gone_at IS NOT NULL AS gone, last_active_at, joined_at
    FROM users WHERE row_id > ? ORDER BY row_id LIMIT ?`,
  dataVersion: 'PRAGMA data_version',
};

/**
 * The search indexes of the repositories over each open database, so a
 * delete made outside a repository (removing a connection) reaches them.
 */
const indexesOf = new WeakMap<SqliteDb, Set<SearchIndex>>();

function rowIdsOf(rows: Row[]): number[] {
  return rows.map((r) => Number(r.row_id));
}

/** Default time budget of one written chunk, in milliseconds. */
const DEFAULT_CHUNK_BUDGET_MS = 12;
/** Rows read per statement while loading the search index. */
const INDEX_READ_ROWS = 64;
/** Rows loaded into the index between two merges of its sort orders. */
const INDEX_MERGE_ROWS = 1000;
/** Changes a batch lets pile up before merging them into the index's sort orders. */
const ORDER_MERGE_ROWS = 500;

/** Highest per-row cost the chunk planner believes (ms). */
const MAX_PER_ROW_MS = 0.5;

/**
 * A running estimate of a per-row cost (ms), learned from each chunk, so a
 * chunk stops taking rows early enough that its commit and index update
 * still fit the budget.
 */
function costModel(initialPerRowMs: number): {
  estimate(rows: number): number;
  learn(rows: number, ms: number): void;
} {
  let perRow = initialPerRowMs;
  return {
    estimate: (rows) => rows * perRow,
    learn(rows, ms) {
      if (rows <= 0) return;
      // A moving average: one stalled chunk (a GC pause, a busy disk) must
      // not shrink the chunks after it to a handful of rows.
      perRow = Math.min(MAX_PER_ROW_MS, perRow * 0.75 + (ms / rows) * 0.25);
    },
  };
}

/** An index row from `SQL.indexRows`. */
function indexedRowOf(r: Row): IndexedRow {
  return {
    rowId: Number(r.row_id),
    connectionId: String(r.connection_id),
    userId: String(r.user_id),
    searchText: String(r.search_text),
    sortName: String(r.sort_name),
    role: r.role as Role,
    roleRank: Number(r.role_rank),
    isBot: r.is_bot === 1,
    deactivated: r.deactivated === 1,
    gone: r.gone === 1,
    lastActiveAt: r.last_active_at === null ? null : Number(r.last_active_at),
    joinedAt: r.joined_at === null ? null : Number(r.joined_at),
  };
}

/** Rows one delete statement removes before the event loop gets a turn. */
const DELETE_CHUNK_ROWS = 500;
/** Rows one "mark gone" statement updates before the event loop gets a turn. */
const UPDATE_CHUNK_ROWS = 2000;

/**
 * Deletes every cached user of a connection, a chunk per transaction, so a
 * large directory does not hold the event loop (the FTS index is updated row
 * by row). Their avatar rows go with them (foreign key); files are the
 * avatar store's to remove.
 */
export async function deleteConnectionUsers(db: SqliteDb, connectionId: string): Promise<number> {
  const stmt = db.prepare(SQL.deleteChunk);
  let total = 0;
  for (;;) {
    const ids = rowIdsOf(stmt.all(connectionId, DELETE_CHUNK_ROWS) as Row[]);
    for (const index of indexesOf.get(db) ?? []) index.remove(ids);
    total += ids.length;
    if (ids.length < DELETE_CHUNK_ROWS) return total;
    await yieldToEventLoop();
  }
}

type Row = Record<string, unknown>;

function parseSummary(row: Row): UserSummary {
  const summary = JSON.parse(String(row.summary_json)) as UserSummary;
  summary.gone = row.gone_at !== null && row.gone_at !== undefined;
  summary.botOwnerName =
    summary.botOwnerId === null ? null : ((row.owner_name as string | null) ?? null);
  return summary;
}

/** WHERE clause and parameters of a filter, as rules 3 and 4 of search-text.ts say. */
function whereOf(filter: SearchFilter): {
  sql: string;
  params: (string | number)[];
} {
  const conds: string[] = [];
  const params: (string | number)[] = [];
  const ids = [...new Set(filter.connectionIds)];
  if (ids.length > 0) {
    conds.push(`u.connection_id IN (${ids.map(() => '?').join(', ')})`);
    params.push(...ids);
  }
  const roles = [...new Set(filter.roles)] as Role[];
  if (roles.length > 0) {
    conds.push(`u.role IN (${roles.map(() => '?').join(', ')})`);
    params.push(...roles);
  }
  if (filter.accounts === 'humans') conds.push('u.is_bot = 0');
  if (filter.accounts === 'bots') conds.push('u.is_bot = 1');
  if (filter.status === 'active') conds.push('u.deactivated = 0 AND u.gone_at IS NULL');
  if (filter.status === 'deactivated') conds.push('(u.deactivated = 1 OR u.gone_at IS NOT NULL)');
  // Every term, short or long, is an exact substring test (the in-memory
  // index answers most searches; this is the path until it is ready).
  for (const t of new Set(searchTerms(filter.text))) {
    conds.push('instr(u.search_text, ?) > 0');
    params.push(t);
  }
  return { sql: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/**
 * ORDER BY of rule 5 of search-text.ts. With `walkIndex` false the columns
 * are written `+col`, which keeps SQLite from walking a sort index: right when
 * few rows match, where walking the index in order may visit most of the
 * table to find them (100 000 users, a one-letter CJK term: 290 ms walking,
 * 47 ms scanning and sorting).
 */
function orderOf(
  sort: SearchQuery['sort'],
  direction: SearchQuery['direction'],
  walkIndex = true,
): string {
  const dir = direction === 'desc' ? 'DESC' : 'ASC';
  const c = (column: string): string => (walkIndex ? `u.${column}` : `+u.${column}`);
  const ties = `${c('sort_name')} ASC, ${c('connection_id')} ASC, ${c('user_id')} ASC`;
  switch (sort) {
    case 'name':
      return `${c('sort_name')} ${dir}, ${c('connection_id')} ${dir}, ${c('user_id')} ${dir}`;
    case 'role':
      return `${c('role_rank')} ${dir}, ${ties}`;
    case 'lastActive':
      return `(u.last_active_at IS NULL) ASC, ${c('last_active_at')} ${dir}, ${ties}`;
    case 'joined':
      return `(u.joined_at IS NULL) ASC, ${c('joined_at')} ${dir}, ${ties}`;
  }
}

function readOnlyFailure(): RollcallFailure {
  return new RollcallFailure(
    rollcallError(
      'CACHE_UNAVAILABLE',
      'The cache is open read-only because a newer version of Rollcall wrote it. Update Rollcall to sync.',
    ),
  );
}

/** Builds the users repository over an open cache. */
export function createUsersRepo(
  cache: OpenedDatabase,
  deps: {
    now: () => number;
    log?: Logger;
    /**
     * An in-memory index to keep in step with every write and, once
     * `buildSearchIndex` has loaded it, to answer searches from.
     */
    index?: SearchIndex | null;
    /**
     * Awaited between two chunks of a batch (default: one turn of the event
     * loop); the WAL checkpointer's `betweenWrites` also lets its WAL restart.
     */
    betweenChunks?: () => Promise<void>;
    /** Runs a read on another thread (wal-checkpointer.ts `read`); slow scans go there. */
    backgroundRead?: (sql: string, params: readonly (string | number)[]) => Promise<Row[]>;
  },
): UsersRepo {
  const { db } = cache;
  const log = deps.log ?? silentLogger;
  const stmt = statementCache(db);
  const index = deps.index ?? null;
  const betweenChunks = deps.betweenChunks ?? yieldToEventLoop;
  let indexState: SearchIndexState = index ? 'empty' : 'off';
  // What a chunk's commit and index update cost per row, learned as chunks go.
  const commitCost = costModel(0.02);
  const indexCost = costModel(index ? 0.05 : 0);
  let building: Promise<void> | null = null;
  /** `PRAGMA data_version` when the index last matched the file: a change means another connection wrote. */
  let indexDataVersion = -1;
  if (index) {
    let set = indexesOf.get(db);
    if (!set) indexesOf.set(db, (set = new Set()));
    set.add(index);
  }

  /** One change the index must learn once its transaction has committed. */
  type IndexChange =
    | { kind: 'upsert'; row: IndexedRow }
    | { kind: 'seen'; rowId: number }
    | { kind: 'gone'; rowIds: number[] }
    | { kind: 'remove'; rowIds: number[] };

  /** Brings the index up to date with committed changes, in order. */
  function applyToIndex(changes: readonly IndexChange[]): void {
    if (!index || changes.length === 0) return;
    let rows: IndexedRow[] = [];
    let seen: number[] = [];
    const flush = (): void => {
      // The sort orders merge many chunks at once (or at the next search).
      if (rows.length > 0) index.upsert(rows, { deferOrder: true });
      if (seen.length > 0) index.setGone(seen, false);
      rows = [];
      seen = [];
    };
    for (const c of changes) {
      if (c.kind === 'upsert') rows.push(c.row);
      else if (c.kind === 'seen') seen.push(c.rowId);
      else {
        flush();
        if (c.kind === 'gone') index.setGone(c.rowIds, true);
        else index.remove(c.rowIds);
      }
    }
    flush();
  }

  /** The index no longer matches the file (another program wrote to it): rebuild it. */
  function indexOutOfStep(why: string): void {
    if (!index || indexState !== 'ready') return;
    log.warn('search index out of step with the cache; rebuilding it', { why });
    indexState = 'empty';
    void buildSearchIndex().catch(() => {});
  }

  function currentDataVersion(): number {
    return Number((stmt(SQL.dataVersion).get() as Row).data_version);
  }

  const writable = (): void => {
    if (cache.readOnly) throw readOnlyFailure();
  };

  /** Checks the batch's connections exist and are of the users' kind. */
  function checkConnections(records: readonly UserWrite[]): void {
    const kinds = new Map<string, string>();
    for (const r of records) {
      const id = r.user.connectionId;
      let kind = kinds.get(id);
      if (kind === undefined) {
        const row = stmt(SQL.connectionKind).get(id) as Row | undefined;
        if (!row) throw invalid(`There is no connection ${id} to store users under.`);
        kind = String(row.kind);
        kinds.set(id, kind);
      }
      if (kind !== r.user.kind) {
        throw invalid(
          `User ${r.user.userId} is a ${r.user.kind} user, but connection ${id} is ${kind}.`,
        );
      }
    }
  }

  /**
   * Writes one prepared row; must run inside a transaction. What the index
   * must learn is pushed to `changes`, to apply once the transaction commits.
   */
  function writeRow(
    p: HashedWrite,
    seenAt: number,
    changes: IndexChange[],
  ): 'added' | 'updated' | 'unchanged' {
    const found = stmt(SQL.find).get(p.connectionId, p.userId) as Row | undefined;
    if (!found) {
      const { params, fields } = columnsOf(p);
      const inserted = stmt(SQL.insert).run(p.connectionId, p.userId, ...params, seenAt);
      stmt(SQL.insertPayload).run(inserted.lastInsertRowid, p.userJson, p.rawJson);
      if (index)
        changes.push({
          kind: 'upsert',
          row: { ...fields, rowId: Number(inserted.lastInsertRowid) },
        });
      return 'added';
    }
    const rowId = Number(found.row_id);
    if (found.content_hash === p.hash) {
      stmt(SQL.touch).run(p.fetchedAt, seenAt, rowId);
      if (index) changes.push({ kind: 'seen', rowId });
      return 'unchanged';
    }
    const { params, fields } = columnsOf(p);
    stmt(SQL.update).run(...params, seenAt, rowId);
    stmt(SQL.updatePayload).run(p.userJson, p.rawJson, rowId);
    if (index) changes.push({ kind: 'upsert', row: { ...fields, rowId } });
    return 'updated';
  }

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

  /** The index, if it may answer now: built, and no other connection has written since. */
  function readyIndex(): SearchIndex | null {
    if (!index || indexState !== 'ready') return null;
    if (currentDataVersion() !== indexDataVersion) {
      indexOutOfStep('another connection wrote to the cache');
      return null;
    }
    return index;
  }

  function search(query: SearchQuery): SearchResult {
    return reading('search the cache', () => {
      const fast = readyIndex();
      if (fast) {
        const { total, rowIds } = fast.search(query);
        const items = summariesByIds(rowIds);
        if (items.length === rowIds.length) return { total, items };
        indexOutOfStep('the index named users the cache does not hold');
      }
      return searchSql(query);
    });
  }

  /** The SQL search with its two scans (count, then the page's row IDs) on the background connection. */
  async function searchSqlInBackground(
    query: SearchQuery,
    read: (sql: string, params: readonly (string | number)[]) => Promise<Row[]>,
  ): Promise<SearchResult> {
    const where = whereOf(query);
    const [counted] = await read(`SELECT count(*) AS n FROM users u ${where.sql}`, where.params);
    const total = Number(counted?.n ?? 0);
    if (total === 0 || query.offset >= total) return { total, items: [] };
    const [all] = await read('SELECT count(*) AS n FROM users', []);
    const walkIndex = where.sql === '' || total * 2 >= Number(all?.n ?? 0);
    const rows = await read(
      `SELECT u.row_id FROM users u ${where.sql}
       ORDER BY ${orderOf(query.sort, query.direction, walkIndex)} LIMIT ? OFFSET ?`,
      [...where.params, query.limit, query.offset],
    );
    return { total, items: reading('search the cache', () => summariesByIds(rowIdsOf(rows))) };
  }

  async function searchAsync(query: SearchQuery): Promise<SearchResult> {
    const background = deps.backgroundRead;
    if (!background || readyIndex()) return search(query);
    try {
      return await searchSqlInBackground(query, background);
    } catch (thrown) {
      if (thrown instanceof RollcallFailure) throw thrown;
      // The background connection is gone (closing): search here instead.
      log.warn('background search failed; searching on the main thread', {
        error: thrown instanceof Error ? thrown.message : String(thrown),
      });
      return search(query);
    }
  }

  function searchSql(query: SearchQuery): SearchResult {
    const where = whereOf(query);
    // Count first, then fetch the page. Not one statement with `count(*)
    // OVER ()`: a window count makes SQLite visit every match even when a
    // sort index could stop at LIMIT (2 ms as two statements, 52 ms as one).
    const total = Number(
      (stmt(`SELECT count(*) AS n FROM users u ${where.sql}`).get(...where.params) as Row).n,
    );
    if (total === 0 || query.offset >= total) return { total, items: [] };
    // Walk a sort index only when at least half the table matches: the walk
    // then passes at most half the table before the page is full, however
    // the matches cluster (CJK names all sort last). Else scan and sort.
    const walkIndex =
      where.sql === '' ||
      total * 2 >= Number((stmt('SELECT count(*) AS n FROM users').get() as Row).n);
    const ids = stmt(
      `SELECT u.row_id FROM users u ${where.sql}
       ORDER BY ${orderOf(query.sort, query.direction, walkIndex)} LIMIT ? OFFSET ?`,
    )
      .all(...where.params, query.limit, query.offset)
      .map((r: Row) => Number(r.row_id));
    return { total, items: summariesByIds(ids) };
  }

  async function buildSearchIndex(
    options: { signal?: AbortSignal; budgetMs?: number } = {},
  ): Promise<void> {
    if (!index) return;
    if (building) return building;
    if (indexState === 'ready') return;
    const budget = options.budgetMs ?? 10;
    const run = async (): Promise<void> => {
      indexState = 'building';
      index.clear();
      // The version before the first read: a write by another connection
      // during the build shows as a change at the first search.
      const version = reading('read the cache', currentDataVersion);
      let after = 0;
      let sinceFlush = 0;
      for (;;) {
        if (options.signal?.aborted) {
          indexState = 'empty';
          index.clear();
          return;
        }
        const started = performance.now();
        let done = false;
        while (performance.now() - started < budget) {
          const rows = reading(
            'read the cache',
            () => stmt(SQL.indexRows).all(after, INDEX_READ_ROWS) as Row[],
          );
          if (rows.length > 0) {
            after = Number(rows[rows.length - 1]?.row_id);
            index.upsert(rows.map(indexedRowOf), { deferOrder: true });
            sinceFlush += rows.length;
          }
          if (rows.length < INDEX_READ_ROWS) {
            done = true;
            break;
          }
          // Merging into the sort orders costs a copy of each: once per few thousand rows.
          if (sinceFlush >= INDEX_MERGE_ROWS) break;
        }
        if (done || sinceFlush >= INDEX_MERGE_ROWS) {
          await yieldToEventLoop();
          index.flushOrder();
          sinceFlush = 0;
        }
        if (done) break;
        await yieldToEventLoop();
      }
      indexDataVersion = version;
      indexState = 'ready';
      const stats = index.stats();
      log.info('search index ready', { rows: stats.rows });
    };
    building = run().finally(() => {
      building = null;
    });
    return building;
  }

  /** Summaries of row IDs, in the order given. */
  function summariesByIds(ids: number[]): UserSummary[] {
    if (ids.length === 0) return [];
    const byId = new Map<number, UserSummary>();
    for (const row of stmt(SQL.summariesByIds).all(JSON.stringify(ids)) as Row[]) {
      byId.set(Number(row.row_id), parseSummary(row));
    }
    return ids.flatMap((id) => {
      const s = byId.get(id);
      return s ? [s] : [];
    });
  }

  return {
    upsert(record, seenAt) {
      writable();
      checkWrite(record, 0);
      checkConnections([record]);
      const prepared = hashWrite(record);
      const changes: IndexChange[] = [];
      let outcome: 'added' | 'updated' | 'unchanged';
      try {
        outcome = inTransaction(db, () =>
          writeRow(prepared, Math.round(seenAt ?? deps.now()), changes),
        );
      } catch (thrown) {
        throw cacheFailure(thrown, `save user ${record.user.userId}`, cache);
      }
      applyToIndex(changes);
      return outcome;
    },

    async upsertBatch(records, options = {}) {
      writable();
      records.forEach(checkWrite);
      checkConnections(records);
      const seenAt = Math.round(options.seenAt ?? deps.now());
      const maxRows = Math.max(1, options.maxChunkRows ?? 1000);
      const budget = options.chunkBudgetMs ?? DEFAULT_CHUNK_BUDGET_MS;
      const counts: UpsertCounts = { added: 0, updated: 0, unchanged: 0 };
      let i = 0;
      while (i < records.length) {
        if (options.signal?.aborted) {
          throw new RollcallFailure(
            rollcallError('CANCELLED', 'The sync was cancelled; users written so far are kept.'),
          );
        }
        const started = performance.now();
        const chunk: UpsertCounts = { added: 0, updated: 0, unchanged: 0 };
        const changes: IndexChange[] = [];
        const from = i;
        let commitStart = 0;
        try {
          inTransaction(db, () => {
            let n = 0;
            while (i < records.length && n < maxRows) {
              chunk[writeRow(hashWrite(records[i] as UserWrite), seenAt, changes)]++;
              i++;
              n++;
              // Leave room for what comes after the rows: the commit and the index.
              const after = commitCost.estimate(n) + indexCost.estimate(changes.length);
              if (performance.now() - started + after >= budget) break;
            }
            commitStart = performance.now();
          });
        } catch (thrown) {
          i = from;
          throw cacheFailure(thrown, 'save the users it fetched', cache);
        }
        const indexStart = performance.now();
        commitCost.learn(i - from, indexStart - commitStart);
        applyToIndex(changes);
        const end = performance.now();
        indexCost.learn(changes.length, end - indexStart);
        counts.added += chunk.added;
        counts.updated += chunk.updated;
        counts.unchanged += chunk.unchanged;
        options.onChunk?.({
          done: i,
          total: records.length,
          rows: i - from,
          ms: end - started,
          commitMs: indexStart - commitStart,
          indexMs: end - indexStart,
        });
        if (i < records.length) await betweenChunks();
        // The index's sort orders take many chunks' changes at once, in a
        // turn of their own (a copy of each order: a few ms at 100 000 users).
        if (index && index.pendingOrder >= ORDER_MERGE_ROWS) {
          if (i >= records.length) await betweenChunks();
          index.flushOrder();
        }
      }
      return counts;
    },

    get(connectionId, userId) {
      const row = reading(
        'read the cached user',
        () => stmt(SQL.get).get(connectionId, userId) as Row | undefined,
      );
      if (!row) return null;
      try {
        return {
          user: JSON.parse(String(row.user_json)) as DirectoryUser,
          raw: JSON.parse(String(row.raw_json)) as JsonValue,
          fetchedAt: Number(row.fetched_at),
          goneAt: row.gone_at === null ? null : Number(row.gone_at),
        };
      } catch {
        log.error('cached user is unreadable', { connectionId });
        throw new RollcallFailure(
          rollcallError(
            'CACHE_UNAVAILABLE',
            'This cached user is unreadable. Sync the connection to fetch it again.',
          ),
        );
      }
    },

    findIdByEmail(connectionId, email) {
      const row = reading(
        'read the cached user',
        () => stmt(SQL.findByEmail).get(connectionId, email, email) as Row | undefined,
      );
      return row ? String(row.user_id) : null;
    },

    getSummary(connectionId, userId) {
      return reading('read the cached user', () => {
        const row = stmt(SQL.summary).get(connectionId, userId) as Row | undefined;
        return row ? parseSummary(row) : null;
      });
    },

    listByConnection(connectionId, paging = {}) {
      return search({
        text: '',
        connectionIds: [connectionId],
        roles: [],
        accounts: 'all',
        status: 'all',
        sort: 'name',
        direction: 'asc',
        offset: paging.offset ?? 0,
        limit: paging.limit ?? 1000,
      });
    },

    count(connectionId, options = {}) {
      const gone = options.includeGone ? '' : 'gone_at IS NULL';
      const conds = [connectionId === undefined ? '' : 'connection_id = ?', gone].filter(Boolean);
      const sql = `SELECT count(*) AS n FROM users${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
      return reading('count the cached users', () => {
        const row = (
          connectionId === undefined ? stmt(sql).get() : stmt(sql).get(connectionId)
        ) as Row;
        return Number(row.n);
      });
    },

    countsByConnection() {
      return reading('count the cached users', () => {
        const rows = stmt(
          'SELECT connection_id, count(*) AS n FROM users WHERE gone_at IS NULL GROUP BY connection_id',
        ).all() as Row[];
        return new Map(rows.map((r) => [String(r.connection_id), Number(r.n)]));
      });
    },

    markGone(connectionId, userId, at) {
      writable();
      let ids: number[];
      try {
        ids = rowIdsOf(stmt(SQL.markGone).all(Math.round(at), connectionId, userId) as Row[]);
      } catch (thrown) {
        throw cacheFailure(thrown, 'mark the user as gone', cache);
      }
      applyToIndex([{ kind: 'gone', rowIds: ids }]);
      return ids.length > 0;
    },

    async markMissingAsGone(connectionId, seenBefore, at) {
      writable();
      let total = 0;
      try {
        for (;;) {
          const ids = rowIdsOf(
            stmt(SQL.markMissingChunk).all(
              Math.round(at),
              connectionId,
              Math.round(seenBefore),
              UPDATE_CHUNK_ROWS,
            ) as Row[],
          );
          applyToIndex([{ kind: 'gone', rowIds: ids }]);
          total += ids.length;
          if (ids.length < UPDATE_CHUNK_ROWS) return total;
          await yieldToEventLoop();
        }
      } catch (thrown) {
        throw cacheFailure(thrown, 'mark the users the server no longer lists', cache);
      }
    },

    async purgeGone(connectionId) {
      writable();
      let total = 0;
      try {
        for (;;) {
          const ids = rowIdsOf(stmt(SQL.purgeChunk).all(connectionId, DELETE_CHUNK_ROWS) as Row[]);
          applyToIndex([{ kind: 'remove', rowIds: ids }]);
          total += ids.length;
          if (ids.length < DELETE_CHUNK_ROWS) return total;
          await yieldToEventLoop();
        }
      } catch (thrown) {
        throw cacheFailure(thrown, 'delete the users that are gone', cache);
      }
    },

    search,
    searchAsync,
    buildSearchIndex,
    searchIndexState: () => indexState,

    async *searchAll(spec, options = {}) {
      const chunkSize = Math.max(1, options.chunkSize ?? 1000);
      // The order is fixed once, by row ID, so writes during an export cannot shuffle it.
      const ids = reading('export the cache', () => {
        const fast = readyIndex();
        if (fast) return fast.searchAll(spec);
        const where = whereOf(spec);
        return stmt(
          `SELECT u.row_id FROM users u ${where.sql} ORDER BY ${orderOf(spec.sort, spec.direction)}`,
        )
          .all(...where.params)
          .map((r: Row) => Number(r.row_id));
      });
      for (let i = 0; i < ids.length; i += chunkSize) {
        if (i > 0) await yieldToEventLoop();
        yield reading('export the cache', () => summariesByIds(ids.slice(i, i + chunkSize)));
      }
    },

    async *iterateSummaries(options = {}) {
      const chunkSize = Math.max(1, options.chunkSize ?? 1000);
      const ids = [...new Set(options.connectionIds ?? [])];
      const filter =
        ids.length > 0 ? `AND u.connection_id IN (${ids.map(() => '?').join(', ')})` : '';
      const sql = `SELECT u.row_id, u.connection_id, u.user_id, u.search_text, u.sort_name, u.role,
          u.role_rank, u.is_bot, u.deactivated, u.gone_at, u.last_active_at, u.joined_at,
          u.summary_json, o.name AS owner_name
        FROM users u
        LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id
        WHERE u.row_id > ? ${filter} ORDER BY u.row_id LIMIT ?`;
      let after = 0;
      for (;;) {
        const rows = reading(
          'read the cache',
          () => stmt(sql).all(after, ...ids, chunkSize) as Row[],
        );
        if (rows.length === 0) return;
        after = Number(rows[rows.length - 1]?.row_id);
        yield rows.map((r) => ({
          summary: parseSummary(r),
          row: {
            connectionId: String(r.connection_id),
            userId: String(r.user_id),
            searchText: String(r.search_text),
            sortName: String(r.sort_name),
            role: r.role as Role,
            roleRank: Number(r.role_rank),
            isBot: r.is_bot === 1,
            deactivated: r.deactivated === 1,
            gone: r.gone_at !== null,
            lastActiveAt: r.last_active_at === null ? null : Number(r.last_active_at),
            joinedAt: r.joined_at === null ? null : Number(r.joined_at),
          },
        }));
        if (rows.length < chunkSize) return;
        await yieldToEventLoop();
      }
    },
  };
}
