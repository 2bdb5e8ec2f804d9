/**
 * What a passing connection test found: the server, whose key it is, their
 * role, and a warning when that account is not an admin (the server will
 * not list other users for it).
 *
 * Runs in the window.
 */
import { CircleCheck } from 'lucide-react';
import type { ConnectionTestResult } from '@shared/model';
import { RoleBadge } from './Badges';

/** The test's good news; nothing for a failed test (its error shows instead). */
export function ConnectionTestOutcome({
  result,
  host,
}: {
  result: ConnectionTestResult;
  host: string;
}) {
  if (!result.ok || !result.who) return null;
  const who = result.who;
  const notAdmin = who.role === 'user' || who.role === 'pending';
  return (
    <div className="notice notice-ok test-ok" role="status" data-testid="test-result">
      <CircleCheck size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">Connected to {host}</p>
        <p className="notice-text who">
          The key belongs to <strong>{who.name}</strong>
          {who.email && <span className="muted"> ({who.email})</span>}
          <RoleBadge role={who.role} />
        </p>
        {notAdmin && (
          <p className="notice-text">
            This account is not an admin, so the server will not list other users for it.
          </p>
        )}
      </div>
    </div>
  );
}
