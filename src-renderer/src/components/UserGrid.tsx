/**
 * The grid of user cards, virtualized: rows of cards, as many columns as
 * the width allows, and only the rows in view (plus a few) in the DOM, so
 * 100 000 results cost the same as 100. It asks the directory store for the
 * results it shows and a page beyond. Keyboard: arrows move between cards,
 * Home/End, PageUp/PageDown, Enter opens one, Space selects it, shift+arrows
 * extend the selection. Mouse: a click opens (and selects) one,
 * ctrl/cmd-click toggles, shift-click selects a range.
 *
 * Runs in the window.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { SearchX, UsersRound } from 'lucide-react';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  type KeyboardEvent,
} from 'react';
import type { UserSummary } from '@shared/model';
import { moveToResult, openResult, pickResult } from '../actions/pick-result';
import { startSync } from '../actions/start-sync';
import { useElementWidth } from '../lib/use-element-width';
import { useConnections } from '../stores/connections-store';
import { useDetail } from '../stores/detail-store';
import { PAGE_SIZE, hasNarrowingFilters, summaryAt, useDirectory } from '../stores/directory-store';
import { selectionKey, useSelection } from '../stores/selection-store';
import { useSync } from '../stores/sync-store';
import { useUi } from '../stores/ui-store';
import { ErrorNotice } from './ErrorNotice';
import { SelectionBar } from './SelectionBar';
import { CARD_HEIGHT, UserCard } from './UserCard';

/** Narrowest a card may get before a column is dropped. */
const MIN_CARD_WIDTH = 264;
/** Space between cards, both ways. */
const GAP = 12;
const PADDING = 16;
const ROW_HEIGHT = CARD_HEIGHT + GAP;

/** Columns that fit a width. */
function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width - 2 * PADDING + GAP) / (MIN_CARD_WIDTH + GAP)));
}

function SkeletonCard({ colIndex }: { colIndex: number }) {
  return (
    <div role="gridcell" aria-colindex={colIndex} className="card is-skeleton" aria-busy="true">
      <span className="visually-hidden">Loading…</span>
      <div className="card-head">
        <span className="skeleton skeleton-avatar" />
        <div className="card-title">
          <span className="skeleton skeleton-line" />
          <span className="skeleton skeleton-line short" />
        </div>
      </div>
    </div>
  );
}

