/**
 * What a search index snapshot's body holds: an index's state
 * (index-state.ts) as a run of typed arrays in snapshot-body.ts's layout,
 * so reading it back is mostly views over the file's buffer rather than a
 * build (100 000 users: seconds of n-grams
 * against a fraction of one). The header, checksum and file are
 * store/index-snapshot.ts's.
 *
 * Reading parses, never casts: every length, bound and count is checked
 * against the others before anything is trusted, so a damaged or foreign
 * body is an `IndexSnapshotError`, never an index that throws or lies
 * about its shape later. Both directions are generators that yield between
 * pieces of work, so their driver can keep each turn of the loop short.
 *
 * Node only; never imports `electron` (no I/O).
 */
import { ROLES } from '@shared/model';
import { PIECE_COUNTERS } from './common-pieces';
import { checkTable, tableSize } from './exact-keys';
import { isFilterKeys, NO_FILTER_KEYS, type FilterKeys } from './filter-keys';
import type { IndexState } from './index-state';
import { ShardedStringMap } from './sharded-string-map';
import { postingAt, PostingTable, type PackedPostings } from './posting-table';
import type { Posting } from './postings';
import * as slotBits from './slot-bits';
import { BodyReader, BodyWriter, bitsWithin, fail, ITEMS_PER_STEP } from './snapshot-body';
import { ORDER_COUNT } from './sort-orders';

const { hasBit } = slotBits;

/**
 * Slots whose filter keys are tabled, or sets checked, between two yields
 * (when they were JSON, 4 096 held the loop 30-45 ms on a save at 100 000 users).
 */
const KEYS_PER_STEP = 1024;
/** Postings made objects between two yields (each two typed-array views: 60 000 at once held the loop 68 ms). */
const POSTINGS_PER_STEP = 2048;
/** Larger than any index this code makes (2^26 slots); refuses absurd lengths early. */
const MAX_CAPACITY = 1 << 26;

/** Every slot's filter keys as distinct strings (see `encodeIndexState`). */
interface FilterKeysTable {
  strings: string[];
  /** Per slot: its string, or -1 for none (`NO_FILTER_KEYS`). */
  slotSet: Int32Array;
}

/**
 * The filter keys of every slot as a table: each distinct set once, and a
 * set per slot, so a read makes one string per distinct set and slots of
 * equal sets share it. A step of slots at a time.
 */
