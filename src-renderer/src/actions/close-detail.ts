/**
 * The action behind closing the detail panel (its close button, or Esc).
 *
 * Runs in the window.
 */
import { useDetail } from '../stores/detail-store';
import { useUi } from '../stores/ui-store';

/** Closes the panel and gives focus back to the grid's active card, where the admin was. */
export function closeDetail(): void {
  useDetail.getState().close();
  useUi.getState().focusGrid();
}
