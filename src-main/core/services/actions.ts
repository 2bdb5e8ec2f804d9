/**
 * Acting on users (issue 15): what a connection may do, a preview of an
 * action on some users (planner.ts), running it once with a typed
 * confirmation where the plan asks for one (run-loop.ts), cancelling a run,
 * and the append-only audit log (store/audit-repo.ts) with its export.
 * Nothing is ever queued: while a connection cannot act (offline, never
 * tested, the demo), planning and running say why instead.
 *
 * The window learns a run's ID from its first `actions:progress` event
 * (phase `checking`), before `actions:run` resolves, so it can cancel.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf, ResultOf } from '@shared/contract';
import { fail, RollcallFailure } from '@shared/errors';
import type { ConnectionKind, KeyOwner } from '@shared/model';
import type { CoreDeps, Emit } from '../deps';
import type { Logger } from '../log';
import type { ReachabilityTracker } from '../net/reachability';
import type { Provider, ProviderSession } from '../providers';
import type { ActionFacts } from '../store/action-facts';
import type { AuditRepo } from '../store/audit-repo';
import type { StoredConnection } from '../store/connections-repo';
import type { UsersRepo } from '../store/users-repo';
import { exportAuditLog } from './actions/audit-export';
import { availableActions, connectionBlock, keyOwnerOf } from './actions/availability';
import { confirmationMatches } from '@shared/actions';
import { createPlanStore, randomId } from './actions/plan-store';
import { buildPlan } from './actions/planner';
import { runPlan } from './actions/run-loop';
import type { ConnectionAccess } from './connection-access';
import type { ProviderContexts } from './provider-context';

/** The actions:* and audit:* channels. */
export interface ActionsService {
  available(arg: ParsedArgOf<'actions:available'>): Promise<ResultOf<'actions:available'>>;
  plan(arg: ParsedArgOf<'actions:plan'>): Promise<ResultOf<'actions:plan'>>;
  run(arg: ParsedArgOf<'actions:run'>): Promise<ResultOf<'actions:run'>>;
  cancel(arg: ParsedArgOf<'actions:cancel'>): Promise<ResultOf<'actions:cancel'>>;
  listAudit(arg: ParsedArgOf<'audit:list'>): Promise<ResultOf<'audit:list'>>;
  exportAudit(arg: ParsedArgOf<'audit:export'>): Promise<ResultOf<'audit:export'>>;
}

/** What the actions service is built from. */
export interface ActionsDeps {
  access: ConnectionAccess;
  providers: Record<ConnectionKind, Provider>;
  users: Pick<UsersRepo, 'getSummary' | 'searchAll' | 'upsert' | 'markGone'>;
  contexts: ProviderContexts;
  reachability: ReachabilityTracker;
  facts: ActionFacts;
  audit: AuditRepo;
  emit: Emit;
  now: () => number;
  log: Logger;
  chooseSavePath: CoreDeps['chooseSavePath'];
  /** The cache cannot be written: nothing may act, since nothing could be recorded. */
  readOnly: boolean;
}

/** The service, and what closing core needs of it. */
interface ActionsServiceWithStop extends ActionsService {
  /** Cancels every run and waits for each to end (closing core): users under way finish. */
  stopAll(): Promise<void>;
}

/** Builds the actions service. */
export function createActionsService(deps: ActionsDeps): ActionsServiceWithStop {
  const { access, reachability, now } = deps;
  const plans = createPlanStore(now);
  /** Running runs by ID, and which connection each acts on. */
  const runs = new Map<
    string,
    { connectionId: string; controller: AbortController; ended: Promise<unknown> }
  >();

  /** The connection and its key owner, or the reason it cannot act now. */
  function ready(connectionId: string): { conn: StoredConnection; who: KeyOwner } {
    const conn = access.require(connectionId);
    const block = connectionBlock(conn, reachability.get(conn.id), deps.readOnly);
    if (block) throw new RollcallFailure(block);
    const who = keyOwnerOf(conn);
    if (!who) fail('INVALID_INPUT', 'Test the connection first.');
    return { conn, who };
  }

  return {
    async available({ connectionId }) {
      const conn = access.require(connectionId);
      return availableActions(conn, reachability.get(conn.id), deps.readOnly);
    },

    async plan(arg) {
      const { conn, who } = ready(arg.connectionId);
      return plans.add(await buildPlan(deps, conn, who, arg));
    },

    async run({ planId, confirmation }) {
      const plan = plans.peek(planId);
      if (!confirmationMatches(plan.confirmation, confirmation)) {
        fail('INVALID_INPUT', `That does not match. ${plan.confirmation?.prompt ?? ''}`.trim(), {
          field: 'confirmation',
        });
      }
      const { conn, who } = ready(plan.connectionId);
      for (const r of runs.values()) {
        if (r.connectionId === conn.id) {
          fail(
            'INVALID_INPUT',
            `Another action is running on “${conn.label}”. Wait for it to finish, or cancel it.`,
          );
        }
      }
      plans.claim(planId);
      const runId = randomId();
      const controller = new AbortController();
      let ended!: () => void;
      runs.set(runId, {
        connectionId: conn.id,
        controller,
        ended: new Promise<void>((resolve) => (ended = resolve)),
      });
      try {
        let session: ProviderSession;
        try {
          session = await access.session(conn);
        } catch (thrown) {
          plans.release(plan);
          throw thrown;
        }
        return await runPlan(deps, {
          conn,
          who,
          plan,
          runId,
          session,
          signal: controller.signal,
        });
      } finally {
        runs.delete(runId);
        ended();
      }
    },

    async cancel({ runId }) {
      const run = runs.get(runId);
      if (!run) return { cancelled: false };
      run.controller.abort();
      return { cancelled: true };
    },

    async listAudit({ connectionId, offset, limit }) {
      return deps.audit.list({ connectionId, offset, limit });
    },

    async exportAudit(arg) {
      return exportAuditLog(deps, arg);
    },

    async stopAll() {
      const all = [...runs.values()];
      for (const r of all) r.controller.abort();
      await Promise.all(all.map((r) => r.ended));
    },
  };
}
