/**
 * Writing cached users: one user, a sync's batch in short transactions that
 * yield to the event loop in between (so a 100 000-user sync never freezes
 * the window and a crash leaves whole chunks only), and the reconciling
 * after a sync: marking who the server no longer lists, purging them, and
 * deleting a removed connection's users. Every write reaches the search
 * index once its transaction has committed.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure } from '@shared/errors';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { inTransaction, type SqliteDb } from './sqlite-helpers';
import { yieldToEventLoop } from '../event-loop';
import { indexesOver, type IndexChange, type IndexSync } from './users-index-sync';
import {
  isLargePayload,
  releasePayloadParts,
  sweepPayloadParts,
  writePayloadParts,
} from './payload-parts';
import { touchKnownRows } from './users-known';
import type { BulkInserter, NewUserRows } from './users-bulk-insert';
import {
  checkWrite,
  columnsOf,
  findRows,
  hashLargeWrite,
  hashWrite,
  invalid,
  isKnownWrite,
  rowIdsOf,
  touchRows,
  writeRow,
  type BatchRecord,
  type KnownWrite,
  type Row,
  type TouchList,
  type UsersAccess,
  type UserWrite,
} from './users-rows';

/** What a batch did. `unchanged` rows had the same content; they were still marked seen. */
export interface UpsertCounts {
  added: number;
  updated: number;
  unchanged: number;
}

/** How one written chunk went, for progress bars and measurements. */
interface ChunkReport {
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
  /**
   * Runs of users the cache does not hold go to the repository's write
   * pool, if it has one, while this thread goes on (`settleWrites` waits
   * for them); default: every chunk is written here.
   */
  pooled?: boolean;
}

/**
 * Not seen since a time (bound twice): by its user_seen row (migration 13),
 * or by its own column when it has none. Tested this way, a row with a
 * user_seen row never needs its wide users row read.
 */
const NOT_SEEN_SINCE = '(s.seen_at < ? OR (s.row_id IS NULL AND u.seen_at < ?))';

const SQL = {
  connectionKind: 'SELECT kind FROM connections WHERE id = ?',
  lastRowId: 'SELECT coalesce(max(row_id), 0) AS n FROM users',
  markGone: `UPDATE users SET gone_at = ? WHERE connection_id = ? AND user_id = ? AND gone_at IS NULL
    RETURNING row_id`,
  // When a user was seen is in user_seen (migration 13); a row without one
  // there reads its own. Read from the (connection, user) index and user_seen
  // alone, never the wide users rows (310 ms of an Open WebUI re-sync when it
  // also tested gone_at here): users already gone are left out as each chunk
  // is marked.
  missing: `SELECT u.row_id FROM users u LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE u.connection_id = ? AND ${NOT_SEEN_SINCE}
      AND u.user_id NOT IN (SELECT value FROM json_each(?))`,
  // Checked again as each chunk is marked: a write since the list was read wins.
  markMissingChunk: `UPDATE users SET gone_at = ? WHERE row_id IN (
    SELECT u.row_id FROM json_each(?) AS j CROSS JOIN users u ON u.row_id = j.value
      LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE ${NOT_SEEN_SINCE} AND u.gone_at IS NULL)
    RETURNING row_id`,
  purgeChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? AND gone_at IS NOT NULL LIMIT ?)
    RETURNING row_id`,
  deleteChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? LIMIT ?) RETURNING row_id`,
};

/** Default time budget of one written chunk, in milliseconds. */
const DEFAULT_CHUNK_BUDGET_MS = 12;
/** Changes a batch lets pile up before merging them into the index's sort orders. */
const ORDER_MERGE_ROWS = 500;
/** Highest per-row cost the chunk planner believes (ms). */
const MAX_PER_ROW_MS = 0.5;
/** Users one statement looks up while writing a chunk. */
const LOOKUP_GROUP_ROWS = 64;
/** Users one statement looks up when finding where a run of new users ends. */
const NEW_LOOKUP_ROWS = 1000;
/** Fewest new users worth a chunk of their own on the write pool. */
const MIN_BULK_ROWS = 32;
/** Rows one delete statement removes before the event loop gets a turn. */
const DELETE_CHUNK_ROWS = 500;
/** Rows one "mark gone" statement updates before the event loop gets a turn. */
const UPDATE_CHUNK_ROWS = 2000;

