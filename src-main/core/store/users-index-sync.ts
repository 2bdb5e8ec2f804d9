/**
 * Keeps a users repository's in-memory search index (search-index.ts) in
 * step with the users table: registers it per open database (so a delete
 * made outside the repository reaches it), applies committed changes in
 * order, loads it from the cache a budgeted slice at a time, and says
 * whether it may answer now (built, and no other connection has written).
 *
 * Node only; never imports `electron`.
 */
import type { IndexedRow, SearchIndex } from '../search/search-index';
import { MAX_DEFERRED_ROWS } from '../search/sort-orders';
import {
  drive,
  loadIndexSnapshot,
  saveIndexSnapshot,
  type SnapshotContext,
} from './index-snapshot';
import type { SqliteDb } from './sqlite-helpers';
import { yieldToEventLoop } from '../event-loop';
import { indexedRowOf } from './stored-users';
import type { Row, UsersAccess } from './users-rows';

/** See `UsersRepo.searchIndexState`. */
export type SearchIndexState = 'off' | 'empty' | 'building' | 'ready';

/** One change the index must learn once its transaction has committed. */
export type IndexChange =
  | { kind: 'upsert'; row: IndexedRow }
  | { kind: 'seen'; rowId: number }
  | { kind: 'gone'; rowIds: number[] }
  | { kind: 'remove'; rowIds: number[] };

/**
 * The search indexes of the repositories over each open database, so a
 * delete made outside a repository (removing a connection) reaches them.
 */
const indexesOf = new WeakMap<SqliteDb, Set<SearchIndex>>();

/** The indexes registered over `db`: a write outside any repository must reach them all. */
export function indexesOver(db: SqliteDb): Iterable<SearchIndex> {
  return indexesOf.get(db) ?? [];
}

/** Quiet time after the last change before the index is saved beside the cache. */
const SAVE_AFTER_MS = 3000;

/**
 * Work per slice of the save that `stop` finishes as core closes: nothing
 * waits on the loop then (the window has gone), so the slices are long.
 */
const CLOSING_SAVE_BUDGET_MS = 100;

/**
 * Rows held as a build holds them (a string and a Map entry per exact key)
 * that make compacting the index worth it: at least this many, and at
 * least `COMPACT_SHARE`-th of the index.
 */
const COMPACT_MIN_ROWS = 10_000;
const COMPACT_SHARE = 10;
/** Work per slice of a compaction (ms), like a build's. */
const COMPACT_SLICE_MS = 10;

/** Whether an index of `size` rows, `builtRows` of them held as a build holds them, is worth compacting. */
export function worthCompacting(builtRows: number, size: number): boolean {
  return builtRows >= COMPACT_MIN_ROWS && builtRows * COMPACT_SHARE >= size;
}

/** Rows read per statement while loading the search index. */
const INDEX_READ_ROWS = 64;

const SQL = {
  indexRows: `SELECT row_id, connection_id, user_id, email, delivery_email, search_text, sort_name, role, role_rank,
    is_bot, deactivated, gone_at IS NOT NULL AS gone, last_active_at, joined_at, filter_json
    FROM users WHERE row_id > ? ORDER BY row_id LIMIT ?`,
  dataVersion: 'PRAGMA data_version',
  rowCount: 'SELECT count(*) AS n FROM users',
};

/**
 * Changes another thread committed to the cache (the sync worker), applied
 * to this index in order; see `IndexSync.external`.
 */
export interface ExternalWrites {
  /** Brings the index up to date with a slice of the other thread's committed changes. */
  apply(changes: readonly IndexChange[]): void;
  /**
   * Merges the changes' sort orders once enough have piled up, one order a
   * call until the merge is done; true when it did some of it.
   */
  settle(): boolean;
  /**
   * The other thread expects to add about `rows` users (a first sync: the
   * server's total less what is cached). When that is many, and at least as
   * many as the index holds, the index takes none of the changes: it stops
   * answering now and is built from the cache once every writer has ended.
   * True when so: until then, any change handed over is thrown away.
   */
  expectNewRows(rows: number): boolean;
  /**
   * The other thread is done and every change it handed over is applied.
   * `complete` false: it stopped mid-way (killed) and may have committed a
   * change it never handed over, so the index is rebuilt from the cache.
   */
  end(complete: boolean): void;
}

