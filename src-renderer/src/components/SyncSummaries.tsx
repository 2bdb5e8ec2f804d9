/**
 * The summaries of finished syncs, merged into one notice: one compact line
 * per connection (what was added, updated, gone, unchanged, and any user
 * that could not be read), each dismissable, instead of one tall banner per
 * connection stacking above the grid until each is closed.
 *
 * Runs in the window.
 */
import { CircleCheck, X } from 'lucide-react';
import type { ConnectionSummary } from '@shared/model';
import { unreadableText } from '@shared/sync-summary';
import { countText, durationText, plural } from '../lib/time';
import { useSync } from '../stores/sync-store';

/** One notice for every finished sync among `list` (the demo's loading is not a sync). */
export function SyncSummaries({ list }: { list: ConnectionSummary[] }) {
  const runs = useSync((s) => s.runs);
  const dismiss = useSync((s) => s.dismiss);
  const done = list.flatMap((c) => {
    const run = runs[c.id];
    return run?.summary && !run.running && !c.demo ? [{ c, s: run.summary }] : [];
  });
  if (done.length === 0) return null;
  return (
    <div className="notice notice-ok sync-summaries" role="status">
      <CircleCheck size={16} aria-hidden="true" className="notice-icon" />
      <ul className="notice-body sync-summary-list">
        {done.map(({ c, s }) => {
          const skipped = unreadableText(s);
          return (
            <li
              key={c.id}
              className="sync-summary-row"
              data-testid="sync-summary"
              data-connection-id={c.id}
            >
              <div className="sync-summary-text">
                <p className="notice-title">
                  Synced {c.label}: {plural(s.total, 'user')} in{' '}
                  {durationText(s.finishedAt - s.startedAt)}
                </p>
                <ul className="sync-counts">
                  <li>
                    <strong>{countText(s.added)}</strong> added
                  </li>
                  <li>
                    <strong>{countText(s.updated)}</strong> updated
                  </li>
                  <li>
                    <strong>{countText(s.gone)}</strong> gone
                  </li>
                  <li>
                    <strong>{countText(s.unchanged)}</strong> unchanged
                  </li>
                </ul>
                {skipped && (
                  <p className="notice-text" data-testid="sync-unreadable">
                    {skipped}
                  </p>
                )}
              </div>
              <button
                type="button"
                className="icon-button"
                aria-label="Dismiss sync summary"
                title={`Dismiss the summary of ${c.label}`}
                onClick={() => dismiss(c.id)}
              >
                <X size={14} aria-hidden="true" />
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
