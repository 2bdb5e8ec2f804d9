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
import { yieldToEventLoop, type SqliteDb } from './sqlite-helpers';
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

/** Rows read per statement while loading the search index. */
const INDEX_READ_ROWS = 64;
/** Rows loaded into the index between two merges of its sort orders. */
const INDEX_MERGE_ROWS = 1000;

const SQL = {
  indexRows: `SELECT row_id, connection_id, user_id, email, delivery_email, search_text, sort_name, role, role_rank,
    is_bot, deactivated, gone_at IS NOT NULL AS gone, last_active_at, joined_at
    FROM users WHERE row_id > ? ORDER BY row_id LIMIT ?`,
  dataVersion: 'PRAGMA data_version',
};

/** A repository's hold on its index: what writes, reads and the build need of it. */
export interface IndexSync {
  /** The index given at creation, if any. */
  readonly index: SearchIndex | null;
  state(): SearchIndexState;
  /** Brings the index up to date with committed changes, in order. */
  apply(changes: readonly IndexChange[]): void;
  /** The index, if it may answer now: built, and no other connection has written since. */
  ready(): SearchIndex | null;
  /** The index no longer matches the file (another program wrote to it): rebuild it. */
  outOfStep(why: string): void;
  /** See `UsersRepo.buildSearchIndex`. */
  build(options?: { signal?: AbortSignal; budgetMs?: number }): Promise<void>;
}

/** Registers `index` over the cache's connection and returns the repository's hold on it. */
export function createIndexSync(access: UsersAccess, index: SearchIndex | null): IndexSync {
  const { stmt, reading } = access;
  let indexState: SearchIndexState = index ? 'empty' : 'off';
  let building: Promise<void> | null = null;
  /** `PRAGMA data_version` when the index last matched the file: a change means another connection wrote. */
  let indexDataVersion = -1;
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
    indexState = 'empty';
    void build().catch(() => {});
  }

  async function build(options: { signal?: AbortSignal; budgetMs?: number } = {}): Promise<void> {
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
      const load = { after: 0, sinceFlush: 0 };
      for (;;) {
        if (options.signal?.aborted) {
          indexState = 'empty';
          index.clear();
          return;
        }
        const done = loadSlice(access, index, load, budget);
        if (done || load.sinceFlush >= INDEX_MERGE_ROWS) {
          await yieldToEventLoop();
          index.flushOrder();
          load.sinceFlush = 0;
        }
        if (done) break;
        await yieldToEventLoop();
      }
      indexDataVersion = version;
      indexState = 'ready';
      const stats = index.stats();
      access.log.info('search index ready', { rows: stats.rows });
    };
    building = run().finally(() => {
      building = null;
    });
    return building;
  }

  return {
    index,
    state: () => indexState,
    apply(changes) {
      if (!index || changes.length === 0) return;
      applyChanges(index, changes);
    },
    ready() {
      if (!index || indexState !== 'ready') return null;
      if (currentDataVersion() !== indexDataVersion) {
        outOfStep('another connection wrote to the cache');
        return null;
      }
      return index;
    },
    outOfStep,
    build,
  };
}

/** Applies changes in order: upserts and "seen again" batch up, "gone" and "remove" flush them first. */
function applyChanges(index: SearchIndex, changes: readonly IndexChange[]): void {
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

/**
 * Reads users rows into `index` for up to `budget` ms, from the row after
 * `load.after`, stopping early once enough rows wait for a merge of the sort
 * orders. Returns true once every row is loaded.
 */
function loadSlice(
  access: UsersAccess,
  index: SearchIndex,
  load: { after: number; sinceFlush: number },
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
      load.sinceFlush += rows.length;
    }
    if (rows.length < INDEX_READ_ROWS) return true;
    // Merging into the sort orders costs a copy of each: once per few thousand rows.
    if (load.sinceFlush >= INDEX_MERGE_ROWS) break;
  }
  return false;
}
