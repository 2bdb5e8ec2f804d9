/**
 * The action for an `actions:progress` event from main.
 *
 * Runs in the window.
 */
import type { ActionProgress } from '@shared/actions';
import { useAction } from '../stores/action-store';

/** Shows the progress of the run the dialog is following; others are not this window's. */
export function actionProgressed(progress: ActionProgress): void {
  const flow = useAction.getState().flow;
  if (flow?.step !== 'running' || flow.plan.planId !== progress.planId) return;
  useAction.getState().set({ ...flow, progress });
}
