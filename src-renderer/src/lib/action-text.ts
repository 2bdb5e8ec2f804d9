/**
 * Acting on users in words: a user's standing ("Member", "Guest,
 * deactivated"), outcomes, and skips grouped by reason for the preview.
 *
 * Runs in the window.
 */
import type { ActionOutcome, PlanSkip, SkipCode, UserStanding } from '@shared/actions';
import { ROLE_LABELS } from '@shared/model';

/** A user's role and state in a few words. */
export function standingText(s: UserStanding): string {
  if (s.state === 'gone') return 'Gone';
  const role = ROLE_LABELS[s.role];
  return s.state === 'deactivated' ? `${role}, deactivated` : role;
}

/** Each outcome's label, in the order the results list them. */
export const OUTCOME_LABELS: Record<ActionOutcome, string> = {
  applied: 'Applied',
  'not-applied': 'Not applied',
  failed: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

/** Each outcome's badge tone. */
export const OUTCOME_TONES: Record<ActionOutcome, 'ok' | 'warn' | 'danger' | 'neutral'> = {
  applied: 'ok',
  'not-applied': 'warn',
  failed: 'danger',
  skipped: 'neutral',
  cancelled: 'neutral',
};

/** Skipped users with one reason code. */
export interface SkipGroup {
  code: SkipCode;
  /** The first user's reason: users of one code share the gist. */
  reason: string;
  users: PlanSkip[];
}

/** Skips grouped by code, the largest group first. */
export function groupSkips(skipped: readonly PlanSkip[]): SkipGroup[] {
  const groups = new Map<SkipCode, SkipGroup>();
  for (const s of skipped) {
    const g = groups.get(s.code);
    if (g) g.users.push(s);
    else groups.set(s.code, { code: s.code, reason: s.reason, users: [s] });
  }
  return [...groups.values()].sort((a, b) => b.users.length - a.users.length);
}
