/**
 * The sort orders of the search index (rule 5 of search-text.ts): four
 * slot buffers kept sorted as rows change, by name (sort name, connection,
 * user ID) and by role, last active and joined, each tied by the name
 * order. Changes pile up as slots leaving and entering, and a flush merges
 * them in with binary searches: one copy of each order plus k log n
 * compares. A page is read by walking one order and taking the slots whose
 * bit is set, so a few matches among many never need a sort.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { SearchQuery } from '@shared/model';
import * as slotBits from './slot-bits';
import type { SlotColumns } from './slot-columns';

// Bound once (see slot-bits.ts): a walk tests every slot of an order.
const { hasBit } = slotBits;

/** Deferred order changes are merged once this many pile up, so a search never merges many. */
export const MAX_DEFERRED_ROWS = 8192;

/** How many orders an index keeps (name, role, last active, joined), in that order. */
export const ORDER_COUNT = 4;
const NAME = 0;
const ROLE = 1;
const LAST_ACTIVE = 2;
const JOINED = 3;
const SORT_OF: Record<SearchQuery['sort'], number> = {
  name: NAME,
  role: ROLE,
  lastActive: LAST_ACTIVE,
  joined: JOINED,
  // Without terms (query-execution.ts ranks the matches of terms), ascending whatever the direction.
  relevance: NAME,
};

/** The orders of one index and the changes waiting to be merged into them. */
export interface SortOrders {
  /** Makes room for `capacity` slots in every order. */
  grow(capacity: number): void;
  /** A new live slot: it enters the orders at the next flush. */
  enter(slot: number): void;
  /** A slot whose sort keys changed: it leaves and re-enters at the next flush. */
  move(slot: number): void;
  /** A removed slot: it leaves at the next flush, and is free to reuse after it. */
  leave(slot: number): void;
  /** Changes waiting for `flush`. */
  readonly pending: number;
  /** Brings the orders up to date with every change so far (finishing a merge under way). */
  flush(): void;
  /**
   * Merges the changes so far into one order a call, so a merge of
   * thousands of changes into a large index never holds the loop for all
   * four orders at once. True once every order is up to date. Until then
   * the orders must not be walked (a search flushes first).
   */
  flushStep(): boolean;
  /** A merge started by `flushStep` is under way. */
  readonly merging: boolean;
  /**
   * Calls `visit` for the slots set in `bits` in the order of rule 5,
   * stopping when it returns false.
   */
  walk(
    sort: SearchQuery['sort'],
    direction: SearchQuery['direction'],
    bits: Uint32Array,
    visit: (slot: number) => boolean,
  ): void;
  /** Empties every order and drops waiting changes. */
  clear(): void;
  /** Bytes of the order buffers. */
  typedBytes(): number;
  /** Flushes that changed the orders so far: a rebuild made meanwhile is out of date. */
  readonly flushes: number;
  /** The order buffers (each `capacity` long) and how much of each is in use, after a flush. */
  current(): { orders: Int32Array[]; length: number };
  /**
   * Forgets the changes waiting (removed slots become free): the orders are
   * about to be rebuilt from every live slot (rebuild-orders.ts).
   */
  forgetPending(): void;
  /**
   * Replaces every order with `orders` (sorted, `length` in use, with
   * `namePos` already matching the name order); changes waiting stay
   * waiting (rebuild-orders.ts, a snapshot's load).
   */
  adopt(orders: readonly Int32Array[], length: number): void;
}

/** The comparison of order `order` over `cols` (rebuild-orders.ts sorts with it). */
export function comparerOf(cols: SlotColumns, order: number): (a: number, b: number) => number {
  return order === NAME ? nameComparer(cols) : keyComparer(keyColumn(cols, order), cols.namePos);
}

/** The column a keyed order sorts by first; null for the name order. */
export function keyColumnOf(order: number): 'rankOf' | 'lastActiveOf' | 'joinedOf' | null {
  return order === NAME
    ? null
    : order === ROLE
      ? 'rankOf'
      : order === LAST_ACTIVE
        ? 'lastActiveOf'
        : 'joinedOf';
}

/** The column a keyed order sorts by first. */
function keyColumn(cols: SlotColumns, order: number): ArrayLike<number> {
  const column = keyColumnOf(order);
  if (column === null) throw new Error('the name order has no key column');
  return cols[column];
}

