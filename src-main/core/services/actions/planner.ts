/**
 * Turning "this action on these users" into a preview: every target user
 * read from the cache (the IDs given, or every match of the current search
 * on this connection, up to 100 000), each either a change (from its
 * standing now to the one expected) or a skip with its reason (rules.ts).
 * Nothing is sent to the server here; the run checks each user again
 * against a fresh copy before acting.
 *
 * Node only; never imports `electron`.
 */
import type { ActionPlan, PlanChange, PlanSkip, UserStanding } from '@shared/actions';
import type { ParsedArgOf } from '@shared/contract';
import { fail } from '@shared/errors';
import type { KeyOwner, UserSummary } from '@shared/model';
import type { ActionFacts } from '../../store/action-facts';
import type { StoredConnection } from '../../store/connections-repo';
import { yieldToEventLoop } from '../../event-loop';
import type { UsersRepo } from '../../store/users-repo';
import { confirmationFor, describeTarget, planTitle } from './plan-words';
import {
  expectedStanding,
  isReversible,
  removesOwner,
  skipFor,
  undoNote,
  type RuleContext,
} from './rules';

/** The most users one plan may name. */
const MAX_PLAN_USERS = 100_000;

/** A user's standing as the cache (or a fresh fetch) has it. */
export function standingOf(
  u: { role: UserStanding['role']; deactivated: boolean },
  gone: boolean,
): UserStanding {
  return { role: u.role, state: gone ? 'gone' : u.deactivated ? 'deactivated' : 'active' };
}

/** What the planner reads. */
export interface PlannerDeps {
  users: Pick<UsersRepo, 'getSummary' | 'searchAll'>;
  facts: ActionFacts;
}

type Target = ParsedArgOf<'actions:plan'>['target'];

/** The target's users as cached, with the IDs the cache does not have. */
async function targetUsers(
  deps: PlannerDeps,
  conn: StoredConnection,
  target: Target,
): Promise<{ found: UserSummary[]; unknown: string[] }> {
  if (target.kind === 'query') {
    const found: UserSummary[] = [];
    const spec = { ...target.query, connectionIds: [conn.id] };
    for await (const chunk of deps.users.searchAll(spec, { chunkSize: 1000 })) {
      found.push(...chunk.filter((s) => s.connectionId === conn.id));
      if (found.length > MAX_PLAN_USERS) {
        fail(
          'INVALID_INPUT',
          `That search matches more than ${MAX_PLAN_USERS.toLocaleString('en-US')} users. Narrow it down first.`,
        );
      }
    }
    return { found, unknown: [] };
  }
  const found: UserSummary[] = [];
  const unknown: string[] = [];
  let i = 0;
  for (const id of new Set(target.userIds)) {
    const summary = deps.users.getSummary(conn.id, id);
    if (summary) found.push(summary);
    else unknown.push(id);
    if (++i % 1000 === 0) await yieldToEventLoop();
  }
  return { found, unknown };
}

/** Builds a plan (everything but its ID and time) from the cache. */
export async function buildPlan(
  deps: PlannerDeps,
  conn: StoredConnection,
  who: KeyOwner,
  arg: ParsedArgOf<'actions:plan'>,
): Promise<Omit<ActionPlan, 'planId' | 'createdAt'>> {
  const { action, target } = arg;
  const { found, unknown } = await targetUsers(deps, conn, target);
  const ctx: RuleContext = {
    kind: conn.kind,
    who,
    action,
    ownersLeft: conn.kind === 'zulip' ? deps.facts.activeOwners(conn.id) : 0,
    firstUserId: conn.kind === 'openwebui' ? deps.facts.firstUserId(conn.id) : null,
  };
  const changes: PlanChange[] = [];
  const skipped: PlanSkip[] = unknown.map((userId) => ({
    userId,
    name: userId,
    code: 'unknown',
    reason: 'Not in the cache: look the user up or sync the connection first.',
  }));
  for (const s of found) {
    const before = standingOf(s, s.gone);
    const skip = skipFor(ctx, { userId: s.userId, isBot: s.isBot, standing: before });
    if (skip) {
      skipped.push({ userId: s.userId, name: s.name, ...skip });
      continue;
    }
    // Each owner demoted or deactivated leaves one fewer for the next.
    if (removesOwner(before, action)) ctx.ownersLeft--;
    changes.push({
      userId: s.userId,
      name: s.name,
      email: s.email,
      before,
      expected: expectedStanding(before, action),
    });
  }
  return {
    connectionId: conn.id,
    connectionLabel: conn.label,
    action,
    title: planTitle(conn.kind, action, changes),
    targetDescription: describeTarget(
      target.kind === 'users'
        ? { kind: 'users', count: new Set(target.userIds).size }
        : { kind: 'query', query: { ...target.query, connectionIds: [conn.id] } },
    ),
    changes,
    skipped,
    reversible: isReversible(action),
    undoNote: undoNote(conn.kind, action),
    confirmation: confirmationFor(action, changes.length, conn.label),
  };
}