/** A per-row cost estimate a chunk plans with (see `costModel`). */
interface CostModel {
  estimate(rows: number): number;
  learn(rows: number, ms: number): void;
}

/**
 * A running estimate of a per-row cost (ms), learned from each chunk, so a
 * chunk stops taking rows early enough that its commit and index update
 * still fit the budget.
 */
function costModel(initialPerRowMs: number): CostModel {
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

/** The search columns of a user, as the index holds them (no row ID yet). */
type IndexFields = ReturnType<typeof columnsOf>['fields'];

/**
 * A chunk of new users the write pool has not committed yet
 * (users-bulk-insert.ts): what `settleWrites` needs to finish it.
 */
interface PendingChunk {
  /** The pool's answer, never rejected: done, or why nothing was written. */
  outcome: Promise<{ error: unknown } | null>;
  records: UserWrite[];
  /** The row ID of the first record; the others follow in order. */
  firstRowId: number;
  /** Each record's search columns, in order, for the index changes (null: no index to tell). */
  fields: IndexFields[] | null;
  seenAt: number;
  /** Tells the batch that wrote it how the chunk went, once it has committed. */
  report: () => void;
}

/** One repository's write side: its access, its index, and what its chunks have learned. */
export interface UsersWriter {
  access: UsersAccess;
  sync: IndexSync;
  now: () => number;
  /** Awaited between two chunks of a batch. */
  betweenChunks: () => Promise<void>;
  /** What a chunk's commit costs per row, learned as chunks go. */
  commitCost: CostModel;
  /** What a chunk's index update costs per row, learned as chunks go. */
  indexCost: CostModel;
  /** Writes chunks of new users off this thread (the sync worker's); null: all on this one. */
  bulk: BulkInserter | null;
  /** The chunk the pool is writing, if any: every other write waits for it (`settleWrites`). */
  pending: PendingChunk | null;
}

/** Builds a repository's write side; the cost estimates start from what a typical disk takes. */
export function usersWriter(
  access: UsersAccess,
  sync: IndexSync,
  deps: { now: () => number; betweenChunks: () => Promise<void>; bulk?: BulkInserter | null },
): UsersWriter {
  return {
    access,
    sync,
    now: deps.now,
    betweenChunks: deps.betweenChunks,
    commitCost: costModel(0.02),
    indexCost: costModel(sync.indexed ? 0.05 : 0),
    bulk: deps.bulk ?? null,
    pending: null,
  };
}

/** Nothing written: what `settleWrites` says when no chunk was written again. */
const NO_COUNTS: Readonly<UpsertCounts> = { added: 0, updated: 0, unchanged: 0 };

function addCounts(into: UpsertCounts, more: Readonly<UpsertCounts>): void {
  into.added += more.added;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
}

/**
 * Waits for the chunk the write pool has under way, then tells the index
 * (in commit order) and the batch that wrote it. A chunk the pool rolled
 * back (a lookup added one of its users meanwhile; a full disk) is written
 * again the ordinary way, which finds what is there now or fails as any
 * write would. Says how its counts differ from what `upsertBatch` reported
 * (all added): zero unless it was written again.
 */
export async function settleWrites(w: UsersWriter): Promise<UpsertCounts> {
  const p = w.pending;
  if (!p) return { ...NO_COUNTS };
  w.pending = null;
  const outcome = await p.outcome;
  if (outcome === null) {
    if (p.fields) {
      w.sync.apply(
        p.fields.map((fields, k) => ({
          kind: 'upsert' as const,
          row: { ...fields, rowId: p.firstRowId + k },
        })),
      );
    }
    p.report();
    return { ...NO_COUNTS };
  }
  w.access.log.warn('a chunk of new users is written again on the sync thread', {
    rows: p.records.length,
    error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
  });
  const again = await upsertBatch({ ...w, bulk: null }, p.records, { seenAt: p.seenAt });
  p.report();
  return { ...again, added: again.added - p.records.length };
}

/** Refuses every write to a cache opened read-only, before any SQL runs. */
function writable(w: UsersWriter): void {
  if (w.access.cache.readOnly) throw readOnlyFailure(w.access.cache, 'save users');
}

/** Checks the batch's connections exist and are of the users' kind. */
function checkConnections(access: UsersAccess, records: readonly BatchRecord[]): void {
  const kinds = new Map<string, string>();
  for (const r of records) {
    const id = isKnownWrite(r) ? r.connectionId : r.user.connectionId;
    let kind = kinds.get(id);
    if (kind === undefined) {
      const row = access.stmt(SQL.connectionKind).get(id) as Row | undefined;
      if (!row) throw invalid(`There is no connection ${id} to store users under.`);
      kind = String(row.kind);
      kinds.set(id, kind);
    }
    if (!isKnownWrite(r) && kind !== r.user.kind) {
      throw invalid(
        `User ${r.user.userId} is a ${r.user.kind} user, but connection ${id} is ${kind}.`,
      );
    }
  }
}

/** Writes one user in one transaction (a lookup's answer). */
export function upsertOne(
  w: UsersWriter,
  record: UserWrite,
  seenAt: number | undefined,
): 'added' | 'updated' | 'unchanged' {
  writable(w);
  checkWrite(record, 0);
  checkConnections(w.access, [record]);
  const prepared = hashWrite(record);
  const changes: IndexChange[] = [];
  const indexed = w.sync.indexed;
  let outcome: 'added' | 'updated' | 'unchanged';
  try {
    outcome = inTransaction(w.access.db, () =>
      writeRow(w.access, prepared, Math.round(seenAt ?? w.now()), changes, indexed),
    );
  } catch (thrown) {
    throw cacheFailure(thrown, `save user ${record.user.userId}`, w.access.cache);
  }
  w.sync.apply(changes);
  return outcome;
}

/**
 * Writes one user whose payload is large (payload-parts.ts): hashed in
 * slices, its parts written in short transactions (none if it is
 * unchanged), then its row in one transaction of its own.
 */
async function writeLarge(
  w: UsersWriter,
  record: UserWrite,
  seenAt: number,
): Promise<'added' | 'updated' | 'unchanged'> {
  const { access, sync } = w;
  const { prepared, payload, unchanged } = await hashLargeWrite(access, record);
  const changes: IndexChange[] = [];
  let outcome: 'added' | 'updated' | 'unchanged';
  try {
    if (!unchanged)
      prepared.rawParts = await writePayloadParts(access.db, payload, w.betweenChunks);
    outcome = inTransaction(access.db, () =>
      writeRow(access, prepared, seenAt, changes, sync.indexed),
    );
  } catch (thrown) {
    throw cacheFailure(thrown, 'save the users it fetched', access.cache);
  } finally {
    if (prepared.rawParts !== null) releasePayloadParts(prepared.rawParts);
  }
  sync.apply(changes);
  return outcome;
}

/** Deletes stored parts no payload points to any more (a replaced or deleted user's). */
async function sweepParts(w: UsersWriter): Promise<void> {
  try {
    await sweepPayloadParts(w.access.db);
  } catch (thrown) {
    throw cacheFailure(thrown, 'delete what replaced payloads left', w.access.cache);
  }
}

/**
 * Where the lookup group starting at `from` ends: at most `max` records of
 * one connection, none large, no user twice (a repeat must see the row its
 * first copy wrote, so it starts the next group).
 */
function groupEnd(
  records: readonly BatchRecord[],
  from: number,
  max: number,
  isLargeAt: (k: number) => boolean,
): number {
  const connectionId = (records[from] as UserWrite).user.connectionId;
  const ids = new Set<string>();
  let end = from;
  while (end < records.length && end - from < max) {
    const r = records[end] as BatchRecord;
    if (isKnownWrite(r)) break;
    const u = r.user;
    if (u.connectionId !== connectionId || ids.has(u.userId) || isLargeAt(end)) break;
    ids.add(u.userId);
    end++;
  }
  return Math.max(end, from + 1);
}

/**
 * Where the run of new users starting at `from` ends: at most `max` records
 * of one connection, none known, large or twice, none of them in the cache.
 * Returns `from` when the first is not such a user.
 */
function newUsersEnd(
  access: UsersAccess,
  records: readonly BatchRecord[],
  from: number,
  max: number,
  isLargeAt: (k: number) => boolean,
): number {
  const first = records[from] as BatchRecord;
  if (isKnownWrite(first)) return from;
  const connectionId = first.user.connectionId;
  const ids = new Set<string>();
  let end = from;
  while (end < records.length && end - from < max) {
    const r = records[end] as BatchRecord;
    if (isKnownWrite(r) || r.user.connectionId !== connectionId) break;
    if (ids.has(r.user.userId) || isLargeAt(end)) break;
    ids.add(r.user.userId);
    end++;
  }
  // Cut at the first user the cache holds.
  for (let k = from; k < end; k += NEW_LOOKUP_ROWS) {
    const group = (records.slice(k, Math.min(end, k + NEW_LOOKUP_ROWS)) as UserWrite[]).map(
      (r) => r.user.userId,
    );
    const found = findRows(access, connectionId, group);
    if (found.size === 0) continue;
    const at = group.findIndex((id) => found.has(id));
    return k + at;
  }
  return end;
}

/** The largest row ID of the users table (0 when empty). */
function lastRowId(access: UsersAccess): number {
  return Number((access.stmt(SQL.lastRowId).get() as Row).n);
}

/**
 * Derives the new users of `records[from, end)` on this thread and hands
 * their rows to the write pool, once the chunk before has committed; the
 * pool writes them while this thread goes on. The chunk stays pending
 * (`settleWrites`) until the next write of any kind.
 */
async function writeNewUsersOffThread(
  w: UsersWriter,
  bulk: BulkInserter,
  records: readonly BatchRecord[],
  range: { from: number; end: number },
  seenAt: number,
  onChunk: UpsertBatchOptions['onChunk'],
): Promise<UpsertCounts> {
  const started = performance.now();
  const chunk = records.slice(range.from, range.end) as UserWrite[];
  const fields: IndexFields[] | null = w.sync.indexed ? [] : null;
  const rows: NewUserRows[] = chunk.map((record) => {
    const h = hashWrite(record);
    const derived = columnsOf(h);
    fields?.push(derived.fields);
    return {
      connectionId: h.connectionId,
      userId: h.userId,
      params: derived.params,
      fetchedAt: h.fetchedAt,
      userJson: h.userJson,
      rawJson: h.rawJson,
    };
  });
  const ms = performance.now() - started;
  // In commit order: the chunk before is in the cache (and the index told) first.
  const again = await settleWrites(w);
  const connectionId = (chunk[0] as UserWrite).user.connectionId;
  // The IDs SQLite would give them; another writer taking one meanwhile fails the chunk whole.
  const firstRowId = lastRowId(w.access) + 1;
  const outcome = bulk.insertNew(connectionId, rows, { seenAt, firstRowId }).then(
    () => null,
    (error: unknown) => ({ error }),
  );
  w.pending = {
    outcome,
    records: chunk,
    firstRowId,
    fields,
    seenAt,
    report: () => onChunk?.({ done: range.end, total: records.length, rows: chunk.length, ms }),
  };
  return again;
}

/**
 * Writes a sync's users in chunks, each one transaction within a time
 * budget, yielding between chunks; members known unchanged by their digest
 * (`KnownWrite`) are marked seen in the chunk they fall in, so a chunk
 * commits the batch's records in order. Checks every record's shape before
 * writing any; a cancel between chunks keeps what was committed.
 */
export async function upsertBatch(
  w: UsersWriter,
  records: readonly BatchRecord[],
  options: UpsertBatchOptions,
): Promise<UpsertCounts> {
  writable(w);
  records.forEach((r, k) => {
    if (!isKnownWrite(r)) checkWrite(r, k);
  });
  checkConnections(w.access, records);
  const { access, sync, commitCost, indexCost } = w;
  const index = sync.index;
  const indexed = sync.indexed;
  const seenAt = Math.round(options.seenAt ?? w.now());
  const maxRows = Math.max(1, options.maxChunkRows ?? 1000);
  const budget = options.chunkBudgetMs ?? DEFAULT_CHUNK_BUDGET_MS;
  const counts: UpsertCounts = { added: 0, updated: 0, unchanged: 0 };
  // Whether record k's payload is large, asked once per record (0: not yet, 1: no, 2: yes).
  const large = new Uint8Array(records.length);
  const isLargeAt = (k: number): boolean => {
    if (large[k] === 0) {
      const r = records[k] as BatchRecord;
      large[k] = !isKnownWrite(r) && isLargePayload(r.raw ?? null) ? 2 : 1;
    }
    return large[k] === 2;
  };
  // Whether this thread wrote anything itself (only then can payload parts be left over).
  let wroteHere = false;
  let i = 0;
  while (i < records.length) {
    if (options.signal?.aborted) {
      throw new RollcallFailure(
        rollcallError('CANCELLED', 'The sync was cancelled; users written so far are kept.'),
      );
    }
    // A run of users the cache does not hold: derived here, written by the pool meanwhile.
    if (w.bulk && options.pooled && !isLargeAt(i)) {
      const end = newUsersEnd(access, records, i, maxRows, isLargeAt);
      if (end - i >= MIN_BULK_ROWS) {
        const range = { from: i, end };
        addCounts(
          counts,
          await writeNewUsersOffThread(w, w.bulk, records, range, seenAt, options.onChunk),
        );
        counts.added += end - i;
        i = end;
        // The pool takes the chunk in a later turn: one comes here whatever follows.
        await w.betweenChunks();
        continue;
      }
    }
    // Anything else is written here, after what the pool has under way.
    addCounts(counts, await settleWrites(w));
    wroteHere = true;
    if (isLargeAt(i)) {
      const started = performance.now();
      counts[await writeLarge(w, records[i] as UserWrite, seenAt)]++;
      i++;
      options.onChunk?.({
        done: i,
        total: records.length,
        rows: 1,
        ms: performance.now() - started,
      });
      if (i < records.length) await w.betweenChunks();
      continue;
    }
    const started = performance.now();
    const chunk: UpsertCounts = { added: 0, updated: 0, unchanged: 0 };
    const changes: IndexChange[] = [];
    // Known members whose row changed meanwhile, with a payload for parts: written after the chunk.
    const largeMissed: UserWrite[] = [];
    const from = i;
    let commitStart = 0;
    try {
      inTransaction(access.db, () => {
        let n = 0;
        const touched: TouchList = new Map();
        const known: KnownWrite[] = [];
        rows: while (i < records.length && n < maxRows && !isLargeAt(i)) {
          const next = records[i] as BatchRecord;
          if (isKnownWrite(next)) {
            // Marked seen with the chunk's other known members, below.
            known.push(next);
            i++;
            n++;
            continue;
          }
          // A group's users are looked up by one statement.
          const end = groupEnd(records, i, Math.min(LOOKUP_GROUP_ROWS, maxRows - n), isLargeAt);
          const first = (records[i] as UserWrite).user;
          const found = findRows(
            access,
            first.connectionId,
            (records.slice(i, end) as UserWrite[]).map((r) => r.user.userId),
          );
          while (i < end) {
            const record = records[i] as UserWrite;
            const batch = { found: found.get(record.user.userId), touched };
            chunk[writeRow(access, hashWrite(record), seenAt, changes, indexed, batch)]++;
            i++;
            n++;
            // Leave room for what comes after the rows: the commit and the index.
            const after = commitCost.estimate(n) + indexCost.estimate(changes.length);
            if (performance.now() - started + after >= budget) break rows;
          }
        }
        touchRows(access, touched, seenAt);
        if (known.length > 0) {
          const missed = touchKnownRows(access, known, seenAt, changes, indexed);
          chunk.unchanged += known.length - missed.length;
          // Changed since the digests were read (a lookup, a "gone"): written in full.
          for (const m of missed) {
            const whole = m.derive();
            checkWrite(whole, 0);
            if (isLargePayload(whole.raw ?? null)) largeMissed.push(whole);
            else chunk[writeRow(access, hashWrite(whole), seenAt, changes, indexed)]++;
          }
        }
        commitStart = performance.now();
      });
    } catch (thrown) {
      i = from;
      throw cacheFailure(thrown, 'save the users it fetched', access.cache);
    }
    const indexStart = performance.now();
    commitCost.learn(i - from, indexStart - commitStart);
    sync.apply(changes);
    const end = performance.now();
    indexCost.learn(changes.length, end - indexStart);
    // As any large payload: in parts, yielding (writeLarge), never in one go inside a chunk.
    for (const whole of largeMissed) chunk[await writeLarge(w, whole, seenAt)]++;
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
    if (i < records.length) await w.betweenChunks();
    // The index's sort orders take many chunks' changes at once, in a
    // turn of their own (a copy of each order: a few ms at 100 000 users).
    if (index && index.pendingOrder >= ORDER_MERGE_ROWS) {
      if (i >= records.length) await w.betweenChunks();
      index.flushOrder();
    }
  }
  // New rows hold no parts: only what was written here can have replaced some.
  if (wroteHere || records.length === 0) {
    addCounts(counts, await settleWrites(w));
    await sweepParts(w);
  }
  return counts;
}

/** The server said this user no longer exists: true if it was not marked yet. */
export function markUserGone(
  w: UsersWriter,
  connectionId: string,
  userId: string,
  at: number,
): boolean {
  writable(w);
  let ids: number[];
  try {
    ids = rowIdsOf(w.access.stmt(SQL.markGone).all(Math.round(at), connectionId, userId) as Row[]);
  } catch (thrown) {
    throw cacheFailure(thrown, 'mark the user as gone', w.access.cache);
  }
  w.sync.apply([{ kind: 'gone', rowIds: ids }]);
  return ids.length > 0;
}

/**
 * After a COMPLETED full sync: marks every user not seen since `seenBefore`
 * as gone, in chunks (a server that lost everyone is 100 000 updates),
 * except the IDs in `keep` (members listed but not readable this time).
 */
export async function markMissingAsGone(
  w: UsersWriter,
  connectionId: string,
  seenBefore: number,
  at: number,
  keep: readonly string[] = [],
): Promise<number> {
  writable(w);
  // Who was seen is known once every chunk of the sync is in.
  await settleWrites(w);
  let total = 0;
  const seen = Math.round(seenBefore);
  try {
    const missing = rowIdsOf(
      w.access.stmt(SQL.missing).all(connectionId, seen, seen, JSON.stringify(keep)) as Row[],
    );
    for (let from = 0; from < missing.length; from += UPDATE_CHUNK_ROWS) {
      if (from > 0) await yieldToEventLoop();
      const chunk = JSON.stringify(missing.slice(from, from + UPDATE_CHUNK_ROWS));
      const ids = rowIdsOf(
        w.access.stmt(SQL.markMissingChunk).all(Math.round(at), chunk, seen, seen) as Row[],
      );
      if (ids.length > 0) w.sync.apply([{ kind: 'gone', rowIds: ids }]);
      total += ids.length;
    }
    return total;
  } catch (thrown) {
    throw cacheFailure(thrown, 'mark the users the server no longer lists', w.access.cache);
  }
}

/** Deletes the users marked gone, in chunks (their avatar rows go too; sweep the files after). */
export async function purgeGone(w: UsersWriter, connectionId: string): Promise<number> {
  writable(w);
  await settleWrites(w);
  let total = 0;
  try {
    for (;;) {
      const ids = rowIdsOf(
        w.access.stmt(SQL.purgeChunk).all(connectionId, DELETE_CHUNK_ROWS) as Row[],
      );
      w.sync.apply([{ kind: 'remove', rowIds: ids }]);
      total += ids.length;
      if (ids.length < DELETE_CHUNK_ROWS) break;
      await yieldToEventLoop();
    }
    await sweepPayloadParts(w.access.db);
    return total;
  } catch (thrown) {
    throw cacheFailure(thrown, 'delete the users that are gone', w.access.cache);
  }
}

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
    for (const index of indexesOver(db)) index.remove(ids);
    total += ids.length;
    if (ids.length < DELETE_CHUNK_ROWS) break;
    await yieldToEventLoop();
  }
  await sweepPayloadParts(db);
  return total;
}