/**
 * New rows a writer must expect before the index is built at its end
 * instead (see `ExternalWrites.expectNewRows`). Row by row, the 100 000
 * users of a first sync cost main about three times a build from the cache
 * (which adds text in two bulk passes and sorts once: bulk-postings.ts,
 * rebuild-orders.ts), and its growing heap's collections held the loop.
 * Until then searches read the file (users-search-sql.ts, under 50 ms at
 * 100 000 users), which holds each chunk as soon as it commits. Below this,
 * the index stays in step as the rows come.
 */
export const REBUILD_AFTER_ROWS = 10_000;

/**
 * Changes an external writer lets pile up before merging them into the sort
 * orders: at least this many, and at least an eighth of the index. A merge
 * copies every order whole, so a fixed count made a first sync of 100 000
 * users copy them 200 times (quadratic); a share of the index keeps the
 * copies to a few dozen. A search merges what is pending first, so it sees
 * every applied change either way.
 */
const ORDER_MERGE_ROWS = 500;
const ORDER_MERGE_SHARE = 8;

/** A repository's hold on its index: what writes, reads and the build need of it. */
export interface IndexSync {
  /** The index given at creation, if any. */
  readonly index: SearchIndex | null;
  /** Whether writes collect index changes (an index here, or a relay to one elsewhere). */
  readonly indexed: boolean;
  state(): SearchIndexState;
  /** Brings the index up to date with committed changes, in order. */
  apply(changes: readonly IndexChange[]): void;
  /** The index, if it may answer now: built, and no other connection has written since. */
  ready(): SearchIndex | null;
  /** The index no longer matches the file (another program wrote to it): rebuild it. */
  outOfStep(why: string): void;
  /** See `UsersRepo.buildSearchIndex`. */
  build(options?: { signal?: AbortSignal; budgetMs?: number }): Promise<void>;
  /** See `UsersRepo.saveSearchIndex`. */
  save(): Promise<boolean>;
  /** See `UsersRepo.stopSearchIndex`. */
  stop(options?: { saveWithinMs?: number }): Promise<boolean>;
  /** See `UsersRepo.compactSearchIndex`. */
  compact(options?: { budgetMs?: number }): Promise<boolean>;
  /**
   * Another connection (the sync worker's) is writing and will hand over
   * what it changed: until `end`, its commits are not taken for a foreign
   * write that makes the index stale.
   */
  external(): ExternalWrites;
}

/**
 * Registers `index` over the cache's connection and returns the repository's
 * hold on it. With `relay` (the sync worker's repository, which has no
 * index), committed changes are handed to it instead. `onReady` is called
 * each time a load or build leaves the index answering searches.
 */
