/**
 * The action behind choosing an action in an "Act on…" menu (the selection
 * bar, the filtered-set entry, the detail panel) and behind "Retry the N
 * failed": asks core for a preview and opens the dialog on it.
 *
 * Runs in the window.
 */
import { api } from '../stores/bridge';
import { useAction, type ActionRequest } from '../stores/action-store';

/** Opens the dialog, asks for the plan, and shows its preview or why there is none. */
export async function planAction(request: ActionRequest, label: string): Promise<void> {
  const store = useAction.getState();
  store.setPendingLabel(label);
  store.set({ step: 'planning', request });
  const result = await api().planAction(request);
  const now = useAction.getState().flow;
  // Closed, or another plan asked for, while this one was on its way.
  if (now?.step !== 'planning' || now.request !== request) return;
  if (result.ok) useAction.getState().set({ step: 'preview', plan: result.value });
  else useAction.getState().set(now, result.error);
}
