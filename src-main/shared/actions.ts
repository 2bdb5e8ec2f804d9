/**
 * Acting on users: the shapes of a plan, a run, its progress and the audit
 * log, shared by core (which plans and runs) and the window (which previews,
 * confirms and shows results). One model for one user or many: a
 * single-user action is a plan of one.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM. Every value is
 * JSON-safe, because it crosses IPC.
 */
import type { RollcallError } from './errors';
import type { Role } from './model';

/**
 * What can be done to a user.
 * - `set-role`: Zulip `PATCH /users/{id}` role; Open WebUI `POST /users/{id}/update`.
 *   On Open WebUI, role `pending` is labelled "suspend (set to Pending)".
 * - `deactivate` / `reactivate`: Zulip only.
 * - `delete`: Open WebUI only; irreversible.
 */
export const ACTION_KINDS = ['set-role', 'deactivate', 'reactivate', 'delete'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/**
 * An action with its parameters, as the window asks for it. Its schema
 * (`actionSpecSchema`) lives in contract.ts: this file is imported by the
 * window at run time, and zod must stay out of the window's bundle (its
 * eval probe trips the CSP).
 */
export type ActionSpec =
  | { kind: 'set-role'; role: Role }
  | { kind: 'deactivate' }
  | { kind: 'reactivate' }
  | { kind: 'delete' };

/** A user's state as far as actions are concerned. */
export type ActionUserState = 'active' | 'deactivated' | 'gone';

/** One user's role and state at a moment (before or after an action). */
export interface UserStanding {
  role: Role;
  state: ActionUserState;
}

/**
 * Why a user in the target is left out of a plan. Each has its own words in
 * `PlanSkip.reason`; the code is for grouping and tests.
 */
export const SKIP_CODES = [
  /** The key's role may not do this (e.g. a Zulip administrator making an owner). */
  'not-allowed',
  /** The user already has that role or state. */
  'already',
  /** The key's own account, in a demotion, deactivation or deletion. */
  'self',
  /** Zulip: the organization's last owner cannot be demoted or deactivated. */
  'last-owner',
  /** Open WebUI: the primary (first) admin cannot be changed or deleted by others. */
  'primary-admin',
  /** A bot: roles and deactivation follow its owner's rules, or the kind does not allow it. */
  'bot',
  /** The server no longer lists the user. */
  'gone',
  /** The user is not in the cache. */
  'unknown',
  /** This kind of server has no such action or role. */
  'unsupported',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

/** A user the plan will change. */
export interface PlanChange {
  userId: string;
  name: string;
  email: string | null;
  before: UserStanding;
  /** What the action should leave: checked against the server's answer after it runs. */
  expected: UserStanding;
}

/** A user the plan leaves alone, and why. */
export interface PlanSkip {
  userId: string;
  name: string;
  code: SkipCode;
  /** In words, for the preview. */
  reason: string;
}

/** What the admin must type before a plan may run; null when a click is enough. */
export interface PlanConfirmation {
  /** The count of users to change, or the connection's name. */
  kind: 'count' | 'connection-name';
  /** The exact text to type. */
  expected: string;
  /** The sentence above the input. */
  prompt: string;
}

/** The preview `actions:plan` answers, and the thing `actions:run` runs. */
export interface ActionPlan {
  planId: string;
  connectionId: string;
  connectionLabel: string;
  action: ActionSpec;
  /** A sentence naming the action, e.g. "Make 40 users Guests". */
  title: string;
  /** How the target was chosen, e.g. "3 selected users" or "search: role Member, inactive". */
  targetDescription: string;
  createdAt: number;
  changes: PlanChange[];
  skipped: PlanSkip[];
  /** Whether the action can be undone from Rollcall (or the server's UI). */
  reversible: boolean;
  /** Why not, or how to undo, in words. */
  undoNote: string;
  confirmation: PlanConfirmation | null;
}

/** How one user's action ended. */
export const ACTION_OUTCOMES = [
  /** The server answered and the fresh copy shows the change. */
  'applied',
  /** The server answered success but the fresh copy does not show the change. */
  'not-applied',
  /** The server refused or could not be reached. */
  'failed',
  /** Left out at run time (the re-check against fresh data found a reason). */
  'skipped',
  /** The run was cancelled before this user. */
  'cancelled',
] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** One user's result in a run. */
export interface ActionUserResult {
  userId: string;
  name: string;
  outcome: ActionOutcome;
  before: UserStanding;
  /** As the server's fresh answer shows it; null when it could not be read. */
  after: UserStanding | null;
  /** Why it failed, was skipped or was not applied. */
  error: RollcallError | null;
  at: number;
}

/** Phases of a run. */
export type ActionRunPhase = 'checking' | 'running' | 'waiting' | 'done' | 'cancelled' | 'failed';

/** Pushed as `actions:progress` while a plan runs. */
export interface ActionProgress {
  runId: string;
  planId: string;
  connectionId: string;
  phase: ActionRunPhase;
  done: number;
  total: number;
  /** Seconds left of a rate-limit wait, while `phase` is `waiting`. */
  waitSeconds: number | null;
  /** The result just recorded, if any. */
  latest: ActionUserResult | null;
}

/** What `actions:run` resolves with when the run ends (finished or cancelled). */
export interface ActionRunSummary {
  runId: string;
  planId: string;
  connectionId: string;
  action: ActionSpec;
  title: string;
  startedAt: number;
  finishedAt: number;
  cancelled: boolean;
  results: ActionUserResult[];
  counts: Record<ActionOutcome, number>;
}

/** One row of the local, append-only audit log: one user in one run. */
export interface AuditEntry {
  id: number;
  runId: string;
  at: number;
  connectionId: string;
  connectionLabel: string;
  action: ActionSpec;
  /** The action in words, e.g. "Set role to Guest". */
  actionLabel: string;
  targetDescription: string;
  userId: string;
  userName: string;
  before: UserStanding;
  after: UserStanding | null;
  outcome: ActionOutcome;
  /** The error's words, when there was one. */
  message: string | null;
}

/** One action as the window may offer it for a connection. */
export interface ActionAvailability {
  action: ActionSpec;
  /** e.g. "Make Guest", "Deactivate", "Suspend (set to Pending)", "Delete…". */
  label: string;
  allowed: boolean;
  /** Why not, when not allowed (offline, the key's role, ...). */
  reason: string | null;
  reversible: boolean;
}

/**
 * Whether what the admin typed answers a plan's confirmation (spaces around
 * it do not count). One rule for the window's Run button and core's check.
 */
export function confirmationMatches(
  confirmation: PlanConfirmation | null,
  typed: string | undefined,
): boolean {
  return confirmation === null || (typed ?? '').trim() === confirmation.expected.trim();
}
