/**
 * The users repository: what Rollcall does with cached users (written as a
 * sync or a lookup delivers them, read by search, the card grid, exports
 * and the detail view), and `createUsersRepo`, which wires its parts over
 * one open cache. Searches follow the rules of search-text.ts exactly: from
 * the in-memory index (search-index.ts) once it is built and kept in step
 * with every write, from SQL until then; this file picks which answers.
 *
 * The parts: users-rows.ts (a user <-> its rows), users-read.ts (reads),
 * users-search-sql.ts (the SQL search), users-write.ts (writes in chunks
 * that yield, and the reconciling after a sync), users-known.ts (users a
 * sync met unchanged by their source digest, marked seen), users-rederive.ts
 * (rows an older version derived, derived again), users-index-sync.ts (the
 * index kept in step).
 *
 * Node only; never imports `electron`.
 */
import { DEFAULT_SEARCH_SPEC } from '@shared/model';
import type { SearchQuery, SearchResult, UserRecord, UserSummary } from '@shared/model';
import { RollcallFailure } from '@shared/errors';
import type { OpenedDatabase } from './db';
import { yieldToEventLoop } from '../event-loop';
import { knownSources } from './users-known';
import {
  createIndexSync,
  type ExternalWrites,
  type IndexChange,
  type IndexSync,
  type SearchIndexState,
} from './users-index-sync';
import {
  countUsers,
  countUsersByConnection,
  findUserIdByEmail,
  groupMembers,
  iterateSummaries,
  readSummary,
  readUser,
  summariesByIds,
  type IndexedSummary,
} from './users-read';
import {
  countUnderived,
  rederiveRows,
  type DeriveRow,
  type RederiveCounts,
  type RederiveOptions,
} from './users-rederive';
import type { BulkInserter } from './users-bulk-insert';
import { settleWrites } from './users-write-pooled';
import { usersAccess, type BatchRecord, type UsersAccess, type UserWrite } from './users-rows';
import {
  matchingIdsSql,
  searchSql,
  searchSqlInBackground,
  type SearchSpec,
} from './users-search-sql';
import { termTestInBackground, type BackgroundRead } from './users-search-where';
import { markMissingAsGone, markUserGone, purgeGone } from './users-gone';
import {
  upsertBatch,
  upsertOne,
  usersWriter,
  type UpsertBatchOptions,
  type UpsertCounts,
} from './users-write';
import { silentLogger, type Logger } from '../log';
import type { SearchIndex } from '../search/search-index';

/** Everything Rollcall does with cached users. */
export interface UsersRepo {
  /** Writes one user in one transaction. */
  upsert(record: UserWrite, seenAt?: number): 'added' | 'updated' | 'unchanged';
  /**
   * Writes many users in chunks, yielding between chunks. Checks every
   * record's shape before writing any. With a write pool (`deps.bulk`), the
   * last chunk of new users may still be under way when it resolves, counted
   * as added: `settleWrites` waits for it.
   */
  upsertBatch(records: readonly BatchRecord[], options?: UpsertBatchOptions): Promise<UpsertCounts>;
  /**
   * Waits until every chunk `upsertBatch` handed to the write pool is in the
   * cache, and says how its counts differ from what `upsertBatch` reported
   * (zero unless a chunk had to be written again).
   */
  settleWrites(): Promise<UpsertCounts>;
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
   * as gone, in chunks (a server that lost everyone is 100 000 updates),
   * except the IDs in `keep` (members listed but not readable this time).
   */
  markMissingAsGone(
    connectionId: string,
    seenBefore: number,
    at: number,
    keep?: readonly string[],
  ): Promise<number>;
  /** Deletes the users marked gone (their avatar rows go too; sweep the files after). */
  purgeGone(connectionId: string): Promise<number>;
  /** The source digest of each current row of a connection, by user ID (users-known.ts). */
  knownSources(connectionId: string): Map<string, string>;
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
  /**
   * Saves the search index beside the cache now (index-snapshot.ts), as is
   * done on its own a few seconds after a build or the last write. True
   * once saved; false when there is nothing to save (not ready, a
   * read-only cache) or the index changed before the file was complete.
   */
  saveSearchIndex(): Promise<boolean>;
  /**
   * Stops saving the search index on its own (core is closing): the save
   * waiting for a quiet moment is dropped, and no write schedules another.
   * The waiting timer held the whole index for seconds after the cache
   * closed (at 100 000 users, ~170 MB that a core opened next had to mark).
   * With `saveWithinMs`, a save that was due (or under way) is made now, in
   * long slices, and given up when that time runs out: quitting right after
   * a sync must not cost the next start a rebuild (16 s at 300 000 users).
   * True once a save made or finished here has written the file.
   */
  stopSearchIndex(options?: { saveWithinMs?: number }): Promise<boolean>;
  /**
   * Holds what the search index built a string and a Map entry per key of
   * in typed arrays, as a start from the saved index does
   * (users-index-sync.ts `compact`), in slices of `budgetMs` (default 10):
   * the same answers from less heap. Done on its own after the save that
   * follows many rows built. True once done; false when a write came
   * meanwhile or core closed (the index is then as it was).
   */
  compactSearchIndex(options?: { budgetMs?: number }): Promise<boolean>;
  /** Where the search index stands: none given, not built, loading, or serving searches. */
  searchIndexState(): SearchIndexState;
  /**
   * Derives again, with `derive`, every row an older version of the code
   * derived (derivation.ts), in slices that yield, keeping when each was
   * fetched, seen and gone; see users-rederive.ts.
   */
  rederive(derive: DeriveRow, options?: RederiveOptions): Promise<RederiveCounts>;
  /** Rows an older version of the code derived: what `rederive` has left to do. */
  countUnderived(): number;
  /** The groups of a connection's cached users, with members not gone (the group filter's list). */
  groupMembers(connectionId: string): Promise<{ id: string; name: string; members: number }[]>;
  /**
   * Opens the way for another thread's writes (the sync worker's) to reach
   * the search index: their changes are applied in order, and their commits
   * do not count as a foreign write until `end`.
   */
  externalWrites(): ExternalWrites;
}

