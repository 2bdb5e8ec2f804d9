/**
 * What the grid and the table share about showing the results: the
 * virtualizer over rows of `perRow` results (cards in a grid row, or one
 * table row), asking the directory store for what is in view and half a
 * page beyond, going back to the top on a new question, keeping the roving
 * focus on a result that exists and is in view, and moving focus to a
 * result once it is rendered (after keyboard navigation, or when the detail
 * panel closes). Results are drawn by position; focus follows the user.
 *
 * Runs in the window.
 */
import {
  useVirtualizer,
  type Range,
  type VirtualItem,
  type Virtualizer,
} from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { RollcallError } from '@shared/errors';
import { PAGE_SIZE, useDirectory, type ResultPage } from '../stores/directory-store';
import { useUi } from '../stores/ui-store';

/** How the results are laid out in rows. */
export interface VirtualResultsLayout {
  /** Results in one row: the grid's columns, or 1 for the table. */
  perRow: number;
  rowHeight: number;
  /** Rows drawn beyond the view on each side at rest; while it scrolls, half as many, ahead only (`rowsToDraw`). */
  overscan: number;
  paddingStart?: number;
  paddingEnd?: number;
  /** Space above the first row inside the scroller (the table's header). */
  scrollMargin?: number;
}

/** The results in view and what the grid or table needs to show and move through them. */
export interface VirtualResults {
  virtualizer: Virtualizer<HTMLDivElement, Element>;
  virtualRows: VirtualItem[];
  /** `null` until the first answer. */
  total: number | null;
  /** Results (0 until the first answer). */
  count: number;
  /** Rows of results. */
  rows: number;
  pages: ReadonlyMap<number, ResultPage>;
  error: RollcallError | null;
  /** The result holding the roving focus. */
  active: number;
  setActive(index: number): void;
  /** Moves focus to result `index` once it is rendered, scrolling it into view. */
  focusResult(index: number): void;
}

/** Whether the view is still, or which way it is scrolling. */
type Motion = 'still' | 'forward' | 'backward';

function motionOf(v: Virtualizer<HTMLDivElement, Element>): Motion {
  if (!v.isScrolling) return 'still';
  return v.scrollDirection === 'backward' ? 'backward' : 'forward';
}

/**
 * The rows to draw: those in view, and `overscan` more on each side at
 * rest, so keys and small wheel steps find their rows drawn. While the view
 * scrolls, only half of them, ahead: a row drawn behind is work no one sees,
 * and a scroll jump draws everything anew in one task (issue 17: 27 cards
 * laid out and painted in 50-75 ms at 100 000 users, against no long task
 * once the rows behind and half of those ahead were left out).
 */
function rowsToDraw(range: Range, motion: Motion): number[] {
  const { startIndex, endIndex, overscan, count } = range;
  const lead = motion === 'still' ? overscan : Math.ceil(overscan / 2);
  const first = Math.max(0, startIndex - (motion === 'forward' ? 0 : lead));
  const last = Math.min(count - 1, endIndex + (motion === 'backward' ? 0 : lead));
  const rows: number[] = [];
  for (let i = first; i <= last; i++) rows.push(i);
  return rows;
}

const EXTRACTORS: Record<Motion, (range: Range) => number[]> = {
  still: (r) => rowsToDraw(r, 'still'),
  forward: (r) => rowsToDraw(r, 'forward'),
  backward: (r) => rowsToDraw(r, 'backward'),
};

/** The user a rendered result shows, as its element says (`null`: a placeholder). */
function userKeyOf(el: HTMLElement): string | null {
  const { connectionId, userId } = el.dataset;
  return connectionId === undefined || userId === undefined ? null : `${connectionId}\n${userId}`;
}

/** Where a user is among the loaded results, or null. */
function indexOfUser(pages: ReadonlyMap<number, ResultPage>, key: string): number | null {
  for (const [page, { items }] of pages) {
    const i = items.findIndex((u) => `${u.connectionId}\n${u.userId}` === key);
    if (i >= 0) return page * PAGE_SIZE + i;
  }
  return null;
}

/** Focuses the pending result if it is rendered (and then forgets it). */
function focusPending(
  scroller: RefObject<HTMLDivElement | null>,
  pending: RefObject<number | null>,
): void {
  const want = pending.current;
  if (want === null) return;
  const el = scroller.current?.querySelector<HTMLElement>(`[data-index="${want}"]`);
  if (el) {
    el.focus({ preventScroll: true });
    pending.current = null;
  }
}

