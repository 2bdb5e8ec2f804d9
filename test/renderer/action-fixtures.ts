/**
 * Plans, runs, progress events and audit entries for the act-on-users
 * component tests, shaped as core will answer them.
 */
import type {
  ActionAvailability,
  ActionOutcome,
  ActionPlan,
  ActionProgress,
  ActionRunSummary,
  ActionUserResult,
  AuditEntry,
} from '@shared/actions';
import { rollcallError } from '@shared/errors';

/** What `actions:available` answers for a Zulip connection, one action refused. */
export function zulipAvailability(): ActionAvailability[] {
  return [
    {
      action: { kind: 'set-role', role: 'guest' },
      label: 'Make Guest',
      allowed: true,
      reason: null,
      reversible: true,
    },
    {
      action: { kind: 'set-role', role: 'owner' },
      label: 'Make Owner',
      allowed: false,
      reason: 'Only an owner may make owners; this key belongs to an administrator.',
      reversible: true,
    },
    {
      action: { kind: 'deactivate' },
      label: 'Deactivate',
      allowed: true,
      reason: null,
      reversible: true,
    },
  ];
}

/** A plan making `changes` members Guests, with `skips` users already Guests and one the key's own. */
export function guestPlan(
  changes: number,
  overrides: Partial<ActionPlan> = {},
  skips = 2,
): ActionPlan {
  return {
    planId: 'plan-1',
    connectionId: 'acme-zulip',
    connectionLabel: 'Acme Chat',
    action: { kind: 'set-role', role: 'guest' },
    title: `Make ${changes} users Guests`,
    targetDescription: `${changes + skips + 1} selected users`,
    createdAt: Date.now(),
    changes: Array.from({ length: changes }, (_, i) => ({
      userId: String(100 + i),
      name: `Change ${i}`,
      email: `change${i}@acme.example`,
      before: { role: 'member', state: 'active' },
      expected: { role: 'guest', state: 'active' },
    })),
    skipped: [
      ...Array.from({ length: skips }, (_, i) => ({
        userId: String(900 + i),
        name: `Already ${i}`,
        code: 'already' as const,
        reason: 'Already a Guest.',
      })),
      { userId: '8', name: 'Iago Ortiz', code: 'self' as const, reason: 'The key’s own account.' },
    ],
    reversible: true,
    undoNote: 'Make them Members again to undo.',
    confirmation: null,
    ...overrides,
  };
}

/** A progress event of the run of `plan-1`. */
export function progress(overrides: Partial<ActionProgress> = {}): ActionProgress {
  return {
    runId: 'run-7',
    planId: 'plan-1',
    connectionId: 'acme-zulip',
    phase: 'running',
    done: 0,
    total: 3,
    waitSeconds: null,
    latest: null,
    ...overrides,
  };
}

/** One user's result. */
export function result(userId: string, outcome: ActionOutcome, message?: string): ActionUserResult {
  return {
    userId,
    name: `User ${userId}`,
    outcome,
    before: { role: 'member', state: 'active' },
    after: outcome === 'applied' ? { role: 'guest', state: 'active' } : null,
    error: message ? rollcallError('SERVER_ERROR', message) : null,
    at: Date.now(),
  };
}

/** The summary of a run over `results`. */
export function summaryOf(results: ActionUserResult[], cancelled = false): ActionRunSummary {
  const counts = { applied: 0, 'not-applied': 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const r of results) counts[r.outcome]++;
  return {
    runId: 'run-7',
    planId: 'plan-1',
    connectionId: 'acme-zulip',
    action: { kind: 'set-role', role: 'guest' },
    title: 'Make 3 users Guests',
    startedAt: Date.now() - 1000,
    finishedAt: Date.now(),
    cancelled,
    results,
    counts,
  };
}

/** An audit row; `i` orders them (higher is newer). */
export function auditEntry(i: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: i,
    runId: `run-${i}`,
    at: Date.UTC(2026, 10, 1, 12, 0, i % 60),
    connectionId: 'acme-zulip',
    connectionLabel: 'Acme Chat',
    action: { kind: 'set-role', role: 'guest' },
    actionLabel: 'Set role to Guest',
    targetDescription: '1 selected user',
    userId: String(i),
    userName: `Audited ${i}`,
    before: { role: 'member', state: 'active' },
    after: { role: 'guest', state: 'active' },
    outcome: 'applied',
    message: null,
    ...overrides,
  };
}
