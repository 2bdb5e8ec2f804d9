/**
 * Postings: the set of slots whose haystack holds one n-gram or one common
 * piece, kept as a sorted slot list while rare and as a bitset once common
 * (when the list would outgrow a bitset of the index). The pool adds and
 * removes slots, counts the bitset postings and grows them ahead of a
 * capacity doubling.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import * as slotBits from './slot-bits';

// Bound once (see slot-bits.ts): slots are added per unit of every haystack.
const { clearBit, growBits, hasBit, lowerBound, setBit } = slotBits;

/** A set of slots: sorted slots while rare, a bitset once common. */
export class Posting {
  count = 0;
  /** The slot added last: repeats of a unit in one text cost one compare. */
  last = -1;
  list: Int32Array | null;
  bits: Uint32Array | null = null;
  /** `list`: room to grow for a new posting; a read one passes its view (null: it has bits). */
  constructor(list: Int32Array | null = new Int32Array(4)) {
    this.list = list;
  }
}

/** Whether a posting holds `slot`: how a query tests a candidate against its other postings. */
export function postingHas(p: Posting, slot: number): boolean {
  if (p.bits) return hasBit(p.bits, slot);
  const list = p.list as Int32Array;
  const at = lowerBound(list, p.count, slot);
  return at < p.count && list[at] === slot;
}

/** Takes a slot out of a posting, if it is there. */
export function removeFrom(p: Posting, slot: number): void {
  p.last = -1;
  if (p.bits) {
    if (hasBit(p.bits, slot)) {
      clearBit(p.bits, slot);
      p.count--;
    }
    return;
  }
  const list = p.list as Int32Array;
  const at = lowerBound(list, p.count, slot);
  if (at < p.count && list[at] === slot) {
    list.copyWithin(at, at + 1, p.count);
    p.count--;
  }
}

/** Bytes of a posting's typed array (for `stats`). */
export function postingBytes(p: Posting): number {
  return p.bits ? p.bits.byteLength : (p.list?.byteLength ?? 0);
}

/** What a pool writes a keyed posting through: a Map, or a posting-table.ts table. */
interface KeyedPostings {
  get(key: number): Posting | undefined;
  set(key: number, p: Posting): void;
  delete(key: number): void;
}

/** Writes to postings, shared by every posting table of one index. */
export interface PostingPool {
  /** Adds a slot to a posting (`words`: the index's bitset length now). */
  addTo(p: Posting, slot: number, words: number): void;
  /** Adds a slot to the posting of `key`, creating it. */
  addToKey(table: KeyedPostings, key: number, slot: number, words: number): void;
  /** Takes a slot out of the posting of `key`, dropping the posting once empty. */
  removeFromKey(table: KeyedPostings, key: number, slot: number): void;
  /**
   * In the last tenth before a capacity doubling, grows a few postings'
   * bitsets to the next capacity per batch of `rows`.
   */
  growAhead(capacity: number, rows: number): void;
  /** Forgets every bitset posting (the tables are cleared by their owners). */
  clear(): void;
  /** Postings that became bitsets, less the emptied table postings. */
  readonly densePostings: number;
  /** After a snapshot's load: `postings` are every posting, the bitset ones to grow ahead. */
  adopt(postings: Iterable<Posting>): void;
  /** After a bulk build of some tables (bulk-postings.ts): their bitset postings, to grow ahead too. */
  track(postings: Iterable<Posting>): void;
}

/** An empty pool. */
export function createPostingPool(): PostingPool {
  let densePostings = 0;
  /** Every posting that became a bitset (some may have emptied since), for `growAhead`. */
  const bitsetPostings: Posting[] = [];
  let growCursor = 0;

  function addTo(p: Posting, slot: number, words: number): void {
    if (p.last === slot) return;
    p.last = slot;
    if (p.bits) {
      if (!hasBit(p.bits, slot)) {
        if (slot >>> 5 >= p.bits.length) p.bits = growBits(p.bits, words);
        setBit(p.bits, slot);
        p.count++;
      }
      return;
    }
    let list = p.list as Int32Array;
    const count = p.count;
    // Rows mostly arrive in slot order: an append, with room, is one store
    // (this runs for every n-gram of every row a sync writes).
    const appends = count === 0 || (list[count - 1] as number) < slot;
    if (appends && count < list.length && count + 1 <= words) {
      list[count] = slot;
      p.count = count + 1;
      return;
    }
    const at = appends ? count : lowerBound(list, count, slot);
    if (at < p.count && list[at] === slot) return;
    if (p.count + 1 > words) {
      // Common enough that a bitset is smaller: switch.
      const bits = new Uint32Array(words);
      for (let i = 0; i < p.count; i++) setBit(bits, list[i] as number);
      setBit(bits, slot);
      p.bits = bits;
      p.list = null;
      p.count++;
      densePostings++;
      bitsetPostings.push(p);
      return;
    }
    if (p.count === list.length) {
      const bigger = new Int32Array(list.length * 2);
      bigger.set(list);
      list = bigger;
      p.list = list;
    }
    list.copyWithin(at + 1, at, p.count);
    list[at] = slot;
    p.count++;
  }

  function addToKey(table: KeyedPostings, key: number, slot: number, words: number): void {
    let p = table.get(key);
    if (!p) table.set(key, (p = new Posting()));
    addTo(p, slot, words);
  }

  function removeFromKey(table: KeyedPostings, key: number, slot: number): void {
    const p = table.get(key);
    if (!p) return;
    removeFrom(p, slot);
    if (p.count === 0) {
      if (p.bits) densePostings--;
      table.delete(key);
    }
  }

  /**
   * So the first rows past the doubling do not grow a thousand bitsets at
   * once (10 MB of copies in one turn at 65 536 rows). Not earlier: a grown
   * bitset costs twice the memory.
   */
  function growAhead(capacity: number, rows: number): void {
    const target = Math.ceil((capacity * 2) / 32);
    let budget = Math.max(8, rows * 2);
    while (budget > 0 && growCursor < bitsetPostings.length) {
      const p = bitsetPostings[growCursor++] as Posting;
      if (p.bits && p.bits.length < target) {
        const next = new Uint32Array(target);
        next.set(p.bits);
        p.bits = next;
        budget--;
      }
    }
    if (growCursor >= bitsetPostings.length) growCursor = 0;
  }

  function clear(): void {
    densePostings = 0;
    bitsetPostings.length = 0;
    growCursor = 0;
  }

  return {
    addTo,
    addToKey,
    removeFromKey,
    growAhead,
    clear,
    get densePostings() {
      return densePostings;
    },
    adopt(postings) {
      clear();
      track(postings);
    },
    track,
  };

  function track(postings: Iterable<Posting>): void {
    for (const p of postings) {
      if (!p.bits) continue;
      bitsetPostings.push(p);
      densePostings++;
    }
  }
}
