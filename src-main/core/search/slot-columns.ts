/**
 * The search index's storage by slot: every held row has a slot (reused
 * once freed), every search column is an array indexed by slot, and every
 * filter (live, bot, deactivated, gone, connection, role) is a bitset with
 * one bit per slot. Typed arrays are replaced, never resized, when the
 * capacity doubles.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { ROLES, type Role } from '@shared/model';
import { NO_FILTER_KEYS, type FilterKeys } from './filter-keys';
import { RowSlots } from './row-slots';
import { ShardedStringMap } from './sharded-string-map';
import * as slotBits from './slot-bits';
import { codePointSortKey } from './sort-key';

// Bound once (see slot-bits.ts): `clearSlotFlags` runs per row.
const { clearBit, growBits } = slotBits;

/** A role's position in `byRole` and in `roleOf`: roles as small numbers. */
export const ROLE_INDEX = new Map<Role, number>(ROLES.map((r, i) => [r, i]));

/**
 * Every per-slot column and filter bitset of one index, shared by its parts.
 * Fields that are not readonly are replaced when the index grows or clears,
 * so a reader takes them from here at the start of each call.
 */
export interface SlotColumns {
  /** Slots every column has room for (0, or a power of two from 1 024). */
  capacity: number;
  /** 32-bit words of a full bitset: `capacity / 32`. */
  words: number;
  /** Rows held. */
  size: number;
  /** Counts the changes to which slots are live or what they hold (filter-bits.ts keeps results by it). */
  writes: number;
  /** Row ID → slot (row-slots.ts: no rehash of every row at once, as a Map's). */
  readonly slotOf: RowSlots;
  /** Freed slots, reused before `nextSlot`. */
  readonly freeSlots: number[];
  nextSlot: number;

  rowIdOf: Float64Array;
  /** The folded haystack (search-text.ts), "" for a free slot. */
  readonly hay: string[];
  /** `codePointSortKey` of the sort name and of the user ID. */
  readonly nameKey: string[];
  readonly userKey: string[];
  /** Groups and profile field values (filter-keys.ts); NO_FILTER_KEYS for a free slot. */
  readonly filterKeys: FilterKeys[];
  /** Index into `connIds`, `connKeys` and `byConn`. */
  connOf: Int32Array;
  /** Index into `byRole` (ROLE_INDEX). */
  roleOf: Uint8Array;
  rankOf: Uint8Array;
  /** Times in ms; NaN: none. */
  lastActiveOf: Float64Array;
  joinedOf: Float64Array;
  /** The slot's position in the name order (kept by sort-orders.ts). */
  namePos: Int32Array;

  live: Uint32Array;
  bot: Uint32Array;
  deactivated: Uint32Array;
  gone: Uint32Array;
  readonly byConn: Uint32Array[];
  readonly byRole: Uint32Array[];

  /** Connections met so far (kept across `clearColumns`), with their sort keys. */
  readonly connIds: string[];
  readonly connKeys: string[];
  readonly connIndex: Map<string, number>;
}

/** Empty storage: no capacity until the first row. */
export function createSlotColumns(): SlotColumns {
  return {
    capacity: 0,
    words: 0,
    size: 0,
    writes: 0,
    slotOf: new RowSlots(),
    freeSlots: [],
    nextSlot: 0,
    rowIdOf: new Float64Array(0),
    hay: [],
    nameKey: [],
    userKey: [],
    filterKeys: [],
    connOf: new Int32Array(0),
    roleOf: new Uint8Array(0),
    rankOf: new Uint8Array(0),
    lastActiveOf: new Float64Array(0),
    joinedOf: new Float64Array(0),
    namePos: new Int32Array(0),
    live: new Uint32Array(0),
    bot: new Uint32Array(0),
    deactivated: new Uint32Array(0),
    gone: new Uint32Array(0),
    byConn: [],
    byRole: ROLES.map(() => new Uint32Array(0)),
    connIds: [],
    connKeys: [],
    connIndex: new Map<string, number>(),
  };
}

/** Gives `column` `n` entries, the new ones `empty` (fast elements, not a sparse array). */
function sized<T>(column: T[], n: number, empty: T): void {
  const from = column.length;
  column.length = n;
  if (n > from) column.fill(empty, from);
}

/**
 * Sizes the text columns (`hay`, the sort keys, the filter keys) to `n`
 * slots, the new ones empty as a free slot is, yielding after each: each
 * new column of 300 000 users is megabytes to allocate. Grown by
 * assignment instead, each copied itself at every 1.5×: the four together
 * held the loop 46-77 ms, twice in a build of 300 000 (44-74 ms in a plain
 * loop doing the same). Sized here, they grow with the capacity.
 */
export function* sizeTextColumns(cols: SlotColumns, n: number): Generator<void> {
  sized(cols.hay, n, '');
  yield;
  sized(cols.nameKey, n, '');
  yield;
  sized(cols.userKey, n, '');
  yield;
  sized(cols.filterKeys, n, NO_FILTER_KEYS);
}

/**
 * Doubles the capacity (from 1 024) until it holds `min` slots, copying
 * every column and filter bitset. Postings' bitsets are not copied here (at
 * 65 536 rows that is 10 MB in one go): each grows when a slot past its end
 * is first set. False when the capacity was already enough.
 */
