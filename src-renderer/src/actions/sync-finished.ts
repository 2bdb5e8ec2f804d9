/**
 * The action for the end of a sync, however it ended and whoever started it.
 *
 * Runs in the window.
 */
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';

/**
 * Reloads the connections and asks the directory's question again: a sync
 * changes a connection's count and last sync, and may change who matches.
 */
export function syncFinished(): void {
  void useConnections.getState().load();
  useDirectory.getState().refresh();
}