/** The results as a virtualized grid of cards, or the reason there are none. */
export function UserGrid() {
  const scroller = useRef<HTMLDivElement>(null);
  const width = useElementWidth(scroller);
  const cols = columnsFor(width);
  const total = useDirectory((s) => s.total);
  const pages = useDirectory((s) => s.pages);
  const generation = useDirectory((s) => s.generation);
  const queryVersion = useDirectory((s) => s.queryVersion);
  const error = useDirectory((s) => s.error);
  const ensureRange = useDirectory((s) => s.ensureRange);
  const connections = useConnections((s) => s.list);
  const target = useDetail((s) => s.target);
  const selection = useSelection((s) => s.selected);
  const active = useUi((s) => s.gridActive);
  const setActive = useUi((s) => s.setGridActive);
  const focusRequest = useUi((s) => s.gridFocusRequest);
  const pendingFocus = useRef<number | null>(null);
  const seenFocusRequest = useRef(focusRequest);

  const count = total ?? 0;
  const rows = Math.ceil(count / cols);
  // The compiler cannot memoize TanStack Virtual's API; this component is not memoized by it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 2,
    paddingStart: PADDING,
    paddingEnd: PADDING,
    // Rows re-render on the next frame; flushSync inside React's commit would warn.
    useFlushSync: false,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const firstRow = virtualRows[0]?.index ?? 0;
  const lastRow = virtualRows[virtualRows.length - 1]?.index ?? 0;

  // Ask for what is in view and half a page beyond, whenever the view or the question changes.
  useEffect(() => {
    ensureRange(
      Math.max(0, firstRow * cols - PAGE_SIZE / 2),
      (lastRow + 1) * cols - 1 + PAGE_SIZE / 2,
    );
  }, [firstRow, lastRow, cols, generation, ensureRange]);

  // A new question starts at the top.
  useLayoutEffect(() => {
    virtualizer.scrollToOffset(0);
    setActive(0);
  }, [queryVersion, virtualizer, setActive]);

  // Keep the roving focus on a card that exists and is in view.
  useEffect(() => {
    if (count === 0) return;
    const inView = active >= firstRow * cols && active < (lastRow + 1) * cols;
    const focusInside = scroller.current?.contains(document.activeElement) ?? false;
    if (active >= count) setActive(count - 1);
    else if (!inView && !focusInside && pendingFocus.current === null) {
      setActive(Math.min(count - 1, firstRow * cols));
    }
  }, [active, count, firstRow, lastRow, cols, setActive]);

  // Focus the card keyboard navigation moved to, once it is rendered.
  useEffect(() => {
    const want = pendingFocus.current;
    if (want === null) return;
    const el = scroller.current?.querySelector<HTMLElement>(`[data-index="${want}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  // The detail panel closed: put focus back on the card that opened it.
  useEffect(() => {
    if (focusRequest === seenFocusRequest.current) return;
    seenFocusRequest.current = focusRequest;
    pendingFocus.current = useUi.getState().gridActive;
    virtualizer.scrollToIndex(Math.floor(pendingFocus.current / cols), { align: 'auto' });
    const el = scroller.current?.querySelector<HTMLElement>(
      `[data-index="${pendingFocus.current}"]`,
    );
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  }, [focusRequest, cols, virtualizer]);

  const labels = useMemo(() => new Map(connections.map((c) => [c.id, c.label])), [connections]);
  const scope = useDirectory((s) => s.filters.connectionIds);
  const shown = scope.length > 0 ? connections.filter((c) => scope.includes(c.id)) : connections;
  const showKind = shown.length > 1;

  const onCardKeyNow = (e: KeyboardEvent<HTMLDivElement>, index: number): void => {
    const visibleRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 0) / ROW_HEIGHT));
    const col = index % cols;
    let next: number;
    switch (e.key) {
      case 'ArrowRight':
        next = index + 1;
        break;
      case 'ArrowLeft':
        next = index - 1;
        break;
      case 'ArrowDown':
        next = index + cols;
        break;
      case 'ArrowUp':
        next = index - cols;
        break;
      case 'PageDown':
        next = index + cols * visibleRows;
        break;
      case 'PageUp':
        next = index - cols * visibleRows;
        break;
      case 'Home':
        next = e.ctrlKey || e.metaKey ? 0 : index - col;
        break;
      case 'End':
        next = e.ctrlKey || e.metaKey ? count - 1 : index - col + cols - 1;
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next < 0 || next >= count) {
      if (e.key === 'ArrowDown' || e.key === 'PageDown' || e.key === 'End') next = count - 1;
      else if (e.key === 'ArrowUp' || e.key === 'PageUp') next = e.key === 'ArrowUp' ? index : 0;
      else return;
    }
    moveToResult(next, index, e.shiftKey && e.key.startsWith('Arrow'));
    pendingFocus.current = next;
    virtualizer.scrollToIndex(Math.floor(next / cols), { align: 'auto' });
  };

  const onOpenNow = openResult;
  const onPickNow = pickResult;
  const onFocusNow = (index: number): void => {
    if (active !== index) setActive(index);
  };

  // One function of each for every card, reading this render's values
  // through a ref, so memoized cards are not re-rendered by new closures.
  const latest = useRef({ onCardKeyNow, onOpenNow, onFocusNow, onPickNow });
  useLayoutEffect(() => {
    latest.current = { onCardKeyNow, onOpenNow, onFocusNow, onPickNow };
  });
  const onCardKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>, index: number) => latest.current.onCardKeyNow(e, index),
    [],
  );
  const onOpen = useCallback(
    (user: UserSummary, index: number) => latest.current.onOpenNow(user, index),
    [],
  );
  const onFocus = useCallback((index: number) => latest.current.onFocusNow(index), []);
  const onPick = useCallback(
    (user: UserSummary, index: number, how: 'toggle' | 'range') =>
      latest.current.onPickNow(user, index, how),
    [],
  );

  return (
    <div className="grid-area">
      <SelectionBar />
      {error && (
        <div className="grid-error">
          <ErrorNotice error={error} title="Could not search the directory" testId="search-error" />
        </div>
      )}
      {total === 0 && !error && <EmptyResults />}
      <div
        ref={scroller}
        className="grid-scroller"
        role="grid"
        aria-label="Users"
        aria-rowcount={rows}
        aria-colcount={cols}
        aria-readonly="true"
        aria-multiselectable="true"
        data-testid="user-grid"
        hidden={total === 0}
      >
        <div role="rowgroup" className="grid-sizer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualRows.map((vr) => {
            const start = vr.index * cols;
            const cells = [];
            for (let c = 0; c < cols && start + c < count; c++) {
              const index = start + c;
              const user = summaryAt(pages, index);
              cells.push(
                user ? (
                  <UserCard
                    key={`${user.connectionId}/${user.userId}`}
                    user={user}
                    index={index}
                    colIndex={c + 1}
                    showKind={showKind}
                    connectionLabel={labels.get(user.connectionId)}
                    tabIndex={index === active ? 0 : -1}
                    selected={selection.has(selectionKey(user))}
                    open={
                      target?.connectionId === user.connectionId && target.userId === user.userId
                    }
                    onFocus={onFocus}
                    onOpen={onOpen}
                    onPick={onPick}
                    onKeyDown={onCardKey}
                  />
                ) : (
                  <SkeletonCard key={`s${index}`} colIndex={c + 1} />
                ),
              );
            }
            return (
              <div
                key={vr.key}
                role="row"
                aria-rowindex={vr.index + 1}
                className="grid-row"
                style={{
                  transform: `translateY(${vr.start}px)`,
                  gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
                }}
              >
                {cells}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Why the results are empty, and what to do next (the grid and the table both show it). */
export function EmptyResults() {
  const filters = useDirectory((s) => s.filters);
  const setFilters = useDirectory((s) => s.setFilters);
  const clearFilters = useDirectory((s) => s.clearFilters);
  const connections = useConnections((s) => s.list);
  const runs = useSync((s) => s.runs);
  const inScope =
    filters.connectionIds.length > 0
      ? connections.filter((c) => filters.connectionIds.includes(c.id))
      : connections;
  const nothingCached = inScope.every((c) => c.userCount === 0);
  const narrowed = hasNarrowingFilters(filters);

  if (nothingCached && filters.text === '' && !narrowed) {
    const only = inScope.length === 1 ? inScope[0] : undefined;
    return (
      <div className="empty-state" data-testid="empty-directory">
        <UsersRound size={32} aria-hidden="true" />
        <h2>No users cached{only ? ` for ${only.label}` : ''} yet</h2>
        <p>Sync the directory to fetch everyone, or look someone up by ID with the box above.</p>
        {only && !runs[only.id]?.running && (
          <button type="button" className="button primary" onClick={() => void startSync(only.id)}>
            Sync directory
          </button>
        )}
      </div>
    );
  }
  return (
    <div className="empty-state" data-testid="empty-results">
      <SearchX size={32} aria-hidden="true" />
      <h2>
        {filters.text ? (
          <>
            No users match <q>{filters.text}</q>
          </>
        ) : (
          'No users match these filters'
        )}
      </h2>
      <p>
        Search covers names, emails, IDs and profile fields of every cached user. Someone not synced
        yet can still be looked up by ID or email.
      </p>
      <div className="empty-actions">
        {filters.text && (
          <button type="button" className="button" onClick={() => setFilters({ text: '' })}>
            Clear search
          </button>
        )}
        {narrowed && (
          <button type="button" className="button" onClick={clearFilters}>
            Clear filters
          </button>
        )}
      </div>
    </div>
  );
}
