/**
 * The action that shows users as a sync saves them. A first sync of a large
 * directory writes for many seconds; until it ends, the window would say
 * "No users cached yet" while thousands already are. While users arrive,
 * the window asks its question again now and then, and the connections'
 * counts with it.
 *
 * Runs in the window.
 */
import type { SyncProgress } from '@shared/model';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useSync } from '../stores/sync-store';

/**
 * Least time between two asks while a sync runs: each answer redraws the
 * cards in view, and a first sync of 100 000 users saves a batch every
 * second or two.
 */
export const SHOW_SAVED_EVERY_MS = 1_500;

/**
 * Asks again for the results and the connections when the running sync has
 * saved more users since the window last asked, at most every
 * `SHOW_SAVED_EVERY_MS`, and only while users are arriving: the cache holds
 * fewer of the connection's users than the server said it has (none, when
 * it did not say). A re-sync of a directory already cached asks nothing
 * until it ends, so its cards are not redrawn for nothing.
 */
export function showSavedUsers(progress: SyncProgress, now: number): void {
  const id = progress.connectionId;
  const sync = useSync.getState();
  const run = sync.runs[id];
  if (!run?.running || progress.done <= (run.shown?.done ?? 0)) return;
  if (run.shown && now - run.shown.at < SHOW_SAVED_EVERY_MS) return;
  const cached = useConnections.getState().list.find((c) => c.id === id)?.userCount ?? 0;
  const arriving = progress.total !== null ? cached < progress.total : cached === 0;
  if (!arriving) return;
  sync.markShown(id, progress.done, now);
  void useConnections.getState().load();
  const directory = useDirectory.getState();
  const scope = directory.filters.connectionIds;
  if (scope.length === 0 || scope.includes(id)) directory.refresh();
}
