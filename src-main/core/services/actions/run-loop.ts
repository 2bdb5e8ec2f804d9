/**
 * Running a plan, a few users at a time. For each user: fetch them fresh
 * from the server and check the rules again on that copy (promoted,
 * deactivated or gone since the preview: skipped, with why); send the one
 * action; fetch them again and write the server's answer to the cache
 * through the path lookups use; compare it with what was expected. A
 * server that says yes and changes nothing is caught ("not-applied"); a
 * refusal is that user's failure and the run goes on. Each user's outcome
 * is appended to the audit log as it finishes, so a crash keeps what was
 * done. Cancelling stops between users: one already sent is finished and
 * read back, the ones not started end "cancelled".
 *
 * Node only; never imports `electron`.
 */
import {
  type ActionOutcome,
  type ActionPlan,
  type ActionRunPhase,
  type ActionRunSummary,
  type ActionUserResult,
  type PlanChange,
  type SkipCode,
  type UserStanding,
} from '@shared/actions';
import {
  rollcallError,
  RollcallFailure,
  toRollcallError,
  type ErrorCode,
  type RollcallError,
} from '@shared/errors';
import type { ConnectionKind, KeyOwner } from '@shared/model';
import type { UserRef } from '@shared/server-url';
import type { Emit } from '../../deps';
import type { Logger } from '../../log';
import type { CallOptions, FetchedUser, Provider, ProviderSession } from '../../providers';
import type { ActionFacts } from '../../store/action-facts';
import type { AuditRepo } from '../../store/audit-repo';
import type { StoredConnection } from '../../store/connections-repo';
import type { UsersRepo } from '../../store/users-repo';
import type { ConnectionAccess } from '../connection-access';
import type { ProviderContexts } from '../provider-context';
import { storeFetchedUser } from '../user-writes';
import { standingOf } from './planner';
import {
  auditLabel,
  describeStanding,
  expectedStanding,
  removesOwner,
  sameStanding,
  skipFor,
  type Skip,
} from './rules';

/** Users acted on at once. */
export const RUN_CONCURRENCY = 3;

/** What a run is built from. */
export interface RunDeps {
  access: ConnectionAccess;
  providers: Record<ConnectionKind, Provider>;
  users: Pick<UsersRepo, 'upsert' | 'markGone'>;
  contexts: ProviderContexts;
  facts: ActionFacts;
  audit: AuditRepo;
  emit: Emit;
  now: () => number;
  log: Logger;
}

/** One run's givens. */
export interface RunInput {
  conn: StoredConnection;
  who: KeyOwner;
  plan: ActionPlan;
  runId: string;
  session: ProviderSession;
  signal: AbortSignal;
}

/** The error a run-time skip is recorded with. */
const SKIP_ERROR_CODES: Record<SkipCode, ErrorCode> = {
  'not-allowed': 'FORBIDDEN',
  already: 'INVALID_INPUT',
  self: 'FORBIDDEN',
  'last-owner': 'FORBIDDEN',
  'primary-admin': 'FORBIDDEN',
  bot: 'FORBIDDEN',
  gone: 'NOT_FOUND',
  unknown: 'NOT_FOUND',
  unsupported: 'INVALID_INPUT',
};

const skipError = (skip: Skip): RollcallError =>
  rollcallError(SKIP_ERROR_CODES[skip.code], `Skipped: ${skip.reason}`);

/** A direct reference to a cached user's ID; null when the ID cannot be one. */
function refFor(kind: ConnectionKind, userId: string): UserRef | null {
  if (kind === 'openwebui') return { kind: 'openwebui-id', userId };
  if (!/^[1-9][0-9]{0,15}$/.test(userId)) return null;
  const id = Number(userId);
  return Number.isSafeInteger(id) ? { kind: 'zulip-id', userId: id } : null;
}

