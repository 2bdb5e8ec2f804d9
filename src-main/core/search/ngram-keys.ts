/**
 * The keys of the n-gram tables (ngram-postings.ts), from unit IDs: small
 * numbers given to the UTF-16 units in the order they are first met. A
 * saved index carries these keys, so they never change meaning.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */

/**
 * The key of a pair of unit IDs. Below 2^30, which V8 keeps unboxed even
 * with pointer compression (Electron), so indexing a row allocates
 * nothing; beyond 32 767 distinct units the keys go negative.
 */
export function pairKey(a: number, b: number): number {
  return a < 0x8000 && b < 0x8000 ? a * 0x8000 + b : -(a * 0x10000 + b) - 1;
}

/** The key of three unit IDs: below 2^30 while the directory uses fewer than 1 024 distinct units. */
export function tripleKey(a: number, b: number, c: number): number {
  return a < 0x400 && b < 0x400 && c < 0x400
    ? a * 0x100000 + b * 0x400 + c
    : -(a * 0x100000000 + b * 0x10000 + c) - 1;
}