/** The name order's comparison (sort name, then connection, then user ID), made once per index. */
function nameComparer(cols: SlotColumns): (a: number, b: number) => number {
  const { nameKey, userKey, connKeys } = cols;
  return (a, b) => {
    const x = nameKey[a] as string;
    const y = nameKey[b] as string;
    if (x !== y) return x < y ? -1 : 1;
    const connOf = cols.connOf;
    const ca = connKeys[connOf[a] as number] as string;
    const cb = connKeys[connOf[b] as number] as string;
    if (ca !== cb) return ca < cb ? -1 : 1;
    const ua = userKey[a] as string;
    const ub = userKey[b] as string;
    return ua === ub ? 0 : ua < ub ? -1 : 1;
  };
}

/** A keyed order's comparison: by `key` (no value last), then by position in the name order. */
function keyComparer(
  key: ArrayLike<number>,
  namePos: Int32Array,
): (a: number, b: number) => number {
  return (a, b) => {
    const x = key[a] as number;
    const y = key[b] as number;
    if (x !== y) {
      const xn = x !== x; // NaN: no value, last.
      const yn = y !== y;
      if (xn || yn) {
        if (!(xn && yn)) return xn ? 1 : -1;
      } else return x < y ? -1 : 1;
    }
    return (namePos[a] as number) - (namePos[b] as number);
  };
}

/**
 * Merges the sorted `incoming` into the sorted `order[0..n)` from the end,
 * in place: each finds its place by binary search, and the survivors after
 * it move up in one copy. The order must have room for both.
 */
function mergeSorted(
  order: Int32Array,
  n: number,
  incoming: Int32Array,
  cmp: (a: number, b: number) => number,
): void {
  let hi = n;
  for (let j = incoming.length - 1; j >= 0; j--) {
    const s = incoming[j] as number;
    let lo = 0;
    let top = hi;
    while (lo < top) {
      const mid = (lo + top) >>> 1;
      if (cmp(order[mid] as number, s) < 0) lo = mid + 1;
      else top = mid;
    }
    order.copyWithin(lo + j + 1, lo, hi);
    order[lo + j] = s;
    hi = lo;
  }
}

/**
 * Walks a keyed order descending: groups of equal keys from the last, each
 * in name order; rows without a value (NaN, at the end) stay last. Stops
 * when `visit` returns false.
 */
function walkByKeyDescending(
  order: Int32Array,
  n: number,
  key: ArrayLike<number>,
  bits: Uint32Array,
  visit: (slot: number) => boolean,
): void {
  let valued = n;
  while (valued > 0 && Number.isNaN(key[order[valued - 1] as number] as number)) valued--;
  let end = valued;
  while (end > 0) {
    const value = key[order[end - 1] as number] as number;
    let start = end - 1;
    while (start > 0 && key[order[start - 1] as number] === value) start--;
    for (let i = start; i < end; i++) {
      const s = order[i] as number;
      if (hasBit(bits, s) && !visit(s)) return;
    }
    end = start;
  }
  for (let i = valued; i < n; i++) {
    const s = order[i] as number;
    if (hasBit(bits, s) && !visit(s)) return;
  }
}

/** A merge of changes into the orders, one order at a time (`flushStep`). */
interface Merge {
  leaving: Set<number>;
  entering: number[];
  /** Slots removed before the merge started: free once every order has let go of them. */
  freed: number[];
  /** The next order to merge into. */
  next: number;
  /** How many slots the orders hold once merged. */
  length: number;
}