function* filterKeysTable(all: readonly FilterKeys[]): Generator<void, FilterKeysTable> {
  const ids = new ShardedStringMap<number>();
  const strings: string[] = [];
  const slotSet = new Int32Array(all.length);
  for (let s = 0; s < all.length; s++) {
    const keys = all[s] as FilterKeys;
    if (keys === NO_FILTER_KEYS) {
      slotSet[s] = -1;
    } else {
      let id = ids.get(keys);
      if (id === undefined) {
        id = strings.push(keys) - 1;
        ids.set(keys, id);
      }
      slotSet[s] = id;
    }
    if (s % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
  }
  return { strings, slotSet };
}

/**
 * Encodes `state` (taken by `SearchIndex.exportState`) into the body's
 * parts, yielding between pieces; returns the parts, views over the
 * index's own arrays where it can: write them before the index changes.
 */
export function* encodeIndexState(state: IndexState): Generator<void, Uint8Array[]> {
  const w = new BodyWriter();
  const c = state.columns;
  w.numbers(c.capacity, c.nextSlot, c.byConn.length, c.byRole.length);
  w.typed(c.freeSlots);
  w.typed(c.rowIdOf);
  yield* w.strings(c.hay);
  yield* w.strings(c.nameKey);
  yield* w.strings(c.userKey);
  const keys = yield* filterKeysTable(c.filterKeys);
  yield* w.strings(keys.strings);
  w.typed(keys.slotSet);
  yield* w.strings(c.connIds);
  for (const a of [c.connOf, c.roleOf, c.rankOf, c.lastActiveOf, c.joinedOf, c.namePos]) {
    w.typed(a);
  }
  for (const a of [c.live, c.bot, c.deactivated, c.gone, ...c.byConn, ...c.byRole]) w.typed(a);
  yield;
  w.numbers(state.ngrams.unitCount);
  w.typed(state.ngrams.unitIds);
  for (const table of state.ngrams.tables) yield* w.table(table);
  w.typed(state.pieces.counts);
  w.typed(state.pieces.tracked);
  yield* w.strings(state.pieces.texts);
  yield* w.postings(new Float64Array(state.pieces.postings.length), state.pieces.postings);
  w.numbers(state.orders.length, state.orders.orders.length);
  for (const o of state.orders.orders) w.typed(o);
  yield;
  for (const table of [...state.starts.names, ...state.starts.anywhere]) yield* w.table(table);
  yield* w.strings(state.starts.rankNames);
  w.typed(state.starts.keys.keyCounts);
  w.typed(state.starts.keys.keyLengths);
  w.typed(state.starts.keys.keyUnits);
  w.typed(state.starts.keys.table);
  w.typed(state.starts.keys.next);
  return w.parts;
}

/** Postings as objects (the common pieces: 60 000 at 300 000 users), a step at a time. */
function* postingObjects(p: PackedPostings): Generator<void, Posting[]> {
  const list: Posting[] = [];
  let at = 0;
  for (let i = 0; i < p.keys.length; i++) {
    list.push(postingAt(p, i, at));
    at += p.lengths[i] as number;
    if (i % POSTINGS_PER_STEP === POSTINGS_PER_STEP - 1) yield;
  }
  return list;
}

/** A table of postings by key, checked, yielding between slices (300 000 users: ~10^6 keys). */
function* checkedTable(p: PackedPostings): Generator<void, PostingTable> {
  for (let i = 0; i < p.keys.length; i++) {
    if (!Number.isSafeInteger(p.keys[i]) || (p.counts[i] as number) < 1) {
      fail('an n-gram posting out of range');
    }
    if (i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  try {
    return yield* PostingTable.over(p);
  } catch {
    return fail('an n-gram posting twice');
  }
}

/** The filter keys of every slot, from the table `filterKeysTable` wrote; slots of one set share it. */
function* readFilterKeys(r: BodyReader, nextSlot: number): Generator<void, FilterKeys[]> {
  const sets = yield* r.strings();
  for (let k = 0; k < sets.length; k++) {
    const keys = sets[k] as string;
    if (keys === NO_FILTER_KEYS || !isFilterKeys(keys)) fail('filter keys out of shape');
    if (k % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
  }
  const slotSet = r.typed(Int32Array, nextSlot);
  const out: FilterKeys[] = [];
  for (let s = 0; s < nextSlot; s++) {
    const set = slotSet[s] as number;
    if (set < -1 || set >= sets.length) fail('filter keys of a slot out of range');
    out.push(set === -1 ? NO_FILTER_KEYS : (sets[set] as FilterKeys));
    if (s % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  return out;
}

/**
 * Decodes and checks a body, yielding between pieces. Throws
 * `IndexSnapshotError` for anything this code could not have written; the
 * state's arrays are views over `body`.
 */
export function* decodeIndexState(body: Uint8Array): Generator<void, IndexState> {
  const r = new BodyReader(body);
  const [capacity, nextSlot, connCount, roleCount] = r.numbers(4) as [
    number,
    number,
    number,
    number,
  ];
  const powerOfTwo = capacity === 0 || (capacity >= 1024 && (capacity & (capacity - 1)) === 0);
  if (!powerOfTwo || capacity > MAX_CAPACITY || nextSlot > capacity)
    fail('a capacity out of range');
  if (roleCount !== ROLES.length) fail('another set of roles');
  const words = Math.ceil(capacity / 32);
  const freeSlots = r.typed(Int32Array);
  if (!freeSlots.every((s) => s >= 0 && s < nextSlot)) fail('a free slot out of range');
  const rowIdOf = r.typed(Float64Array, capacity);
  const hay = yield* r.strings(nextSlot);
  const nameKey = yield* r.strings(nextSlot);
  const userKey = yield* r.strings(nextSlot);
  const filterKeys = yield* readFilterKeys(r, nextSlot);
  const connIds = yield* r.strings(connCount);
  const connOf = r.typed(Int32Array, capacity);
  const roleOf = r.typed(Uint8Array, capacity);
  const rankOf = r.typed(Uint8Array, capacity);
  const lastActiveOf = r.typed(Float64Array, capacity);
  const joinedOf = r.typed(Float64Array, capacity);
  const namePos = r.typed(Int32Array, capacity);
  const bitset = (): Uint32Array => {
    const bits = r.typed(Uint32Array, words);
    if (!bitsWithin(bits, nextSlot)) fail('a filter past the slots');
    return bits;
  };
  const [live, bot, deactivated, gone] = [bitset(), bitset(), bitset(), bitset()] as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  const byConn = Array.from({ length: connCount }, bitset);
  const byRole = Array.from({ length: roleCount }, bitset);
  if (freeSlots.some((s) => hasBit(live, s))) fail('a free slot in use');
  let size = 0;
  for (let s = 0; s < nextSlot; s++) {
    if (!hasBit(live, s)) continue;
    size++;
    const rowId = rowIdOf[s] as number;
    if (!Number.isSafeInteger(rowId)) fail('a row ID out of range');
    if ((connOf[s] as number) < 0 || (connOf[s] as number) >= connCount)
      fail('a connection out of range');
    if ((roleOf[s] as number) >= roleCount) fail('a role out of range');
    if (s % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  const [unitCount] = r.numbers(1) as [number];
  const unitIds = r.typed(Int32Array, 0x10000);
  if (!unitIds.every((id) => id >= 0 && id <= unitCount)) fail('a unit ID out of range');
  const tables: PostingTable[] = [];
  for (let t = 0; t < 3; t++) tables.push(yield* checkedTable(yield* r.postings(nextSlot, words)));
  const counts = r.typed(Uint16Array, PIECE_COUNTERS);
  const tracked = r.typed(Uint8Array, PIECE_COUNTERS);
  const texts = yield* r.strings();
  const pieces = yield* postingObjects(yield* r.postings(nextSlot, words));
  if (pieces.length !== texts.length || new Set(texts).size !== texts.length) {
    fail('pieces and their postings differ');
  }
  const [orderLength, orderCount] = r.numbers(2) as [number, number];
  if (orderCount !== ORDER_COUNT || orderLength !== size) fail('orders of the wrong size');
  const orders: Int32Array[] = [];
  for (let o = 0; o < ORDER_COUNT; o++) {
    const order = r.typed(Int32Array, capacity);
    const seen = new Uint8Array(capacity);
    for (let i = 0; i < orderLength; i++) {
      const s = order[i] as number;
      if (s < 0 || s >= nextSlot || !hasBit(live, s) || seen[s] === 1)
        fail('an order out of range');
      seen[s] = 1;
      if (i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
    }
    orders.push(order);
  }
  const startTables: PostingTable[] = [];
  for (let t = 0; t < 6; t++) {
    startTables.push(yield* checkedTable(yield* r.postings(nextSlot, words)));
  }
  const rankNames = yield* r.strings(nextSlot);
  const keyCounts = r.typed(Int32Array, nextSlot);
  let keyTotal = 0;
  for (let s = 0; s < nextSlot; s++) {
    const n = keyCounts[s] as number;
    if (n < 0 || (n > 0 && !hasBit(live, s))) fail('relevance keys out of range');
    keyTotal += n;
    if (s % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  const keyLengths = r.typed(Int32Array, keyTotal);
  let unitTotal = 0;
  for (let k = 0; k < keyTotal; k++) {
    const n = keyLengths[k] as number;
    if (n < 1) fail('a relevance key out of range');
    unitTotal += n;
    if (k % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
  }
  const keyUnits = r.typed(Uint16Array, unitTotal);
  const keys = {
    keyCounts,
    keyLengths,
    keyUnits,
    table: r.typed(Int32Array, tableSize(keyTotal)),
    next: r.typed(Int32Array, keyTotal),
  };
  if (!(yield* checkTable(keys))) fail('exact keys that their table does not find');
  if (!r.done) fail('bytes after the end');
  return {
    columns: {
      capacity,
      nextSlot,
      freeSlots,
      rowIdOf,
      hay,
      nameKey,
      userKey,
      filterKeys,
      connOf,
      roleOf,
      rankOf,
      lastActiveOf,
      joinedOf,
      namePos,
      live,
      bot,
      deactivated,
      gone,
      byConn,
      byRole,
      connIds,
    },
    ngrams: {
      unitIds,
      unitCount,
      tables: tables as [PostingTable, PostingTable, PostingTable],
    },
    pieces: { counts, tracked, texts, postings: pieces },
    orders: { orders, length: orderLength },
    starts: {
      names: startTables.slice(0, 3),
      anywhere: startTables.slice(3),
      rankNames,
      keys,
    },
  };
}