/** Runs a plan to its end (or its cancel) and sums it up. Never throws for one user's failure. */
export async function runPlan(deps: RunDeps, input: RunInput): Promise<ActionRunSummary> {
  const { access, providers, users, contexts, facts, audit, emit, now, log } = deps;
  const { conn, who, plan, runId, session, signal } = input;
  const provider = providers[conn.kind];
  const { action } = plan;
  const startedAt = now();
  const results: ActionUserResult[] = [];
  const total = plan.changes.length;
  let waiting: number | null = null;
  /** Owners being demoted or deactivated right now: not yet seen as such in the cache. */
  let ownersLeaving = 0;
  /** Set when the audit log cannot be written: acting without a record stops. */
  let auditFailure: RollcallFailure | null = null;

  const progress = (phase: ActionRunPhase, latest: ActionUserResult | null): void =>
    emit('actions:progress', {
      runId,
      planId: plan.planId,
      connectionId: conn.id,
      phase,
      done: results.length,
      total,
      waitSeconds: phase === 'waiting' ? waiting : null,
      latest,
    });
  const onWait = (seconds: number): void => {
    waiting = Math.max(0, Math.ceil(seconds));
    progress('waiting', null);
  };

  /** The user fresh from the server, stored as it answered. */
  async function fetchFresh(ref: UserRef, options: CallOptions): Promise<FetchedUser> {
    const fetched = await access.talk(conn.id, () =>
      provider.fetchUser(session, ref, { ...options, context: contexts.get(conn.id) }),
    );
    waiting = null;
    await storeFetchedUser({ users, contexts }, conn.id, fetched, now());
    return fetched;
  }

  async function actOn(change: PlanChange): Promise<ActionUserResult> {
    const result = (
      outcome: ActionOutcome,
      after: UserStanding | null,
      error: RollcallError | null,
      before: UserStanding = change.before,
    ): ActionUserResult => ({
      userId: change.userId,
      name: change.name,
      outcome,
      before,
      after,
      error,
      at: now(),
    });
    const cancelled = (): ActionUserResult =>
      result(
        'cancelled',
        null,
        rollcallError('CANCELLED', 'The run was cancelled before this user.'),
      );
    if (signal.aborted || auditFailure) return cancelled();
    const ref = refFor(conn.kind, change.userId);
    if (!ref) {
      return result(
        'skipped',
        null,
        skipError({ code: 'unknown', reason: 'Not a user ID this server uses.' }),
      );
    }

    // 1. The user as the server has them now, and the rules again.
    let fresh: FetchedUser;
    try {
      fresh = await fetchFresh(ref, { signal, onWait });
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (signal.aborted) return cancelled();
      if (error.code === 'NOT_FOUND') {
        users.markGone(conn.id, change.userId, now());
        const gone: UserStanding = { role: change.before.role, state: 'gone' };
        return result(
          'skipped',
          gone,
          skipError({ code: 'gone', reason: 'The server no longer lists this user.' }),
        );
      }
      return result('failed', null, error);
    }
    const before = standingOf(fresh.user, false);
    const leaving = removesOwner(before, action);
    const skip = skipFor(
      {
        kind: conn.kind,
        who,
        action,
        ownersLeft: conn.kind === 'zulip' ? facts.activeOwners(conn.id) - ownersLeaving : 0,
        firstUserId: conn.kind === 'openwebui' ? facts.firstUserId(conn.id) : null,
      },
      { userId: fresh.user.userId, isBot: fresh.user.isBot, standing: before },
    );
    if (skip) return result('skipped', before, skipError(skip), before);

    // 2. The action, then the server's own answer of where the user stands.
    if (leaving) ownersLeaving++;
    try {
      try {
        await access.talk(conn.id, () => provider.applyAction(session, fresh, action, { onWait }));
      } catch (thrown) {
        return result('failed', before, toRollcallError(thrown), before);
      }
      const expected = expectedStanding(before, action);
      let after: UserStanding;
      try {
        after = standingOf((await fetchFresh(ref, { onWait })).user, false);
      } catch (thrown) {
        const error = toRollcallError(thrown);
        if (error.code !== 'NOT_FOUND') {
          return result(
            'failed',
            null,
            rollcallError(
              error.code,
              `The server accepted the action, but reading the user back failed: ${error.message} Sync the connection to see where they stand.`,
            ),
            before,
          );
        }
        users.markGone(conn.id, change.userId, now());
        after = { role: before.role, state: 'gone' };
      }
      if (sameStanding(after, expected)) return result('applied', after, null, before);
      return result(
        'not-applied',
        after,
        rollcallError(
          'BAD_RESPONSE',
          `The server said yes, but it now lists the user as ${describeStanding(after)}, not ${describeStanding(expected)}.`,
        ),
        before,
      );
    } finally {
      if (leaving) ownersLeaving--;
    }
  }

  function record(r: ActionUserResult): void {
    results.push(r);
    if (!auditFailure) {
      try {
        audit.append({
          runId,
          at: r.at,
          connectionId: conn.id,
          connectionLabel: conn.label,
          action,
          actionLabel: auditLabel(conn.kind, action),
          targetDescription: plan.targetDescription,
          userId: r.userId,
          userName: r.name,
          before: r.before,
          after: r.after,
          outcome: r.outcome,
          message: r.error?.message ?? null,
        });
      } catch (thrown) {
        auditFailure =
          thrown instanceof RollcallFailure ? thrown : new RollcallFailure(toRollcallError(thrown));
        log.error('the audit log could not be written; the run stops', {
          code: auditFailure.error.code,
        });
      }
    }
    progress('running', r);
  }

  progress('checking', null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const change = plan.changes[next++];
      if (!change) return;
      let r: ActionUserResult;
      try {
        r = await actOn(change);
      } catch (thrown) {
        // A bug, or the cache failing: this user's failure, not the run's.
        r = {
          userId: change.userId,
          name: change.name,
          outcome: 'failed',
          before: change.before,
          after: null,
          error: toRollcallError(thrown),
          at: now(),
        };
      }
      record(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RUN_CONCURRENCY, total) }, worker));

  const counts: Record<ActionOutcome, number> = {
    applied: 0,
    'not-applied': 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const r of results) counts[r.outcome]++;
  if (auditFailure) {
    progress('failed', null);
    throw auditFailure;
  }
  const wasCancelled = signal.aborted;
  progress(wasCancelled ? 'cancelled' : 'done', null);
  return {
    runId,
    planId: plan.planId,
    connectionId: conn.id,
    action,
    title: plan.title,
    startedAt,
    finishedAt: now(),
    cancelled: wasCancelled,
    results,
    counts,
  };
}
