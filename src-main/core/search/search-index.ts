/**
 * The in-memory search index that serves `users:search` at 100 000 users in
 * a few milliseconds, with exactly the rules of search-text.ts (the tests
 * hold it to `searchRows` and to the SQL search). This file holds its API,
 * builds its parts once and applies changes through them.
 *
 * How it answers, part by part:
 * - slot-columns.ts: every row has a slot; every search column is an array
 *   by slot, and every filter (connection, role, bot, deactivated, gone) a
 *   bitset with one bit per slot (filter-bits.ts ANDs and ORs whole words).
 * - ngram-postings.ts (over postings.ts): every unit, pair and triple of
 *   adjacent UTF-16 units of the folded haystacks has a posting: a sorted
 *   slot list while it is rare, a bitset once it is common. A term of one or
 *   two units IS its posting, so short terms and their counts are exact with
 *   no string scan at all; a longer term intersects the postings of its
 *   triples and checks only the survivors with `includes` (the n-grams only
 *   prove absence). common-pieces.ts spares that check for rows whose common
 *   pieces (a field, a domain, a word) hold the term.
 * - sort-orders.ts: four orders are kept sorted as rows change: by name (sort
 *   name, connection, user ID), and by role, last active and joined, each
 *   tied by the name order. A page is read by walking one order and taking
 *   the slots whose bit is set, so 100 matches out of 60 000 never need a
 *   sort (query-execution.ts).
 * - word-starts.ts: for the relevance order (relevance.ts), the exact keys
 *   of tiers 1-3 (user ID, emails, whole name) with their slots, and the
 *   slots of every 1-3 unit word start of names and haystacks, so a page
 *   by relevance ranks only what it shows (query-execution.ts).
 * - Changes (a sync's chunk, a lookup, a gone mark) are applied in batches:
 *   the orders merge a sorted batch in with binary searches, costing one
 *   copy of the order plus k log n comparisons.
 *
 * It holds search columns and row IDs only; the page's summaries come from
 * the cache by row ID, so a card always shows what SQLite holds.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { SearchFacets, SearchQuery } from '@shared/model';
import { cutToLength, TEXT_CAPS } from '@shared/text-caps';
import { createCommonPieces } from './common-pieces';
import { NO_FILTER_KEYS } from './filter-keys';
import { exportIndexState, importIndexState, type IndexState } from './index-state';
import { createNgramPostings } from './ngram-postings';
import { createPostingPool, type Posting } from './postings';
import { createQueryExecution, type IndexSpec } from './query-execution';
import { rebuildOrders, type Pause } from './rebuild-orders';
import { exactKeysOf, rankNameOf } from './relevance';
import { capSearchText, type SearchRow } from './search-text';
import * as slotBits from './slot-bits';
import * as slotColumns from './slot-columns';
import * as sortKey from './sort-key';
import { createSortOrders, MAX_DEFERRED_ROWS } from './sort-orders';
import { createWordStarts } from './word-starts';

// Bound once (see slot-bits.ts): `upsert` calls these per row.
const { clearBit, setBit } = slotBits;
const {
  clearColumns,
  clearSlotFlags,
  columnBytes,
  connectionIndexOf,
  createSlotColumns,
  growColumns,
  growColumnsSteps,
  ROLE_INDEX,
  shareFilterStrings,
} = slotColumns;
const { codePointSortKey } = sortKey;

export { codePointSortKey };
/**
 * Slots a step of `rebuildText` reads between two looks at the clock: at
 * 100 000 users a step of 256 wrote its postings' slots scattered over
 * tens of megabytes and held the loop 30-45 ms.
 */
const TEXT_SLOTS_PER_STEP = 64;
/** Slots whose texts `rebuildText` copies per step. */
const COPY_SLOTS_PER_STEP = 4096;

/** One cached user as the index keeps it: the search columns and the cache's row ID. */
export interface IndexedRow extends SearchRow {
  rowId: number;
}

