/**
 * The results as a table: one row a user, virtualized like the grid (only
 * the rows in view, plus a few, are in the DOM), over the same directory
 * store and the same selection. Headers of sortable columns set the
 * search's sort; columns can be resized and chosen (ColumnChooser).
 * Keyboard: arrows, PageUp/PageDown, Home/End move; Enter opens; Space
 * selects; shift+arrows extend. Mouse: as on the cards. While the admin
 * types, rows fill their first two columns only, the rest once typing
 * pauses (as the grid draws lighter cards).
 *
 * Runs in the window.
 */
import { ArrowDown, ArrowUp } from 'lucide-react';
import {
  memo,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
} from 'react';
import type { UserSummary } from '@shared/model';
import { moveToResult, openResult, pickResult } from '../actions/pick-result';
import { hasModKey } from '../lib/keys';
import { clickEndedSelectionIn } from '../lib/text-selection';
import { useLatest } from '../lib/use-latest';
import { useClock } from '../stores/clock-store';
import { useConnections } from '../stores/connections-store';
import { useDetail } from '../stores/detail-store';
import { summaryAt, useDirectory } from '../stores/directory-store';
import { selectionKey, useSelection } from '../stores/selection-store';
import { useUi } from '../stores/ui-store';
import { clampWidth } from '../stores/view-store';
import { NATURAL_DIRECTION } from './FilterBar';
import { ErrorNotice } from './ErrorNotice';
import { SelectionBar } from './SelectionBar';
import type { TableColumn } from './table-columns';
import { useTableLayout, type ShownColumn } from './use-table-layout';
import { useSearchTyping } from './use-typing';
import { useVirtualResults } from './use-virtual-results';
import { EmptyResults } from './UserGrid';

/** Height of a row: 25 and more fit a 1280×800 window. */
const ROW_HEIGHT = 24;
/** Height of the header row, which stays on top while the rows scroll. */
const HEADER_HEIGHT = 30;
/** How far one arrow key moves a column's edge. */
const RESIZE_STEP = 16;
/**
 * Columns a row fills while the admin types (the leftmost: the name, then
 * by default the email): the rest of each row waits until typing pauses,
 * so a keystroke lays out two cells a row, not every column's.
 */
const LITE_CELLS = 2;

/**
 * Marks the edges the table can scroll towards: a shadow beside the sticky
 * name column once scrolled, and one at the right edge while columns are out
 * of view there (an overlay scrollbar, as on macOS, shows nothing at rest).
 * Set on the elements: a sideways scroll renders nothing.
 */
function markEdges(scroller: HTMLElement, resized: boolean): void {
  // A vertical scroll changes neither edge: it costs one read.
  const left = scroller.scrollLeft;
  if (!resized && scrolledLeft.get(scroller) === left) return;
  scrolledLeft.set(scroller, left);
  scroller.classList.toggle('is-scrolled-x', left > 0);
  const frame = scroller.parentElement;
  if (!frame) return;
  frame.classList.toggle('has-more-x', left + scroller.clientWidth < scroller.scrollWidth - 1);
  if (!resized) return;
  setIfChanged(frame, '--scrollbar-y', `${scroller.offsetWidth - scroller.clientWidth}px`);
  setIfChanged(frame, '--scrollbar-x', `${scroller.offsetHeight - scroller.clientHeight}px`);
}

/** Where each table was scrolled sideways when its edges were last marked. */
const scrolledLeft = new WeakMap<HTMLElement, number>();

/** Sets a custom property only when it changes: a change restyles everything below. */
function setIfChanged(el: HTMLElement, name: string, value: string): void {
  if (el.style.getPropertyValue(name) !== value) el.style.setProperty(name, value);
}

/**
 * The columns as a grid template. A width the admin set is kept exactly;
 * the others share what is left in proportion to their default widths,
 * down to their minimums (at 1280 px the defaults alone overflowed the
 * window, hiding the last columns behind a sideways scroll). With every
 * width set, the last column takes what is left.
 */
