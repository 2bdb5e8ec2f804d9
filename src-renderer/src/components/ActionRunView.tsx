/**
 * A run of a plan as the dialog shows it: progress while it goes (done of
 * total, the rate-limit wait in words), then the results (counts per
 * outcome, each user's outcome and the error's words).
 *
 * Runs in the window.
 */
import type { ActionOutcome, ActionProgress, ActionRunSummary } from '@shared/actions';
import { ACTION_OUTCOMES } from '@shared/actions';
import { OUTCOME_LABELS, OUTCOME_TONES, standingText } from '../lib/action-text';
import { countText, waitText } from '../lib/time';
import { Badge } from './Badges';

/** Result rows rendered; the rest are counted (the audit log has them all). */
const RESULT_ROWS = 200;

/** The phase in words. */
function progressText(p: ActionProgress | null): string {
  if (!p || p.phase === 'checking') return 'Checking the users against the server…';
  if (p.phase === 'waiting') {
    return p.waitSeconds !== null
      ? `Waiting ${waitText(p.waitSeconds)} for the server's rate limit`
      : "Waiting for the server's rate limit";
  }
  if (p.phase === 'cancelled') return 'Cancelled';
  return `${countText(p.done)} of ${countText(p.total)} done`;
}

/** The progress bar of a run. */
export function ActionProgressView({
  progress,
  cancelling,
}: {
  progress: ActionProgress | null;
  cancelling: boolean;
}) {
  const known = progress !== null && progress.total > 0;
  const percent = known ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : null;
  const text = cancelling ? 'Cancelling after the current user…' : progressText(progress);
  return (
    <div className="action-progress" data-testid="action-progress">
      <div className="progress">
        <div className="progress-text" data-testid="action-progress-text" aria-live="polite">
          {text}
          {/* While it runs the text already says "3 of 26 done"; other phases add the count. */}
          {known && progress.phase !== 'running' && (
            <span className="muted">
              {' '}
              · {countText(progress.done)}/{countText(progress.total)}
            </span>
          )}
        </div>
        <div
          className={percent === null ? 'progress-track is-indeterminate' : 'progress-track'}
          role="progressbar"
          aria-label="Action progress"
          aria-valuemin={0}
          aria-valuemax={known ? progress.total : undefined}
          aria-valuenow={known ? progress.done : undefined}
          aria-valuetext={text}
        >
          <div
            className="progress-fill"
            style={{ width: percent === null ? undefined : `${percent}%` }}
          />
        </div>
      </div>
      {progress?.latest && (
        <p className="muted action-latest">
          Last: <bdi>{progress.latest.name}</bdi> · {OUTCOME_LABELS[progress.latest.outcome]}
        </p>
      )}
    </div>
  );
}

/** Outcomes shown first in the list: the ones that need the admin. */
const ROW_ORDER: Record<ActionOutcome, number> = {
  failed: 0,
  'not-applied': 1,
  skipped: 2,
  cancelled: 3,
  applied: 4,
};

/** The results of a finished or cancelled run. */
export function ActionResults({ summary }: { summary: ActionRunSummary }) {
  const rows = [...summary.results]
    .sort((a, b) => ROW_ORDER[a.outcome] - ROW_ORDER[b.outcome])
    .slice(0, RESULT_ROWS);
  const more = summary.results.length - rows.length;
  return (
    <div className="action-results" data-testid="action-results">
      {summary.cancelled && (
        <p className="notice notice-warn" data-testid="run-cancelled">
          <span className="notice-text">
            Cancelled. Users changed before the cancel stay changed.
          </span>
        </p>
      )}
      <ul className="outcome-counts" aria-label="Outcomes">
        {ACTION_OUTCOMES.filter((o) => summary.counts[o] > 0).map((o) => (
          <li key={o} data-testid={`count-${o}`}>
            <Badge tone={OUTCOME_TONES[o]}>
              {OUTCOME_LABELS[o]} {countText(summary.counts[o])}
            </Badge>
          </li>
        ))}
      </ul>
      <ul className="plan-list" tabIndex={0} aria-label="Results by user" data-testid="result-list">
        {rows.map((r) => (
          <li
            key={r.userId}
            className="plan-row result-row"
            data-testid="result-row"
            data-outcome={r.outcome}
          >
            <span className="plan-name">
              <bdi>{r.name}</bdi>
              {r.error && <span className="result-error">{r.error.message}</span>}
            </span>
            <span className="plan-standing">
              {r.after ? standingText(r.after) : standingText(r.before)}
              <Badge tone={OUTCOME_TONES[r.outcome]}>{OUTCOME_LABELS[r.outcome]}</Badge>
            </span>
          </li>
        ))}
      </ul>
      {more > 0 && (
        <p className="muted plan-more">
          …and {countText(more)} more; the audit log lists every one.
        </p>
      )}
    </div>
  );
}