export function createIndexSync(
  access: UsersAccess,
  index: SearchIndex | null,
  relay?: (changes: readonly IndexChange[]) => void,
  onReady?: () => void,
): IndexSync {
  const { stmt, reading } = access;
  let indexState: SearchIndexState = index ? 'empty' : 'off';
  let building: Promise<void> | null = null;
  /** `PRAGMA data_version` when the index last matched the file: a change means another connection wrote. */
  let indexDataVersion = -1;
  /** Changes applied to the index so far: a save or load spanning one is abandoned. */
  let changes = 0;
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  /** `stop` was called: no save is scheduled any more. */
  let stopped = false;
  let saving: Promise<boolean> | null = null;
  /** The count of changes the saved file holds; null: the index as it is was never saved nor read. */
  let savedAt: number | null = null;
  /** Aborted when the time `stop` gave a last save has run out: the save gives up at its next pause. */
  const lastCall = new AbortController();
  /** A saved index is being read: writes are counted (so it is discarded), not applied. */
  let loadingSaved = false;
  /** External writers at work (see `external`). */
  let externalWriters = 0;
  /** One expects many new rows: the index takes no changes and is built when the last one ends. */
  let buildAtEnd = false;
  /** One ended while the index was building: the build adopts the file's version when done. */
  let adoptAtBuildEnd = false;
  /** Rows the index holds as a build holds them, not as read from a saved file (see `compact`). */
  let builtRows = 0;
  let compacting: Promise<boolean> | null = null;
  /** Aborted by `stop`: a compaction under way gives up at its next pause. */
  const stopping = new AbortController();
  if (index) {
    let set = indexesOf.get(access.db);
    if (!set) indexesOf.set(access.db, (set = new Set()));
    set.add(index);
  }

  function currentDataVersion(): number {
    return Number((stmt(SQL.dataVersion).get() as Row).data_version);
  }

  function outOfStep(why: string): void {
    if (!index || indexState !== 'ready') return;
    access.log.warn('search index out of step with the cache; rebuilding it', { why });
    changes++;
    indexState = 'empty';
    void build().catch(() => {});
  }

  /** The version a finished build matches: the file's own when an external writer ended meanwhile. */
  function adoptedVersion(version: number): number {
    if (!adoptAtBuildEnd) return version;
    adoptAtBuildEnd = false;
    return currentDataVersion();
  }

  function external(): ExternalWrites {
    externalWriters++;
    let ended = false;
    return {
      apply(batch) {
        if (index && batch.length > 0) {
          changes++;
          if (!loadingSaved && !buildAtEnd) builtRows += applyChanges(index, batch);
        }
      },
      expectNewRows(rows) {
        if (buildAtEnd) return true;
        // A build under way reads the file as the writer fills it: it keeps going.
        if (!index || indexState === 'building') return false;
        // Written so a count that is not a number (a server's odd total) never qualifies.
        if (!(rows >= REBUILD_AFTER_ROWS && rows >= index.size)) return false;
        access.log.info('the search index is built again once the sync ends', { rows });
        buildAtEnd = true;
        changes++;
        indexState = 'empty';
        index.clear();
        builtRows = 0;
        return true;
      },
      settle() {
        if (!index || buildAtEnd) return false;
        if (!index.orderMerging) {
          const wanted = Math.max(ORDER_MERGE_ROWS, Math.floor(index.size / ORDER_MERGE_SHARE));
          if (index.pendingOrder < Math.min(wanted, MAX_DEFERRED_ROWS / 2)) return false;
        }
        // One order a call: all four in one turn held the loop for up to 90 ms at 50 000 users.
        index.flushOrderStep();
        return true;
      },
      end(complete) {
        if (ended) return;
        ended = true;
        externalWriters--;
        if (buildAtEnd) {
          // Complete or not, the build reads what the writers committed.
          if (externalWriters > 0) return;
          buildAtEnd = false;
          adoptAtBuildEnd = false;
          // Closing: the next start builds it (the saved index no longer matches).
          if (!stopped) void build().catch(() => {});
          return;
        }
        if (!complete) {
          adoptAtBuildEnd = false;
          if (indexState === 'ready') outOfStep('the sync worker stopped mid-way');
          else changes++;
          return;
        }
        if (externalWriters > 0 || !index) return;
        if (indexState === 'ready') {
          indexDataVersion = currentDataVersion();
          scheduleSave();
        } else if (indexState === 'building') adoptAtBuildEnd = true;
      },
    };
  }

  async function build(options: { signal?: AbortSignal; budgetMs?: number } = {}): Promise<void> {
    if (!index) return;
    if (building) return building;
    // The writer that asked for it starts it when it ends (`expectNewRows`).
    if (indexState === 'ready' || buildAtEnd) return;
    const budget = options.budgetMs ?? 10;
    const run = async (): Promise<void> => {
      indexState = 'building';
      savedAt = null;
      index.clear();
      // The version before the first read: a write by another connection
      // during the build shows as a change at the first search.
      const version = reading('read the cache', currentDataVersion);
      const aborted = (): boolean => {
        if (!options.signal?.aborted) return false;
        indexState = 'empty';
        index.clear();
        return true;
      };
      const snapshot = snapshotContext(options.signal, budget);
      loadingSaved = true;
      const loaded = await loadIndexSnapshot(snapshot)
        .catch(() => false)
        .finally(() => {
          loadingSaved = false;
        });
      if (loaded) {
        savedAt = changes;
        builtRows = 0;
        indexDataVersion = adoptedVersion(version);
        indexState = 'ready';
        const { typedBytes, stringChars } = index.stats();
        access.log.info('search index ready', {
          rows: index.size,
          from: 'saved index',
          typedBytes,
          stringChars,
        });
        onReady?.();
        return;
      }
      if (aborted()) return;
      index.clear();
      const load = { after: 0 };
      // The sort orders are sorted once, at the end (rebuild-orders.ts):
      // merging them as rows arrive made the load quadratic.
      index.deferOrdersToRebuild();
      // So are the n-grams and word starts, in two passes over every row
      // (bulk-postings.ts): posting by posting, they were most of a build.
      index.deferTextToRebuild();
      const cached = reading('read the cache', () => Number((stmt(SQL.rowCount).get() as Row).n));
      const pause = async (): Promise<boolean> => {
        await yieldToEventLoop();
        return !options.signal?.aborted;
      };
      // Room for every row first, a column per slice: made at once, it held the loop 58 ms at 100 000.
      const reserved = await drive(index.reserve(cached), { pause, budgetMs: budget });
      if (aborted() || !reserved) return;
      for (;;) {
        if (aborted()) return;
        const done = loadSlice(access, index, load, budget);
        if (done) break;
        await yieldToEventLoop();
      }
      // Each phase starts on a turn of its own: the last slice of one and
      // the first of the next together held the loop twice the budget.
      if (!(await pause()) || aborted()) return;
      const indexed = await index.rebuildText(pause, budget);
      if (!indexed || aborted()) return;
      if (!(await pause()) || aborted()) return;
      const sorted = await index.rebuildOrders(pause, budget);
      if (!sorted || aborted()) return;
      indexDataVersion = adoptedVersion(version);
      indexState = 'ready';
      builtRows = index.size;
      const { rows, typedBytes, stringChars } = index.stats();
      access.log.info('search index ready', { rows, typedBytes, stringChars });
      scheduleSave();
      onReady?.();
    };
    building = run().finally(() => {
      building = null;
    });
    return building;
  }

  function snapshotContext(
    signal: AbortSignal | undefined,
    budgetMs: number,
    goOn: () => boolean = () => true,
  ): SnapshotContext {
    return {
      access,
      index: index as SearchIndex,
      budgetMs,
      changes: () => changes,
      pause: async () => {
        await yieldToEventLoop();
        return !signal?.aborted && access.db.isOpen && goOn();
      },
    };
  }

  /**
   * Whether no external writer (the sync worker) is at work. A save or a
   * compaction the index starts on its own gives way to one: each batch it
   * relays changes the index, so the save would be thrown away at its end,
   * and meanwhile it took main's share of two cores from the sync (a save
   * that began as a re-sync started held main's loop 90-220 ms). The last
   * writer's end schedules the save again.
   */
  const noWriters = (): boolean => externalWriters === 0;

  /** Saves the index once nothing changed it for a while (after a build, or a sync's last chunk). */
  function scheduleSave(): void {
    if (!index || access.cache.readOnly || stopped) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saveTimer = null;
      if (!noWriters()) return;
      void save(10, noWriters).then((saved) => {
        if (saved && index && worthCompacting(builtRows, index.size)) void compact();
      });
    }, SAVE_AFTER_MS);
    saveTimer.unref?.();
  }

  async function save(budgetMs = 10, goOn?: () => boolean): Promise<boolean> {
    if (!index || indexState !== 'ready' || !access.db.isOpen) return false;
    if (saving) return saving;
    // Another program wrote since the index last matched the file: saved now,
    // it would carry the file's new fingerprint without that write in it.
    if (externalWriters === 0 && currentDataVersion() !== indexDataVersion) return false;
    const at = changes;
    saving = saveIndexSnapshot(snapshotContext(lastCall.signal, budgetMs, goOn))
      .then((saved) => {
        // A save that ended well spanned no change: the file holds `at`.
        if (saved) savedAt = at;
        return saved;
      })
      .catch(() => false)
      .finally(() => {
        saving = null;
      });
    return saving;
  }

  /**
   * Holds what the index built a string or an object per key of as a load
   * from a saved index holds it (typed arrays), in slices of the loop
   * (search-index.ts `compact`). Run after the save that follows many rows
   * built (a first sync, a start without a usable saved index): at 100 000
   * users a built index kept about twice the heap of a loaded one, which
   * every collection of main's heap marks. Searches go on meanwhile; a
   * write during it, or core closing, leaves the index as it is.
   */
  async function compact(options: { budgetMs?: number } = {}): Promise<boolean> {
    if (!index || indexState !== 'ready' || stopped) return false;
    if (compacting) return compacting;
    const run = drive(index.compact(), {
      budgetMs: options.budgetMs ?? COMPACT_SLICE_MS,
      pause: async () => {
        await yieldToEventLoop();
        return !stopping.signal.aborted && indexState === 'ready' && noWriters();
      },
    });
    compacting = run
      .then((done) => {
        if (!done?.value) return false;
        builtRows = 0;
        const { rows, typedBytes, stringChars } = index.stats();
        access.log.info('search index compacted', { rows, typedBytes, stringChars });
        return true;
      })
      .catch(() => false)
      .finally(() => {
        compacting = null;
      });
    return compacting;
  }

  return {
    index,
    indexed: index !== null || relay !== undefined,
    state: () => indexState,
    external,
    apply(batch) {
      if (relay && batch.length > 0) relay(batch);
      if (!index || batch.length === 0) return;
      changes++;
      // Reading a saved index: this change makes it stale, and the build after reads it from the cache.
      // Waiting to be built at a writer's end: the build reads it from the cache.
      if (loadingSaved || buildAtEnd) return;
      builtRows += applyChanges(index, batch);
      if (indexState === 'ready') scheduleSave();
    },
    save: () => save(),
    compact,
    async stop(options = {}) {
      stopped = true;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = null;
      // A compaction under way ends at its next pause; it changes nothing a save holds.
      stopping.abort();
      const within = options.saveWithinMs ?? 0;
      const due = indexState === 'ready' && (saving !== null || savedAt !== changes);
      if (!due || within <= 0) {
        await compacting;
        return false;
      }
      const bound = setTimeout(() => lastCall.abort(), within);
      try {
        await compacting;
        // A save under way may hold every change already.
        if (saving && (await saving) && savedAt === changes) return true;
        return await save(CLOSING_SAVE_BUDGET_MS);
      } finally {
        clearTimeout(bound);
      }
    },
    ready() {
      if (!index || indexState !== 'ready') return null;
      if (externalWriters === 0 && currentDataVersion() !== indexDataVersion) {
        outOfStep('another connection wrote to the cache');
        return null;
      }
      return index;
    },
    outOfStep,
    build,
  };
}

