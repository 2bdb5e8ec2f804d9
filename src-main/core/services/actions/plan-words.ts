/**
 * The sentences of a plan's preview: its title ("Make 40 users Guests"),
 * how its users were chosen ("3 selected users", `search: "ann", role
 * Member`), and what the admin must type before it runs. Irreversible
 * actions ask for the connection's name, any other plan of more than
 * `COUNT_CONFIRMATION_OVER` users for their count, so a stray click never
 * changes many people.
 *
 * Node only; never imports `electron`.
 */
import type { ActionSpec, PlanConfirmation } from '@shared/actions';
import { ROLE_LABELS, type ConnectionKind, type SearchSpec } from '@shared/model';
import { articled, isReversible } from './rules';

/** More changes than this need their count typed. */
export const COUNT_CONFIRMATION_OVER = 10;

const users = (n: number): string => `${n} ${n === 1 ? 'user' : 'users'}`;

/** The plan's title, naming the one user when there is one. */
export function planTitle(
  kind: ConnectionKind,
  action: ActionSpec,
  changes: readonly { name: string }[],
): string {
  const one = changes.length === 1 ? (changes[0]?.name ?? null) : null;
  const who = one ?? users(changes.length);
  switch (action.kind) {
    case 'set-role': {
      if (kind === 'openwebui' && action.role === 'pending')
        return `Suspend ${who} (set to Pending)`;
      const label = ROLE_LABELS[action.role];
      return one ? `Make ${one} ${articled(label)}` : `Make ${who} ${label}s`;
    }
    case 'deactivate':
      return `Deactivate ${who}`;
    case 'reactivate':
      return `Reactivate ${who}`;
    case 'delete':
      return `Delete ${who}`;
  }
}

/** How a search chose the users: `search: "ann", role Member, active`. */
function describeSearch(spec: Omit<SearchSpec, 'connectionIds'>): string {
  const parts: string[] = [];
  const text = spec.text.trim();
  if (text !== '') parts.push(JSON.stringify(text));
  if (spec.roles.length > 0) {
    const labels = spec.roles.map((r) => ROLE_LABELS[r]).join(', ');
    parts.push(`${spec.roles.length === 1 ? 'role' : 'roles'} ${labels}`);
  }
  if (spec.accounts !== 'all') parts.push(`${spec.accounts} only`);
  if (spec.status !== 'all') parts.push(spec.status);
  return `search: ${parts.length > 0 ? parts.join(', ') : 'everyone'}`;
}

/** How the target was chosen, in words. */
export function describeTarget(
  target: { kind: 'users'; count: number } | { kind: 'query'; query: SearchSpec },
): string {
  return target.kind === 'users'
    ? `${target.count} selected ${target.count === 1 ? 'user' : 'users'}`
    : describeSearch(target.query);
}

/** What must be typed before the plan runs; null when a click is enough. */
export function confirmationFor(
  action: ActionSpec,
  changeCount: number,
  connectionLabel: string,
): PlanConfirmation | null {
  if (changeCount === 0) return null;
  if (!isReversible(action)) {
    return {
      kind: 'connection-name',
      expected: connectionLabel,
      prompt: `This cannot be undone. Type the connection's name, “${connectionLabel}”, to go ahead with ${users(changeCount)}.`,
    };
  }
  if (changeCount > COUNT_CONFIRMATION_OVER) {
    return {
      kind: 'count',
      expected: String(changeCount),
      prompt: `This changes ${users(changeCount)}. Type ${changeCount} to go ahead.`,
    };
  }
  return null;
}
