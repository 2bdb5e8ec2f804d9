/**
 * The in-memory search index that serves `users:search` at 100 000 users in
 * a few milliseconds, with exactly the rules of search-text.ts (the tests
 * hold it to `searchRows` and to the SQL search).
 *
 * How it answers:
 * - Every filter (connection, role, bot, deactivated, gone) is a bitset, one
 *   bit per slot; a query ANDs and ORs whole words.
 * - Every character and every pair of adjacent characters (UTF-16 units) of
 *   the folded haystacks has a posting: a sorted slot list while it is rare,
 *   a bitset once it is common. A term of one or two units IS its posting, so
 *   short terms and their counts are exact with no string scan at all; a
 *   longer term intersects the postings of its pairs and checks only the
 *   survivors with `includes` (the n-grams only prove absence).
 * - Four orders are kept sorted as rows change: by name (sort name,
 *   connection, user ID), and by role, last active and joined, each tied by
 *   the name order. A page is read by walking one order and taking the slots
 *   whose bit is set, so 100 matches out of 60 000 never need a sort.
 * - Changes (a sync's chunk, a lookup, a gone mark) are applied in batches:
 *   the orders merge a sorted batch in with binary searches, costing one
 *   copy of the order plus k log n comparisons.
 *
 * It holds search columns and row IDs only; the page's summaries come from
 * the cache by row ID, so a card always shows what SQLite holds.
 *
 * Node only (plain TypeScript; no I/O).
 */
import { ROLES, type Role, type SearchQuery } from '@shared/model';
import { searchTerms, type SearchRow } from './search-text';

/** One cached user as the index keeps it: the search columns and the cache's row ID. */
export interface IndexedRow extends SearchRow {
  rowId: number;
}

/** A search without its window: what an export or a count asks. */
export type IndexSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/** Rough sizes of what the index holds, for measurements and logs. */
export interface SearchIndexStats {
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
  /** Merges deferred changes into the sort orders now. */
  flushOrder(): void;
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
  /** Rules 3-6 of search-text.ts: the total and the row IDs of the page, in order. */
  search(query: SearchQuery): { total: number; rowIds: number[] };
  /** Every match in order (exports). */
  searchAll(spec: IndexSpec): number[];
  stats(): SearchIndexStats;
}

const ROLE_INDEX = new Map<Role, number>(ROLES.map((r, i) => [r, i]));

/** A set of slots: sorted slots while rare, a bitset once common. */
class Posting {
  count = 0;
  /** The slot added last: repeats of a unit in one text cost one compare. */
  last = -1;
  list: Int32Array | null = new Int32Array(4);
  bits: Uint32Array | null = null;
}

/** Sets of slots during a query: a sorted list or a bitset. */
type SlotSet = { kind: 'list'; slots: Int32Array; n: number } | { kind: 'bits'; bits: Uint32Array };

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function countBits(bits: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const w = bits[i] as number;
    if (w !== 0) n += popcount32(w);
  }
  return n;
}

function hasBit(bits: Uint32Array, slot: number): boolean {
  const w = slot >>> 5;
  // A posting's bitset may be shorter than the index (it grows when written): past it, unset.
  return w < bits.length && ((bits[w] as number) & (1 << (slot & 31))) !== 0;
}

/** Word `i` of a bitset that may be shorter than the index: 0 past its end. */
function wordAt(bits: Uint32Array, i: number): number {
  return i < bits.length ? (bits[i] as number) : 0;
}

function setBit(bits: Uint32Array, slot: number): void {
  bits[slot >>> 5] = (bits[slot >>> 5] as number) | (1 << (slot & 31));
}

function clearBit(bits: Uint32Array, slot: number): void {
  bits[slot >>> 5] = (bits[slot >>> 5] as number) & ~(1 << (slot & 31));
}

/** Index of the first element >= value in the sorted prefix `list[0..n)`. */
function lowerBound(list: Int32Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A string whose UTF-16 order (JavaScript's `<`) is the code point order of
 * the original (rule 5): units U+E000-FFFF move below the surrogates, which
 * move to the top, exactly as `compareCodePoints` does. Most strings have no
 * unit at or above U+D800 and are returned as they are.
 */
export function codePointSortKey(text: string): string {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) < 0xd800) i++;
  if (i === text.length) return text;
  const units: number[] = [];
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    units.push(c < 0xd800 ? c : c >= 0xe000 ? c - 0x800 : c + 0x2000);
  }
  let out = '';
  for (let j = 0; j < units.length; j += 4096) {
    out += String.fromCharCode(...units.slice(j, j + 4096));
  }
  return out;
}

