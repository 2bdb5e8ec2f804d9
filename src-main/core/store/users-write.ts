/**
 * Writing cached users: one user, and a sync's batch in short transactions
 * that yield to the event loop in between (so a 100 000-user sync never
 * freezes the window and a crash leaves whole chunks only); runs of new
 * users may go to the write pool (users-write-pooled.ts). The reconciling
 * after a sync is in users-gone.ts. Every write reaches the search index
 * once its transaction has committed.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure } from '@shared/errors';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { inTransaction } from './sqlite-helpers';
import type { IndexChange, IndexSync } from './users-index-sync';
import {
  isLargePayload,
  releasePayloadParts,
  sweepPayloadParts,
  writePayloadParts,
} from './payload-parts';
import { touchKnownRows } from './users-known';
import type { BulkInserter } from './users-bulk-insert';
import {
  addCounts,
  settleWrites,
  writeNewUsersOffThread,
  type PendingChunk,
} from './users-write-pooled';
import {
  checkWrite,
  findRows,
  hashLargeWrite,
  hashWrite,
  invalid,
  isKnownWrite,
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

const SQL = {
  connectionKind: 'SELECT kind FROM connections WHERE id = ?',
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

/** Refuses every write to a cache opened read-only, before any SQL runs. */
export function writable(w: UsersWriter): void {
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
 * Where the run of new users starting at `from` ends: the lookup group
 * `groupEnd` would take (none known, large or twice, one connection), cut
 * at the first user the cache holds. `from` when the first is known or large.
 */
function newUsersEnd(
  access: UsersAccess,
  records: readonly BatchRecord[],
  from: number,
  max: number,
  isLargeAt: (k: number) => boolean,
): number {
  const first = records[from] as BatchRecord;
  if (isKnownWrite(first) || isLargeAt(from)) return from;
  const end = groupEnd(records, from, max, isLargeAt);
  for (let k = from; k < end; k += NEW_LOOKUP_ROWS) {
    const group = (records.slice(k, Math.min(end, k + NEW_LOOKUP_ROWS)) as UserWrite[]).map(
      (r) => r.user.userId,
    );
    const found = findRows(access, first.user.connectionId, group);
    if (found.size > 0) return k + group.findIndex((id) => found.has(id));
  }
  return end;
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
    if (w.bulk && options.pooled) {
      const end = newUsersEnd(access, records, i, maxRows, isLargeAt);
      if (end - i >= MIN_BULK_ROWS) {
        const newUsers = records.slice(i, end) as UserWrite[];
        const total = records.length;
        addCounts(
          counts,
          await writeNewUsersOffThread(w, w.bulk, newUsers, {
            seenAt,
            report: (ms) => options.onChunk?.({ done: end, total, rows: newUsers.length, ms }),
            // Rolled back: written here, finding what is there now.
            writeAgain: () => upsertBatch({ ...w, bulk: null }, newUsers, { seenAt }),
          }),
        );
        counts.added += newUsers.length;
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
