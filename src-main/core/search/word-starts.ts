/**
 * What the search index keeps to rank by relevance (rule 5 of
 * search-text.ts, relevance.ts) without visiting every match: the exact
 * keys of tiers 1-3 with their slots, and two tables of word-start
 * postings, one over names (tier 4) and one over haystacks (tier 5). A word-start posting holds the slots
 * where some word starts with its 1, 2 or 3 units, so for a term of up to
 * three units it IS the tier's answer, and for a longer one it narrows the
 * slots that `startsAWord` must check.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { createExactKeys, type PackedKeys } from './exact-keys';
import { PostingTable } from './posting-table';
import type { Posting, PostingPool } from './postings';
import { isWordStart } from './relevance';
import type { SlotColumns } from './slot-columns';
import { buildStartTables } from './text-bulk';

/** Rank names copied between two yields of `state` (a save's step). */
const NAMES_PER_STEP = 16_384;

/** The key of a text's 1 to 3 units from `at` (null: it crosses a line): one table per length. */
function prefixKey(text: string, at: number, length: number): number | null {
  let key = 0;
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || Number.isNaN(c)) return null;
    key = key * 0x10000 + c;
  }
  return key;
}

/** The relevance tables of one index. */
export interface WordStarts {
  /**
   * Adds (or removes) a slot under its exact keys and the word starts of its
   * rank name and haystack (without `starts`: its exact keys alone, the
   * word starts waiting for `rebuildStarts`).
   */
  indexRow(
    slot: number,
    rankName: string,
    hay: string,
    keys: readonly string[],
    add: boolean,
    starts?: boolean,
  ): void;
  /**
   * Builds the word-start tables from scratch over `rankNames` and `hays`
   * (by slot; "" for a free one), in bulk (text-bulk.ts).
   */
  rebuildStarts(
    rankNames: readonly string[],
    hays: readonly string[],
    slotsPerStep: number,
  ): Generator<void, Posting[]>;
  /** Moves a slot's word starts from one rank name and haystack to others (after `rebuildStarts`). */
  moveStarts(
    slot: number,
    from: { rankName: string; hay: string },
    to: { rankName: string; hay: string },
  ): void;
  /** The rank name (relevance.ts `rankNameOf`) a slot was added with; "" when none. */
  rankName(slot: number): string;
  /** The exact keys a slot was added with. */
  keysOf(slot: number): readonly string[];
  /** The slots with an exact key (relevance.ts `exactKeysOf`), unordered. */
  exactSlots(key: string): readonly number[];
  /** The slots where a word of the rank name starts with the term's first 3 units; null: none. */
  namePosting(term: string): Posting | null;
  /** The slots where a word of the haystack starts with the term's first 3 units; null: none. */
  anyPosting(term: string): Posting | null;
  /** Forgets everything. */
  clear(): void;
  /** Bytes of the postings' typed arrays. */
  typedBytes(): number;
  /**
   * What it holds for slots below `nextSlot`, by reference: what a saved
   * index carries, a slice of slots per step.
   */
  state(nextSlot: number): Generator<void, WordStartsState>;
  /**
   * Replaces what it holds with `state` (a snapshot's, checked by its
   * reader), taking its tables over, a slice of slots per step.
   */
  restore(state: WordStartsState): Generator<void>;
  /** The exact keys held packed, as a load holds them (exact-keys.ts `compact`). */
  compactKeys(nextSlot: number, changed: () => boolean): Generator<void, boolean>;
}

/** The relevance tables as a saved index (index-snapshot-format.ts) carries them. */
export interface WordStartsState {
  /** Word-start postings of rank names, by prefix length 1, 2, 3. */
  names: readonly PostingTable[];
  /** Word-start postings of haystacks, by prefix length 1, 2, 3. */
  anywhere: readonly PostingTable[];
  /** One per slot ("" for a free slot). */
  rankNames: string[];
  /** Every slot's exact keys (exact-keys.ts). */
  keys: PackedKeys;
}

