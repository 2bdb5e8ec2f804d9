/**
 * How the results are shown: cards or a table, and the table's columns
 * (which are shown, in what widths) for each connection scope. Both are
 * remembered in the window's localStorage, like the theme: UI state only,
 * never anything from a server beyond profile-field names, which are read
 * back through a Map and capped.
 *
 * Runs in the window.
 */
import { create } from 'zustand';

/** The two views of the same results. */
export type ResultsView = 'cards' | 'table';

/** The table's columns for one scope: shown ids in order, and widths set by hand. */
export interface TableLayout {
  columns: readonly string[];
  widths: ReadonlyMap<string, number>;
}

const VIEW_KEY = 'rollcall.view';
const LAYOUT_KEY = 'rollcall.table:';
/** Bounds on what a remembered layout may hold, whatever the storage says. */
const MAX_COLUMNS = 40;
const MAX_ID_LENGTH = 120;
/** Widths a column may take, in pixels. */
const MIN_COLUMN_WIDTH = 56;
const MAX_COLUMN_WIDTH = 1200;

/** The key a layout is remembered under: the connections in view, or all of them. */
export function scopeKey(connectionIds: readonly string[]): string {
  return connectionIds.length === 0 ? '*' : [...connectionIds].sort().join(',');
}

function readView(): ResultsView {
  try {
    return window.localStorage.getItem(VIEW_KEY) === 'table' ? 'table' : 'cards';
  } catch {
    return 'cards';
  }
}

/** Clamps a width into the allowed range. */
export function clampWidth(width: number): number {
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width)));
}

/** A remembered layout, or null when there is none or it does not parse as one. */
function readLayout(scope: string): TableLayout | null {
  let raw: unknown;
  try {
    raw = JSON.parse(window.localStorage.getItem(LAYOUT_KEY + scope) ?? 'null');
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const columns = Object.hasOwn(raw, 'columns') ? (raw as { columns: unknown }).columns : null;
  const widths = Object.hasOwn(raw, 'widths') ? (raw as { widths: unknown }).widths : null;
  if (!Array.isArray(columns)) return null;
  const ids = columns
    .filter((c): c is string => typeof c === 'string' && c.length <= MAX_ID_LENGTH)
    .slice(0, MAX_COLUMNS);
  const sized = new Map<string, number>();
  if (Array.isArray(widths)) {
    for (const pair of widths.slice(0, MAX_COLUMNS)) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || pair[0].length > MAX_ID_LENGTH)
        continue;
      if (typeof pair[1] === 'number' && Number.isFinite(pair[1]))
        sized.set(pair[0], clampWidth(pair[1]));
    }
  }
  return { columns: [...new Set(ids)], widths: sized };
}

function writeLayout(scope: string, layout: TableLayout): void {
  try {
    window.localStorage.setItem(
      LAYOUT_KEY + scope,
      JSON.stringify({ columns: layout.columns, widths: [...layout.widths] }),
    );
  } catch {
    // Not remembered, still applied.
  }
}

interface ViewState {
  view: ResultsView;
  /** Layouts set this session, by scope key; others are read from storage. */
  layouts: ReadonlyMap<string, TableLayout | null>;
  setView(view: ResultsView): void;
  /** Sets and remembers a scope's layout. */
  setLayout(scope: string, layout: TableLayout): void;
  reset(): void;
}

/** The results view and the table's layouts. */
export const useView = create<ViewState>()((set, get) => ({
  view: readView(),
  layouts: new Map(),
  setView(view) {
    try {
      window.localStorage.setItem(VIEW_KEY, view);
    } catch {
      // Not remembered, still shown.
    }
    set({ view });
  },
  setLayout(scope, layout) {
    writeLayout(scope, layout);
    set({ layouts: new Map(get().layouts).set(scope, layout) });
  },
  reset: () => set({ view: readView(), layouts: new Map() }),
}));

/** The layout of a scope: set this session, else remembered; null: the defaults. */
export function storedLayout(
  layouts: ReadonlyMap<string, TableLayout | null>,
  scope: string,
): TableLayout | null {
  return layouts.has(scope) ? (layouts.get(scope) ?? null) : readLayout(scope);
}
