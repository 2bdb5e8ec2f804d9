/**
 * The rules of acting on users, in one place for the plan (over cached
 * users) and the run (over each user fetched fresh just before acting):
 * which actions each kind of server has, what the key's role may do, and
 * why a user is left alone. The servers enforce their own rules too; these
 * say so before anything is sent, in words, and keep a bulk action from
 * doing what a server would allow but nobody meant (demoting the key's own
 * account, leaving an organization without an owner).
 *
 * Node only; never imports `electron`.
 */
import type { ActionSpec, SkipCode, UserStanding } from '@shared/actions';
import {
  CONNECTION_KIND_LABELS,
  OPENWEBUI_ROLES,
  ROLE_LABELS,
  ROLE_RANK,
  ZULIP_ROLES,
  type ConnectionKind,
  type KeyOwner,
  type Role,
} from '@shared/model';

/** Every action a kind of server has, in menu order. */
export function actionsOf(kind: ConnectionKind): ActionSpec[] {
  if (kind === 'zulip') {
    return [
      ...ZULIP_ROLES.map((role): ActionSpec => ({ kind: 'set-role', role })),
      { kind: 'deactivate' },
      { kind: 'reactivate' },
    ];
  }
  return [
    ...OPENWEBUI_ROLES.map((role): ActionSpec => ({ kind: 'set-role', role })),
    { kind: 'delete' },
  ];
}

/** Whether a kind of server has this action (and, for a role, this role). */
function supports(kind: ConnectionKind, action: ActionSpec): boolean {
  switch (action.kind) {
    case 'set-role':
      return (kind === 'zulip' ? ZULIP_ROLES : OPENWEBUI_ROLES).some((r) => r === action.role);
    case 'deactivate':
    case 'reactivate':
      return kind === 'zulip';
    case 'delete':
      return kind === 'openwebui';
  }
}

const isSuspend = (kind: ConnectionKind, action: ActionSpec): boolean =>
  kind === 'openwebui' && action.kind === 'set-role' && action.role === 'pending';

/** The action as a menu offers it: "Make Guest", "Suspend (set to Pending)", "Delete…". */
export function menuLabel(kind: ConnectionKind, action: ActionSpec): string {
  if (isSuspend(kind, action)) return 'Suspend (set to Pending)';
  switch (action.kind) {
    case 'set-role':
      return `Make ${ROLE_LABELS[action.role]}`;
    case 'deactivate':
      return 'Deactivate';
    case 'reactivate':
      return 'Reactivate';
    case 'delete':
      return 'Delete…';
  }
}

/** The action as the audit log names it: "Set role to Guest". */
export function auditLabel(kind: ConnectionKind, action: ActionSpec): string {
  if (isSuspend(kind, action)) return 'Suspend (set role to Pending)';
  switch (action.kind) {
    case 'set-role':
      return `Set role to ${ROLE_LABELS[action.role]}`;
    case 'deactivate':
      return 'Deactivate';
    case 'reactivate':
      return 'Reactivate';
    case 'delete':
      return 'Delete';
  }
}

/** Whether the action can be undone (only an Open WebUI delete cannot). */
export function isReversible(action: ActionSpec): boolean {
  return action.kind !== 'delete';
}

/** How to undo the action, or why it cannot be. */
export function undoNote(kind: ConnectionKind, action: ActionSpec): string {
  switch (action.kind) {
    case 'set-role':
      return 'Undo by setting each role back; the audit log keeps every earlier role.';
    case 'deactivate':
      return 'Undo with Reactivate: a reactivated user keeps their account and history.';
    case 'reactivate':
      return 'Undo with Deactivate.';
    case 'delete':
      return `Deleting removes the account from ${CONNECTION_KIND_LABELS[kind]} for good, with everything it owns there (chats included). It cannot be undone.`;
  }
}

/** What the action should leave of a user who stands at `before`. */
export function expectedStanding(before: UserStanding, action: ActionSpec): UserStanding {
  switch (action.kind) {
    case 'set-role':
      return { role: action.role, state: before.state };
    case 'deactivate':
      return { role: before.role, state: 'deactivated' };
    case 'reactivate':
      return { role: before.role, state: 'active' };
    case 'delete':
      return { role: before.role, state: 'gone' };
  }
}

/** Whether two standings are the same. */
export function sameStanding(a: UserStanding, b: UserStanding): boolean {
  return a.role === b.role && a.state === b.state;
}

/** A standing in words: "Guest, deactivated". */
export function describeStanding(s: UserStanding): string {
  return s.state === 'active' ? ROLE_LABELS[s.role] : `${ROLE_LABELS[s.role]}, ${s.state}`;
}

/**
 * Whether the key's role may take this action at all; the reason in words
 * when not. Zulip: owners may do everything, administrators everything but
 * making owners (touching owners is refused per user); nobody else may act.
 * Open WebUI: admins only.
 */