/**
 * The key of a pair of unit IDs (see `unitIdOf`: small numbers given to the
 * UTF-16 units in the order they are first met). Below 2^30, which V8 keeps
 * unboxed even with pointer compression (Electron), so indexing a row
 * allocates nothing; beyond 32 767 distinct units the keys go negative.
 */
function pairKey(a: number, b: number): number {
  return a < 0x8000 && b < 0x8000 ? a * 0x8000 + b : -(a * 0x10000 + b) - 1;
}

/** The key of three unit IDs: below 2^30 while the directory uses fewer than 1 024 distinct units. */
function tripleKey(a: number, b: number, c: number): number {
  return a < 0x400 && b < 0x400 && c < 0x400
    ? a * 0x100000 + b * 0x400 + c
    : -(a * 0x100000000 + b * 0x10000 + c) - 1;
}

/** Hashed piece counters: 2^20 of them (2 MB). */
const PIECE_BUCKETS = 1 << 20;
/** A piece seen this often is tracked with its rows. */
const PIECE_HOT = 8;

/** Letters and digits of any script: what words are made of. */
function isWordUnit(c: number): boolean {
  return (
    c >= 0x80 || (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
  );
}

/**
 * The pieces of a haystack that rows commonly share, each a substring of it
 * at least 3 units long: every line (one field), the part of a line from its
 * last "@" (an email's domain), and every word of a line. Calls `visit` with
 * the piece's bounds and the hash of its units (FNV-1a, bucketed).
 */
function forEachPiece(
  text: string,
  visit: (start: number, end: number, hash: number) => void,
): void {
  const hashOf = (start: number, end: number): number => {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return (h >>> 0) & (PIECE_BUCKETS - 1);
  };
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (lineEnd - lineStart >= 3) visit(lineStart, lineEnd, hashOf(lineStart, lineEnd));
    const at = text.lastIndexOf('@', lineEnd - 1);
    if (at > lineStart && lineEnd - at >= 3) visit(at, lineEnd, hashOf(at, lineEnd));
    let i = lineStart;
    while (i < lineEnd) {
      while (i < lineEnd && !isWordUnit(text.charCodeAt(i))) i++;
      const wordStart = i;
      while (i < lineEnd && isWordUnit(text.charCodeAt(i))) i++;
      const whole = wordStart === lineStart && i === lineEnd;
      if (i - wordStart >= 3 && !whole) visit(wordStart, i, hashOf(wordStart, i));
    }
    lineStart = lineEnd + 1;
  }
}

/** Deferred order changes are merged once this many pile up, so a search never merges many. */
const MAX_DEFERRED_ROWS = 8192;

const NAME = 0;
const ROLE = 1;
const LAST_ACTIVE = 2;
const JOINED = 3;
const SORT_OF: Record<SearchQuery['sort'], number> = {
  name: NAME,
  role: ROLE,
  lastActive: LAST_ACTIVE,
  joined: JOINED,
};

