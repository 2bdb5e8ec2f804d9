/**
 * The action for a connection the dialog has just saved (added or edited).
 *
 * Runs in the window.
 */
import type { ConnectionSummary } from '@shared/model';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useUi } from '../stores/ui-store';

/**
 * Shows the saved connection: the list reloads with it, the grid narrows to
 * it and lookups go to it (what the admin wants next is its users), the
 * dialog closes and a notice says what happened and what to do next.
 */
export async function connectionSaved(
  connection: ConnectionSummary,
  how: 'added' | 'edited',
): Promise<void> {
  await useConnections.getState().load();
  useDirectory.getState().setFilters({ connectionIds: [connection.id] });
  const ui = useUi.getState();
  ui.setLookupConnection(connection.id);
  ui.closeDialog();
  ui.toast(
    how === 'edited'
      ? `Saved ${connection.label}.`
      : `Added ${connection.label}. Sync the directory to fetch everyone, or look someone up by ID.`,
  );
}