/** Rough sizes of what the index holds, for measurements and logs. */
interface SearchIndexStats {
  rows: number;
  slots: number;
  unigrams: number;
  bigrams: number;
  trigrams: number;
  densePostings: number;
  /** Common pieces tracked with their rows. */
  pieces: number;
  /** Bytes of typed arrays (bitsets, postings, orders, columns). */
  typedBytes: number;
  /** Characters held in haystack and sort-key strings. */
  stringChars: number;
}

/** The index: changes in, row IDs out. */
export interface SearchIndex {
  /**
   * Adds rows, or replaces the ones whose row ID it holds. With `deferOrder`
   * the sort orders are merged later (at `flushOrder` or the next search), so
   * a bulk load pays for one merge per many batches.
   */
  upsert(rows: readonly IndexedRow[], options?: { deferOrder?: boolean }): void;
  /**
   * A bulk load starts: until `rebuildOrders`, the sort orders are not kept
   * at all (no merge, whatever piles up), and the index must not be searched.
   */
  deferOrdersToRebuild(): void;
  /**
   * Sorts every order from scratch in slices of `budgetMs`, pausing between
   * them (rebuild-orders.ts), and keeps the orders from then on. False when
   * `pause` said to stop (the orders stay deferred).
   */
  rebuildOrders(pause: Pause, budgetMs: number): Promise<boolean>;
  /**
   * With an empty index, before a bulk load: until `rebuildText`, rows are
   * held without their n-grams and word starts, which are then built for
   * all of them at once (bulk-postings.ts), and the index must not be
   * searched. Ignored when the index holds rows.
   */
  deferTextToRebuild(): void;
  /**
   * Makes room for `rows` slots, a column per step of the generator, before
   * a bulk load: growing as rows arrive copies every column and sort order
   * at each doubling, and the one at 262 144 rows held the loop 43-69 ms in
   * a single slice. Nothing may write the index until it is done.
   */
  reserve(rows: number): Generator<void>;
  /**
   * Builds the n-grams and word starts of every row in slices of
   * `budgetMs`, pausing between them; rows written meanwhile are caught up
   * at the end. False when `pause` said to stop (the text stays deferred).
   */
  rebuildText(pause: Pause, budgetMs: number): Promise<boolean>;
  /** Merges deferred changes into the sort orders now. */
  flushOrder(): void;
  /**
   * Merges deferred changes into one sort order a call (sort-orders.ts
   * `flushStep`), for a writer that yields between calls. True once the
   * orders are up to date (or are deferred to a rebuild).
   */
  flushOrderStep(): boolean;
  /** A merge begun by `flushOrderStep` is under way (a search or `flushOrder` ends it at once). */
  readonly orderMerging: boolean;
  /** Changes waiting for `flushOrder` (a flush costs a copy of each order plus log n compares per change). */
  readonly pendingOrder: number;
  /** Sets or clears "gone" on rows it holds; unknown row IDs are ignored. */
  setGone(rowIds: readonly number[], gone: boolean): void;
  /** Drops rows; unknown row IDs are ignored. */
  remove(rowIds: readonly number[]): void;
  /** Forgets everything. */
  clear(): void;
  /** How many rows it holds. */
  readonly size: number;
  has(rowId: number): boolean;
  /**
   * Rules 3-6 of search-text.ts: the total and the row IDs of the page, in
   * order, and its facets (counts per role, account and status choice,
   * facets.ts) when the query asks for them.
   */
  search(query: SearchQuery): { total: number; rowIds: number[]; facets?: SearchFacets };
  /** Every match in order (exports). */
  searchAll(spec: IndexSpec): number[];
  stats(): SearchIndexStats;
  /**
   * Everything it holds, by reference, its orders merged first, a slice per
   * step of the generator: a snapshot (index-snapshot.ts) encodes it, and
   * gives up if the index changed meanwhile.
   */
  exportState(): Generator<void, IndexState>;
  /**
   * Replaces everything it holds with a snapshot's state, checked whole by
   * its reader, a slice per step of the generator: nothing may search or
   * write the index until it is done.
   */
  importState(state: IndexState): Generator<void>;
  /**
   * Holds what a build made a string or an entry per key of as a load from
   * a saved index holds it: the exact keys in typed arrays, each filter
   * key's text once. The same answers, a slice per step: at 100 000 users
   * a built index kept twice the heap of a loaded one, and every
   * collection of main's heap marks it. False, the exact keys left as
   * they were, when a write came meanwhile.
   */
  compact(): Generator<void, boolean>;
}