/** Builds an empty index. */
export function createSearchIndex(): SearchIndex {
  let capacity = 0;
  let words = 0;
  let size = 0;
  const slotOf = new Map<number, number>();
  const freeSlots: number[] = [];
  let nextSlot = 0;

  // Per-slot columns.
  let rowIdOf: Float64Array = new Float64Array(0);
  const hay: string[] = [];
  const nameKey: string[] = [];
  const userKey: string[] = [];
  let connOf: Int32Array = new Int32Array(0);
  let roleOf: Uint8Array = new Uint8Array(0);
  let rankOf: Uint8Array = new Uint8Array(0);
  let lastActiveOf: Float64Array = new Float64Array(0);
  let joinedOf: Float64Array = new Float64Array(0);
  let namePos: Int32Array = new Int32Array(0);

  // Bitsets.
  let live: Uint32Array = new Uint32Array(0);
  let bot: Uint32Array = new Uint32Array(0);
  let deactivated: Uint32Array = new Uint32Array(0);
  let gone: Uint32Array = new Uint32Array(0);
  const byConn: Uint32Array[] = [];
  const byRole: Uint32Array[] = ROLES.map(() => new Uint32Array(0));

  const connIds: string[] = [];
  const connKeys: string[] = [];
  const connIndex = new Map<string, number>();

  const pieceCounts = new Uint16Array(PIECE_BUCKETS);
  /** 1 where some piece of the bucket is tracked, so removals look only there. */
  const pieceTracked = new Uint8Array(PIECE_BUCKETS);
  const pieceIndex = new Map<string, number>();
  const pieceTexts: string[] = [];
  /** The tracked pieces joined by "\n" (rebuilt when pieces were added), and where each starts. */
  let pieceBlob = '';
  let pieceStarts = new Int32Array(0);
  let pieceBlobCount = 0;
  const piecePostings: Posting[] = [];

  const unigram = new Map<number, Posting>();
  const trigram = new Map<number, Posting>();
  const bigram = new Map<number, Posting>();
  let densePostings = 0;
  /** Every posting that became a bitset (some may have emptied since), for `growAhead`. */
  const bitsetPostings: Posting[] = [];
  let growCursor = 0;

  // Orders (slots): four buffers of `capacity`, the first `orderLength` entries in use.
  const orders: Int32Array[] = [
    new Int32Array(0),
    new Int32Array(0),
    new Int32Array(0),
    new Int32Array(0),
  ];
  let orderLength = 0;

  /** Scratch flags by slot (1: leaving the orders), all 0 between calls. */
  let marks: Uint8Array = new Uint8Array(0);

  function growBits(old: Uint32Array): Uint32Array {
    const next = new Uint32Array(words);
    next.set(old);
    return next;
  }

  function grow(min: number): void {
    let next = Math.max(1024, capacity);
    while (next < min) next *= 2;
    if (next === capacity) return;
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
    rowIdOf = grownF64(rowIdOf);
    connOf = grownI32(connOf);
    roleOf = grownU8(roleOf);
    rankOf = grownU8(rankOf);
    lastActiveOf = grownF64(lastActiveOf);
    joinedOf = grownF64(joinedOf);
    namePos = grownI32(namePos);
    for (let o = 0; o < orders.length; o++) orders[o] = grownI32(orders[o] as Int32Array);
    capacity = next;
    words = Math.ceil(capacity / 32);
    live = growBits(live);
    bot = growBits(bot);
    deactivated = growBits(deactivated);
    gone = growBits(gone);
    for (let i = 0; i < byConn.length; i++) byConn[i] = growBits(byConn[i] as Uint32Array);
    for (let i = 0; i < byRole.length; i++) byRole[i] = growBits(byRole[i] as Uint32Array);
    // Postings' bitsets are not copied here (at 65 536 rows that is 10 MB in
    // one go): each grows when a slot past its end is first set.
  }

  function connectionIndexOf(id: string): number {
    let i = connIndex.get(id);
    if (i === undefined) {
      i = connIds.length;
      connIds.push(id);
      connKeys.push(codePointSortKey(id));
      connIndex.set(id, i);
      byConn.push(new Uint32Array(words));
    }
    return i;
  }

  // -------------------------------------------------------------------------
  // Postings

  /** Adds a slot to a posting; true if it was not in it. */
  function addTo(p: Posting, slot: number): void {
    if (p.last === slot) return;
    p.last = slot;
    if (p.bits) {
      if (!hasBit(p.bits, slot)) {
        if (slot >>> 5 >= p.bits.length) p.bits = growBits(p.bits);
        setBit(p.bits, slot);
        p.count++;
      }
      return;
    }
    let list = p.list as Int32Array;
    // Rows mostly arrive in slot order: appending needs no search.
    const at =
      p.count === 0 || (list[p.count - 1] as number) < slot
        ? p.count
        : lowerBound(list, p.count, slot);
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

  function removeFrom(p: Posting, slot: number): void {
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

  function postingAdd(table: Map<number, Posting>, key: number, slot: number): void {
    let p = table.get(key);
    if (!p) table.set(key, (p = new Posting()));
    addTo(p, slot);
  }

  function postingRemove(table: Map<number, Posting>, key: number, slot: number): void {
    const p = table.get(key);
    if (!p) return;
    removeFrom(p, slot);
    if (p.count === 0) {
      if (p.bits) densePostings--;
      table.delete(key);
    }
  }

  // -------------------------------------------------------------------------
  // Common pieces: the accelerator for long terms that match many rows

  /**
   * Counts a row's pieces in or out, and keeps the rows of every tracked
   * piece. A piece becomes tracked once its (hashed) count reaches
   * `PIECE_HOT`; rows that had it before stay unlisted, which only costs
   * them a string check later, never a wrong answer.
   */
  function indexPieces(slot: number, text: string, add: boolean): void {
    forEachPiece(text, (start, end, hash) => {
      const c = pieceCounts[hash] as number;
      if (add) {
        if (c < 0xffff) pieceCounts[hash] = c + 1;
        if (c + 1 < PIECE_HOT) return;
        const piece = text.slice(start, end);
        let at = pieceIndex.get(piece);
        if (at === undefined) {
          at = pieceTexts.length;
          pieceTexts.push(piece);
          piecePostings.push(new Posting());
          pieceIndex.set(piece, at);
          pieceTracked[hash] = 1;
        }
        addTo(piecePostings[at] as Posting, slot);
      } else {
        if (c > 0 && c < 0xffff) pieceCounts[hash] = c - 1;
        if (pieceTracked[hash] !== 1) return;
        const at = pieceIndex.get(text.slice(start, end));
        if (at !== undefined) removeFrom(piecePostings[at] as Posting, slot);
      }
    });
  }

  /** The rows certain to hold `term`: those with a tracked piece that holds it. Null: none known. */
  function certainRows(term: string): Uint32Array | null {
    // One scan of one string, not a visit to every piece: pieces never hold
    // "\n", and a term never does either.
    if (pieceBlobCount !== pieceTexts.length) {
      pieceBlob = pieceTexts.join('\n');
      pieceStarts = new Int32Array(pieceTexts.length);
      let at = 0;
      for (let i = 0; i < pieceTexts.length; i++) {
        pieceStarts[i] = at;
        at += (pieceTexts[i] as string).length + 1;
      }
      pieceBlobCount = pieceTexts.length;
    }
    let out: Uint32Array | null = null;
    for (let hit = pieceBlob.indexOf(term); hit >= 0;) {
      const i = lowerBound(pieceStarts, pieceBlobCount, hit + 1) - 1;
      const next = i + 1 < pieceBlobCount ? (pieceStarts[i + 1] as number) : pieceBlob.length;
      hit = pieceBlob.indexOf(term, next);
      const p = piecePostings[i] as Posting;
      if (p.count === 0) continue;
      out ??= new Uint32Array(words);
      if (p.bits) {
        const b = p.bits;
        const n = Math.min(words, b.length);
        for (let w = 0; w < n; w++) out[w] = (out[w] as number) | (b[w] as number);
      } else {
        const list = p.list as Int32Array;
        for (let j = 0; j < p.count; j++) setBit(out, list[j] as number);
      }
    }
    return out;
  }

  /** Small numbers for the UTF-16 units met so far (0: never met), so n-gram keys stay small. */
  const unitIds = new Int32Array(0x10000);
  let unitCount = 0;
  function unitIdOf(c: number): number {
    let id = unitIds[c] as number;
    if (id === 0) {
      id = ++unitCount;
      unitIds[c] = id;
    }
    return id;
  }

  /** Adds (or removes) a slot to the postings of every unit and pair of its text; "\n" ends a pair. */
  function indexText(slot: number, text: string, add: boolean): void {
    let prev = -1;
    let prev2 = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        prev = -1;
        prev2 = -1;
        continue;
      }
      if (add) postingAdd(unigram, c, slot);
      else postingRemove(unigram, c, slot);
      const u = unitIdOf(c);
      if (prev >= 0) {
        if (add) postingAdd(bigram, pairKey(prev, u), slot);
        else postingRemove(bigram, pairKey(prev, u), slot);
        if (prev2 >= 0) {
          if (add) postingAdd(trigram, tripleKey(prev2, prev, u), slot);
          else postingRemove(trigram, tripleKey(prev2, prev, u), slot);
        }
      }
      prev2 = prev;
      prev = u;
    }
  }

  // -------------------------------------------------------------------------
  // Orders

  function compareName(a: number, b: number): number {
    const x = nameKey[a] as string;
    const y = nameKey[b] as string;
    if (x !== y) return x < y ? -1 : 1;
    const ca = connKeys[connOf[a] as number] as string;
    const cb = connKeys[connOf[b] as number] as string;
    if (ca !== cb) return ca < cb ? -1 : 1;
    const ua = userKey[a] as string;
    const ub = userKey[b] as string;
    return ua === ub ? 0 : ua < ub ? -1 : 1;
  }

  /** The column an order sorts by first (none for the name order). */
  function keyColumn(order: number): ArrayLike<number> {
    return order === ROLE ? rankOf : order === LAST_ACTIVE ? lastActiveOf : joinedOf;
  }

  function comparerOf(order: number): (a: number, b: number) => number {
    if (order === NAME) return compareName;
    const key = keyColumn(order);
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
   * Takes `drop` (slots leaving or moving) out of every order, then merges
   * `add` (slots entering or moving, all live) back in, in sorted place.
   */
  function reorder(drop: Set<number>, add: number[]): void {
    if (marks.length < capacity) marks = new Uint8Array(capacity);
    for (const s of drop) marks[s] = 1;
    let length = orderLength;
    for (let o = 0; o < orders.length; o++) {
      const cmp = comparerOf(o);
      const order = orders[o] as Int32Array;
      // Keep the survivors, in order, in place.
      let n = orderLength;
      if (drop.size > 0) {
        n = 0;
        for (let i = 0; i < orderLength; i++) {
          const s = order[i] as number;
          if (marks[s] === 0) order[n++] = s;
        }
      }
      // Merge the newcomers in from the end, in place: each finds its place
      // by binary search, and the survivors after it move up in one copy.
      const incoming = Int32Array.from(add).sort(cmp);
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
      length = n + incoming.length;
      if (o === NAME) {
        for (let i = 0; i < length; i++) namePos[order[i] as number] = i;
      }
    }
    orderLength = length;
    for (const s of drop) marks[s] = 0;
  }

  // -------------------------------------------------------------------------
  // Changes

  function clearSlotFlags(slot: number): void {
    clearBit(live, slot);
    clearBit(bot, slot);
    clearBit(deactivated, slot);
    clearBit(gone, slot);
    clearBit(byConn[connOf[slot] as number] as Uint32Array, slot);
    clearBit(byRole[roleOf[slot] as number] as Uint32Array, slot);
  }

  /** Slots leaving the orders, and slots (re)entering them, since the last flush. */
  const drop = new Set<number>();
  let add: number[] = [];
  /** Removed slots, reusable once the orders have let go of them. */
  const freed: number[] = [];

  /** Brings the orders up to date with every change so far. */
  function flushOrder(): void {
    if (drop.size === 0 && add.length === 0) return;
    if (marks.length < capacity) marks = new Uint8Array(capacity);
    // Each live slot once: a slot may have been added, moved and removed since.
    const entering: number[] = [];
    for (const s of add) {
      if (marks[s] === 0 && hasBit(live, s)) {
        marks[s] = 2;
        entering.push(s);
      }
    }
    for (const s of entering) marks[s] = 0;
    reorder(drop, entering);
    drop.clear();
    add = [];
    for (const s of freed) freeSlots.push(s);
    freed.length = 0;
  }

  function upsert(rows: readonly IndexedRow[], options: { deferOrder?: boolean } = {}): void {
    if (rows.length === 0) return;
    // The last write of a row ID in a batch wins.
    const latest = new Map<number, IndexedRow>();
    for (const r of rows) latest.set(r.rowId, r);
    for (const r of latest.values()) {
      let slot = slotOf.get(r.rowId);
      const role = ROLE_INDEX.get(r.role) ?? 0;
      const conn = connectionIndexOf(r.connectionId);
      const last = r.lastActiveAt === null ? NaN : r.lastActiveAt;
      const joined = r.joinedAt === null ? NaN : r.joinedAt;
      const key = codePointSortKey(r.sortName);
      const uKey = codePointSortKey(r.userId);
      if (slot === undefined) {
        slot = freeSlots.pop() ?? nextSlot++;
        if (slot >= capacity) grow(slot + 1);
        slotOf.set(r.rowId, slot);
        rowIdOf[slot] = r.rowId;
        size++;
        add.push(slot);
        indexText(slot, r.searchText, true);
        indexPieces(slot, r.searchText, true);
      } else {
        const moved =
          nameKey[slot] !== key ||
          userKey[slot] !== uKey ||
          connOf[slot] !== conn ||
          rankOf[slot] !== r.roleRank ||
          !Object.is(lastActiveOf[slot], last) ||
          !Object.is(joinedOf[slot], joined);
        if (moved) {
          drop.add(slot);
          add.push(slot);
        }
        if (hay[slot] !== r.searchText) {
          indexText(slot, hay[slot] as string, false);
          indexPieces(slot, hay[slot] as string, false);
          indexText(slot, r.searchText, true);
          indexPieces(slot, r.searchText, true);
        }
        clearSlotFlags(slot);
      }
      hay[slot] = r.searchText;
      nameKey[slot] = key;
      userKey[slot] = uKey;
      connOf[slot] = conn;
      roleOf[slot] = role;
      rankOf[slot] = r.roleRank;
      lastActiveOf[slot] = last;
      joinedOf[slot] = joined;
      setBit(live, slot);
      if (r.isBot) setBit(bot, slot);
      if (r.deactivated) setBit(deactivated, slot);
      if (r.gone) setBit(gone, slot);
      setBit(byConn[conn] as Uint32Array, slot);
      setBit(byRole[role] as Uint32Array, slot);
    }
    if (!options.deferOrder || add.length + drop.size >= MAX_DEFERRED_ROWS) flushOrder();
    if (nextSlot > capacity * 0.9) growAhead(rows.length);
  }

  /**
   * In the last tenth before a capacity doubling, grows a few postings'
   * bitsets to the next capacity per batch, so the first rows past the
   * doubling do not grow a thousand of them at once (10 MB of copies in one
   * turn at 65 536 rows). Not earlier: a grown bitset costs twice the memory.
   */
  function growAhead(rows: number): void {
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

  function remove(rowIds: readonly number[]): void {
    let any = false;
    for (const id of rowIds) {
      const slot = slotOf.get(id);
      if (slot === undefined) continue;
      indexText(slot, hay[slot] as string, false);
      indexPieces(slot, hay[slot] as string, false);
      clearSlotFlags(slot);
      hay[slot] = '';
      nameKey[slot] = '';
      userKey[slot] = '';
      slotOf.delete(id);
      drop.add(slot);
      freed.push(slot);
      size--;
      any = true;
    }
    if (any) flushOrder();
  }

  function setGone(rowIds: readonly number[], value: boolean): void {
    for (const id of rowIds) {
      const slot = slotOf.get(id);
      if (slot === undefined) continue;
      if (value) setBit(gone, slot);
      else clearBit(gone, slot);
    }
  }

  /** Drops everything at once (not row by row: a rebuild of 100 000 rows starts here). */
  function clear(): void {
    capacity = 0;
    words = 0;
    size = 0;
    nextSlot = 0;
    slotOf.clear();
    freeSlots.length = 0;
    rowIdOf = new Float64Array(0);
    hay.length = 0;
    nameKey.length = 0;
    userKey.length = 0;
    connOf = new Int32Array(0);
    roleOf = new Uint8Array(0);
    rankOf = new Uint8Array(0);
    lastActiveOf = new Float64Array(0);
    joinedOf = new Float64Array(0);
    namePos = new Int32Array(0);
    live = new Uint32Array(0);
    bot = new Uint32Array(0);
    deactivated = new Uint32Array(0);
    gone = new Uint32Array(0);
    byConn.fill(new Uint32Array(0));
    byRole.fill(new Uint32Array(0));
    pieceCounts.fill(0);
    pieceTracked.fill(0);
    pieceIndex.clear();
    pieceTexts.length = 0;
    piecePostings.length = 0;
    pieceBlob = '';
    pieceStarts = new Int32Array(0);
    pieceBlobCount = 0;
    unigram.clear();
    bigram.clear();
    trigram.clear();
    densePostings = 0;
    bitsetPostings.length = 0;
    growCursor = 0;
    orders.fill(new Int32Array(0));
    orderLength = 0;
    marks = new Uint8Array(0);
    drop.clear();
    add = [];
    freed.length = 0;
  }

  // -------------------------------------------------------------------------
  // Queries

  /** The filter of rule 4 as a fresh bitset. */
  function filterBits(spec: IndexSpec): Uint32Array {
    const out = new Uint32Array(words);
    out.set(live);
    const orInto = (sets: Uint32Array[]): void => {
      for (let i = 0; i < words; i++) {
        let w = 0;
        for (const s of sets) w |= s[i] as number;
        out[i] = (out[i] as number) & w;
      }
    };
    if (spec.connectionIds.length > 0) {
      const sets: Uint32Array[] = [];
      for (const id of new Set(spec.connectionIds)) {
        const i = connIndex.get(id);
        if (i !== undefined) sets.push(byConn[i] as Uint32Array);
      }
      orInto(sets);
    }
    if (spec.roles.length > 0) {
      const sets: Uint32Array[] = [];
      for (const r of new Set(spec.roles)) {
        const i = ROLE_INDEX.get(r);
        if (i !== undefined) sets.push(byRole[i] as Uint32Array);
      }
      orInto(sets);
    }
    if (spec.accounts !== 'all') {
      const wantBot = spec.accounts === 'bots';
      for (let i = 0; i < words; i++) {
        const b = bot[i] as number;
        out[i] = (out[i] as number) & (wantBot ? b : ~b);
      }
    }
    if (spec.status !== 'all') {
      const wantInactive = spec.status === 'deactivated';
      for (let i = 0; i < words; i++) {
        const inactive = (deactivated[i] as number) | (gone[i] as number);
        out[i] = (out[i] as number) & (wantInactive ? inactive : ~inactive);
      }
    }
    return out;
  }

  function postingHas(p: Posting, slot: number): boolean {
    if (p.bits) return hasBit(p.bits, slot);
    const list = p.list as Int32Array;
    const at = lowerBound(list, p.count, slot);
    return at < p.count && list[at] === slot;
  }

  /** The postings a term must be in: its unit, its pair, or every pair of it. Null: none can match. */
  function postingsOf(term: string): Posting[] | null {
    if (term.length === 1) {
      const p = unigram.get(term.charCodeAt(0));
      return p ? [p] : null;
    }
    const ids: number[] = [];
    for (let i = 0; i < term.length; i++) {
      const id = unitIds[term.charCodeAt(i)] as number;
      if (id === 0) return null; // A unit no row has.
      ids.push(id);
    }
    const keys = new Set<number>();
    if (ids.length === 2) keys.add(pairKey(ids[0] as number, ids[1] as number));
    for (let i = 0; i + 2 < ids.length; i++) {
      keys.add(tripleKey(ids[i] as number, ids[i + 1] as number, ids[i + 2] as number));
    }
    const map = term.length === 2 ? bigram : trigram;
    const out: Posting[] = [];
    for (const k of keys) {
      const p = map.get(k);
      if (!p) return null;
      out.push(p);
    }
    return out.sort((a, b) => a.count - b.count);
  }

  /** `current` narrowed to the slots whose haystack holds `term` (rule 3). */
  function narrow(current: SlotSet, term: string): SlotSet {
    const postings = postingsOf(term);
    if (postings === null) return { kind: 'list', slots: new Int32Array(0), n: 0 };
    const verify = term.length > 3;
    // Rows known to hold the term through a common piece skip the string check.
    const sure = verify ? certainRows(term) : null;
    const first = postings[0] as Posting;
    const keep = (slot: number, from: number): boolean => {
      for (let i = from; i < postings.length; i++) {
        if (!postingHas(postings[i] as Posting, slot)) return false;
      }
      if (!verify || (sure !== null && hasBit(sure, slot))) return true;
      return (hay[slot] as string).includes(term);
    };
    if (current.kind === 'list') {
      const out = new Int32Array(current.n);
      let n = 0;
      for (let i = 0; i < current.n; i++) {
        const s = current.slots[i] as number;
        if (keep(s, 0)) out[n++] = s;
      }
      return { kind: 'list', slots: out, n };
    }
    const bits = current.bits;
    if (first.list) {
      // A rare posting leads: walk it, test the rest.
      const list = first.list;
      const out = new Int32Array(first.count);
      let n = 0;
      for (let i = 0; i < first.count; i++) {
        const s = list[i] as number;
        if (hasBit(bits, s) && keep(s, 1)) out[n++] = s;
      }
      return { kind: 'list', slots: out, n };
    }
    // Every posting is a bitset: AND the words, then verify the survivors.
    const out = new Uint32Array(words);
    for (let i = 0; i < words; i++) {
      let w = bits[i] as number;
      for (let j = 0; j < postings.length && w !== 0; j++) {
        w &= wordAt((postings[j] as Posting).bits as Uint32Array, i);
      }
      out[i] = w;
    }
    if (verify) {
      for (let i = 0; i < words; i++) {
        let w = (out[i] as number) & ~(sure === null ? 0 : (sure[i] as number));
        while (w !== 0) {
          const low = w & -w;
          const s = i * 32 + (31 - Math.clz32(low));
          if (!(hay[s] as string).includes(term)) out[i] = (out[i] as number) & ~low;
          w ^= low;
        }
      }
    }
    return { kind: 'bits', bits: out };
  }

  /** The matches of a query's filter and terms. */
  function matches(spec: IndexSpec): { bits: Uint32Array; total: number } {
    let set: SlotSet = { kind: 'bits', bits: filterBits(spec) };
    // Rarest first: each later term then only tests the survivors.
    const terms = [...new Set(searchTerms(spec.text))]
      .map((t) => ({ t, rank: postingsOf(t)?.[0]?.count ?? -1 }))
      .sort((a, b) => a.rank - b.rank);
    for (const { t } of terms) {
      set = narrow(set, t);
      if (set.kind === 'list' && set.n === 0) break;
    }
    if (set.kind === 'bits') return { bits: set.bits, total: countBits(set.bits) };
    const bits = new Uint32Array(words);
    for (let i = 0; i < set.n; i++) setBit(bits, set.slots[i] as number);
    return { bits, total: set.n };
  }

  /**
   * Calls `visit` for the matching slots in the order of rule 5, stopping
   * when it returns false.
   */
  function walk(
    sort: SearchQuery['sort'],
    direction: SearchQuery['direction'],
    bits: Uint32Array,
    visit: (slot: number) => boolean,
  ): void {
    const o = SORT_OF[sort];
    const order = orders[o] as Int32Array;
    const n = orderLength;
    if (direction === 'asc') {
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
    // Descending by a key: groups of equal keys from the last, each in name
    // order; rows without a value (NaN, at the end) stay last.
    const key = keyColumn(o);
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

  function search(query: SearchQuery): { total: number; rowIds: number[] } {
    flushOrder();
    const { bits, total } = matches(query);
    const rowIds: number[] = [];
    if (total === 0 || query.offset >= total || query.limit <= 0) return { total, rowIds };
    let skip = query.offset;
    walk(query.sort, query.direction, bits, (s) => {
      if (skip > 0) {
        skip--;
        return true;
      }
      rowIds.push(rowIdOf[s] as number);
      return rowIds.length < query.limit;
    });
    return { total, rowIds };
  }

  function searchAll(spec: IndexSpec): number[] {
    flushOrder();
    const { bits, total } = matches(spec);
    const rowIds: number[] = [];
    if (total === 0) return rowIds;
    walk(spec.sort, spec.direction, bits, (s) => {
      rowIds.push(rowIdOf[s] as number);
      return true;
    });
    return rowIds;
  }

  function stats(): SearchIndexStats {
    let typed =
      capacity * (8 + 4 + 1 + 1 + 8 + 8 + 4) +
      words * 4 * (4 + byConn.length + byRole.length) +
      orders.reduce((sum, o) => sum + o.byteLength, 0);
    for (const table of [unigram, bigram, trigram]) {
      for (const p of table.values())
        typed += p.bits ? p.bits.byteLength : (p.list?.byteLength ?? 0);
    }
    for (const p of piecePostings) typed += p.bits ? p.bits.byteLength : (p.list?.byteLength ?? 0);
    let chars = 0;
    for (const s of slotOf.values()) {
      chars += (hay[s] as string).length;
      if (nameKey[s] !== undefined) chars += (nameKey[s] as string).length;
    }
    return {
      rows: size,
      slots: nextSlot,
      unigrams: unigram.size,
      bigrams: bigram.size,
      trigrams: trigram.size,
      densePostings,
      pieces: pieceTexts.length,
      typedBytes: typed,
      stringChars: chars,
    };
  }

  return {
    upsert,
    flushOrder,
    get pendingOrder() {
      return add.length + drop.size;
    },
    setGone,
    remove,
    clear,
    get size() {
      return size;
    },
    has: (rowId) => slotOf.has(rowId),
    search,
    searchAll,
    stats,
  };
}
