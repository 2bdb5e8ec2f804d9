/**
 * Which users are selected, for acting on several at once. Kept by
 * (connection, user), never by position, so a selection survives scrolling
 * (cards leave the DOM), a new search and a re-sort. Positions matter only
 * for ranges: the anchor is the result index of the last plain or
 * ctrl-click, in the question (`queryVersion`) it was made in. Any view of
 * the results (the grid, a future table) drives it with the same calls.
 *
 * Runs in the window.
 */
import { create } from 'zustand';

/** One selected user. */
export interface SelectedUser {
  connectionId: string;
  userId: string;
}

/** The user at a result index, when it is loaded. */
type UserAt = (index: number) => SelectedUser | undefined;

interface SelectionData {
  /** By `selectionKey`; insertion order is selection order. */
  selected: ReadonlyMap<string, SelectedUser>;
  /** Where a range starts: a result index in the question `version`. */
  anchor: { index: number; version: number } | null;
  /** What was selected when the anchor was set: a range adds to it. */
  base: ReadonlyMap<string, SelectedUser>;
}

interface SelectionState extends SelectionData {
  /** Plain click: this user alone, and the anchor here. */
  selectOnly(user: SelectedUser, index: number, version: number): void;
  /** Ctrl/Cmd-click or Space: in or out, and the anchor here. */
  toggle(user: SelectedUser, index: number, version: number): void;
  /**
   * Shift-click or shift+arrow: what was selected at the anchor plus every
   * loaded user from the anchor to `index`. Without an anchor in this
   * question, the range starts at `from` (the card keyboard focus left),
   * or, without one, selects `index` alone.
   */
  extendTo(index: number, version: number, at: UserAt, from?: number): void;
  /**
   * Plain keyboard movement: the next range starts at the focused card and
   * adds to what is selected now.
   */
  moveAnchor(index: number, version: number): void;
  /** Drops users no longer there (their connection was removed). */
  keepOnly(keep: (user: SelectedUser) => boolean): void;
  clear(): void;
  reset(): void;
}

/** The key of a user in `selected`: IDs never hold a newline. */
export function selectionKey(user: SelectedUser): string {
  return `${user.connectionId}\n${user.userId}`;
}

/** Nothing selected. */
const initial: SelectionData = { selected: new Map(), anchor: null, base: new Map() };

/** The selection shared by every view of the results. */
export const useSelection = create<SelectionState>()((set, get) => ({
  ...initial,
  selectOnly(user, index, version) {
    const selected = new Map([[selectionKey(user), user]]);
    set({ selected, anchor: { index, version }, base: new Map() });
  },
  toggle(user, index, version) {
    const selected = new Map(get().selected);
    const key = selectionKey(user);
    if (selected.has(key)) selected.delete(key);
    else selected.set(key, user);
    const base = new Map(selected);
    base.delete(key);
    set({ selected, anchor: { index, version }, base });
  },
  extendTo(index, version, at, from) {
    let { anchor, base } = get();
    if (!anchor || anchor.version !== version) {
      if (from === undefined) {
        const user = at(index);
        if (user) get().selectOnly(user, index, version);
        return;
      }
      anchor = { index: from, version };
      base = get().selected;
      set({ anchor, base });
    }
    const selected = new Map(base);
    const [lo, hi] = anchor.index <= index ? [anchor.index, index] : [index, anchor.index];
    for (let i = lo; i <= hi; i++) {
      const user = at(i);
      if (user) selected.set(selectionKey(user), user);
    }
    set({ selected });
  },
  moveAnchor(index, version) {
    set({ anchor: { index, version }, base: get().selected });
  },
  keepOnly(keep) {
    const selected = new Map([...get().selected].filter(([, u]) => keep(u)));
    if (selected.size !== get().selected.size) set({ selected });
  },
  clear: () => set(initial),
  reset: () => set(initial),
}));

/** The connections a selection spans, each once, in selection order. */
export function selectedConnections(selected: ReadonlyMap<string, SelectedUser>): string[] {
  return [...new Set([...selected.values()].map((u) => u.connectionId))];
}
