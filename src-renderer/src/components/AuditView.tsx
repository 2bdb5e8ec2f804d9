/**
 * The audit log: every user every run touched, newest first, paged, with
 * Export CSV and Export JSON (through main's save dialog). The log is local
 * and append-only; this view only reads it.
 *
 * Runs in the window.
 */
import { ChevronLeft, ChevronRight, FileJson, FileSpreadsheet } from 'lucide-react';
import { OUTCOME_LABELS, OUTCOME_TONES, standingText } from '../lib/action-text';
import { absoluteDateTime, countText, plural } from '../lib/time';
import { AUDIT_PAGE_SIZE, useAudit } from '../stores/audit-store';
import { api } from '../stores/bridge';
import { useUi } from '../stores/ui-store';
import { Badge } from './Badges';
import { ErrorNotice } from './ErrorNotice';
import { Modal } from './Modal';

/** The audit log dialog, when open. */
export function AuditView() {
  const open = useAudit((s) => s.open);
  const entries = useAudit((s) => s.entries);
  const total = useAudit((s) => s.total);
  const offset = useAudit((s) => s.offset);
  const loading = useAudit((s) => s.loading);
  const error = useAudit((s) => s.error);
  const load = useAudit((s) => s.load);
  const hide = useAudit((s) => s.hide);
  const toast = useUi((s) => s.toast);
  if (!open) return null;

  const exportAs = async (format: 'csv' | 'json'): Promise<void> => {
    const result = await api().exportAudit({ format });
    if (!result.ok) toast(`Export failed: ${result.error.message}`, 'error');
    else if (result.value.path) {
      toast(
        `Exported ${plural(result.value.count, 'audit entry', 'audit entries')} to ${result.value.path}`,
      );
    }
  };
  const last = total !== null ? Math.min(total, offset + entries.length) : 0;

  return (
    <Modal
      title="Audit log"
      description="Every change Rollcall made or tried, one row a user, newest first. Kept on this computer."
      onClose={hide}
      width={980}
      testId="audit-view"
      footer={
        <>
          <button
            type="button"
            className="button"
            onClick={() => void exportAs('csv')}
            disabled={!total}
            data-testid="audit-export-csv"
          >
            <FileSpreadsheet size={14} aria-hidden="true" />
            Export CSV
          </button>
          <button
            type="button"
            className="button"
            onClick={() => void exportAs('json')}
            disabled={!total}
            data-testid="audit-export-json"
          >
            <FileJson size={14} aria-hidden="true" />
            Export JSON
          </button>
          <span className="spacer" />
          <span className="muted" data-testid="audit-range">
            {total ? `${countText(offset + 1)}–${countText(last)} of ${countText(total)}` : ''}
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label="Newer entries"
            disabled={loading || offset === 0}
            onClick={() => void load(Math.max(0, offset - AUDIT_PAGE_SIZE))}
            data-testid="audit-newer"
          >
            <ChevronLeft size={16} aria-hidden="true" />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Older entries"
            disabled={loading || total === null || last >= total}
            onClick={() => void load(offset + AUDIT_PAGE_SIZE)}
            data-testid="audit-older"
          >
            <ChevronRight size={16} aria-hidden="true" />
          </button>
        </>
      }
    >
      {error && <ErrorNotice error={error} title="Could not read the audit log" />}
      {total === 0 && (
        <p className="muted" data-testid="audit-empty">
          No actions yet. Changes made from Rollcall are listed here.
        </p>
      )}
      {entries.length > 0 && (
        <div className="audit-scroll" tabIndex={0} role="region" aria-label="Audit entries">
          <table className="audit-table" data-testid="audit-table" aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Connection</th>
                <th scope="col">Action</th>
                <th scope="col">User</th>
                <th scope="col">Change</th>
                <th scope="col">Outcome</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td className="nowrap">{absoluteDateTime(e.at)}</td>
                  <td>
                    <bdi>{e.connectionLabel}</bdi>
                  </td>
                  {/* Action and change wrap, so the message column keeps its room in the dialog. */}
                  <td>{e.actionLabel}</td>
                  <td>
                    <bdi>{e.userName}</bdi> <span className="muted">({e.userId})</span>
                  </td>
                  <td>
                    {/* Wraps between the two standings, never inside one. */}
                    <span className="nowrap">{standingText(e.before)} →</span>{' '}
                    <span className="nowrap">{e.after ? standingText(e.after) : '?'}</span>
                  </td>
                  <td>
                    <Badge tone={OUTCOME_TONES[e.outcome]}>{OUTCOME_LABELS[e.outcome]}</Badge>
                  </td>
                  <td className="audit-message">{e.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}