/** The virtualized results, paged in from the directory store, with roving focus. */
export function useVirtualResults(
  scroller: RefObject<HTMLDivElement | null>,
  layout: VirtualResultsLayout,
): VirtualResults {
  const { perRow, rowHeight, overscan, paddingStart, paddingEnd, scrollMargin } = layout;
  const total = useDirectory((s) => s.total);
  const pages = useDirectory((s) => s.pages);
  const generation = useDirectory((s) => s.generation);
  const queryVersion = useDirectory((s) => s.queryVersion);
  const error = useDirectory((s) => s.error);
  const ensureRange = useDirectory((s) => s.ensureRange);
  const active = useUi((s) => s.gridActive);
  const setActive = useUi((s) => s.setGridActive);
  const focusRequest = useUi((s) => s.gridFocusRequest);
  const pendingFocus = useRef<number | null>(null);
  const seenFocusRequest = useRef(focusRequest);

  const count = total ?? 0;
  const rows = Math.ceil(count / perRow);
  const [motion, setMotion] = useState<Motion>('still');
  // The compiler cannot memoize TanStack Virtual's API; this hook is not memoized by it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan,
    rangeExtractor: EXTRACTORS[motion],
    onChange: (v) => setMotion(motionOf(v)),
    ...(paddingStart === undefined ? {} : { paddingStart }),
    ...(paddingEnd === undefined ? {} : { paddingEnd }),
    ...(scrollMargin === undefined ? {} : { scrollMargin }),
    // Rows re-render on the next frame; flushSync inside React's commit would warn.
    useFlushSync: false,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const firstRow = virtualRows[0]?.index ?? 0;
  const lastRow = virtualRows[virtualRows.length - 1]?.index ?? 0;

  // Ask for what is in view and half a page beyond, whenever the view or the question changes.
  useEffect(() => {
    ensureRange(
      Math.max(0, firstRow * perRow - PAGE_SIZE / 2),
      (lastRow + 1) * perRow - 1 + PAGE_SIZE / 2,
    );
  }, [firstRow, lastRow, perRow, generation, ensureRange]);

  // A new question starts at the top. Already there (typing): nothing to do,
  // and no layout forced in the keystroke's commit to find that out.
  useLayoutEffect(() => {
    if ((virtualizer.scrollOffset ?? 0) !== 0) virtualizer.scrollToOffset(0);
    setActive(0);
  }, [queryVersion, virtualizer, setActive]);

  // Keep the roving focus on a result that exists and is in view.
  useEffect(() => {
    if (count === 0) return;
    const inView = active >= firstRow * perRow && active < (lastRow + 1) * perRow;
    const focusInside = scroller.current?.contains(document.activeElement) ?? false;
    if (active >= count) setActive(count - 1);
    else if (!inView && !focusInside && pendingFocus.current === null) {
      setActive(Math.min(count - 1, firstRow * perRow));
    }
  }, [active, count, firstRow, lastRow, perRow, setActive, scroller]);

  // Focus the result keyboard navigation moved to, once it is rendered.
  useEffect(() => focusPending(scroller, pendingFocus));

  // Results are rendered by position (the element in a slot stays and shows
  // whoever is there now), so focus follows the user: when the user under
  // focus is no longer the one in that slot, focus moves to where that user
  // went, if they are still among the loaded results.
  const focused = useRef<{ el: HTMLElement; key: string | null } | null>(null);
  // Focus that moves without a render (a click, a key, focus moved by the
  // effect below when setting the active result changed nothing) is noted
  // as it arrives: left to the next render, the element would be taken to
  // have shown its new user all along, and focus would not follow.
  useEffect(() => {
    const root = scroller.current;
    if (!root) return;
    const note = (e: FocusEvent): void => {
      const el = e.target;
      focused.current =
        el instanceof HTMLElement && el.dataset.index ? { el, key: userKeyOf(el) } : null;
    };
    root.addEventListener('focusin', note);
    return () => root.removeEventListener('focusin', note);
  }, [scroller]);
  useEffect(() => {
    const el = document.activeElement;
    const root = scroller.current;
    if (!root || !(el instanceof HTMLElement) || !root.contains(el) || !el.dataset.index) {
      focused.current = null;
      return;
    }
    const key = userKeyOf(el);
    const before = focused.current;
    if (before?.el === el && before.key !== null && before.key !== key) {
      const at = indexOfUser(pages, before.key);
      if (at !== null) {
        setActive(at);
        pendingFocus.current = at;
        virtualizer.scrollToIndex(Math.floor(at / perRow), { align: 'auto' });
        focusPending(scroller, pendingFocus);
        return;
      }
    }
    focused.current = { el, key };
  });

  // The detail panel closed: put focus back on the result that opened it.
  useEffect(() => {
    if (focusRequest === seenFocusRequest.current) return;
    seenFocusRequest.current = focusRequest;
    const index = useUi.getState().gridActive;
    pendingFocus.current = index;
    virtualizer.scrollToIndex(Math.floor(index / perRow), { align: 'auto' });
    focusPending(scroller, pendingFocus);
  }, [focusRequest, perRow, virtualizer, scroller]);

  return {
    virtualizer,
    virtualRows,
    total,
    count,
    rows,
    pages,
    error,
    active,
    setActive,
    focusResult(index) {
      pendingFocus.current = index;
      virtualizer.scrollToIndex(Math.floor(index / perRow), { align: 'auto' });
    },
  };
}
