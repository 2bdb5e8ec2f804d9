/**
 * The bulk builds of the index's text tables (a launch without a saved
 * index, the end of a first sync): the n-grams of ngram-postings.ts and the
 * word starts of word-starts.ts, in the two passes of bulk-postings.ts.
 * The packed postings are those of the same passes with every key hashed
 * (`BulkTable.idOf`), byte for byte (test/core/bulk-text-build.test.ts),
 * but most keys find their ID without being hashed: a unit's by its code,
 * a pair's in a direct table of small unit IDs, a triple's by its pair's
 * ID and its last unit in a table of small integers. A directory's texts
 * use a few hundred units, so nearly every key takes these paths; keys
 * with units past the first 1 023 are hashed as before. At 100 000 users
 * the hashing passes, one hash per n-gram met twice, took about 2.5 s of a
 * 6.5 s build.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { BulkTable, runPasses } from './bulk-postings';
import { pairKey, tripleKey } from './ngram-keys';
import type { PackedPostings } from './posting-table';
import { isWordStart } from './relevance';

/** Unit IDs below this have their pairs in a direct table (its square of entries: 4 MB). */
const DIRECT_UNITS = 1024;

/** Pair IDs below this key their triples (with a unit below `DIRECT_UNITS`) by one number under 2^30. */
const DIRECT_PAIRS = 1 << 20;

/** The key a table files a triple of units (or unit IDs) under. */
type TripleKeyOf = (a: number, b: number, c: number) => number;

/**
 * Triple IDs by `pair ID × DIRECT_UNITS + unit ID` (never 0: unit IDs start
 * at 1), in an open-addressing table with a multiplicative hash; new
 * triples take the next ID of `table`, under the key `keyOf` gives.
 */
class TripleIds {
  /** The lookup key of each triple ID; 0 for one filed by key (`BulkTable.idOf`). */
  private lookups = new Int32Array(1024);
  /** Triple IDs + 1 by hash; 0: empty. */
  private cells = new Int32Array(1024);
  /** 32 − log2(cells): the top bits of the product pick a cell. */
  private shift = 22;
  private count = 0;

  constructor(
    private readonly table: BulkTable,
    private readonly keyOf: TripleKeyOf,
  ) {}

  idOf(lookup: number, a: number, b: number, c: number): number {
    const cells = this.cells;
    const lookups = this.lookups;
    const mask = cells.length - 1;
    let h = Math.imul(lookup, 0x9e3779b1) >>> this.shift;
    for (let cell = cells[h] as number; cell !== 0; cell = cells[h] as number) {
      if (lookups[cell - 1] === lookup) return cell - 1;
      h = (h + 1) & mask;
    }
    const id = this.table.append(this.keyOf(a, b, c));
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
 * Builds the unigram, bigram and trigram tables of ngram-postings.ts over
 * `texts` (by slot; "" for a free one), yielding every `slotsPerStep`
 * slots: every unit, pair and triple of adjacent units of a line, the
 * pairs and triples keyed by unit IDs (`unitIdOf`, which gives them in the
 * order units are first met). `directPairs` is for tests: fewer pair IDs
 * key triples directly, the rest are hashed.
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
  const trigramIds = new TripleIds(trigrams, tripleKey);
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

  return yield* runPasses([unigrams, bigrams, trigrams], slots, words, visit, slotsPerStep);
}

/** The key of a word start's first units (16 bits each), as word-starts.ts files it. */
const startKey: TripleKeyOf = (a, b, c) => (a * 0x10000 + b) * 0x10000 + c;

/** The three tables of word starts of one kind of text (names or haystacks), and the ways to their IDs. */
class StartTables {
  readonly ones = new BulkTable();
  readonly twos = new BulkTable();
  readonly threes = new BulkTable();
  /** ID + 1 in `ones` by unit; 0: not met. */
  readonly oneIds = new Int32Array(0x10000);
  /** ID + 1 in `twos` by `a × DIRECT_UNITS + b` for small unit IDs below `DIRECT_UNITS`; 0: not met. */
  readonly twoIds = new Int32Array(DIRECT_UNITS * DIRECT_UNITS);
  readonly threeIds = new TripleIds(this.threes, startKey);
}

/**
 * Builds the word-start tables of word-starts.ts over `names` and `hays`
 * (by slot; "" for a free one), yielding every `slotsPerStep` slots: for
 * each word start (relevance.ts `isWordStart`), its first one, two and
 * three units that stay within a line, keyed by their codes. The names'
 * three tables, then the haystacks'. `directPairs` as for
 * `buildNgramTables`.
 */
export function* buildStartTables(
  names: readonly string[],
  hays: readonly string[],
  words: number,
  slotsPerStep: number,
  directPairs = DIRECT_PAIRS,
): Generator<void, PackedPostings[]> {
  const inNames = new StartTables();
  const inHays = new StartTables();
  /** Small IDs (from 1) of the units met, for the direct tables. */
  const unitIds = new Int32Array(0x10000);
  let units = 0;
  const unitIdOf = (c: number): number => {
    let id = unitIds[c] as number;
    if (id === 0) {
      id = ++units;
      unitIds[c] = id;
    }
    return id;
  };

  /** Counts (first pass) or files (second) slot `slot` under every word start of `text`. */
  function visitText(t: StartTables, text: string, slot: number, fill: boolean): void {
    const n = text.length;
    for (let at = 0; at < n; at++) {
      if (!isWordStart(text, at)) continue;
      const c1 = text.charCodeAt(at);
      if (c1 === 10) continue;
      let one = (t.oneIds[c1] as number) - 1;
      if (one < 0) {
        one = t.ones.append(c1);
        t.oneIds[c1] = one + 1;
      }
      if (fill) t.ones.fillSlot(one, slot);
      else t.ones.countSlot(one, slot);
      const c2 = at + 1 < n ? text.charCodeAt(at + 1) : 10;
      if (c2 === 10) continue;
      const a = unitIdOf(c1);
      const b = unitIdOf(c2);
      let two: number;
      if (a < DIRECT_UNITS && b < DIRECT_UNITS) {
        const cell = a * DIRECT_UNITS + b;
        two = (t.twoIds[cell] as number) - 1;
        if (two < 0) {
          two = t.twos.append(c1 * 0x10000 + c2);
          t.twoIds[cell] = two + 1;
        }
      } else two = t.twos.idOf(c1 * 0x10000 + c2);
      if (fill) t.twos.fillSlot(two, slot);
      else t.twos.countSlot(two, slot);
      const c3 = at + 2 < n ? text.charCodeAt(at + 2) : 10;
      if (c3 === 10) continue;
      const c = unitIdOf(c3);
      const three =
        c < DIRECT_UNITS && two < directPairs
          ? t.threeIds.idOf(two * DIRECT_UNITS + c, c1, c2, c3)
          : t.threes.idOf(startKey(c1, c2, c3));
      if (fill) t.threes.fillSlot(three, slot);
      else t.threes.countSlot(three, slot);
    }
  }

  const visit = (slot: number, fill: boolean): void => {
    visitText(inNames, names[slot] as string, slot, fill);
    visitText(inHays, hays[slot] as string, slot, fill);
  };
  const tables = [inNames, inHays].flatMap((t) => [t.ones, t.twos, t.threes]);
  return yield* runPasses(tables, hays.length, words, visit, slotsPerStep);
}