/** Empty orders over `cols` (which they read keys from, and write `namePos` and `freeSlots` to). */
export function createSortOrders(cols: SlotColumns): SortOrders {
  // Four buffers of `capacity`, the first `orderLength` entries in use.
  const orders: Int32Array[] = [
    new Int32Array(0),
    new Int32Array(0),
    new Int32Array(0),
    new Int32Array(0),
  ];
  let orderLength = 0;
  let flushes = 0;
  /** Scratch flags by slot (1: leaving the orders), all 0 between calls. */
  let marks: Uint8Array = new Uint8Array(0);
  /** Slots leaving the orders, and slots (re)entering them, since the last merge started. */
  let drop = new Set<number>();
  let add: number[] = [];
  /** Removed slots, reusable once the orders have let go of them. */
  const freed: number[] = [];
  /** A merge under way (`flushStep`), if any. */
  let merge: Merge | null = null;

  function grow(capacity: number): void {
    for (let o = 0; o < orders.length; o++) {
      const a = new Int32Array(capacity);
      a.set(orders[o] as Int32Array);
      orders[o] = a;
    }
  }

  const compareName = nameComparer(cols);

  function comparerOf(order: number): (a: number, b: number) => number {
    return order === NAME ? compareName : keyComparer(keyColumn(cols, order), cols.namePos);
  }

  /**
   * Starts a merge of the changes so far: `leaving` (slots leaving or
   * moving) come out of every order, then `entering` (slots entering or
   * moving, all live) go back in, in sorted place. Later changes wait for
   * the next merge. False when there is nothing to merge.
   */
  function startMerge(): boolean {
    if (drop.size === 0 && add.length === 0) return false;
    flushes++;
    if (marks.length < cols.capacity) marks = new Uint8Array(cols.capacity);
    const live = cols.live;
    // Each live slot once: a slot may have been added, moved and removed since.
    const entering: number[] = [];
    for (const s of add) {
      if (marks[s] === 0 && hasBit(live, s)) {
        marks[s] = 2;
        entering.push(s);
      }
    }
    for (const s of entering) marks[s] = 0;
    merge = { leaving: drop, entering, freed: freed.splice(0), next: 0, length: orderLength };
    drop = new Set();
    add = [];
    return true;
  }

  /** Merges the merge under way into its next order; the name order comes first (the others tie by it). */
  function mergeNext(m: Merge): void {
    if (marks.length < cols.capacity) marks = new Uint8Array(cols.capacity);
    const o = m.next++;
    const cmp = comparerOf(o);
    const order = orders[o] as Int32Array;
    // Keep the survivors, in order, in place.
    let n = orderLength;
    if (m.leaving.size > 0) {
      for (const s of m.leaving) marks[s] = 1;
      n = 0;
      for (let i = 0; i < orderLength; i++) {
        const s = order[i] as number;
        if (marks[s] === 0) order[n++] = s;
      }
      for (const s of m.leaving) marks[s] = 0;
    }
    const incoming = Int32Array.from(m.entering).sort(cmp);
    mergeSorted(order, n, incoming, cmp);
    m.length = n + incoming.length;
    if (o === NAME) {
      const namePos = cols.namePos;
      for (let i = 0; i < m.length; i++) namePos[order[i] as number] = i;
    }
    if (m.next < orders.length) return;
    orderLength = m.length;
    for (const s of m.freed) cols.freeSlots.push(s);
    merge = null;
  }

  /** Ends a merge under way at once: before a slot already in the orders changes its keys. */
  function finishMerge(): void {
    while (merge) mergeNext(merge);
  }

  function flush(): void {
    finishMerge();
    if (startMerge()) finishMerge();
  }

  function flushStep(): boolean {
    if (!merge && !startMerge()) return true;
    mergeNext(merge as Merge);
    return merge === null;
  }

  /** Drops a merge under way (the orders are about to be replaced whole); its freed slots are free. */
  function dropMerge(): void {
    if (!merge) return;
    for (const s of merge.freed) cols.freeSlots.push(s);
    merge = null;
  }

  function walk(
    sort: SearchQuery['sort'],
    direction: SearchQuery['direction'],
    bits: Uint32Array,
    visit: (slot: number) => boolean,
  ): void {
    const o = SORT_OF[sort];
    const order = orders[o] as Int32Array;
    const n = orderLength;
    if (direction === 'asc' || sort === 'relevance') {
      for (let i = 0; i < n; i++) {
        const s = order[i] as number;
        if (hasBit(bits, s) && !visit(s)) return;
      }
      return;
    }
    if (o === NAME) {
      // Name descending is the exact reverse (rule 5).
      for (let i = n - 1; i >= 0; i--) {
        const s = order[i] as number;
        if (hasBit(bits, s) && !visit(s)) return;
      }
      return;
    }
    walkByKeyDescending(order, n, keyColumn(cols, o), bits, visit);
  }

  function clear(): void {
    orders.fill(new Int32Array(0));
    orderLength = 0;
    marks = new Uint8Array(0);
    merge = null;
    drop.clear();
    add = [];
    freed.length = 0;
  }

  return {
    grow,
    enter: (slot) => {
      add.push(slot);
    },
    // A slot already in the orders is about to change its keys (or go):
    // the merge under way compares by them, so it ends first.
    move: (slot) => {
      finishMerge();
      drop.add(slot);
      add.push(slot);
    },
    leave: (slot) => {
      finishMerge();
      drop.add(slot);
      freed.push(slot);
    },
    get pending() {
      return add.length + drop.size;
    },
    flush,
    flushStep,
    get merging() {
      return merge !== null;
    },
    walk,
    clear,
    typedBytes: () => orders.reduce((sum, o) => sum + o.byteLength, 0),
    get flushes() {
      return flushes;
    },
    current() {
      flush();
      return { orders: [...orders], length: orderLength };
    },
    forgetPending() {
      dropMerge();
      drop.clear();
      add = [];
      for (const s of freed) cols.freeSlots.push(s);
      freed.length = 0;
      flushes++;
    },
    adopt(next, length) {
      dropMerge();
      for (let o = 0; o < orders.length; o++) orders[o] = next[o] as Int32Array;
      orderLength = length;
      flushes++;
    },
  };
}