/** Empty tables over `cols`, writing through `pool`. */
export function createWordStarts(cols: SlotColumns, pool: PostingPool): WordStarts {
  const { addToKey, removeFromKey } = pool;
  const exact = createExactKeys();
  const names = [new PostingTable(), new PostingTable(), new PostingTable()];
  const anywhere = [new PostingTable(), new PostingTable(), new PostingTable()];
  const rankNames: string[] = [];

  function indexStarts(tables: PostingTable[], slot: number, text: string, add: boolean) {
    const words = cols.words;
    for (let at = 0; at < text.length; at++) {
      if (!isWordStart(text, at)) continue;
      for (let n = 1; n <= 3 && at + n <= text.length; n++) {
        const key = prefixKey(text, at, n);
        if (key === null) break;
        const table = tables[n - 1] as PostingTable;
        if (add) addToKey(table, key, slot, words);
        else removeFromKey(table, key, slot);
      }
    }
  }

  function indexRow(
    slot: number,
    rankName: string,
    hay: string,
    keys: readonly string[],
    add: boolean,
    starts = true,
  ): void {
    if (add) exact.add(slot, keys);
    else exact.remove(slot, keys);
    if (starts) {
      indexStarts(names, slot, rankName, add);
      indexStarts(anywhere, slot, hay, add);
    }
    rankNames[slot] = add ? rankName : '';
  }

  function* rebuildStarts(
    frozenNames: readonly string[],
    hays: readonly string[],
    slotsPerStep: number,
  ): Generator<void, Posting[]> {
    const packed = yield* buildStartTables(frozenNames, hays, cols.words, slotsPerStep);
    const tables: PostingTable[] = [];
    for (const p of packed) tables.push(yield* PostingTable.over(p));
    for (let i = 0; i < 3; i++) {
      names[i] = tables[i] as PostingTable;
      anywhere[i] = tables[i + 3] as PostingTable;
    }
    return tables.flatMap((t) => t.bitsets());
  }

  function postingOf(tables: PostingTable[], term: string): Posting | null {
    if (term === '' || !isWordStart(term, 0)) return null;
    const n = Math.min(3, term.length);
    const key = prefixKey(term, 0, n);
    return key === null ? null : ((tables[n - 1] as PostingTable).get(key) ?? null);
  }

  return {
    indexRow,
    rebuildStarts,
    moveStarts(slot, from, to) {
      indexStarts(names, slot, from.rankName, false);
      indexStarts(anywhere, slot, from.hay, false);
      indexStarts(names, slot, to.rankName, true);
      indexStarts(anywhere, slot, to.hay, true);
    },
    rankName: (slot) => rankNames[slot] ?? '',
    keysOf: (slot) => exact.keysOf(slot),
    exactSlots: (key) => exact.slotsOf(key),
    namePosting: (term) => postingOf(names, term),
    anyPosting: (term) => postingOf(anywhere, term),
    clear: () => {
      exact.clear();
      rankNames.length = 0;
      for (const t of [...names, ...anywhere]) t.clear();
    },
    *state(nextSlot) {
      const copied: string[] = [];
      for (let slot = 0; slot < nextSlot; slot++) {
        copied.push(rankNames[slot] ?? '');
        if (slot % NAMES_PER_STEP === NAMES_PER_STEP - 1) yield;
      }
      const keys = yield* exact.packed(nextSlot);
      return { names, anywhere, rankNames: copied, keys };
    },
    *restore(state) {
      // Taken over, not copied: a copy of 10^6 entries held the loop for tens of ms.
      for (let i = 0; i < 3; i++) {
        names[i] = state.names[i] as PostingTable;
        anywhere[i] = state.anywhere[i] as PostingTable;
      }
      rankNames.length = 0;
      for (let slot = 0; slot < state.rankNames.length; slot++) {
        rankNames[slot] = state.rankNames[slot] ?? '';
      }
      yield;
      yield* exact.restore(state.keys);
    },
    compactKeys: (nextSlot, changed) => exact.compact(nextSlot, changed),
    typedBytes: () => {
      let typed = exact.typedBytes();
      for (const t of [...names, ...anywhere]) typed += t.typedBytes();
      return typed;
    },
  };
}
