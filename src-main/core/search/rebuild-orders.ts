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
 * changes while sorting do not reach the sort. The keyed orders' columns
 * are copied just before each one's sort (`freezeKeyColumn`): all at once,
 * the copies held the loop 38 ms at 300 000 users.
 */
function frozenKeys(cols: SlotColumns): SlotColumns {
  const n = cols.nextSlot;
  return {
    ...cols,
    nameKey: cols.nameKey.slice(0, n),
    userKey: cols.userKey.slice(0, n),
    connKeys: cols.connKeys.slice(),
    connOf: cols.connOf.slice(0, n),
    rankOf: new Uint8Array(0),
    lastActiveOf: new Float64Array(0),
    joinedOf: new Float64Array(0),
    namePos: new Int32Array(n),
  };
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
 * sort starts again, the third time without pausing. False: `pause` said
 * to stop, and the orders are left to a later rebuild.
 */
export async function rebuildOrders(
  cols: SlotColumns,
  orders: SortOrders,
  pause: Pause,
  budgetMs: number,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const budget = attempt < 2 ? budgetMs : Infinity;
    orders.forgetPending();
    const flushesAtStart = orders.flushes;
    const slots = liveSlots(cols);
    const frozen = frozenKeys(cols);
    const sorted: Int32Array[] = [];
    for (let o = 0; o < ORDER_COUNT; o++) {
      if (o > 0) {
        if (!(await pause())) return false;
        freezeKeyColumn(frozen, cols, o);
      }
      const order = await sortInSlices(slots.slice(), comparerOf(frozen, o), pause, budget);
      if (!order) return false;
      if (o === 0) for (let i = 0; i < order.length; i++) frozen.namePos[order[i] as number] = i;
      sorted.push(order);
    }
    if (orders.flushes !== flushesAtStart) continue;
    const installed = sorted.map((order) => {
      const full = new Int32Array(cols.capacity);
      full.set(order);
      return full;
    });
    const namePos = cols.namePos;
    const byName = sorted[0] as Int32Array;
    for (let i = 0; i < byName.length; i++) namePos[byName[i] as number] = i;
    orders.adopt(installed, slots.length);
    orders.flush();
    return true;
  }
}
