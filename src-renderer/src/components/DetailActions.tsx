/**
 * The detail panel's row of actions: refresh from the server, copy as
 * JSON, and "Act on this user" (the same menu and dialog as for many: a
 * single-user action is a plan of one).
 *
 * Runs in the window.
 */
import { Copy, LoaderCircle, RefreshCw } from 'lucide-react';
import type { ReactNode } from 'react';
import { ActOnMenu } from './ActOnMenu';

interface DetailActionsProps {
  target: { connectionId: string; userId: string };
  /** Whether the full record is loaded (refresh, copy and act need it). */
  canAct: boolean;
  refreshing: boolean;
  onRefresh: () => void;
  onCopy: () => void;
  /** More buttons for this user (copy email, open in the server...). */
  children?: ReactNode;
}

/** Refresh, Copy as JSON, Act on this user. */
export function DetailActions({
  target,
  canAct,
  refreshing,
  onRefresh,
  onCopy,
  children,
}: DetailActionsProps) {
  return (
    <div className="detail-actions">
      <button
        type="button"
        className="button small"
        onClick={onRefresh}
        disabled={refreshing || !canAct}
        data-testid="refresh-user"
      >
        {refreshing ? (
          <LoaderCircle size={14} aria-hidden="true" className="spin" />
        ) : (
          <RefreshCw size={14} aria-hidden="true" />
        )}
        {refreshing ? 'Refreshing…' : 'Refresh from server'}
      </button>
      <button
        type="button"
        className="button small"
        onClick={onCopy}
        disabled={!canAct}
        data-testid="copy-json"
      >
        <Copy size={14} aria-hidden="true" />
        Copy as JSON
      </button>
      {canAct && (
        <ActOnMenu
          label="Actions"
          connectionId={target.connectionId}
          target={() => ({ kind: 'users', userIds: [target.userId] })}
          testId="act-on-user"
          className="button small"
        />
      )}
      {children}
    </div>
  );
}
