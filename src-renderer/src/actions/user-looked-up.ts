/**
 * The action for a lookup by ID that found someone.
 *
 * Runs in the window.
 */
import type { LookupResult } from '@shared/model';
import { useConnections } from '../stores/connections-store';
import { useDetail } from '../stores/detail-store';
import { useDirectory } from '../stores/directory-store';

/**
 * Opens the user in the detail panel; when the server answered (not the
 * cache), that user is now cached, so the counts and the results are asked
 * for again.
 */
export function userLookedUp(result: LookupResult, ref: string): void {
  useDetail.getState().showLookup(result, ref);
  if (result.source === 'network') {
    void useConnections.getState().load();
    useDirectory.getState().refresh();
  }
}
