/**
 * The body of a sync, wherever it runs: every page the provider yields is
 * written as it arrives (a member whose source digest matches its cached
 * row, only marked seen: store/users-known.ts), then (the fetch complete)
 * the users the server no longer lists are marked gone. The same code runs
 * on the main thread (a read-only or temporary cache, a host that gives no
 * worker) and in the sync worker (sync-worker.ts), so both behave alike to
 * the last message.
 *
 * Node only; never imports `electron`.
 */
import { fail } from '@shared/errors';
import type { SyncProgress } from '@shared/model';
import type { KnownMember, Provider, ProviderContext, ProviderSession } from '../providers';
import type { UnreadableMembers } from '../providers/types';
import type { UpsertBatchOptions } from '../store/users-write';
import { addCounts } from '../store/users-write-pooled';
import type { UsersRepo } from '../store/users-repo';
import type { BatchRecord, UserWrite } from '../store/users-rows';
import type { ProviderContexts } from './provider-context';
import { toWrite, writesOf } from './user-writes';

/** What a sync did before its summary is written. */
export interface SyncCounts {
  added: number;
  updated: number;
  unchanged: number;
  gone: number;
  total: number;
  unreadable: UnreadableMembers;
}

/** A progress change, as the pacer takes it. */
export type ProgressChange = Partial<Omit<SyncProgress, 'connectionId' | 'at'>>;

/** What the body of a sync is run with. */
export interface SyncPagesDeps {
  provider: Provider;
  session: ProviderSession;
  users: Pick<UsersRepo, 'upsertBatch' | 'settleWrites' | 'markMissingAsGone' | 'knownSources'>;
  contexts: Pick<ProviderContexts, 'store'>;
  now: () => number;
  /** The server answered (reachability). */
  answered: () => void;
  /**
   * Told once, before the first write, how many users the sync expects to
   * add (the server's total less the users cached), when the server gives a
   * total: the worker tells main, whose index may then be built once at the
   * end (users-index-sync.ts `expectNewRows`).
   */
  expectNewRows?: (rows: number) => void;
  progress: (change: ProgressChange) => void;
  /** Chunk sizes for the batch writes (the worker takes larger ones). */
  chunks?: Pick<UpsertBatchOptions, 'maxChunkRows' | 'chunkBudgetMs'>;
  /**
   * Pages are written once this many users wait (default 0: each page as it
   * comes). Fewer, larger transactions: each commit writes every index page
   * it dirtied to the WAL, and a commit of 1 000 random inserts into the
   * users table's indexes dirties nearly as many pages as one of 10 000.
   */
  batchRows?: number;
}

/** The largest chunk of a run's first batch (see `write` in `syncPages`). */
const FIRST_CHUNK_ROWS = 1000;

/** The message a cancelled sync ends with. */
export const CANCELLED_MESSAGE = 'The sync was cancelled; users saved so far are kept.';

/**
 * A page's users to write and known members to mark seen, merged back into
 * the order the server listed them (`KnownMember.position`), so each chunk
 * commits a run of the directory and a cut-short sync keeps what came first.
 */
function inServerOrder(
  writes: readonly UserWrite[],
  known: readonly KnownMember[],
  connectionId: string,
  at: number,
): BatchRecord[] {
  if (known.length === 0) return [...writes];
  const out: BatchRecord[] = [];
  let next = 0;
  for (const k of known) {
    while (out.length < k.position && next < writes.length) out.push(writes[next++] as UserWrite);
    out.push({
      known: true,
      connectionId,
      userId: k.userId,
      source: k.source,
      fetchedAt: at,
      derive: () => toWrite(k.derive(), at),
    });
  }
  while (next < writes.length) out.push(writes[next++] as UserWrite);
  return out;
}