export function growColumns(cols: SlotColumns, min: number): boolean {
  const steps = growColumnsSteps(cols, min);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `growColumns` a column per step, for room made ahead of a bulk load
 * (search-index.ts `reserve`): at once, the columns of 100 000 rows took
 * about 27 ms of main's CPU in one turn (under a profiler), and held its
 * loop 58 ms while a sync's threads held the other core. The capacity
 * changes at the last step; nothing may write the index before it.
 */
export function* growColumnsSteps(cols: SlotColumns, min: number): Generator<void, boolean> {
  let next = Math.max(1024, cols.capacity);
  while (next < min) next *= 2;
  if (next === cols.capacity) return false;
  const grownF64 = (old: Float64Array): Float64Array => {
    const a = new Float64Array(next);
    a.set(old);
    return a;
  };
  const grownI32 = (old: Int32Array): Int32Array => {
    const a = new Int32Array(next);
    a.set(old);
    return a;
  };
  const grownU8 = (old: Uint8Array): Uint8Array => {
    const a = new Uint8Array(next);
    a.set(old);
    return a;
  };
  cols.rowIdOf = grownF64(cols.rowIdOf);
  yield;
  cols.lastActiveOf = grownF64(cols.lastActiveOf);
  yield;
  cols.joinedOf = grownF64(cols.joinedOf);
  yield;
  cols.connOf = grownI32(cols.connOf);
  cols.namePos = grownI32(cols.namePos);
  cols.roleOf = grownU8(cols.roleOf);
  cols.rankOf = grownU8(cols.rankOf);
  yield;
  yield* sizeTextColumns(cols, next);
  yield;
  const words = Math.ceil(next / 32);
  cols.live = growBits(cols.live, words);
  cols.bot = growBits(cols.bot, words);
  cols.deactivated = growBits(cols.deactivated, words);
  cols.gone = growBits(cols.gone, words);
  const { byConn, byRole } = cols;
  for (let i = 0; i < byConn.length; i++) byConn[i] = growBits(byConn[i] as Uint32Array, words);
  for (let i = 0; i < byRole.length; i++) byRole[i] = growBits(byRole[i] as Uint32Array, words);
  cols.capacity = next;
  cols.words = words;
  return true;
}

/** The index of a connection ID, adding it (and its bitset) the first time it is met. */
export function connectionIndexOf(cols: SlotColumns, id: string): number {
  let i = cols.connIndex.get(id);
  if (i === undefined) {
    i = cols.connIds.length;
    cols.connIds.push(id);
    cols.connKeys.push(codePointSortKey(id));
    cols.connIndex.set(id, i);
    cols.byConn.push(new Uint32Array(cols.words));
  }
  return i;
}

/** Takes a slot out of every filter bitset, before it is rewritten or freed. */
export function clearSlotFlags(cols: SlotColumns, slot: number): void {
  clearBit(cols.live, slot);
  clearBit(cols.bot, slot);
  clearBit(cols.deactivated, slot);
  clearBit(cols.gone, slot);
  clearBit(cols.byConn[cols.connOf[slot] as number] as Uint32Array, slot);
  clearBit(cols.byRole[cols.roleOf[slot] as number] as Uint32Array, slot);
}

/**
 * Drops every row and slot at once (a rebuild of 100 000 rows starts here).
 * The connections met so far keep their indexes, with empty bitsets.
 */
export function clearColumns(cols: SlotColumns): void {
  cols.capacity = 0;
  cols.words = 0;
  cols.size = 0;
  cols.writes++;
  cols.nextSlot = 0;
  cols.slotOf.clear();
  cols.freeSlots.length = 0;
  cols.rowIdOf = new Float64Array(0);
  cols.hay.length = 0;
  cols.nameKey.length = 0;
  cols.userKey.length = 0;
  cols.filterKeys.length = 0;
  cols.connOf = new Int32Array(0);
  cols.roleOf = new Uint8Array(0);
  cols.rankOf = new Uint8Array(0);
  cols.lastActiveOf = new Float64Array(0);
  cols.joinedOf = new Float64Array(0);
  cols.namePos = new Int32Array(0);
  cols.live = new Uint32Array(0);
  cols.bot = new Uint32Array(0);
  cols.deactivated = new Uint32Array(0);
  cols.gone = new Uint32Array(0);
  cols.byConn.fill(new Uint32Array(0));
  cols.byRole.fill(new Uint32Array(0));
}

/** Bytes of the per-slot columns and filter bitsets (for `stats`). */
export function columnBytes(cols: SlotColumns): number {
  return (
    cols.capacity * (8 + 4 + 1 + 1 + 8 + 8 + 4) +
    cols.words * 4 * (4 + cols.byConn.length + cols.byRole.length)
  );
}

/** Slots whose filter keys `shareFilterStrings` looks at between two yields. */
const SHARE_SLOTS_PER_STEP = 2048;

/**
 * Makes the equal filter keys of every slot one string, values unchanged:
 * rows built one by one each hold their own copy, where a start from the
 * saved index holds each distinct set once (users with the same groups and
 * field values; none at all is the one empty string already). Sharded: at
 * 300 000 users there are hundreds of thousands of distinct sets, and one
 * Map rehashes them all at once.
 */
export function* shareFilterStrings(cols: SlotColumns): Generator<void> {
  const shared = new ShardedStringMap<string>();
  for (let slot = 0; slot < cols.nextSlot; slot++) {
    const keys = cols.filterKeys[slot];
    if (keys !== undefined && keys !== NO_FILTER_KEYS) {
      const one = shared.get(keys);
      // Equal strings compare equal whatever object holds them: assigned whenever met before.
      if (one === undefined) shared.set(keys, keys);
      else cols.filterKeys[slot] = one;
    }
    if (slot % SHARE_SLOTS_PER_STEP === SHARE_SLOTS_PER_STEP - 1) yield;
  }
}
