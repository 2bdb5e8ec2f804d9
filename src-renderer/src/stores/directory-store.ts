/**
 * The directory query and the window of results the grid shows. The grid
 * asks for the rows it can see (plus a margin) with `ensureRange`; results
 * arrive a page at a time from `users:search`. Every new question gets a
 * generation number and answers to older ones are dropped, so typing fast
 * never shows the results of an earlier keystroke. The previous results
 * stay on screen until the first page of the new ones lands: no flicker.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { RollcallError } from '@shared/errors';
import {
  DEFAULT_SEARCH_SPEC,
  type SearchFacets,
  type SearchSpec,
  type UserSummary,
} from '@shared/model';
import { api } from './bridge';

/** Results per request; divisible by every column count up to 6 so rows never straddle pages oddly. */
export const PAGE_SIZE = 60;
/** Pages kept in memory; the farthest from the newest answer go first. */
const MAX_PAGES = 40;

/** The question without the window (offset, limit). */
export type Filters = SearchSpec;

/** Everything, sorted by name. */
const DEFAULT_FILTERS: Filters = DEFAULT_SEARCH_SPEC;

/** One page of results and the question generation it answers. */
export interface ResultPage {
  generation: number;
  items: UserSummary[];
}

interface DirectoryData {
  filters: Filters;
  /** Bumped when the filters change: the grid scrolls back to the top. */
  queryVersion: number;
  /** Bumped on every new question (filters or refresh). */
  generation: number;
  /** The generation at which the filters last changed: older pages answer another question. */
  filtersGeneration: number;
  /** The newest generation that has answered. */
  answered: number;
  /** How many users match; null until the first answer. */
  total: number | null;
  /** Counts per role, account and status choice, from the first page's answer; null until then. */
  facets: SearchFacets | null;
  /** The newest answer asked relevance but lists by name: the index is still loading (SearchResult.rankedByName). */
  rankedByName: boolean;
  pages: ReadonlyMap<number, ResultPage>;
  error: RollcallError | null;
  /**
   * Whether the admin picked the sort (or its direction) in the sort
   * control. Until then the sort follows the text: relevance while text is
   * typed, name when it is empty.
   */
  sortChosen: boolean;
}

interface DirectoryState extends DirectoryData {
  /** Changes the question; a new text moves an unchosen sort to relevance (or to name when empty). */
  setFilters(patch: Partial<Filters>): void;
  /** The admin's own sort: kept whatever is typed afterwards. */
  chooseSort(patch: Pick<Filters, 'sort' | 'direction'>): void;
  /** Clears role, account, status, activity, join, group and field filters; keeps the text and the connection scope. */
  clearFilters(): void;
  /** Asks the same question again (after a sync or a refresh), keeping what is shown. */
  refresh(): void;
  /** Makes sure results `first..last` (inclusive) are loaded or on their way. */
  ensureRange(first: number, last: number): void;
  reset(): void;
}

/** No question asked yet: everything, sorted by name. */
const initial: DirectoryData = {
  filters: DEFAULT_FILTERS,
  queryVersion: 0,
  generation: 0,
  filtersGeneration: 0,
  answered: -1,
  total: null,
  facets: null,
  rankedByName: false,
  pages: new Map(),
  error: null,
  sortChosen: false,
};

const inflight = new Set<string>();