/** Fetches every page and writes it, then marks who is gone; returns the counts. */
export async function syncPages(
  deps: SyncPagesDeps,
  signal: AbortSignal,
  startedAt: number,
): Promise<SyncCounts> {
  const { provider, session, users, contexts, now, progress } = deps;
  const counts = { added: 0, updated: 0, unchanged: 0 };
  let total = 0;
  let unreadable: UnreadableMembers = { count: 0, firstReason: null, ids: [] };
  progress({ phase: 'fetching', message: 'Asking the server for its directory…' });
  // What each cached user was derived from: a member that matches is only marked seen.
  const knownSources = users.knownSources(session.connectionId);
  const pages = provider.fetchDirectory(session, {
    signal,
    knownSources,
    onWait: (seconds) =>
      progress({
        phase: 'waiting',
        retryAfterSeconds: seconds,
        message: `The server is rate limiting Rollcall: waiting ${Math.ceil(seconds)} s as it asked.`,
      }),
  });
  let answered = false;
  let storedContext: ProviderContext | null = null;
  // Pages held back until `batchRows` users are waiting (see SyncPagesDeps.batchRows):
  // users to write and known ones to mark seen, in the server's order.
  let held: { writes: BatchRecord[]; done: number } | null = null;
  // `until`: the signal that stops the write, or none for pages that must
  // be kept whatever ends the sync (see below).
  const write = async (until: AbortSignal | undefined): Promise<void> => {
    if (!held) return;
    const { writes, done } = held;
    held = null;
    const base = total;
    const chunks = deps.chunks;
    // A run's chunks grow with it: its first ones stay small, so a cancel or
    // a crash early on keeps what came first, and main learns of it soon.
    const maxChunkRows =
      chunks?.maxChunkRows === undefined
        ? undefined
        : Math.min(chunks.maxChunkRows, Math.max(FIRST_CHUNK_ROWS, base));
    const written = await users.upsertBatch(writes, {
      ...chunks,
      maxChunkRows,
      signal: until,
      seenAt: startedAt,
      onChunk: (chunk) => progress({ done: base + chunk.done }),
      pooled: provider.directoryInOneAnswer === true,
    });
    addCounts(counts, written);
    total = done;
  };
  // What the write pool has under way is in the cache before the sync ends,
  // however it ends; a chunk it had to write again corrects the counts.
  const settle = async (): Promise<void> => {
    addCounts(counts, await users.settleWrites());
  };
  // Pages held back were fetched as they would have been written one by one:
  // whatever ends the fetch (a cancel, a 429 after its retries, a timeout),
  // they are written before the sync ends, so no progress is lost for batching.
  try {
    for await (const page of pages) {
      if (!answered) {
        deps.answered();
        answered = true;
        if (page.total !== null) deps.expectNewRows?.(Math.max(0, page.total - knownSources.size));
      }
      // A provider hands the same context with every page: store it once
      // (at 100 000 users it is megabytes of JSON to read and write).
      if (page.context !== storedContext) {
        await contexts.store(session.connectionId, page.context);
        storedContext = page.context;
      }
      progress({
        phase: 'writing',
        done: total,
        total: page.total,
        retryAfterSeconds: null,
        message: `Saving users (${page.done}${page.total !== null ? ` of ${page.total}` : ''})…`,
      });
      const at = now();
      const writes = inServerOrder(
        await writesOf(page.users, at),
        page.known ?? [],
        session.connectionId,
        at,
      );
      if (!held) held = { writes, done: page.done };
      else for (const w of writes) held.writes.push(w);
      held.done = page.done;
      unreadable = page.unreadable;
      if (held.writes.length >= (deps.batchRows ?? 0)) {
        if (signal.aborted) break;
        await write(signal);
      }
      progress({
        phase: 'fetching',
        done: total,
        total: page.total,
        message:
          page.total !== null && page.done >= page.total
            ? 'Finishing…'
            : `Fetched ${page.done}${page.total !== null ? ` of ${page.total}` : ''} users…`,
      });
    }
  } catch (error) {
    try {
      await write(undefined);
    } catch {
      // The error that ended the fetch is the one to report.
    }
    await settle().catch(() => {});
    throw error;
  }
  let ended = false;
  try {
    if (signal.aborted) {
      await write(undefined);
      fail('CANCELLED', CANCELLED_MESSAGE);
    }
    await write(signal);
    if (signal.aborted) fail('CANCELLED', CANCELLED_MESSAGE);
    ended = true;
  } finally {
    // The error that ended the sync is the one to report.
    if (ended) await settle();
    else await settle().catch(() => {});
  }
  deps.answered();
  progress({ phase: 'reconciling', message: 'Marking users no longer on the server…' });
  // A member that could not be read this time is not gone: keep its cached copy.
  const gone = await users.markMissingAsGone(
    session.connectionId,
    startedAt,
    now(),
    unreadable.ids,
  );
  return { ...counts, gone, total, unreadable };
}
