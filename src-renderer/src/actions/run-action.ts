/**
 * The action behind Run in the preview: runs the plan, follows its progress
 * (the run's ID arrives with the first progress event, so Cancel can name
 * it), shows the results, asks the directory and the open detail panel
 * again so they show what changed, and drops deleted users from the selection.
 *
 * Runs in the window.
 */
import { api } from '../stores/bridge';
import { useAction } from '../stores/action-store';
import { useDetail } from '../stores/detail-store';
import { useDirectory } from '../stores/directory-store';
import { useSelection } from '../stores/selection-store';

/** Runs the previewed plan; `confirmation` is what the admin typed, when asked. */
export async function runAction(confirmation?: string): Promise<void> {
  const flow = useAction.getState().flow;
  if (flow?.step !== 'preview') return;
  const { plan } = flow;
  useAction.getState().set({ step: 'running', plan, progress: null, cancelling: false });
  const result = await api().runAction(
    plan.confirmation ? { planId: plan.planId, confirmation } : { planId: plan.planId },
  );
  const now = useAction.getState().flow;
  if (now?.step !== 'running' || now.plan.planId !== plan.planId) return;
  if (!result.ok) {
    // Back to the preview, with the reason: nothing ran, or core says what did in the audit log.
    useAction.getState().set({ step: 'preview', plan }, result.error);
    return;
  }
  useAction.getState().set({ step: 'results', plan, summary: result.value });
  // Deleted users are gone from the server: they cannot stay selected for the next action.
  if (plan.action.kind === 'delete') {
    const deleted = new Set(
      result.value.results.filter((r) => r.outcome === 'applied').map((r) => r.userId),
    );
    useSelection
      .getState()
      .keepOnly((u) => u.connectionId !== plan.connectionId || !deleted.has(u.userId));
  }
  useDirectory.getState().refresh();
  const open = useDetail.getState().target;
  if (
    open?.connectionId === plan.connectionId &&
    result.value.results.some((r) => r.userId === open.userId)
  ) {
    void useDetail.getState().refresh();
  }
}
