/**
 * A `RollcallError` in words: a headline for its code, the sentence core
 * wrote, the server's own text quoted, and a live countdown when the server
 * asked us to wait. Announced to screen readers as an alert.
 *
 * Runs in the window.
 */
import { CircleAlert, X } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { RollcallError } from '@shared/errors';
import { ERROR_TITLES, messageBesideCountdown } from '../lib/errors';
import { waitText } from '../lib/time';

/** Seconds left of a wait that started when the error arrived. */
function useCountdown(seconds: number | undefined): number | null {
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (seconds === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [seconds]);
  if (seconds === undefined) return null;
  return Math.max(0, seconds - (now - started) / 1000);
}

interface ErrorNoticeProps {
  error: RollcallError;
  /** Replaces the code's headline ("Could not sync Acme"). */
  title?: string;
  onDismiss?: () => void;
  /** Buttons under the text (retry, save anyway...). */
  actions?: ReactNode;
  compact?: boolean;
  testId?: string;
}

/** An error with everything the admin needs to act on it. */
export function ErrorNotice({
  error,
  title,
  onDismiss,
  actions,
  compact,
  testId,
}: ErrorNoticeProps) {
  const left = useCountdown(error.retryAfterSeconds);
  return (
    <div
      role="alert"
      className={compact ? 'notice notice-error is-compact' : 'notice notice-error'}
      data-testid={testId ?? 'error-notice'}
      data-code={error.code}
    >
      <CircleAlert size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">{title ?? ERROR_TITLES[error.code]}</p>
        <p className="notice-text">
          {left !== null ? messageBesideCountdown(error.message) : error.message}
        </p>
        {error.serverMessage && (
          <p className="notice-server">
            <span className="notice-server-label">
              The server said{error.status ? ` (HTTP ${error.status})` : ''}:
            </span>{' '}
            <q>{error.serverMessage}</q>
          </p>
        )}
        {left !== null && (
          <p className="notice-wait" data-testid="retry-wait">
            {left > 0 ? `You can try again in ${waitText(left)}.` : 'You can try again now.'}
          </p>
        )}
        {actions && <div className="notice-actions">{actions}</div>}
      </div>
      {onDismiss && (
        <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
          <X size={14} aria-hidden="true" />
        </button>
      )}
    </div>
  );
}
