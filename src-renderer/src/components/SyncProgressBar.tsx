/**
 * A sync's progress: the phase in words, done/total, and a bar
 * (indeterminate while the total is unknown). A real `progressbar` for
 * assistive technology.
 *
 * Runs in the window.
 */
import type { SyncProgress } from '@shared/model';
import { PHASE_LABELS } from '../stores/sync-store';
import { countText, waitText } from '../lib/time';

/** The phase and counts as one line. */
function progressText(p: SyncProgress): string {
  const phase = PHASE_LABELS[p.phase];
  if (p.phase === 'waiting' && p.retryAfterSeconds !== null) {
    return `${phase}: ${waitText(p.retryAfterSeconds)}`;
  }
  if (p.total !== null && p.total > 0)
    return `${phase} · ${countText(p.done)} of ${countText(p.total)}`;
  if (p.done > 0) return `${phase} · ${countText(p.done)}`;
  return phase;
}

/** The bar. `compact` is the sidebar's thin version. */
export function SyncProgressBar({
  progress,
  compact,
}: {
  progress: SyncProgress;
  compact?: boolean;
}) {
  const known = progress.total !== null && progress.total > 0;
  const percent = known ? Math.min(100, Math.round((progress.done / progress.total!) * 100)) : null;
  const text = progressText(progress);
  return (
    <div className={compact ? 'progress is-compact' : 'progress'}>
      {!compact && (
        <div className="progress-text" data-testid="sync-progress-text">
          {text}
          {percent !== null && <span className="muted"> · {percent}%</span>}
        </div>
      )}
      <div
        className={percent === null ? 'progress-track is-indeterminate' : 'progress-track'}
        role="progressbar"
        aria-label={compact ? `Sync: ${text}` : 'Sync progress'}
        aria-valuemin={0}
        aria-valuemax={known ? progress.total! : undefined}
        aria-valuenow={known ? progress.done : undefined}
        aria-valuetext={text}
      >
        <div
          className="progress-fill"
          style={{ width: percent === null ? undefined : `${percent}%` }}
        />
      </div>
    </div>
  );
}
