/**
 * The n-gram postings of the search index: for every UTF-16 unit, pair and
 * triple of adjacent units of the haystacks (never across a "\n"), the
 * slots that hold it. A term of one or two units IS its posting; a longer
 * one must be in the posting of each of its triples (they only prove
 * absence: the survivors are checked with `includes`).
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { pairKey, tripleKey } from './ngram-keys';
import { PostingTable } from './posting-table';
import type { Posting, PostingPool } from './postings';
import type { SlotColumns } from './slot-columns';
import { buildNgramTables } from './text-bulk';

/** The n-gram tables of one index. */
export interface NgramPostings {
  /** Adds (or removes) a slot to the postings of every unit, pair and triple of its text. */
  indexText(slot: number, text: string, add: boolean): void;
  /**
   * The postings a term must be in, fewest slots first: its unit, its pair,
   * or every triple of it. Null: none can match.
   */
  postingsOf(term: string): Posting[] | null;
  /** Drops every posting; unit IDs are kept. */
  clear(): void;
  /** Bytes of the postings' typed arrays. */
  typedBytes(): number;
  readonly unigrams: number;
  readonly bigrams: number;
  readonly trigrams: number;
  /** What it holds, by reference, for a snapshot (index-state.ts); treat as read-only. */
  state(): NgramState;
  /** Replaces what it holds with `state` (a snapshot's, checked by its reader), taking its tables over. */
  restore(state: NgramState): void;
  /**
   * Builds every table from scratch over `texts` (by slot; "" for a free
   * one), in bulk (text-bulk.ts), a slice of slots per step.
   */
  rebuild(texts: readonly string[], slotsPerStep: number): Generator<void, Posting[]>;
}

/** The n-gram tables and unit IDs, as a snapshot carries them. */
export interface NgramState {
  unitIds: Int32Array;
  unitCount: number;
  /** Unigrams, bigrams, trigrams. */
  tables: readonly [PostingTable, PostingTable, PostingTable];
}

/** Empty tables over `cols`, writing through `pool`. */
export function createNgramPostings(cols: SlotColumns, pool: PostingPool): NgramPostings {
  const { addToKey, removeFromKey } = pool;
  let unigram = new PostingTable();
  let trigram = new PostingTable();
  let bigram = new PostingTable();

  /** Small numbers for the UTF-16 units met so far (0: never met), so n-gram keys stay small. */
  let unitIds: Int32Array = new Int32Array(0x10000);
  let unitCount = 0;
  function unitIdOf(c: number): number {
    let id = unitIds[c] as number;
    if (id === 0) {
      id = ++unitCount;
      unitIds[c] = id;
    }
    return id;
  }

  function indexText(slot: number, text: string, add: boolean): void {
    const words = cols.words;
    let prev = -1;
    let prev2 = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        prev = -1;
        prev2 = -1;
        continue;
      }
      if (add) addToKey(unigram, c, slot, words);
      else removeFromKey(unigram, c, slot);
      const u = unitIdOf(c);
      if (prev >= 0) {
        if (add) addToKey(bigram, pairKey(prev, u), slot, words);
        else removeFromKey(bigram, pairKey(prev, u), slot);
        if (prev2 >= 0) {
          if (add) addToKey(trigram, tripleKey(prev2, prev, u), slot, words);
          else removeFromKey(trigram, tripleKey(prev2, prev, u), slot);
        }
      }
      prev2 = prev;
      prev = u;
    }
  }

  /** Returns the bitset postings it made, for the pool to grow ahead. */
  function* rebuild(texts: readonly string[], slotsPerStep: number): Generator<void, Posting[]> {
    const packed = yield* buildNgramTables(texts, cols.words, unitIdOf, slotsPerStep);
    const tables: PostingTable[] = [];
    for (const p of packed) tables.push(yield* PostingTable.over(p));
    [unigram, bigram, trigram] = tables as [PostingTable, PostingTable, PostingTable];
    return tables.flatMap((t) => t.bitsets());
  }

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

  function clear(): void {
    unigram.clear();
    bigram.clear();
    trigram.clear();
  }

  function typedBytes(): number {
    return unigram.typedBytes() + bigram.typedBytes() + trigram.typedBytes();
  }

  function restore(state: NgramState): void {
    unitIds = state.unitIds;
    unitCount = state.unitCount;
    // Taken over, not copied: a copy of 10^6 entries held the loop for tens of ms.
    [unigram, bigram, trigram] = state.tables;
  }

  return {
    indexText,
    postingsOf,
    clear,
    typedBytes,
    state: () => ({ unitIds, unitCount, tables: [unigram, bigram, trigram] }),
    restore,
    rebuild,
    get unigrams() {
      return unigram.size;
    },
    get bigrams() {
      return bigram.size;
    },
    get trigrams() {
      return trigram.size;
    },
  };
}
