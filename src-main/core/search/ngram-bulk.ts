/**
 * The n-gram tables of a bulk build (ngram-postings.ts `rebuild`: a launch
 * without a saved index, or the end of a first sync). The same two passes
 * and the same packed postings as bulk-postings.ts `buildPackedPostings`
 * over the same n-grams, byte for byte, but most n-grams find their ID
 * without hashing a key: a unit's by its code, a pair's in a direct table
 * of unit IDs, a triple's by its pair's ID and its last unit in a table of
 * small integers. A directory's haystacks use a few hundred units, so
 * nearly every n-gram takes these paths; rarer ones (past 1 023 units)
 * are hashed as before. At 100 000 users the generic passes, one hash per
 * n-gram met twice, took about 2.5 s of a 6.5 s build.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { BulkTable, layOutTables } from './bulk-postings';
import { pairKey, tripleKey } from './ngram-keys';
import type { PackedPostings } from './posting-table';

/** Unit IDs below this have their pairs in a direct table (its square of entries: 4 MB). */
const DIRECT_UNITS = 1024;

/** Pair IDs below this key their triples (with a unit below `DIRECT_UNITS`) by one number under 2^30. */
const DIRECT_PAIRS = 1 << 20;

/**
 * Triple IDs by `pair ID × DIRECT_UNITS + unit ID` (never 0: unit IDs start
 * at 1), in an open-addressing table with a multiplicative hash; new
 * triples take the next ID of `table`.
 */
class TripleIds {
  /** The lookup key of each triple ID; 0 for one filed by key (`BulkTable.idOf`). */
  private lookups = new Int32Array(1024);
  /** Triple IDs + 1 by hash; 0: empty. */
  private cells = new Int32Array(1024);
  /** 32 − log2(cells): the top bits of the product pick a cell. */
  private shift = 22;
  private count = 0;

  constructor(private readonly table: BulkTable) {}

  idOf(lookup: number, a: number, b: number, c: number): number {
    const cells = this.cells;
    const lookups = this.lookups;
    const mask = cells.length - 1;
    let h = Math.imul(lookup, 0x9e3779b1) >>> this.shift;
    for (let cell = cells[h] as number; cell !== 0; cell = cells[h] as number) {
      if (lookups[cell - 1] === lookup) return cell - 1;
      h = (h + 1) & mask;
    }
    const id = this.table.append(tripleKey(a, b, c));
    if (id >= lookups.length) this.growLookups(id);
    (this.lookups as Int32Array)[id] = lookup;
    this.count++;
    if (this.count * 2 > cells.length) this.rehash();
    else cells[h] = id + 1;
    return id;
  }

  private growLookups(id: number): void {
    const next = new Int32Array(Math.max(id + 1, this.lookups.length * 2));
    next.set(this.lookups);
    this.lookups = next;
  }

  private rehash(): void {
    const cells = new Int32Array(this.cells.length * 2);
    const mask = cells.length - 1;
    this.shift--;
    const lookups = this.lookups;
    const n = Math.min(this.table.size, lookups.length);
    for (let id = 0; id < n; id++) {
      const lookup = lookups[id] as number;
      if (lookup === 0) continue;
      let h = Math.imul(lookup, 0x9e3779b1) >>> this.shift;
      while (cells[h] !== 0) h = (h + 1) & mask;
      cells[h] = id + 1;
    }
    this.cells = cells;
  }
}

/**
 * Builds the unigram, bigram and trigram tables over `texts` (by slot; ""
 * for a free one), yielding every `slotsPerStep` slots, exactly as
 * `buildPackedPostings` over ngram-postings.ts's n-grams would:
 * `unitIdOf` gives each unit its ID in the same order. `directPairs` is
 * for tests: fewer pair IDs key triples directly, the rest are hashed.
 */
export function* buildNgramTables(
  texts: readonly string[],
  words: number,
  unitIdOf: (unit: number) => number,
  slotsPerStep: number,
  directPairs = DIRECT_PAIRS,
): Generator<void, PackedPostings[]> {
  const unigrams = new BulkTable();
  const bigrams = new BulkTable();
  const trigrams = new BulkTable();
  /** Unigram ID + 1 by UTF-16 unit; 0: not met. */
  const unigramIds = new Int32Array(0x10000);
  /** Bigram ID + 1 by `a × DIRECT_UNITS + b` for unit IDs below `DIRECT_UNITS`; 0: not met. */
  const bigramIds = new Int32Array(DIRECT_UNITS * DIRECT_UNITS);
  const trigramIds = new TripleIds(trigrams);
  const slots = texts.length;

  /** Counts (first pass) or files (second) slot `slot` under every n-gram of its text. */
  function visit(slot: number, fill: boolean): void {
    const text = texts[slot] as string;
    let prev = -1;
    let prev2 = -1;
    /** The ID of the pair (prev2, prev); -1: none. */
    let prevPair = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        prev = -1;
        prev2 = -1;
        prevPair = -1;
        continue;
      }
      let one = (unigramIds[c] as number) - 1;
      if (one < 0) {
        one = unigrams.append(c);
        unigramIds[c] = one + 1;
      }
      if (fill) unigrams.fillSlot(one, slot);
      else unigrams.countSlot(one, slot);
      const u = unitIdOf(c);
      if (prev >= 0) {
        let two: number;
        if (prev < DIRECT_UNITS && u < DIRECT_UNITS) {
          const at = prev * DIRECT_UNITS + u;
          two = (bigramIds[at] as number) - 1;
          if (two < 0) {
            two = bigrams.append(pairKey(prev, u));
            bigramIds[at] = two + 1;
          }
        } else two = bigrams.idOf(pairKey(prev, u));
        if (fill) bigrams.fillSlot(two, slot);
        else bigrams.countSlot(two, slot);
        if (prev2 >= 0) {
          const three =
            u < DIRECT_UNITS && prevPair < directPairs
              ? trigramIds.idOf(prevPair * DIRECT_UNITS + u, prev2, prev, u)
              : trigrams.idOf(tripleKey(prev2, prev, u));
          if (fill) trigrams.fillSlot(three, slot);
          else trigrams.countSlot(three, slot);
        }
        prevPair = two;
      }
      prev2 = prev;
      prev = u;
    }
  }

  for (let slot = 0; slot < slots; slot++) {
    visit(slot, false);
    if (slot % slotsPerStep === slotsPerStep - 1) yield;
  }
  const built = [unigrams, bigrams, trigrams];
  yield* layOutTables(built, slots, words);
  for (let slot = 0; slot < slots; slot++) {
    visit(slot, true);
    if (slot % slotsPerStep === slotsPerStep - 1) yield;
  }
  return built.map((t) => t.packed());
}
