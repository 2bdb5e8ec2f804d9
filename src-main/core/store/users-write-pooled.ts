/**
 * The write side's chunks on the write pool (users-bulk-insert.ts): a run
 * of new users derived on this thread and handed to the pool, which writes
 * it while this thread goes on; the chunk stays pending until the next write
 * of any kind settles it (`settleWrites`), so chunks commit, and the index
 * learns them, in the order they were handed over. upsertBatch
 * (users-write.ts) decides which runs go this way.
 *
 * Node only; never imports `electron`.
 */
import type { NewUserRows, BulkInserter } from './users-bulk-insert';
import { columnsOf, hashWrite, type Row, type UserWrite } from './users-rows';
import type { UpsertCounts, UsersWriter } from './users-write';

/** The search columns of a user, as the index holds them (no row ID yet). */
type IndexFields = ReturnType<typeof columnsOf>['fields'];

/** A chunk of new users the write pool has not committed yet: what `settleWrites` needs to finish it. */
export interface PendingChunk {
  /** The pool's answer, never rejected: done, or why nothing was written. */
  outcome: Promise<{ error: unknown } | null>;
  rows: number;
  /** The row ID of the first user; the others follow in order. */
  firstRowId: number;
  /** Each user's search columns, in order, for the index changes (null: no index to tell). */
  fields: IndexFields[] | null;
  /** Tells the batch that wrote it how the chunk went, once it has committed. */
  report: () => void;
  /** Writes the chunk again the ordinary way, when the pool rolled it back. */
  writeAgain: () => Promise<UpsertCounts>;
}

/** Nothing written: what `settleWrites` says when no chunk was written again. */
const NO_COUNTS: Readonly<UpsertCounts> = { added: 0, updated: 0, unchanged: 0 };

/** Adds one batch's counts to another's. */
export function addCounts(into: UpsertCounts, more: Readonly<UpsertCounts>): void {
  into.added += more.added;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
}

const LAST_ROW_ID = 'SELECT coalesce(max(row_id), 0) AS n FROM users';

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
    rows: p.rows,
    error: outcome.error instanceof Error ? outcome.error.message : String(outcome.error),
  });
  const again = await p.writeAgain();
  p.report();
  return { ...again, added: again.added - p.rows };
}

/**
 * Derives `chunk` (new users of one connection, checked) on this thread and
 * hands its rows to the write pool, once the chunk before has committed.
 * Says what settling that one corrected.
 */
export async function writeNewUsersOffThread(
  w: UsersWriter,
  bulk: BulkInserter,
  chunk: readonly UserWrite[],
  then: {
    seenAt: number;
    report: (ms: number) => void;
    writeAgain: () => Promise<UpsertCounts>;
  },
): Promise<UpsertCounts> {
  const started = performance.now();
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
  const firstRowId = Number((w.access.stmt(LAST_ROW_ID).get() as Row).n) + 1;
  const outcome = bulk.insertNew(connectionId, rows, { seenAt: then.seenAt, firstRowId }).then(
    () => null,
    (error: unknown) => ({ error }),
  );
  w.pending = {
    outcome,
    rows: chunk.length,
    firstRowId,
    fields,
    report: () => then.report(ms),
    writeAgain: then.writeAgain,
  };
  return again;
}
