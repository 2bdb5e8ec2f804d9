/**
 * What a click or a key on one result does, whichever view shows it (the
 * grid of cards or the table): open it, select it, toggle it, extend a
 * range to it, or move the keyboard's place to it. Both views call these,
 * so the selection and the "Act on these" bar behave the same in each.
 *
 * Runs in the window.
 */
import type { UserSummary } from '@shared/model';
import { useDetail } from '../stores/detail-store';
import { summaryAt, useDirectory } from '../stores/directory-store';
import { useSelection } from '../stores/selection-store';
import { useUi } from '../stores/ui-store';

/** A plain click or Enter: this user alone is selected, and opens in the panel. */
export function openResult(user: UserSummary, index: number): void {
  useUi.getState().setGridActive(index);
  useSelection.getState().selectOnly(user, index, useDirectory.getState().queryVersion);
  void useDetail.getState().openSummary(user);
}

/** Ctrl/cmd-click or Space toggles; shift-click extends from the anchor. */
export function pickResult(user: UserSummary, index: number, how: 'toggle' | 'range'): void {
  useUi.getState().setGridActive(index);
  const { pages, queryVersion } = useDirectory.getState();
  if (how === 'toggle') useSelection.getState().toggle(user, index, queryVersion);
  else useSelection.getState().extendTo(index, queryVersion, (i) => summaryAt(pages, i));
}

/**
 * Keyboard movement from `from` to `next`: with shift+arrow the range
 * grows to it, otherwise the next range starts there.
 */
export function moveToResult(next: number, from: number, extend: boolean): void {
  const { pages, queryVersion } = useDirectory.getState();
  if (extend) {
    useSelection.getState().extendTo(next, queryVersion, (i) => summaryAt(pages, i), from);
  } else useSelection.getState().moveAnchor(next, queryVersion);
  useUi.getState().setGridActive(next);
}
