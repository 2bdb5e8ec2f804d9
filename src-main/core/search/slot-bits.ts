/**
 * The primitives the search index is made of: bitsets with one bit per slot
 * (filters, common postings, match sets) and sorted slot lists (rare
 * postings, sorted prefixes).
 *
 * The other parts of the index bind the helpers they call in hot loops to
 * module constants once (`const { hasBit } = slotBits`) rather than calling
 * the imports: under Vite's module runner, which runs the tests and the
 * benchmarks, every use of an import reads a getter, and per slot that
 * made queries several times slower. Keep new hot-loop calls bound the same way.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */

/** Set bits of one 32-bit word (query-execution.ts counts facets with it). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The number of set bits: a match set's total without visiting its slots. */
export function countBits(bits: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const w = bits[i] as number;
    if (w !== 0) n += popcount32(w);
  }
  return n;
}

/** Whether `slot` is in a bitset, which may be shorter than the index. */
export function hasBit(bits: Uint32Array, slot: number): boolean {
  const w = slot >>> 5;
  // A posting's bitset may be shorter than the index (it grows when written): past it, unset.
  return w < bits.length && ((bits[w] as number) & (1 << (slot & 31))) !== 0;
}

/** Word `i` of a bitset that may be shorter than the index: 0 past its end. */
export function wordAt(bits: Uint32Array, i: number): number {
  return i < bits.length ? (bits[i] as number) : 0;
}

/** Puts `slot` in a bitset long enough to hold it. */
export function setBit(bits: Uint32Array, slot: number): void {
  bits[slot >>> 5] = (bits[slot >>> 5] as number) | (1 << (slot & 31));
}

/** Takes `slot` out of a bitset long enough to hold it. */
export function clearBit(bits: Uint32Array, slot: number): void {
  bits[slot >>> 5] = (bits[slot >>> 5] as number) & ~(1 << (slot & 31));
}

/** A copy of `old` at `words` words: bitsets follow the index's capacity. */
export function growBits(old: Uint32Array, words: number): Uint32Array {
  const next = new Uint32Array(words);
  next.set(old);
  return next;
}

/** Index of the first element >= value in the sorted prefix `list[0..n)`. */
export function lowerBound(list: Int32Array, n: number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
