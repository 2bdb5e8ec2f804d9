/**
 * The action behind every "Sync" button.
 *
 * Runs in the window.
 */
import { useSync } from '../stores/sync-store';
import { syncFinished } from './sync-finished';

/**
 * Syncs one connection and, when the sync ends, brings the list and the
 * results up to date; the sync store alone knows nothing of the others.
 * Does nothing when that connection is already syncing.
 */
export async function startSync(connectionId: string): Promise<void> {
  if (await useSync.getState().start(connectionId)) syncFinished();
}
