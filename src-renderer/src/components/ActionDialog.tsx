/**
 * The act-on-users dialog: the plan's preview (Run gated by the typed
 * confirmation when asked), then the run's progress with Cancel, then the
 * results with "Retry the N failed". Errors of planning and running show
 * in it with the usual ErrorNotice.
 *
 * Runs in the window.
 */
import { LoaderCircle, Play, RotateCcw, Square } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { cancelAction } from '../actions/cancel-action';
import { closeAction } from '../actions/close-action';
import { retryFailed } from '../actions/retry-failed';
import { runAction } from '../actions/run-action';
import { plural } from '../lib/time';
import { useAction } from '../stores/action-store';
import { ActionPreview, canRun } from './ActionPreview';
import { ActionProgressView, ActionResults } from './ActionRunView';
import { ErrorNotice } from './ErrorNotice';
import { Modal } from './Modal';

/** The dialog, when an action is under way. */
export function ActionDialog() {
  const flow = useAction((s) => s.flow);
  const error = useAction((s) => s.error);
  const pendingLabel = useAction((s) => s.pendingLabel);
  const typed = useAction((s) => s.typed);
  const setTyped = useAction((s) => s.setTyped);
  const step = flow?.step;
  const seenStep = useRef(step);
  // A new step replaces the buttons: move focus to its main one, so Esc and Tab still work.
  useEffect(() => {
    if (step === seenStep.current) return;
    seenStep.current = step;
    document.querySelector<HTMLElement>('[data-testid="action-dialog"] [data-autofocus]')?.focus();
  }, [step]);
  if (!flow) return null;

  const title =
    flow.step === 'planning'
      ? pendingLabel
      : flow.step === 'results'
        ? `${flow.summary.cancelled ? 'Cancelled' : 'Done'}: ${flow.plan.title}`
        : flow.plan.title;
  const description =
    flow.step === 'planning'
      ? undefined
      : `${flow.plan.connectionLabel} · ${flow.plan.targetDescription}`;
  const errorNotice = error && (
    <ErrorNotice
      error={error}
      title={flow.step === 'planning' ? 'Could not prepare this action' : 'Could not run it'}
      testId="action-error"
    />
  );

  let body;
  let footer;
  if (flow.step === 'planning') {
    body = error ? null : (
      <p className="muted" role="status" data-testid="action-planning">
        <LoaderCircle size={14} aria-hidden="true" className="spin" /> Checking who this would
        change…
      </p>
    );
    footer = (
      <>
        <span className="spacer" />
        <button
          type="button"
          className="button"
          onClick={closeAction}
          data-autofocus=""
          data-testid="close-action"
        >
          {error ? 'Close' : 'Cancel'}
        </button>
      </>
    );
  } else if (flow.step === 'preview') {
    const { plan } = flow;
    body = <ActionPreview plan={plan} typed={typed} onType={setTyped} />;
    footer = (
      <>
        <span className="spacer" />
        <button type="button" className="button" onClick={closeAction}>
          Cancel
        </button>
        <button
          type="button"
          className={plan.reversible ? 'button primary' : 'button danger'}
          disabled={!canRun(plan, typed)}
          onClick={() => void runAction(plan.confirmation ? typed : undefined)}
          data-testid="run-action"
        >
          <Play size={14} aria-hidden="true" />
          Run on {plural(plan.changes.length, 'user')}
        </button>
      </>
    );
  } else if (flow.step === 'running') {
    body = <ActionProgressView progress={flow.progress} cancelling={flow.cancelling} />;
    footer = (
      <>
        <span className="spacer" />
        <button
          type="button"
          className="button"
          // The run's ID comes with its first progress event; until then there is nothing to name.
          disabled={!flow.progress || flow.cancelling}
          onClick={() => void cancelAction()}
          data-autofocus=""
          data-testid="cancel-action"
        >
          <Square size={14} aria-hidden="true" />
          {flow.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </>
    );
  } else {
    const failed = flow.summary.counts.failed;
    body = <ActionResults summary={flow.summary} />;
    footer = (
      <>
        {failed > 0 && (
          <button
            type="button"
            className="link-button retry-link"
            onClick={() => void retryFailed()}
            data-testid="retry-failed"
          >
            <RotateCcw size={14} aria-hidden="true" />
            Retry the {plural(failed, 'failed user')}
          </button>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="button primary"
          onClick={closeAction}
          data-autofocus=""
          data-testid="close-results"
        >
          Done
        </button>
      </>
    );
  }

  return (
    <Modal
      title={title}
      description={description}
      onClose={closeAction}
      width={620}
      testId="action-dialog"
      footer={footer}
    >
      {errorNotice}
      {body}
    </Modal>
  );
}
