/**
 * The action behind "Explore a demo directory" on the first screen.
 *
 * Runs in the window.
 */
import type { RollcallError } from '@shared/errors';
import { useConnections } from '../stores/connections-store';
import { useUi } from '../stores/ui-store';

/**
 * Loads the demo connections and lists them (the first screen gives way to
 * the directory), then says how to get rid of them. Resolves to null when
 * done, or to the error that stopped it (the first screen shows it).
 */
export async function loadDemo(): Promise<RollcallError | null> {
  const result = await useConnections.getState().loadDemo();
  if (!result.ok) return result.error;
  useUi
    .getState()
    .toast('Loaded the demo directory. Remove it from its menu in the sidebar when done.');
  return null;
}