export function keyPermission(
  kind: ConnectionKind,
  who: KeyOwner,
  action: ActionSpec,
): string | null {
  const whose = `This key belongs to ${who.name || 'an account'}, ${articled(ROLE_LABELS[who.role])}`;
  if (kind === 'zulip') {
    if (who.role === 'owner') return null;
    if (who.role === 'administrator') {
      return action.kind === 'set-role' && action.role === 'owner'
        ? `${whose}: only organization owners can make someone an owner.`
        : null;
    }
    return `${whose}: only owners and administrators can change roles or deactivate users.`;
  }
  return who.role === 'admin'
    ? null
    : `${whose}: only Open WebUI admins can change roles or delete users.`;
}

/** "a Guest", "an Owner". */
export function articled(label: string): string {
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`;
}

/** A user as the rules see them: cached for a plan, fresh for a run. */
export interface Subject {
  userId: string;
  isBot: boolean;
  standing: UserStanding;
}

/** What the rules know beyond the user. */
export interface RuleContext {
  kind: ConnectionKind;
  who: KeyOwner;
  action: ActionSpec;
  /** Active human owners that would be left before this user (Zulip). */
  ownersLeft: number;
  /** Open WebUI's first user, the primary admin; null when not known. */
  firstUserId: string | null;
}

/** Why a user is left alone. */
export interface Skip {
  code: SkipCode;
  reason: string;
}

/** Whether acting on this user would take away the organization's owner status from an active owner. */
export function removesOwner(standing: UserStanding, action: ActionSpec): boolean {
  if (standing.role !== 'owner' || standing.state !== 'active') return false;
  return (action.kind === 'set-role' && action.role !== 'owner') || action.kind === 'deactivate';
}

function already(s: UserStanding, action: ActionSpec): string | null {
  if (action.kind === 'set-role' && s.role === action.role) {
    return `Already ${articled(ROLE_LABELS[action.role])}.`;
  }
  if (action.kind === 'deactivate' && s.state === 'deactivated') return 'Already deactivated.';
  if (action.kind === 'reactivate' && s.state === 'active') return 'Already active.';
  return null;
}

/** A demotion, deactivation or deletion: what nobody may do to the key's own account. */
function lowers(s: UserStanding, action: ActionSpec): boolean {
  if (action.kind === 'set-role') return ROLE_RANK[action.role] > ROLE_RANK[s.role];
  return action.kind === 'deactivate' || action.kind === 'delete';
}

/** The role label of `role` on this kind, or null when the kind has no such role. */
function roleOfOtherKind(kind: ConnectionKind, role: Role): boolean {
  return !(kind === 'zulip' ? ZULIP_ROLES : OPENWEBUI_ROLES).some((r) => r === role);
}

/**
 * Why this user is left alone, or null when the action may go ahead. The
 * order matters: the first reason that holds is the one the admin reads.
 */
export function skipFor(ctx: RuleContext, subject: Subject): Skip | null {
  const { kind, who, action } = ctx;
  const s = subject.standing;
  const product = CONNECTION_KIND_LABELS[kind];
  if (!supports(kind, action)) {
    return {
      code: 'unsupported',
      reason:
        action.kind === 'set-role'
          ? `${product} has no role ${ROLE_LABELS[action.role]}.`
          : `${product} has no way to ${auditLabel(kind, action).toLowerCase()} a user.`,
    };
  }
  if (s.state === 'gone') {
    return { code: 'gone', reason: 'The server no longer lists this user.' };
  }
  if (kind === 'zulip' && subject.isBot) {
    return {
      code: 'bot',
      reason:
        "A bot: Zulip manages bots from their owner's bot settings, so Rollcall leaves them alone.",
    };
  }
  const denied = keyPermission(kind, who, action);
  if (denied) return { code: 'not-allowed', reason: denied };
  if (kind === 'zulip' && who.role !== 'owner' && s.role === 'owner') {
    return {
      code: 'not-allowed',
      reason: 'An owner: only organization owners can change or deactivate an owner.',
    };
  }
  if (roleOfOtherKind(kind, s.role)) {
    return {
      code: 'unsupported',
      reason: `${product} has no role ${ROLE_LABELS[s.role]}: sync the connection to see this user's real role.`,
    };
  }
  const same = already(s, action);
  if (same) return { code: 'already', reason: same };
  if (subject.userId === who.userId && lowers(s, action)) {
    return {
      code: 'self',
      reason: "The key's own account: Rollcall does not demote, deactivate or delete it.",
    };
  }
  if (kind === 'zulip' && removesOwner(s, action) && ctx.ownersLeft <= 1) {
    return {
      code: 'last-owner',
      reason: 'The last active owner: the organization would be left without one.',
    };
  }
  if (kind === 'openwebui' && subject.userId === ctx.firstUserId && subject.userId !== who.userId) {
    return {
      code: 'primary-admin',
      reason: "Open WebUI's primary admin (its first user): nobody else can change or delete them.",
    };
  }
  return null;
}
