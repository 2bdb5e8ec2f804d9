/**
 * The act-on-users dialog, one step at a time: planning (waiting for core's
 * preview), preview (who changes, who is skipped, the typed confirmation),
 * running (progress, the run's ID for Cancel) and results. One model for one
 * user or many: a single-user action is a plan of one. Which step comes next
 * is the business of the actions in `../actions`; this store only holds it.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { ActionPlan, ActionProgress, ActionRunSummary, ActionSpec } from '@shared/actions';
import type { ArgOf } from '@shared/contract';
import type { RollcallError } from '@shared/errors';

/** What a plan is asked for. */
export type ActionRequest = ArgOf<'actions:plan'>;

/** Which step the dialog shows. */
type ActionStep =
  | { step: 'planning'; request: ActionRequest }
  | { step: 'preview'; plan: ActionPlan }
  | { step: 'running'; plan: ActionPlan; progress: ActionProgress | null; cancelling: boolean }
  | { step: 'results'; plan: ActionPlan; summary: ActionRunSummary };

interface ActionData {
  /** Null when the dialog is closed. */
  flow: ActionStep | null;
  /** Why planning or running failed; shown in the dialog. */
  error: RollcallError | null;
  /** A label for the dialog while the plan is on its way, e.g. "Deactivate". */
  pendingLabel: string;
  /** What the admin typed into the confirmation; emptied by every new step. */
  typed: string;
}

interface ActionState extends ActionData {
  /** Moves to a step; the typed confirmation stays only within one plan's preview. */
  set(flow: ActionStep | null, error?: RollcallError | null): void;
  setPendingLabel(label: string): void;
  setTyped(text: string): void;
  reset(): void;
}

/** The dialog closed. */
const initial: ActionData = { flow: null, error: null, pendingLabel: '', typed: '' };

/** The act-on-users dialog's state. */
export const useAction = create<ActionState>()((set) => ({
  ...initial,
  set: (flow, error = null) =>
    set((s) => ({
      flow,
      error,
      typed:
        flow?.step === 'preview' && s.flow?.step === 'preview' && s.flow.plan === flow.plan
          ? s.typed
          : '',
    })),
  setPendingLabel: (pendingLabel) => set({ pendingLabel }),
  setTyped: (typed) => set({ typed }),
  reset: () => set(initial),
}));

/** The same action as a key, to compare two specs. */
export function actionKey(action: ActionSpec): string {
  return action.kind === 'set-role' ? `set-role:${action.role}` : action.kind;
}
