/**
 * Everything a search index holds, as one value: what a snapshot of it
 * (index-snapshot-format.ts) writes and reads back, so a start over an
 * unchanged cache answers at once instead of building for seconds. The
 * parts are taken by reference (no copy); a reader must check a state
 * completely before `importIndexState` trusts it.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { CommonPieces, PiecesState } from './common-pieces';
import type { FilterKeys } from './filter-keys';
import type { NgramPostings, NgramState } from './ngram-postings';
import type { Posting, PostingPool } from './postings';
import * as slotBits from './slot-bits';
import { codePointSortKey } from './sort-key';
import { sizeTextColumns, type SlotColumns } from './slot-columns';
import type { SortOrders } from './sort-orders';
import type { WordStarts, WordStartsState } from './word-starts';

const { hasBit } = slotBits;

/** The per-slot columns and filters of an index (slot-columns.ts), as a snapshot carries them. */
interface ColumnsState {
  capacity: number;
  nextSlot: number;
  freeSlots: Int32Array;
  rowIdOf: Float64Array;
  /** One per slot below `nextSlot` ("" for a free slot). */
  hay: string[];
  nameKey: string[];
  userKey: string[];
  /** Groups and profile field values by slot (filter-keys.ts). */
  filterKeys: FilterKeys[];
  connOf: Int32Array;
  roleOf: Uint8Array;
  rankOf: Uint8Array;
  lastActiveOf: Float64Array;
  joinedOf: Float64Array;
  namePos: Int32Array;
  live: Uint32Array;
  bot: Uint32Array;
  deactivated: Uint32Array;
  gone: Uint32Array;
  byConn: Uint32Array[];
  byRole: Uint32Array[];
  connIds: string[];
}

/** A whole index. */
export interface IndexState {
  columns: ColumnsState;
  ngrams: NgramState;
  pieces: PiecesState;
  orders: { orders: Int32Array[]; length: number };
  /** The relevance tables (word-starts.ts). */
  starts: WordStartsState;
}

/** The parts of one index (search-index.ts). */
interface IndexParts {
  cols: SlotColumns;
  ngrams: NgramPostings;
  pieces: CommonPieces;
  pool: PostingPool;
  orders: SortOrders;
  starts: WordStarts;
}

/**
 * The state of an index, its orders merged first, by reference, a slice per
 * step: whole only if nothing wrote to the index before it is encoded (the
 * saver checks, and gives up otherwise).
 */
export function* exportIndexState(parts: IndexParts): Generator<void, IndexState> {
  const { cols } = parts;
  // One order a step: all four at once held the loop tens of milliseconds.
  while (!parts.orders.flushStep()) yield;
  const orders = parts.orders.current();
  const starts = yield* parts.starts.state(cols.nextSlot);
  // One text column a step: the four copies at once held the loop ~45 ms at 300 000 users.
  const hay = cols.hay.slice(0, cols.nextSlot);
  yield;
  const nameKey = cols.nameKey.slice(0, cols.nextSlot);
  yield;
  const userKey = cols.userKey.slice(0, cols.nextSlot);
  yield;
  const filterKeys = cols.filterKeys.slice(0, cols.nextSlot);
  yield;
  return {
    columns: {
      capacity: cols.capacity,
      nextSlot: cols.nextSlot,
      freeSlots: Int32Array.from(cols.freeSlots),
      rowIdOf: cols.rowIdOf,
      hay,
      nameKey,
      userKey,
      filterKeys,
      connOf: cols.connOf,
      roleOf: cols.roleOf,
      rankOf: cols.rankOf,
      lastActiveOf: cols.lastActiveOf,
      joinedOf: cols.joinedOf,
      namePos: cols.namePos,
      live: cols.live,
      bot: cols.bot,
      deactivated: cols.deactivated,
      gone: cols.gone,
      byConn: [...cols.byConn],
      byRole: [...cols.byRole],
      connIds: [...cols.connIds],
    },
    ngrams: parts.ngrams.state(),
    pieces: parts.pieces.state(),
    orders,
    starts,
  };
}

/** Slots filled in between two yields of `importIndexState` (16 384 held the loop 35 ms at 100 000 users). */
const SLOTS_PER_STEP = 4096;

/**
 * Replaces what an index holds with a checked state (index-snapshot-format.ts
 * checks it), yielding between slices of slots. Until it is done the index
 * is neither whole nor to be searched or written.
 */
export function* importIndexState(parts: IndexParts, state: IndexState): Generator<void> {
  const { cols } = parts;
  const c = state.columns;
  cols.capacity = c.capacity;
  cols.words = Math.ceil(c.capacity / 32);
  cols.nextSlot = c.nextSlot;
  cols.freeSlots.length = 0;
  for (const s of c.freeSlots) cols.freeSlots.push(s);
  cols.rowIdOf = c.rowIdOf;
  // Sized at once, then filled by slot (pushed, they copied themselves as they grew).
  yield* sizeTextColumns(cols, 0);
  yield* sizeTextColumns(cols, c.capacity);
  cols.slotOf.clear();
  let size = 0;
  for (let s = 0; s < c.nextSlot; s++) {
    cols.hay[s] = c.hay[s] as string;
    cols.nameKey[s] = c.nameKey[s] as string;
    cols.userKey[s] = c.userKey[s] as string;
    cols.filterKeys[s] = c.filterKeys[s] as FilterKeys;
    if (hasBit(c.live, s)) {
      cols.slotOf.set(c.rowIdOf[s] as number, s);
      size++;
    }
    if (s % SLOTS_PER_STEP === SLOTS_PER_STEP - 1) yield;
  }
  cols.size = size;
  cols.writes++;
  cols.connOf = c.connOf;
  cols.roleOf = c.roleOf;
  cols.rankOf = c.rankOf;
  cols.lastActiveOf = c.lastActiveOf;
  cols.joinedOf = c.joinedOf;
  cols.namePos = c.namePos;
  cols.live = c.live;
  cols.bot = c.bot;
  cols.deactivated = c.deactivated;
  cols.gone = c.gone;
  cols.byRole.splice(0, cols.byRole.length, ...c.byRole);
  cols.byConn.length = 0;
  cols.connIds.length = 0;
  cols.connKeys.length = 0;
  cols.connIndex.clear();
  c.connIds.forEach((id, i) => {
    cols.connIds.push(id);
    cols.connKeys.push(codePointSortKey(id));
    cols.connIndex.set(id, i);
    cols.byConn.push(c.byConn[i] as Uint32Array);
  });
  parts.ngrams.restore(state.ngrams);
  parts.pieces.restore(state.pieces);
  yield;
  yield* parts.starts.restore(state.starts);
  yield;
  const all: Posting[] = [...state.pieces.postings];
  const tables = [...state.ngrams.tables, ...state.starts.names, ...state.starts.anywhere];
  for (const table of tables) {
    for (const p of table.bitsets()) all.push(p);
    yield;
  }
  parts.pool.adopt(all);
  parts.orders.forgetPending();
  parts.orders.adopt(state.orders.orders, state.orders.length);
}