function template(shown: readonly ShownColumn[]): string {
  const shares = shown.some((s) => !s.set);
  return shown
    .map((s, i) => {
      if (!s.set) return `minmax(${s.column.minWidth}px, ${s.width}fr)`;
      return !shares && i === shown.length - 1 ? `minmax(${s.width}px, 1fr)` : `${s.width}px`;
    })
    .join(' ');
}

/** Narrowest the columns get before the table scrolls sideways. */
function narrowest(shown: readonly ShownColumn[]): number {
  return shown.reduce((n, s) => n + (s.set ? s.width : s.column.minWidth), 0);
}

/** The header of one column: its sort button (if sortable) and its resize handle. */
function HeaderCell({
  column,
  width,
  colIndex,
  onResize,
}: {
  column: TableColumn;
  width: number;
  colIndex: number;
  /** A width while dragging (`done` false), and the one to keep (`done` true). */
  onResize: (id: string, width: number, done: boolean) => void;
}) {
  const sort = useDirectory((s) => s.filters.sort);
  const direction = useDirectory((s) => s.filters.direction);
  const chooseSort = useDirectory((s) => s.chooseSort);
  const sorted = column.sortKey !== undefined && sort === column.sortKey;
  const ariaSort = sorted ? (direction === 'asc' ? 'ascending' : 'descending') : undefined;

  const onSort = (): void => {
    const key = column.sortKey;
    if (!key) return;
    chooseSort({
      sort: key,
      direction: sorted ? (direction === 'asc' ? 'desc' : 'asc') : NATURAL_DIRECTION[key],
    });
  };

  // A column sharing the table's width is as wide as laid out, not as its
  // default: a drag or arrow key starts from what the admin sees.
  const shownWidth = (handle: HTMLElement): number => {
    const laidOut = handle.parentElement?.getBoundingClientRect().width ?? 0;
    return laidOut > 0 ? Math.round(laidOut) : width;
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    e.preventDefault();
    const startX = e.clientX;
    const el = e.currentTarget;
    el.setPointerCapture?.(e.pointerId);
    const from = shownWidth(el);
    let latest = from;
    const move = (ev: globalThis.PointerEvent): void => {
      latest = from + ev.clientX - startX;
      onResize(column.id, latest, false);
    };
    const up = (): void => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      onResize(column.id, latest, true);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  };

  return (
    <div
      role="columnheader"
      aria-colindex={colIndex}
      aria-sort={ariaSort}
      className={`table-head-cell${sorted ? ' is-sorted' : ''}`}
      data-testid={`column-${column.id}`}
    >
      {column.sortKey ? (
        <button
          type="button"
          className="table-sort"
          onClick={onSort}
          title={`Sort by ${column.label.toLowerCase()}`}
          data-testid={`sort-by-${column.id}`}
        >
          <span className="cell-text">{column.label}</span>
          {sorted &&
            (direction === 'asc' ? (
              <ArrowUp size={12} aria-hidden="true" />
            ) : (
              <ArrowDown size={12} aria-hidden="true" />
            ))}
        </button>
      ) : (
        <span className="cell-text table-head-label" title={column.label}>
          {column.label}
        </span>
      )}
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize ${column.label}`}
        aria-valuenow={width}
        tabIndex={0}
        className="table-resize"
        data-testid={`resize-${column.id}`}
        onPointerDown={onPointerDown}
        onKeyDown={(e) => {
          if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
          e.preventDefault();
          const from = shownWidth(e.currentTarget);
          onResize(column.id, from + (e.key === 'ArrowRight' ? RESIZE_STEP : -RESIZE_STEP), true);
        }}
      />
    </div>
  );
}

interface TableRowProps {
  index: number;
  /** Undefined while its page is loading: a placeholder row. */
  user: UserSummary | undefined;
  /** Where the virtualizer puts it, under the header. */
  top: number;
  columns: string;
  shown: readonly ShownColumn[];
  now: number;
  connectionLabel: string | undefined;
  selected: boolean;
  open: boolean;
  active: boolean;
  /** While typing: the first `LITE_CELLS` columns only (the name and, by default, the email). */
  lite: boolean;
  onFocusRow(index: number): void;
  onRowKey(e: KeyboardEvent<HTMLDivElement>, user: UserSummary | undefined, index: number): void;
  onRowClick(e: MouseEvent<HTMLDivElement>, user: UserSummary, index: number): void;
}

/**
 * One result row. Memoised: a keystroke re-renders the table before its
 * answer comes, and rows whose user and state did not change are not
 * redrawn then (the answer redraws those whose user changed).
 */
const TableRow = memo(function TableRow({
  index,
  user,
  top,
  columns,
  shown,
  now,
  connectionLabel,
  selected,
  open,
  active,
  lite,
  onFocusRow,
  onRowKey,
  onRowClick,
}: TableRowProps) {
  const dim = user && (user.deactivated || user.gone);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-busy={user ? undefined : true}
      tabIndex={active ? 0 : -1}
      data-index={index}
      data-testid="table-row"
      data-user-id={user?.userId}
      data-connection-id={user?.connectionId}
      className={`table-row${selected ? ' is-selected' : ''}${open ? ' is-open' : ''}${dim ? ' is-dim' : ''}`}
      style={{
        gridTemplateColumns: columns,
        height: ROW_HEIGHT,
        transform: `translateY(${top}px)`,
      }}
      onFocus={() => onFocusRow(index)}
      onKeyDown={(e) => onRowKey(e, user, index)}
      onMouseDown={(e) => {
        if (e.shiftKey) e.preventDefault();
      }}
      onClick={user ? (e) => onRowClick(e, user, index) : undefined}
    >
      {shown.map((s, i) => (
        <div key={s.column.id} role="gridcell" aria-colindex={i + 1} className="table-cell">
          {user ? (
            lite && i >= LITE_CELLS ? null : (
              s.column.cell(user, { now, connectionLabel })
            )
          ) : i === 0 ? (
            <span className="skeleton skeleton-line skeleton-pulse" />
          ) : null}
        </div>
      ))}
    </div>
  );
});

/** The results as a virtualized table, or the reason there are none. */
export function UserTable() {
  const scroller = useRef<HTMLDivElement>(null);
  const connections = useConnections((s) => s.list);
  const target = useDetail((s) => s.target);
  const selection = useSelection((s) => s.selected);
  const now = useClock((s) => s.now);
  const layout = useTableLayout();
  // Lighter rows while the searched text changes.
  const typing = useSearchTyping();
  const [drag, setDrag] = useState<{ id: string; width: number } | null>(null);
  const shown = useMemo(
    () =>
      drag
        ? layout.shown.map((s) =>
            drag.id === s.column.id ? { ...s, width: clampWidth(drag.width), set: true } : s,
          )
        : layout.shown,
    [layout.shown, drag],
  );
  const onResize = (id: string, width: number, done: boolean): void => {
    if (!done) {
      setDrag({ id, width });
      return;
    }
    setDrag(null);
    layout.setWidth(id, width);
  };
  const { virtualizer, virtualRows, total, count, pages, error, active, setActive, focusResult } =
    useVirtualResults(scroller, {
      perRow: 1,
      rowHeight: ROW_HEIGHT,
      overscan: 4,
      scrollMargin: HEADER_HEIGHT,
    });

  const labels = useMemo(() => new Map(connections.map((c) => [c.id, c.label])), [connections]);
  const columns = template(shown);
  const minWidth = narrowest(shown);
  // The edges follow the window's size and the columns' widths as well as the scroll.
  const hidden = total === 0;
  useEffect(() => {
    const el = scroller.current;
    const head = el?.firstElementChild;
    if (!el || !head || hidden) return;
    markEdges(el, true);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => markEdges(el, true));
    observer.observe(el);
    observer.observe(head);
    return () => observer.disconnect();
  }, [hidden]);

  const onRowKeyNow = (
    e: KeyboardEvent<HTMLDivElement>,
    user: UserSummary | undefined,
    index: number,
  ): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (!user) return;
      if (e.key === 'Enter') openResult(user, index);
      else pickResult(user, index, 'toggle');
      return;
    }
    const page = Math.max(
      1,
      Math.floor(((scroller.current?.clientHeight ?? 0) - HEADER_HEIGHT) / ROW_HEIGHT),
    );
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: count - 1,
    };
    if (!Object.hasOwn(moves, e.key)) return;
    e.preventDefault();
    const next = Math.min(count - 1, Math.max(0, moves[e.key]!));
    moveToResult(next, index, e.shiftKey && e.key.startsWith('Arrow'));
    focusResult(next);
  };

  const onRowClickNow = (e: MouseEvent<HTMLDivElement>, user: UserSummary, index: number): void => {
    if (e.shiftKey || hasModKey(e)) {
      e.preventDefault();
      pickResult(user, index, e.shiftKey ? 'range' : 'toggle');
      return;
    }
    if (clickEndedSelectionIn(e, e.currentTarget)) return;
    openResult(user, index);
  };
  const onFocusNow = (index: number): void => {
    if (useUi.getState().gridActive !== index) setActive(index);
  };

  // One function of each for every row, reading this render's values
  // through a ref, so memoised rows are not redrawn by new closures.
  const latest = useLatest({ onRowKeyNow, onRowClickNow, onFocusNow });
  const onRowKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>, user: UserSummary | undefined, index: number) =>
      latest.current.onRowKeyNow(e, user, index),
    [latest],
  );
  const onRowClick = useCallback(
    (e: MouseEvent<HTMLDivElement>, user: UserSummary, index: number) =>
      latest.current.onRowClickNow(e, user, index),
    [latest],
  );
  const onFocusRow = useCallback((index: number) => latest.current.onFocusNow(index), [latest]);

  return (
    <div className="grid-area">
      <SelectionBar />
      {error && (
        <div className="grid-error">
          <ErrorNotice error={error} title="Could not search the directory" testId="search-error" />
        </div>
      )}
      {total === 0 && !error && <EmptyResults />}
      <div className="table-frame" hidden={hidden}>
        <div
          ref={scroller}
          className="table-scroller"
          role="grid"
          aria-label="Users"
          aria-rowcount={count + 1}
          aria-colcount={shown.length}
          aria-readonly="true"
          aria-multiselectable="true"
          data-testid="user-table"
          hidden={total === 0}
          onScroll={(e) => markEdges(e.currentTarget, false)}
        >
          <div role="rowgroup" className="table-head" style={{ minWidth }}>
            <div
              role="row"
              aria-rowindex={1}
              className="table-row table-head-row"
              style={{ gridTemplateColumns: columns, height: HEADER_HEIGHT }}
            >
              {shown.map((s, i) => (
                <HeaderCell
                  key={s.column.id}
                  column={s.column}
                  width={s.width}
                  colIndex={i + 1}
                  onResize={onResize}
                />
              ))}
            </div>
          </div>
          <div
            role="rowgroup"
            className="table-body"
            style={{ height: virtualizer.getTotalSize(), minWidth }}
          >
            {virtualRows.map((vr) => {
              const index = vr.index;
              const user = summaryAt(pages, index);
              return (
                <TableRow
                  key={vr.key}
                  index={index}
                  user={user}
                  top={vr.start - HEADER_HEIGHT}
                  columns={columns}
                  shown={shown}
                  now={now}
                  connectionLabel={user ? labels.get(user.connectionId) : undefined}
                  selected={user ? selection.has(selectionKey(user)) : false}
                  open={
                    user !== undefined &&
                    target?.connectionId === user.connectionId &&
                    target.userId === user.userId
                  }
                  active={index === active}
                  lite={typing}
                  onFocusRow={onFocusRow}
                  onRowKey={onRowKey}
                  onRowClick={onRowClick}
                />
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