/** The grid's query and results window. */
export const useDirectory = create<DirectoryState>()((set, get) => {
  const fetchPage = (generation: number, page: number): void => {
    const key = `${generation}:${page}`;
    if (inflight.has(key)) return;
    inflight.add(key);
    const { filters } = get();
    void api()
      // The first page also brings the counts beside the filter chips.
      .searchUsers({ ...filters, facets: page === 0, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then((result) => {
        inflight.delete(key);
        const state = get();
        // An answer to an older question: a newer one is already on its way.
        if (generation !== state.generation) return;
        if (!result.ok) {
          set({ error: result.error, answered: generation });
          return;
        }
        const pages = new Map<number, ResultPage>();
        for (const [k, v] of state.pages) {
          if (v.generation >= state.filtersGeneration) pages.set(k, v);
        }
        pages.set(page, { generation, items: result.value.items });
        if (pages.size > MAX_PAGES) {
          const far = [...pages.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page));
          for (const k of far.slice(0, pages.size - MAX_PAGES)) pages.delete(k);
        }
        const facets = result.value.facets ?? state.facets;
        set({
          pages,
          total: result.value.total,
          facets,
          rankedByName: result.value.rankedByName === true,
          answered: generation,
          error: null,
        });
      });
  };

  const ask = (patch: Partial<Filters> | null, pagesToFetch: number[]): void => {
    const state = get();
    const generation = state.generation + 1;
    set({
      filters: patch ? { ...state.filters, ...patch } : state.filters,
      generation,
      filtersGeneration: patch ? generation : state.filtersGeneration,
      queryVersion: patch ? state.queryVersion + 1 : state.queryVersion,
    });
    for (const p of pagesToFetch) fetchPage(generation, p);
  };

  return {
    ...initial,
    setFilters(asked) {
      const patch = withinScope(get().filters, asked);
      if (patch.text === undefined || patch.sort !== undefined || get().sortChosen) {
        ask(patch, [0]);
        return;
      }
      const sort = patch.text.trim() === '' ? 'name' : 'relevance';
      ask(sort === get().filters.sort ? patch : { ...patch, sort, direction: 'asc' }, [0]);
    },
    chooseSort(patch) {
      set({ sortChosen: true });
      ask(patch, [0]);
    },
    clearFilters() {
      const { roles, accounts, status, activity, activeBefore, joinedAfter, joinedBefore } =
        DEFAULT_SEARCH_SPEC;
      ask(
        {
          roles,
          accounts,
          status,
          activity,
          activeBefore,
          joinedAfter,
          joinedBefore,
          groups: [],
          profileField: null,
        },
        [0],
      );
    },
    refresh() {
      // The grid asks again for the rows it shows; with nothing shown, ask for the first page.
      ask(null, get().pages.size > 0 ? [] : [0]);
    },
    ensureRange(first, last) {
      const { generation, pages, total } = get();
      if (generation === 0) return;
      const end = total === null ? first : Math.min(last, Math.max(0, total - 1));
      const from = Math.floor(Math.max(0, first) / PAGE_SIZE);
      for (let p = from; p <= Math.floor(end / PAGE_SIZE); p++) {
        if (pages.get(p)?.generation === generation) continue;
        fetchPage(generation, p);
      }
    },
    reset() {
      inflight.clear();
      set(initial);
    },
  };
});

/** The summary at a result index, if its page is loaded. */
export function summaryAt(
  pages: ReadonlyMap<number, ResultPage>,
  index: number,
): UserSummary | undefined {
  return pages.get(Math.floor(index / PAGE_SIZE))?.items[index % PAGE_SIZE];
}

/** Whether any filter beyond text and connection scope is set. */
export function hasNarrowingFilters(filters: Filters): boolean {
  return (
    filters.roles.length > 0 ||
    filters.accounts !== 'all' ||
    filters.status !== 'all' ||
    filters.activity !== 'all' ||
    filters.joinedAfter !== null ||
    filters.joinedBefore !== null ||
    filters.groups.length > 0 ||
    filters.profileField !== null
  );
}

/**
 * A change of the connection scope drops the group and field filters of
 * connections it leaves out: group and field IDs belong to one connection,
 * and a filter on one outside the scope would find no one.
 */
function withinScope(filters: Filters, patch: Partial<Filters>): Partial<Filters> {
  const ids = patch.connectionIds;
  if (ids === undefined || ids.length === 0) return patch;
  const groups = (patch.groups ?? filters.groups).filter((g) => ids.includes(g.connectionId));
  const field = patch.profileField === undefined ? filters.profileField : patch.profileField;
  const profileField = field !== null && ids.includes(field.connectionId) ? field : null;
  return { ...patch, groups, profileField };
}
