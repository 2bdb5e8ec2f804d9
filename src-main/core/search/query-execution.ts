/**
 * How the search index answers a query (rules 3-6 of search-text.ts): the
 * filter's bitset narrowed term by term, rarest term first, through the
 * n-gram postings (with a string check only where they cannot prove a
 * match), then one sort order walked for the page.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { SearchFacets, SearchQuery } from '@shared/model';
import type { CommonPieces } from './common-pieces';
import { emptyFacets, withoutFacet } from './facets';
import { filterBits } from './filter-bits';
import type { NgramPostings } from './ngram-postings';
import * as postingOps from './postings';
import type { Posting } from './postings';
import { canStartAWord, rankQueryOf, startsAWord } from './relevance';
import { searchTerms } from './search-text';
import * as slotBits from './slot-bits';
import { ROLE_INDEX, type SlotColumns } from './slot-columns';
import type { SortOrders } from './sort-orders';
import type { WordStarts } from './word-starts';

// Bound once (see slot-bits.ts): a query tests candidates one by one.
const { postingHas } = postingOps;
const { clearBit, countBits, hasBit, popcount32, setBit, wordAt } = slotBits;

/** A search without its window: what an export or a count asks. */
export type IndexSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/** Sets of slots during a query: a sorted list or a bitset. */
type SlotSet = { kind: 'list'; slots: Int32Array; n: number } | { kind: 'bits'; bits: Uint32Array };

/** The queries of one index. */
export interface QueryExecution {
  /**
   * Rules 3-6: the total and the row IDs of the page, in order, and, when
   * the query asks for them, the counts per role, account and status
   * choice, each with its own filter left out (facets.ts), counted over the
   * matches the page found.
   */
  search(query: SearchQuery): { total: number; rowIds: number[]; facets?: SearchFacets };
  /** Every match in order (exports). */
  searchAll(spec: IndexSpec): number[];
}

/** Matches few enough to sort into name order whatever `sortBeatsWalk` expects of a walk. */
const ALWAYS_SORT_MATCHES = 4096;

/**
 * Whether `count` matches are put in name order sooner by sorting their
 * name positions than by walking the name order (`size` slots) until
 * `need` are found: an ID fragment's few dozen matches cost a walk of
 * every slot (300 000 at the new scale), while a walk for a common term
 * stops after a few hundred. A sort step is taken as eight slot tests.
 */
function sortBeatsWalk(count: number, need: number, size: number): boolean {
  // The walk's length assumes matches spread evenly over the name order.
  // They often cluster instead (a script's names sort together: "王" had
  // 3 861 matches at 300 000 users, all past the Latin names, and its walk
  // met nearly every slot, 1.5 ms), or the visitor turns most down (tier 4
  // of relevanceOrder: none of the 723 candidates for
  // "contractors.example.io" passes, so its walk met every slot too). Up to
  // this many, a sort costs at most about 0.2 ms: more than an even walk's
  // few thousand slots (0.02 ms), far less than a walk to the end.
  if (count <= ALWAYS_SORT_MATCHES) return true;
  const walk = Math.min(size, (need * size) / count);
  return count * Math.log2(count + 1) * 8 < walk;
}

/** Slots set in both `a` and `b`. */
function andCount(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const w = (a[i] as number) & (b[i] ?? 0);
    if (w !== 0) n += popcount32(w);
  }
  return n;
}