/** Builds an empty index. */
export function createSearchIndex(): SearchIndex {
  const cols = createSlotColumns();
  const pool = createPostingPool();
  const ngrams = createNgramPostings(cols, pool);
  const pieces = createCommonPieces(cols, pool);
  const orders = createSortOrders(cols);
  const starts = createWordStarts(cols, pool);
  const { search, searchAll } = createQueryExecution(cols, ngrams, pieces, orders, starts);
  const { slotOf, hay, nameKey, userKey } = cols;
  const { indexText } = ngrams;
  const { indexPieces } = pieces;
  /** A bulk load is under way: the orders wait for `rebuildOrders`. */
  let ordersDeferred = false;
  /** A bulk load is under way: n-grams and word starts wait for `rebuildText`. */
  let textDeferred = false;
  /** Slots written while `rebuildText` reads a frozen copy of the texts. */
  let writtenInRebuild: Set<number> | null = null;

  function upsert(rows: readonly IndexedRow[], options: { deferOrder?: boolean } = {}): void {
    if (rows.length === 0) return;
    cols.writes++;
    // The last write of a row ID in a batch wins.
    const latest = new Map<number, IndexedRow>();
    for (const r of rows) latest.set(r.rowId, r);
    for (const r of latest.values()) {
      let slot = slotOf.get(r.rowId);
      const role = ROLE_INDEX.get(r.role) ?? 0;
      const conn = connectionIndexOf(cols, r.connectionId);
      const last = r.lastActiveAt === null ? NaN : r.lastActiveAt;
      const joined = r.joinedAt === null ? NaN : r.joinedAt;
      // Held to the caps of rule 2 and 5 whatever wrote them (a row cached
      // before the caps is read at start before it is derived again): no
      // row costs more n-gram work than TEXT_CAPS.searchText units.
      const searchText = capSearchText(r.searchText);
      const sortName = cutToLength(r.sortName, TEXT_CAPS.sortName);
      const key = codePointSortKey(sortName);
      const rankName = rankNameOf(sortName);
      const rankKeys = exactKeysOf({ ...r, sortName, searchText });
      const uKey = codePointSortKey(r.userId);
      if (slot === undefined) {
        slot = cols.freeSlots.pop() ?? cols.nextSlot++;
        if (slot >= cols.capacity && growColumns(cols, slot + 1)) orders.grow(cols.capacity);
        slotOf.set(r.rowId, slot);
        cols.rowIdOf[slot] = r.rowId;
        cols.size++;
        orders.enter(slot);
        if (!textDeferred) indexText(slot, searchText, true);
        indexPieces(slot, searchText, true);
        starts.indexRow(slot, rankName, searchText, rankKeys, true, !textDeferred);
      } else {
        const moved =
          nameKey[slot] !== key ||
          userKey[slot] !== uKey ||
          cols.connOf[slot] !== conn ||
          cols.rankOf[slot] !== r.roleRank ||
          !Object.is(cols.lastActiveOf[slot], last) ||
          !Object.is(cols.joinedOf[slot], joined);
        if (moved) orders.move(slot);
        const oldKeys = starts.keysOf(slot);
        if (
          hay[slot] !== searchText ||
          starts.rankName(slot) !== rankName ||
          oldKeys.length !== rankKeys.length ||
          oldKeys.some((k, i) => k !== rankKeys[i])
        ) {
          const old = starts.rankName(slot);
          starts.indexRow(slot, old, hay[slot] as string, oldKeys, false, !textDeferred);
          starts.indexRow(slot, rankName, searchText, rankKeys, true, !textDeferred);
        }
        if (hay[slot] !== searchText) {
          if (!textDeferred) indexText(slot, hay[slot] as string, false);
          indexPieces(slot, hay[slot] as string, false);
          if (!textDeferred) indexText(slot, searchText, true);
          indexPieces(slot, searchText, true);
        }
        clearSlotFlags(cols, slot);
      }
      writtenInRebuild?.add(slot);
      hay[slot] = searchText;
      nameKey[slot] = key;
      userKey[slot] = uKey;
      cols.filterKeys[slot] = r.filterKeys;
      cols.connOf[slot] = conn;
      cols.roleOf[slot] = role;
      cols.rankOf[slot] = r.roleRank;
      cols.lastActiveOf[slot] = last;
      cols.joinedOf[slot] = joined;
      setBit(cols.live, slot);
      if (r.isBot) setBit(cols.bot, slot);
      if (r.deactivated) setBit(cols.deactivated, slot);
      if (r.gone) setBit(cols.gone, slot);
      setBit(cols.byConn[conn] as Uint32Array, slot);
      setBit(cols.byRole[role] as Uint32Array, slot);
    }
    if (cols.nextSlot > cols.capacity * 0.9) pool.growAhead(cols.capacity, rows.length);
    if (ordersDeferred) return;
    if (!options.deferOrder || orders.pending >= MAX_DEFERRED_ROWS) orders.flush();
  }

  function remove(rowIds: readonly number[]): void {
    cols.writes++;
    let any = false;
    for (const id of rowIds) {
      const slot = slotOf.get(id);
      if (slot === undefined) continue;
      const text = hay[slot] as string;
      if (!textDeferred) indexText(slot, text, false);
      indexPieces(slot, text, false);
      starts.indexRow(slot, starts.rankName(slot), text, starts.keysOf(slot), false, !textDeferred);
      writtenInRebuild?.add(slot);
      clearSlotFlags(cols, slot);
      hay[slot] = '';
      nameKey[slot] = '';
      userKey[slot] = '';
      cols.filterKeys[slot] = NO_FILTER_KEYS;
      slotOf.delete(id);
      orders.leave(slot);
      cols.size--;
      any = true;
    }
    if (any && !ordersDeferred) orders.flush();
  }

  function setGone(rowIds: readonly number[], value: boolean): void {
    for (const id of rowIds) {
      const slot = slotOf.get(id);
      if (slot === undefined) continue;
      if (value) setBit(cols.gone, slot);
      else clearBit(cols.gone, slot);
    }
  }

  /** Drops everything at once (not row by row: a rebuild of 100 000 rows starts here). */
  function clear(): void {
    clearColumns(cols);
    pieces.clear();
    ngrams.clear();
    starts.clear();
    pool.clear();
    orders.clear();
    ordersDeferred = false;
    textDeferred = false;
    writtenInRebuild = null;
  }

  async function rebuildText(pause: Pause, budgetMs: number): Promise<boolean> {
    if (!textDeferred) return true;
    // Frozen: the passes must read the same texts twice, whatever is written between slices.
    const n = cols.nextSlot;
    const hays: string[] = [];
    const names: string[] = [];
    // Writes are noted from before the first slot is copied: a slot written
    // after its copy is moved from the copied text to its own below; one
    // written before its copy is copied with its new text.
    const written = new Set<number>();
    writtenInRebuild = written;
    // Copied in steps: at once, the copy held the loop 42 ms at 300 000 users.
    function* copyTexts(): Generator<void, Posting[]> {
      for (let slot = 0; slot < n; slot++) {
        hays.push(hay[slot] ?? '');
        names.push(starts.rankName(slot));
        if (slot % COPY_SLOTS_PER_STEP === COPY_SLOTS_PER_STEP - 1) yield;
      }
      return [];
    }
    const dense: Posting[] = [];
    let started = performance.now();
    for (const step of [
      copyTexts(),
      ngrams.rebuild(hays, TEXT_SLOTS_PER_STEP),
      starts.rebuildStarts(names, hays, TEXT_SLOTS_PER_STEP),
    ]) {
      for (let r = step.next(); ; r = step.next()) {
        if (r.done) {
          dense.push(...r.value);
          break;
        }
        if (performance.now() - started < budgetMs) continue;
        const go = await pause();
        // A `clear` while paused ends this rebuild.
        if (!go || writtenInRebuild !== written) {
          if (writtenInRebuild === written) writtenInRebuild = null;
          return false;
        }
        started = performance.now();
      }
    }
    writtenInRebuild = null;
    textDeferred = false;
    pool.track(dense);
    // Rows written while the passes ran: from the text they read to the one held now.
    for (const slot of written) {
      const before = { rankName: names[slot] ?? '', hay: hays[slot] ?? '' };
      const now = { rankName: starts.rankName(slot), hay: hay[slot] ?? '' };
      if (before.hay !== now.hay) {
        indexText(slot, before.hay, false);
        indexText(slot, now.hay, true);
      }
      if (before.hay !== now.hay || before.rankName !== now.rankName) {
        starts.moveStarts(slot, before, now);
      }
    }
    return true;
  }

  function stats(): SearchIndexStats {
    const typed =
      columnBytes(cols) +
      orders.typedBytes() +
      ngrams.typedBytes() +
      pieces.typedBytes() +
      starts.typedBytes();
    // By slot (a free slot holds "" in both): the row ID table has no walk.
    let chars = 0;
    for (let s = 0; s < cols.nextSlot; s++) {
      chars += (hay[s] as string).length;
      if (nameKey[s] !== undefined) chars += (nameKey[s] as string).length;
    }
    return {
      rows: cols.size,
      slots: cols.nextSlot,
      unigrams: ngrams.unigrams,
      bigrams: ngrams.bigrams,
      trigrams: ngrams.trigrams,
      densePostings: pool.densePostings,
      pieces: pieces.count,
      typedBytes: typed,
      stringChars: chars,
    };
  }

  return {
    upsert,
    flushOrder: () => {
      if (!ordersDeferred) orders.flush();
    },
    flushOrderStep: () => ordersDeferred || orders.flushStep(),
    get orderMerging() {
      return orders.merging;
    },
    deferOrdersToRebuild: () => {
      ordersDeferred = true;
    },
    deferTextToRebuild: () => {
      if (cols.size === 0 && cols.nextSlot === 0) textDeferred = true;
    },
    *reserve(rows) {
      if (!(yield* growColumnsSteps(cols, rows))) return;
      yield;
      orders.grow(cols.capacity);
    },
    rebuildText,
    async rebuildOrders(pause, budgetMs) {
      const done = await rebuildOrders(cols, orders, pause, budgetMs);
      if (done) ordersDeferred = false;
      return done;
    },
    get pendingOrder() {
      return orders.pending;
    },
    setGone,
    remove,
    clear,
    get size() {
      return cols.size;
    },
    has: (rowId) => slotOf.has(rowId),
    search,
    searchAll,
    stats,
    exportState: () => exportIndexState({ cols, ngrams, pieces, pool, orders, starts }),
    *compact() {
      // Sharing strings changes no value: a write meanwhile costs it nothing.
      yield* shareFilterStrings(cols);
      const writes = cols.writes;
      return yield* starts.compactKeys(cols.nextSlot, () => cols.writes !== writes);
    },
    *importState(state) {
      clear();
      yield* importIndexState({ cols, ngrams, pieces, pool, orders, starts }, state);
    },
  };
}
