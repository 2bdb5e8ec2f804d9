/**
 * The table's columns as the admin set them for the connections in view:
 * which are shown, in what order and widths, and the calls that change and
 * remember them (view-store). Shared by the table and its column chooser.
 *
 * Runs in the window.
 */
import { useMemo } from 'react';
import { useDirectory } from '../stores/directory-store';
import { clampWidth, scopeKey, storedLayout, useView } from '../stores/view-store';
import { availableColumns, type TableColumn } from './table-columns';

/** A shown column: its width, and whether the admin set it (dragged) or it is the default. */
export interface ShownColumn {
  column: TableColumn;
  width: number;
  set: boolean;
}

/** The table's layout in the current scope. */
export interface TableLayoutView {
  /** Every column that could be shown. */
  available: TableColumn[];
  /** The shown ones, in order. */
  shown: ShownColumn[];
  setShown(ids: readonly string[]): void;
  setWidth(id: string, width: number): void;
}

/** The columns of the current scope and how to change them. */
export function useTableLayout(): TableLayoutView {
  const connectionIds = useDirectory((s) => s.filters.connectionIds);
  const pages = useDirectory((s) => s.pages);
  const layouts = useView((s) => s.layouts);
  const scope = scopeKey(connectionIds);
  const stored = useMemo(() => storedLayout(layouts, scope), [scope, layouts]);
  const available = useMemo(
    () =>
      availableColumns(
        [...pages.values()].flatMap((p) => p.items),
        stored?.columns ?? [],
      ),
    [pages, stored],
  );
  // Kept while the columns and the stored layout are: the table's memoised
  // rows are not redrawn by a keystroke that changes neither.
  const { ids, shown } = useMemo(() => {
    const byId = new Map(available.map((c) => [c.id, c]));
    const ids = stored
      ? ['name', ...stored.columns.filter((id) => id !== 'name' && byId.has(id))]
      : available.filter((c) => c.shownByDefault).map((c) => c.id);
    const shown = ids.map((id) => {
      const column = byId.get(id)!;
      const set = stored?.widths.get(id);
      return { column, width: set ?? column.width, set: set !== undefined };
    });
    return { ids, shown };
  }, [available, stored]);
  const widths = stored?.widths ?? new Map<string, number>();
  return {
    available,
    shown,
    setShown(next) {
      useView.getState().setLayout(scope, { columns: [...next], widths });
    },
    setWidth(id, width) {
      useView.getState().setLayout(scope, {
        columns: ids,
        widths: new Map(widths).set(id, clampWidth(width)),
      });
    },
  };
}
