/**
 * Builds the sort orders of a bulk-loaded index from scratch, in slices
 * that yield: a stable merge sort of every live slot, once per order. A
 * load that merged its rows into the orders every thousand rows paid a copy
 * of every order per thousand rows (quadratic: 2.5 s of 12 at 100 000 rows,
 * most of the time at 300 000); one sort at the end is n log n, and sliced
 * it never holds the loop.
 *
 * Writes that reach the index while it sorts wait as changes of the orders
 * (sort-orders.ts) and are merged after the sorted orders are adopted; the
 * sort reads a frozen copy of the keys, so a row that changes meanwhile
 * cannot disorder the others.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import * as slotBits from './slot-bits';
import type { SlotColumns } from './slot-columns';
import { comparerOf, keyColumnOf, ORDER_COUNT, type SortOrders } from './sort-orders';

const { hasBit } = slotBits;

/** Slots sorted with `Array.prototype.sort` before the merge passes. */
const RUN = 256;

/** Lets other work run between slices; false: the rebuild is no longer wanted. */
export type Pause = () => Promise<boolean>;

/**
 * `items` sorted by `cmp` (stable), pausing whenever a slice has run
 * `budgetMs`. Null when `pause` said to stop.
 */
async function sortInSlices(
  items: Int32Array,
  cmp: (a: number, b: number) => number,
  pause: Pause,
  budgetMs: number,
): Promise<Int32Array | null> {
  const n = items.length;
  let started = performance.now();
  const due = (): boolean => performance.now() - started > budgetMs;
  const rest = async (): Promise<boolean> => {
    const go = await pause();
    started = performance.now();
    return go;
  };
  for (let lo = 0; lo < n; lo += RUN) {
    const run = Array.from(items.subarray(lo, Math.min(n, lo + RUN))).sort(cmp);
    items.set(run, lo);
    if (due() && !(await rest())) return null;
  }
  let src: Int32Array = items;
  let dst: Int32Array = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        if (i < mid && (j >= hi || cmp(src[i] as number, src[j] as number) <= 0)) {
          dst[k++] = src[i++] as number;
        } else dst[k++] = src[j++] as number;
        if ((k & 1023) === 0 && due() && !(await rest())) return null;
      }
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** The live slots, in slot order. */
function liveSlots(cols: SlotColumns): Int32Array {
  const out = new Int32Array(cols.size);
  let n = 0;
  for (let s = 0; s < cols.nextSlot && n < out.length; s++) if (hasBit(cols.live, s)) out[n++] = s;
  return n === out.length ? out : out.slice(0, n);
}

/**
 * A copy of the name order's columns (the slots below `nextSlot`), so
 * changes while sorting do not reach the sort, a column a turn. The keyed
 * orders' columns are copied just before each one's sort
 * (`freezeKeyColumn`): all at once, the copies held the loop 38 ms at
 * 300 000 users, and the name order's alone 31 ms after a 100 000-user
 * sync (fresh pages cost that machine up to 70 µs each on first touch).
 * A slot that changes between two copies is sorted by keys of both
 * moments, a consistent order all the same, and is merged again at the
 * end with the other changes made meanwhile. Null: `pause` said to stop.
 */
async function frozenKeys(cols: SlotColumns, pause: Pause): Promise<SlotColumns | null> {
  const n = cols.nextSlot;
  const nameKey = cols.nameKey.slice(0, n);
  if (!(await pause())) return null;
  const userKey = cols.userKey.slice(0, n);
  if (!(await pause())) return null;
  return {
    ...cols,
    nameKey,
    userKey,
    connKeys: cols.connKeys.slice(),
    connOf: cols.connOf.slice(0, n),
    rankOf: new Uint8Array(0),
    lastActiveOf: new Float64Array(0),
    joinedOf: new Float64Array(0),
    namePos: new Int32Array(n),
  };
}

/** `order` at the start of a buffer of `capacity` slots, as the orders hold them. */
function buffered(order: Int32Array, capacity: number): Int32Array {
  const full = new Int32Array(capacity);
  full.set(order);
  return full;
}

/** Copies into `frozen` the column a keyed order sorts by, before its sort. */
function freezeKeyColumn(frozen: SlotColumns, cols: SlotColumns, order: number): void {
  const n = cols.nextSlot;
  const column = keyColumnOf(order);
  if (column === 'rankOf') frozen.rankOf = cols.rankOf.slice(0, n);
  else if (column === 'lastActiveOf') frozen.lastActiveOf = cols.lastActiveOf.slice(0, n);
  else if (column === 'joinedOf') frozen.joinedOf = cols.joinedOf.slice(0, n);
}

/**
 * Sorts every live slot into every order, in slices of `budgetMs` with
 * `pause` between them, and adopts the result. Changes waiting before the
 * call are dropped (every live slot is sorted); changes made meanwhile are
 * merged at the end. Should a flush have run meanwhile (a removal), the
 * sort starts again, the third time without pausing at all. False: `pause` said
 * to stop, and the orders are left to a later rebuild.
 */
export async function rebuildOrders(
  cols: SlotColumns,
  orders: SortOrders,
  pause: Pause,
  budgetMs: number,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= 2;
    const budget = last ? Infinity : budgetMs;
    // The last attempt never lets a flush in: no pause at all.
    const rest: Pause = last ? async () => true : pause;
    orders.forgetPending();
    const flushesAtStart = orders.flushes;
    const slots = liveSlots(cols);
    if (!(await rest())) return false;
    const frozen = await frozenKeys(cols, rest);
    if (!frozen || !(await rest())) return false;
    const sorted: Int32Array[] = [];
    for (let o = 0; o < ORDER_COUNT; o++) {
      if (o > 0) {
        if (!(await rest())) return false;
        freezeKeyColumn(frozen, cols, o);
      }
      const order = await sortInSlices(slots.slice(), comparerOf(frozen, o), rest, budget);
      if (!order) return false;
      if (o === 0) for (let i = 0; i < order.length; i++) frozen.namePos[order[i] as number] = i;
      sorted.push(order);
    }
    // Each order's buffer on a turn of its own, as the copies above.
    let installed: Int32Array[] = [];
    for (const order of sorted) {
      if (!(await rest())) return false;
      installed.push(buffered(order, cols.capacity));
    }
    if (orders.flushes !== flushesAtStart) continue;
    // Grown meanwhile (rows added): the buffers must hold the new capacity.
    if (installed.some((b) => b.length !== cols.capacity)) {
      installed = sorted.map((order) => buffered(order, cols.capacity));
    }
    const namePos = cols.namePos;
    const byName = sorted[0] as Int32Array;
    for (let i = 0; i < byName.length; i++) namePos[byName[i] as number] = i;
    orders.adopt(installed, slots.length);
    orders.flush();
    return true;
  }
}
