/**
 * How the search index answers a query (rules 3-6 of search-text.ts): the
 * filter's bitset narrowed term by term, rarest term first, through the
 * n-gram postings (with a string check only where they cannot prove a
 * match), then one sort order walked for the page.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { SearchQuery } from '@shared/model';
import type { CommonPieces } from './common-pieces';
import { filterBits } from './filter-bits';
import type { NgramPostings } from './ngram-postings';
import * as postingOps from './postings';
import type { Posting } from './postings';
import { searchTerms } from './search-text';
import * as slotBits from './slot-bits';
import type { SlotColumns } from './slot-columns';
import type { SortOrders } from './sort-orders';

// Bound once (see slot-bits.ts): a query tests candidates one by one.
const { postingHas } = postingOps;
const { countBits, hasBit, setBit, wordAt } = slotBits;

/** A search without its window: what an export or a count asks. */
export type IndexSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/** Sets of slots during a query: a sorted list or a bitset. */
type SlotSet = { kind: 'list'; slots: Int32Array; n: number } | { kind: 'bits'; bits: Uint32Array };

/** The queries of one index. */
export interface QueryExecution {
  /** Rules 3-6: the total and the row IDs of the page, in order. */
  search(query: SearchQuery): { total: number; rowIds: number[] };
  /** Every match in order (exports). */
  searchAll(spec: IndexSpec): number[];
}

/** Queries over the parts of one index; each flushes the orders first. */
export function createQueryExecution(
  cols: SlotColumns,
  ngrams: NgramPostings,
  pieces: CommonPieces,
  orders: SortOrders,
): QueryExecution {
  const { postingsOf } = ngrams;
  const { certainRows } = pieces;
  const { hay } = cols;

  /** `current` narrowed to the slots whose haystack holds `term` (rule 3). */
  function narrow(current: SlotSet, term: string): SlotSet {
    const words = cols.words;
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
    let set: SlotSet = { kind: 'bits', bits: filterBits(cols, spec) };
    // Rarest first: each later term then only tests the survivors.
    const terms = [...new Set(searchTerms(spec.text))]
      .map((t) => ({ t, rank: postingsOf(t)?.[0]?.count ?? -1 }))
      .sort((a, b) => a.rank - b.rank);
    for (const { t } of terms) {
      set = narrow(set, t);
      if (set.kind === 'list' && set.n === 0) break;
    }
    if (set.kind === 'bits') return { bits: set.bits, total: countBits(set.bits) };
    const bits = new Uint32Array(cols.words);
    for (let i = 0; i < set.n; i++) setBit(bits, set.slots[i] as number);
    return { bits, total: set.n };
  }

  function search(query: SearchQuery): { total: number; rowIds: number[] } {
    orders.flush();
    const { bits, total } = matches(query);
    const rowIds: number[] = [];
    if (total === 0 || query.offset >= total || query.limit <= 0) return { total, rowIds };
    const rowIdOf = cols.rowIdOf;
    let skip = query.offset;
    orders.walk(query.sort, query.direction, bits, (s) => {
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
    orders.flush();
    const { bits, total } = matches(spec);
    const rowIds: number[] = [];
    if (total === 0) return rowIds;
    const rowIdOf = cols.rowIdOf;
    orders.walk(spec.sort, spec.direction, bits, (s) => {
      rowIds.push(rowIdOf[s] as number);
      return true;
    });
    return rowIds;
  }

  return { search, searchAll };
}
