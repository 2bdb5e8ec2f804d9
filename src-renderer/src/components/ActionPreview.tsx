/**
 * The preview of a plan: who will change (before → after), who is skipped
 * grouped by reason with counts, whether it can be undone, and the typed
 * confirmation when the plan asks for one. Rows are capped: a plan of
 * 100 000 users renders the first few hundred and says how many more.
 *
 * Runs in the window.
 */
import { ArrowRight, Info, TriangleAlert } from 'lucide-react';
import { useId } from 'react';
import { confirmationMatches, type ActionPlan } from '@shared/actions';
import { groupSkips, standingText } from '../lib/action-text';
import { countText, plural } from '../lib/time';

/** Rows of changes rendered; the rest are counted. */
export const PREVIEW_ROWS = 200;
/** Names listed under one skip reason. */
const SKIP_ROWS = 50;

interface ActionPreviewProps {
  plan: ActionPlan;
  typed: string;
  onType: (text: string) => void;
}

/** The body of the dialog while a plan awaits Run. */
export function ActionPreview({ plan, typed, onType }: ActionPreviewProps) {
  const inputId = useId();
  const shown = plan.changes.slice(0, PREVIEW_ROWS);
  const more = plan.changes.length - shown.length;
  const groups = groupSkips(plan.skipped);
  return (
    <div className="action-preview" data-testid="action-preview">
      <p className="action-counts" data-testid="preview-counts">
        <strong>{plural(plan.changes.length, 'user')}</strong> will change
        {plan.skipped.length > 0 && <> · {countText(plan.skipped.length)} skipped</>}
      </p>

      {plan.changes.length === 0 ? (
        <p className="muted" data-testid="nothing-to-change">
          Nothing to change: every user in the target is skipped.
        </p>
      ) : (
        <section aria-label="Users who will change">
          {/* Focusable, so a keyboard can scroll it. */}
          <ul
            className="plan-list"
            tabIndex={0}
            aria-label="Users who will change"
            data-testid="change-list"
          >
            {shown.map((c) => (
              <li key={c.userId} className="plan-row" data-testid="change-row">
                <span className="plan-name">
                  <bdi>{c.name}</bdi>
                  {c.email && (
                    <span className="muted">
                      {' '}
                      <bdi>{c.email}</bdi>
                    </span>
                  )}
                </span>
                <span className="plan-standing">
                  {standingText(c.before)}
                  <ArrowRight size={12} aria-label="to" />
                  <strong>{standingText(c.expected)}</strong>
                </span>
              </li>
            ))}
          </ul>
          {more > 0 && (
            <p className="muted plan-more" data-testid="change-more">
              …and {plural(more, 'more user')}, not listed here.
            </p>
          )}
        </section>
      )}

      {groups.length > 0 && (
        <section className="skip-groups" aria-label="Skipped users" data-testid="skip-groups">
          <h3 className="plan-heading">Skipped</h3>
          {groups.map((g) => (
            <details key={g.code} className="skip-group" data-testid={`skip-${g.code}`}>
              <summary>
                <span className="skip-count">{countText(g.users.length)}</span> {g.reason}
              </summary>
              <ul className="skip-names" tabIndex={0} aria-label={`Skipped: ${g.reason}`}>
                {g.users.slice(0, SKIP_ROWS).map((s) => (
                  <li key={s.userId}>
                    <bdi>{s.name}</bdi>
                    {s.reason !== g.reason && <span className="muted"> · {s.reason}</span>}
                  </li>
                ))}
                {g.users.length > SKIP_ROWS && (
                  <li className="muted">…and {countText(g.users.length - SKIP_ROWS)} more</li>
                )}
              </ul>
            </details>
          ))}
        </section>
      )}

      <div
        className={plan.reversible ? 'notice notice-info' : 'notice notice-warn'}
        data-testid="undo-note"
        data-reversible={plan.reversible}
      >
        {plan.reversible ? (
          <Info size={16} aria-hidden="true" className="notice-icon" />
        ) : (
          <TriangleAlert size={16} aria-hidden="true" className="notice-icon" />
        )}
        <p className="notice-text">
          {!plan.reversible && <strong>Cannot be undone. </strong>}
          {plan.undoNote}
        </p>
      </div>

      {plan.confirmation && plan.changes.length > 0 && (
        <div className="field confirm-field">
          <label htmlFor={inputId} className="field-label">
            {plan.confirmation.prompt}
          </label>
          <input
            id={inputId}
            className="input"
            value={typed}
            onChange={(e) => onType(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            data-autofocus=""
            data-testid="confirm-input"
          />
        </div>
      )}
    </div>
  );
}

/** Whether Run may be pressed: something to change, and the confirmation typed as core checks it. */
export function canRun(plan: ActionPlan, typed: string): boolean {
  return plan.changes.length > 0 && confirmationMatches(plan.confirmation, typed);
}
