/**
 * The action behind closing the act-on-users dialog (Close, Esc, Done).
 *
 * Runs in the window.
 */
import { useAction } from '../stores/action-store';

/**
 * Closes the dialog, except while a run goes on: closing then would hide a
 * run still changing users, so the dialog stays until it ends or is cancelled.
 * Returns whether it closed.
 */
export function closeAction(): boolean {
  if (useAction.getState().flow?.step === 'running') return false;
  useAction.getState().reset();
  return true;
}
