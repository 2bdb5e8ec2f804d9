/**
 * The action behind "Remove connection" (and "Remove demo") in the
 * confirmation dialog.
 *
 * Runs in the window.
 */
import type { RollcallError } from '@shared/errors';
import type { ConnectionSummary } from '@shared/model';
import { removedTogether, useConnections } from '../stores/connections-store';
import { useDetail } from '../stores/detail-store';
import { useDirectory } from '../stores/directory-store';
import { useSelection } from '../stores/selection-store';
import { useUi } from '../stores/ui-store';

/**
 * Removes a connection (the demo as a whole), then takes it out of
 * everything that still points at it: the grid's scope (or the results, when
 * it was not in scope), the open detail panel, the confirmation. Resolves to
 * null when done, or to the error that stopped it (the dialog shows it).
 */
export async function removeConnection(target: ConnectionSummary): Promise<RollcallError | null> {
  const victims = removedTogether(useConnections.getState().list, target);
  for (const c of victims) {
    const result = await useConnections.getState().remove(c.id);
    if (!result.ok) return result.error;
  }
  const gone = (id: string): boolean => victims.some((v) => v.id === id);
  const { filters, setFilters, refresh } = useDirectory.getState();
  const remaining = filters.connectionIds.filter((id) => !gone(id));
  if (remaining.length !== filters.connectionIds.length) setFilters({ connectionIds: remaining });
  else refresh();
  const open = useDetail.getState().target;
  if (open && gone(open.connectionId)) useDetail.getState().close();
  useSelection.getState().keepOnly((u) => !gone(u.connectionId));
  const ui = useUi.getState();
  ui.askRemove(null);
  ui.toast(target.demo ? 'Removed the demo directory.' : `Removed ${target.label}.`);
  return null;
}
