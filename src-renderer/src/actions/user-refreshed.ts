/**
 * The action for a `users:refreshed` event: a cache-first lookup's server
 * answer arriving.
 *
 * Runs in the window.
 */
import type { PayloadOf } from '@shared/contract';
import { useDetail } from '../stores/detail-store';
import { useDirectory } from '../stores/directory-store';

/**
 * Puts the fresh record in the detail panel when it shows that user, and
 * asks the grid's question again (when one was asked): the card may have
 * changed in the cache.
 */
export function userRefreshed(payload: PayloadOf<'users:refreshed'>): void {
  useDetail.getState().applyRefreshed(payload);
  if (useDirectory.getState().generation > 0) useDirectory.getState().refresh();
}
