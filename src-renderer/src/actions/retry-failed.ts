/**
 * The action behind "Retry the N failed" in the results: a new plan of the
 * same action over the users that failed, previewed again (their state may
 * have changed since).
 *
 * Runs in the window.
 */
import { useAction } from '../stores/action-store';
import { planAction } from './plan-action';

/** Plans the same action again for the users whose outcome was `failed`. */
export async function retryFailed(): Promise<void> {
  const flow = useAction.getState().flow;
  if (flow?.step !== 'results') return;
  const userIds = flow.summary.results.filter((r) => r.outcome === 'failed').map((r) => r.userId);
  if (userIds.length === 0) return;
  await planAction(
    {
      connectionId: flow.plan.connectionId,
      action: flow.summary.action,
      target: { kind: 'users', userIds },
    },
    flow.summary.title,
  );
}