/** Queries over the parts of one index; each flushes the orders first. */
export function createQueryExecution(
  cols: SlotColumns,
  ngrams: NgramPostings,
  pieces: CommonPieces,
  orders: SortOrders,
  starts: WordStarts,
): QueryExecution {
  const { postingsOf } = ngrams;
  const { certainRows } = pieces;
  const { hay } = cols;

  /**
   * Visits the `count` slots of `bits` in name order (descending: its exact
   * reverse) until `visit` returns false, expected after `need`: few by a
   * sort of their name positions, many by a walk of the name order.
   */
  function walkByName(
    bits: Uint32Array,
    count: number,
    need: number,
    desc: boolean,
    visit: (slot: number) => boolean,
  ): void {
    if (!sortBeatsWalk(count, need, cols.size)) {
      orders.walk('name', desc ? 'desc' : 'asc', bits, visit);
      return;
    }
    const namePos = cols.namePos;
    const byName = orders.current().orders[0] as Int32Array;
    const positions = new Int32Array(count);
    let n = 0;
    for (let i = 0; i < bits.length && n < count; i++) {
      let w = bits[i] as number;
      while (w !== 0) {
        const low = w & -w;
        positions[n++] = namePos[i * 32 + (31 - Math.clz32(low))] as number;
        w ^= low;
      }
    }
    // Numbers sort natively, with no comparison function to call.
    const sorted = positions.subarray(0, n).sort();
    if (desc) sorted.reverse();
    for (let i = 0; i < sorted.length; i++) {
      if (!visit(byName[sorted[i] as number] as number)) return;
    }
  }

  /** `current` narrowed to the slots whose haystack holds `term` (rule 3). */
  function narrow(current: SlotSet, term: string): SlotSet {
    const words = cols.words;
    const postings = postingsOf(term);
    if (postings === null) return { kind: 'list', slots: new Int32Array(0), n: 0 };
    const verify = term.length > 3;
    // Rows known to hold the term through a common piece skip the string check.
    const sure = verify ? certainRows(term) : null;
    // A list leads when there is one. Fewest slots is not enough: a posting
    // that became a bitset while the index was small may hold fewer slots
    // than a list of the grown index (found by the 100 000-user bench).
    const listed = postings.findIndex((p) => p.list !== null);
    if (listed > 0) postings.unshift(...postings.splice(listed, 1));
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

  /**
   * `bits` AND every term's word-start posting (`postingOf`): the rows that
   * may reach the tier. A posting holds a term's first 3 units, so a
   * longer term still needs `startsAWord`, which the caller runs on the
   * rows it visits (`startsEvery`), not on every candidate.
   */
  function startCandidates(
    bits: Uint32Array,
    terms: readonly string[],
    postingOf: (term: string) => Posting | null,
  ): Uint32Array {
    const out = Uint32Array.from(bits);
    for (const t of terms) {
      const p = postingOf(t);
      if (p === null) return new Uint32Array(out.length);
      if (p.bits) {
        const b = p.bits;
        for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) & wordAt(b, i);
      } else {
        const list = p.list as Int32Array;
        const kept = new Uint32Array(out.length);
        for (let i = 0; i < p.count; i++) {
          const s = list[i] as number;
          if (hasBit(out, s)) setBit(kept, s);
        }
        out.set(kept);
      }
    }
    return out;
  }

  /** Whether every one of `long` (terms over 3 units) starts a word of `text`. */
  function startsEvery(text: string, long: readonly string[]): boolean {
    for (let i = 0; i < long.length; i++) if (!startsAWord(text, long[i] as string)) return false;
    return true;
  }

  /**
   * The first `need` matches in the relevance order (rule 5, relevance.ts),
   * without ranking every match: tiers 1-3 from the exact keys, tier 4 from
   * the name word starts, both walked in name order; then one walk of the
   * rest in name order, tier 5 taken as met, tier 6 kept aside until the
   * walk ends or the page is full.
   */
  function relevanceOrder(text: string, bits: Uint32Array, need: number): number[] {
    const q = rankQueryOf(searchTerms(text));
    const terms = [...new Set(q.terms)];
    const out: number[] = [];
    const left = Uint32Array.from(bits);
    const namePos = cols.namePos;
    for (const keys of [[q.idKey], [q.emailKey], q.nameKeys]) {
      const tier: number[] = [];
      for (const k of keys) {
        for (const s of starts.exactSlots(k)) {
          if (hasBit(left, s)) {
            clearBit(left, s);
            tier.push(s);
          }
        }
      }
      tier.sort((a, b) => (namePos[a] as number) - (namePos[b] as number));
      for (const s of tier) out.push(s);
    }
    if (out.length >= need) return out;
    // Tier 4, checked as the walk meets them: a common name's candidates
    // run to thousands (3 000 for "anna" at 300 000 users), a page to 60.
    // A walk that ends before the page is full has met them all, so `named`
    // then holds every row of the tier.
    const candidates = startCandidates(left, terms, starts.namePosting);
    const long = terms.filter((t) => t.length > 3);
    const rankName = starts.rankName;
    const named = new Uint32Array(left.length);
    walkByName(candidates, countBits(candidates), need - out.length, false, (s) => {
      if (long.length > 0 && !startsEvery(rankName(s), long)) return true;
      setBit(named, s);
      out.push(s);
      return out.length < need;
    });
    if (out.length >= need) return out;
    for (let i = 0; i < left.length; i++) left[i] = (left[i] as number) & ~(named[i] as number);
    if (!terms.every(canStartAWord)) {
      // No row reaches tier 5 (a term led by a separator starts no word): the
      // rest is tier 6, in name order, and the walk ends with the page. Testing
      // each for tier 5 walked every match ("@example.org": 6 ms at 300 000).
      walkByName(left, countBits(left), need - out.length, false, (s) => {
        out.push(s);
        return out.length < need;
      });
      return out;
    }
    const anyPostings = terms.map((t) => starts.anyPosting(t));
    const last: number[] = [];
    walkByName(left, countBits(left), need - out.length, false, (s) => {
      let fifth = true;
      for (let i = 0; i < terms.length && fifth; i++) {
        const p = anyPostings[i] as Posting | null;
        const t = terms[i] as string;
        fifth =
          p !== null && postingHas(p, s) && (t.length <= 3 || startsAWord(hay[s] as string, t));
      }
      if (fifth) out.push(s);
      else if (last.length < need) last.push(s);
      return out.length < need;
    });
    for (let i = 0; i < last.length && out.length < need; i++) out.push(last[i] as number);
    return out;
  }

  function search(query: SearchQuery): {
    total: number;
    rowIds: number[];
    facets?: SearchFacets;
  } {
    orders.flush();
    const { bits, total } = matches(query);
    const page = pageOf(query, bits, total);
    return query.facets ? { ...page, facets: facets(query, bits) } : page;
  }

  function pageOf(
    query: SearchQuery,
    bits: Uint32Array,
    total: number,
  ): { total: number; rowIds: number[] } {
    const rowIds: number[] = [];
    if (total === 0 || query.offset >= total || query.limit <= 0) return { total, rowIds };
    const rowIdOf = cols.rowIdOf;
    if (query.sort === 'relevance' && searchTerms(query.text).length > 0) {
      const slots = relevanceOrder(query.text, bits, query.offset + query.limit);
      for (let i = query.offset; i < slots.length; i++)
        rowIds.push(rowIdOf[slots[i] as number] as number);
      return { total, rowIds };
    }
    let skip = query.offset;
    const take = (s: number): boolean => {
      if (skip > 0) {
        skip--;
        return true;
      }
      rowIds.push(rowIdOf[s] as number);
      return rowIds.length < query.limit;
    };
    // Relevance without terms is the name order, ascending whatever the direction (sort-orders.ts).
    if (query.sort === 'name' || query.sort === 'relevance') {
      walkByName(
        bits,
        total,
        query.offset + query.limit,
        query.sort === 'name' && query.direction === 'desc',
        take,
      );
    } else orders.walk(query.sort, query.direction, bits, take);
    return { total, rowIds };
  }

  function searchAll(spec: IndexSpec): number[] {
    orders.flush();
    const { bits, total } = matches(spec);
    const rowIds: number[] = [];
    if (total === 0) return rowIds;
    const rowIdOf = cols.rowIdOf;
    if (spec.sort === 'relevance' && searchTerms(spec.text).length > 0) {
      return relevanceOrder(spec.text, bits, total).map((s) => rowIdOf[s] as number);
    }
    orders.walk(spec.sort, spec.direction, bits, (s) => {
      rowIds.push(rowIdOf[s] as number);
      return true;
    });
    return rowIds;
  }

  /** The facets of a query whose own matches are `matched`. */
  function facets(spec: IndexSpec, matched: Uint32Array): SearchFacets {
    const out = emptyFacets();
    // A facet whose own filter is already "all" counts over the search's matches.
    const over = (facet: 'roles' | 'accounts' | 'status', open: boolean): Uint32Array => {
      if (open) return matched;
      return matches(withoutFacet(spec, facet)).bits;
    };
    const forRoles = over('roles', spec.roles.length === 0);
    for (const r of out.roles) {
      const i = ROLE_INDEX.get(r.role);
      if (i !== undefined) r.count = andCount(forRoles, cols.byRole[i] as Uint32Array);
    }
    const forAccounts = over('accounts', spec.accounts === 'all');
    out.accounts.bots = andCount(forAccounts, cols.bot);
    out.accounts.humans = countBits(forAccounts) - out.accounts.bots;
    const forStatus = over('status', spec.status === 'all');
    const off = new Uint32Array(cols.words);
    for (let i = 0; i < off.length; i++) {
      off[i] = (cols.deactivated[i] as number) | (cols.gone[i] as number);
    }
    out.status.deactivated = andCount(forStatus, off);
    out.status.active = countBits(forStatus) - out.status.deactivated;
    return out;
  }

  return { search, searchAll };
}
