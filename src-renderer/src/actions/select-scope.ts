/**
 * The action behind picking a connection (or "All connections") in the
 * sidebar.
 *
 * Runs in the window.
 */
import { useDirectory } from '../stores/directory-store';
import { useUi } from '../stores/ui-store';

/**
 * Narrows the grid to one connection (or all) and points lookups at it:
 * an admin who picked a connection means it for both.
 */
export function selectScope(id: string | null): void {
  useDirectory.getState().setFilters({ connectionIds: id ? [id] : [] });
  if (id) useUi.getState().setLookupConnection(id);
}
