/**
 * The action behind Cancel while a run goes on. Users already changed stay
 * changed; the run resolves with the rest marked cancelled.
 *
 * Runs in the window.
 */
import { api } from '../stores/bridge';
import { useAction } from '../stores/action-store';

/** Asks core to stop the run the dialog follows; before its ID is known, there is nothing to name. */
export async function cancelAction(): Promise<void> {
  const flow = useAction.getState().flow;
  if (flow?.step !== 'running' || !flow.progress || flow.cancelling) return;
  useAction.getState().set({ ...flow, cancelling: true });
  const result = await api().cancelAction({ runId: flow.progress.runId });
  if (!result.ok) {
    const now = useAction.getState().flow;
    if (now?.step === 'running')
      useAction.getState().set({ ...now, cancelling: false }, result.error);
  }
}