/** A search from the index when it may answer (and named only users the cache holds), else by SQL. */
function searchUsers(access: UsersAccess, sync: IndexSync, query: SearchQuery): SearchResult {
  return access.reading('search the cache', () => {
    const fast = sync.ready();
    if (fast) {
      const { total, rowIds, facets } = fast.search(query);
      const items = summariesByIds(access, rowIds);
      if (items.length === rowIds.length)
        return facets ? { total, items, facets } : { total, items };
      sync.outOfStep('the index named users the cache does not hold');
    }
    return searchSql(access, query);
  });
}

/** `searchUsers`, with the SQL scans on the background connection when the index cannot answer. */
async function searchUsersAsync(
  access: UsersAccess,
  sync: IndexSync,
  background: BackgroundRead | undefined,
  query: SearchQuery,
): Promise<SearchResult> {
  if (!background || sync.ready()) return searchUsers(access, sync, query);
  try {
    const test = await termTestInBackground(access, query, background);
    return await searchSqlInBackground(access, query, background, test);
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) throw thrown;
    // The background connection is gone (closing): search here instead.
    access.log.warn('background search failed; searching on the main thread', {
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return searchUsers(access, sync, query);
  }
}

/** Every match's summary in order, a chunk at a time, yielding between chunks (exports). */
async function* searchAllUsers(
  access: UsersAccess,
  sync: IndexSync,
  spec: SearchSpec,
  options: { chunkSize?: number },
): AsyncGenerator<UserSummary[]> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1000);
  // The order is fixed once, by row ID, so writes during an export cannot shuffle it.
  const ids = access.reading('export the cache', () => {
    const fast = sync.ready();
    if (fast) return fast.searchAll(spec);
    return matchingIdsSql(access, spec);
  });
  for (let i = 0; i < ids.length; i += chunkSize) {
    if (i > 0) await yieldToEventLoop();
    yield access.reading('export the cache', () =>
      summariesByIds(access, ids.slice(i, i + chunkSize)),
    );
  }
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
    backgroundRead?: BackgroundRead;
    /**
     * Writes chunks of new users off this thread (users-bulk-insert.ts):
     * only for a repository that writes through `upsertBatch` and the other
     * asynchronous calls alone (the sync worker's), which wait for the
     * pool; a synchronous write meanwhile would wait for its lock.
     */
    bulk?: BulkInserter | null;
    /**
     * Hands every committed index change to this instead of an index (the
     * sync worker's repository, whose changes main's index must learn).
     */
    relayIndex?: (changes: readonly IndexChange[]) => void;
    /**
     * Called each time the index starts answering searches (loaded at a
     * start, or built again): answers SQL gave meanwhile may be ranked better now.
     */
    onSearchReady?: () => void;
  },
): UsersRepo {
  const access = usersAccess(cache, deps.log ?? silentLogger);
  const sync = createIndexSync(access, deps.index ?? null, deps.relayIndex, deps.onSearchReady);
  const writer = usersWriter(access, sync, {
    now: deps.now,
    betweenChunks: deps.betweenChunks ?? yieldToEventLoop,
    bulk: deps.bulk ?? null,
  });
  const search = (query: SearchQuery): SearchResult => searchUsers(access, sync, query);

  return {
    upsert: (record, seenAt) => upsertOne(writer, record, seenAt),
    upsertBatch: (records, options = {}) => upsertBatch(writer, records, options),
    settleWrites: () => settleWrites(writer),
    get: (connectionId, userId) => readUser(access, connectionId, userId),
    findIdByEmail: (connectionId, email) => findUserIdByEmail(access, connectionId, email),
    getSummary: (connectionId, userId) => readSummary(access, connectionId, userId),
    listByConnection(connectionId, paging = {}) {
      return search({
        ...DEFAULT_SEARCH_SPEC,
        connectionIds: [connectionId],
        roles: [],
        sort: 'name',
        direction: 'asc',
        offset: paging.offset ?? 0,
        limit: paging.limit ?? 1000,
      });
    },
    count: (connectionId, options = {}) => countUsers(access, connectionId, options),
    countsByConnection: () => countUsersByConnection(access),
    markGone: (connectionId, userId, at) => markUserGone(writer, connectionId, userId, at),
    markMissingAsGone: (connectionId, seenBefore, at, keep) =>
      markMissingAsGone(writer, connectionId, seenBefore, at, keep),
    purgeGone: (connectionId) => purgeGone(writer, connectionId),
    knownSources: (connectionId) => knownSources(access, connectionId),
    search,
    searchAsync: (query) => searchUsersAsync(access, sync, deps.backgroundRead, query),
    buildSearchIndex: (options) => sync.build(options),
    searchIndexState: () => sync.state(),
    saveSearchIndex: () => sync.save(),
    compactSearchIndex: (options) => sync.compact(options),
    stopSearchIndex: (options) => sync.stop(options),
    searchAll: (spec, options = {}) => searchAllUsers(access, sync, spec, options),
    iterateSummaries: (options = {}) => iterateSummaries(access, options),
    groupMembers: (connectionId) => groupMembers(access, connectionId, deps.backgroundRead),
    rederive: (derive, options = {}) => rederiveRows(writer, derive, options),
    countUnderived: () => countUnderived(access),
    externalWrites: () => sync.external(),
  };
}
