/**
 * Syncing a whole directory: pages from the provider are written as they
 * arrive, in chunks that yield, with progress events paced for the window;
 * users no longer on the server are marked gone only once the sync is
 * complete, so a cancelled or failed sync loses nothing. One sync per
 * connection at a time; asking again joins the running one.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf } from '@shared/contract';
import { rollcallError, RollcallFailure, toRollcallError } from '@shared/errors';
import type { SyncSummary } from '@shared/model';
import { unreadableText } from '@shared/sync-summary';
import type { Emit } from '../deps';
import type { ReachabilityTracker } from '../net/reachability';
import { createProgressPacer } from '../progress';
import type { Provider } from '../providers';
import type { ConnectionKind } from '@shared/model';
import type { ConnectionsRepo, StoredConnection } from '../store/connections-repo';
import type { MetaRepo } from '../store/meta-repo';
import type { UsersRepo } from '../store/users-repo';
import type { ConnectionAccess } from './connection-access';
import { loadDemoDirectory } from './demo-directory';
import type { ProviderContexts } from './provider-context';
import { CANCELLED_MESSAGE, syncPages, type ProgressChange, type SyncCounts } from './sync-pages';
import { SyncWorkerUnavailable, type SyncWorkerHost } from './sync-worker-host';

/** The sync channels, and what other services need to know of running syncs. */
export interface SyncService {
  sync(arg: ParsedArgOf<'directory:sync'>): Promise<SyncSummary>;
  cancel(arg: ParsedArgOf<'directory:cancel-sync'>): Promise<{ cancelled: boolean }>;
  isRunning(connectionId: string): boolean;
  /** Cancels a running sync of the connection and waits until it has ended. */
  stop(connectionId: string): Promise<void>;
  /** Cancels every running sync and waits for all of them (closing core). */
  stopAll(): Promise<void>;
}

/** What the sync service is built from. */
export interface SyncDeps {
  access: ConnectionAccess;
  providers: Record<ConnectionKind, Provider>;
  connections: ConnectionsRepo;
  users: UsersRepo;
  meta: MetaRepo;
  contexts: ProviderContexts;
  reachability: ReachabilityTracker;
  emit: Emit;
  now: () => number;
  /** Tells the window a connection's summary changed. */
  changed: (connectionId: string | null) => void;
  /**
   * The worker that runs syncs off the main thread (sync-worker-host.ts),
   * when there is one for this cache; without it a sync runs here.
   */
  worker?: SyncWorkerHost | null;
}

/** Builds the sync service. */
export function createSyncService(deps: SyncDeps): SyncService {
  const { access, providers, connections, users, contexts, reachability, emit, now } = deps;
  const running = new Map<string, { controller: AbortController; promise: Promise<SyncSummary> }>();

  async function runSync(conn: StoredConnection, signal: AbortSignal): Promise<SyncSummary> {
    const pacer = createProgressPacer({
      connectionId: conn.id,
      emit: (progress) => emit('directory:sync-progress', progress),
      now,
    });
    const startedAt = now();
    try {
      const session = await access.session(conn);
      const pagesDeps = {
        provider: providers[conn.kind],
        session,
        now,
        answered: () => reachability.answered(conn.id),
        progress: (change: ProgressChange) => pacer.update(change),
      };
      const here = (): Promise<SyncCounts> =>
        syncPages({ ...pagesDeps, users, contexts }, signal, startedAt);
      const worker = deps.worker;
      const { total, unreadable, gone, ...counts } = worker?.available()
        ? await worker
            .run({ ...pagesDeps, kind: conn.kind, signal, startedAt })
            .catch((thrown: unknown) => {
              // The worker could not start at all: sync here, as without one.
              if (thrown instanceof SyncWorkerUnavailable) return here();
              throw thrown;
            })
        : await here();
      const summary: SyncSummary = {
        ...counts,
        gone,
        total,
        startedAt,
        finishedAt: now(),
        unreadable: unreadable.count,
        unreadableReason: unreadable.firstReason,
      };
      connections.setLastSync(conn.id, summary);
      const skipped = unreadableText(summary);
      pacer.finish({
        phase: 'done',
        done: total,
        total,
        summary,
        message: `Synced ${total} users: ${summary.added} new, ${summary.updated} updated, ${gone} gone.${skipped ? ` ${skipped}` : ''}`,
      });
      return summary;
    } catch (thrown) {
      let error = toRollcallError(thrown);
      if (signal.aborted) {
        error = rollcallError('CANCELLED', CANCELLED_MESSAGE);
      } else {
        reachability.failed(conn.id, error);
      }
      pacer.finish({
        phase: error.code === 'CANCELLED' ? 'cancelled' : 'failed',
        error,
        retryAfterSeconds: null,
        message: error.message,
      });
      throw new RollcallFailure(error);
    }
  }

  async function sync(arg: ParsedArgOf<'directory:sync'>): Promise<SyncSummary> {
    const already = running.get(arg.connectionId);
    if (already) return already.promise;
    const conn = access.require(arg.connectionId);
    const controller = new AbortController();
    const promise = (
      conn.demo
        ? loadDemoDirectory({
            connections,
            users,
            meta: deps.meta,
            now,
            emit,
            only: conn.id,
            signal: controller.signal,
          }).then((summaries) => summaries[conn.id] as SyncSummary)
        : runSync(conn, controller.signal)
    ).finally(() => {
      running.delete(conn.id);
      deps.changed(conn.id);
    });
    running.set(conn.id, { controller, promise });
    deps.changed(conn.id);
    return promise;
  }

  async function stop(connectionId: string): Promise<void> {
    const one = running.get(connectionId);
    if (!one) return;
    one.controller.abort();
    await one.promise.catch(() => {});
  }

  return {
    sync,
    async cancel(arg) {
      if (!running.has(arg.connectionId)) return { cancelled: false };
      await stop(arg.connectionId);
      return { cancelled: true };
    },
    isRunning: (connectionId) => running.has(connectionId),
    stop,
    async stopAll() {
      for (const { controller } of running.values()) controller.abort();
      await Promise.allSettled([...running.values()].map((s) => s.promise));
    },
  };
}
