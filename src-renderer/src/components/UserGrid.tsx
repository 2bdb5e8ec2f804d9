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
import { SearchX, UsersRound } from 'lucide-react';
import { useCallback, useMemo, useRef, type KeyboardEvent } from 'react';
import type { UserSummary } from '@shared/model';
import { moveToResult, openResult, pickResult } from '../actions/pick-result';
import { startSync } from '../actions/start-sync';
import { useElementWidth } from '../lib/use-element-width';
import { useLatest } from '../lib/use-latest';
import { useConnections } from '../stores/connections-store';
import { useDetail } from '../stores/detail-store';
import { hasNarrowingFilters, summaryAt, useDirectory } from '../stores/directory-store';
import { selectionKey, useSelection } from '../stores/selection-store';
import { useSync } from '../stores/sync-store';
import { ErrorNotice } from './ErrorNotice';
import { SelectionBar } from './SelectionBar';
import { CARD_HEIGHT, UserCard } from './UserCard';
import { useSearchTyping } from './use-typing';
import { useVirtualResults } from './use-virtual-results';

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
  const connections = useConnections((s) => s.list);
  const target = useDetail((s) => s.target);
  const selection = useSelection((s) => s.selected);
  const {
    virtualizer,
    virtualRows,
    total,
    count,
    rows,
    pages,
    error,
    active,
    setActive,
    focusResult,
  } = useVirtualResults(scroller, {
    perRow: cols,
    rowHeight: ROW_HEIGHT,
    overscan: 2,
    paddingStart: PADDING,
    paddingEnd: PADDING,
  });

  // Lighter cards while the searched text changes.
  const typing = useSearchTyping();

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
    focusResult(next);
  };

  const onOpenNow = openResult;
  const onPickNow = pickResult;
  const onFocusNow = (index: number): void => {
    if (active !== index) setActive(index);
  };

  // One function of each for every card, reading this render's values
  // through a ref, so memoized cards are not re-rendered by new closures.
  const latest = useLatest({ onCardKeyNow, onOpenNow, onFocusNow, onPickNow });
  const onCardKey = useCallback(
    (e: KeyboardEvent<HTMLDivElement>, index: number) => latest.current.onCardKeyNow(e, index),
    [latest],
  );
  const onOpen = useCallback(
    (user: UserSummary, index: number) => latest.current.onOpenNow(user, index),
    [latest],
  );
  const onFocus = useCallback((index: number) => latest.current.onFocusNow(index), [latest]);
  const onPick = useCallback(
    (user: UserSummary, index: number, how: 'toggle' | 'range') =>
      latest.current.onPickNow(user, index, how),
    [latest],
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
                    // By slot, not by user: a keystroke updates the cards in place.
                    key={c}
                    user={user}
                    index={index}
                    colIndex={c + 1}
                    showKind={showKind}
                    lite={typing}
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
                  <SkeletonCard key={c} colIndex={c + 1} />
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
    const syncing = inScope.some((c) => runs[c.id]?.running);
    return (
      <div className="empty-state" data-testid="empty-directory">
        <UsersRound size={32} aria-hidden="true" />
        <h2>No users cached{only ? ` for ${only.label}` : ''} yet</h2>
        {syncing ? (
          // actions/show-saved-users.ts asks again as they arrive.
          <p>
            Users appear here as the sync saves them. To find someone now, look them up by ID with
            the box above.
          </p>
        ) : (
          <p>Sync the directory to fetch everyone, or look someone up by ID with the box above.</p>
        )}
        {only && !syncing && (
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