/**
 * Applies changes in order: upserts and "seen again" batch up, "gone" and
 * "remove" flush them first. Returns the rows upserted.
 */
function applyChanges(index: SearchIndex, changes: readonly IndexChange[]): number {
  let upserted = 0;
  let rows: IndexedRow[] = [];
  let seen: number[] = [];
  const flush = (): void => {
    // The sort orders merge many chunks at once (or at the next search).
    if (rows.length > 0) index.upsert(rows, { deferOrder: true });
    upserted += rows.length;
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
  return upserted;
}

/**
 * Reads users rows into `index` for up to `budget` ms, from the row after
 * `load.after`. Returns true once every row is loaded.
 */
function loadSlice(
  access: UsersAccess,
  index: SearchIndex,
  load: { after: number },
  budget: number,
): boolean {
  const started = performance.now();
  while (performance.now() - started < budget) {
    const rows = access.reading(
      'read the cache',
      () => access.stmt(SQL.indexRows).all(load.after, INDEX_READ_ROWS) as Row[],
    );
    if (rows.length > 0) {
      load.after = Number(rows[rows.length - 1]?.row_id);
      index.upsert(rows.map(indexedRowOf), { deferOrder: true });
    }
    if (rows.length < INDEX_READ_ROWS) return true;
  }
  return false;
}
