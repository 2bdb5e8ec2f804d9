/**
 * The action for a `directory:sync-progress` event from main.
 *
 * Runs in the window.
 */
import type { SyncProgress } from '@shared/model';
import { useSync } from '../stores/sync-store';
import { showSavedUsers } from './show-saved-users';
import { syncFinished } from './sync-finished';

/**
 * Shows the progress, and the users saved so far while they arrive. When it
 * ends a sync the window saw running (started here, or before the window
 * opened), does what the end of a sync does: the answer to
 * `directory:sync` may never come to this window.
 */
export function syncProgressed(progress: SyncProgress): void {
  if (useSync.getState().onProgress(progress)) syncFinished();
  else showSavedUsers(progress, Date.now());
}
