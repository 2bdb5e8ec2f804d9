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
import { fail, rollcallError, RollcallFailure, toRollcallError } from '@shared/errors';
import type { SyncSummary } from '@shared/model';
import { unreadableText } from '@shared/sync-summary';
import type { Emit } from '../deps';
import type { ReachabilityTracker } from '../net/reachability';
import { createProgressPacer } from '../progress';
import type { Provider, ProviderContext } from '../providers';
import type { UnreadableMembers } from '../providers/types';
import type { ConnectionKind } from '@shared/model';
import type { ConnectionsRepo, StoredConnection } from '../store/connections-repo';
import type { MetaRepo } from '../store/meta-repo';
import type { UsersRepo } from '../store/users-repo';
import type { ConnectionAccess } from './connection-access';
import { loadDemoDirectory } from './demo-directory';
import type { ProviderContexts } from './provider-context';
import { writesOf } from './user-writes';

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
}

const CANCELLED_MESSAGE = 'The sync was cancelled; users saved so far are kept.';

/** Builds the sync service. */
export function createSyncService(deps: SyncDeps): SyncService {
  const { access, providers, connections, users, contexts, reachability, emit, now } = deps;
  const running = new Map<string, { controller: AbortController; promise: Promise<SyncSummary> }>();

  /** Fetches every page and writes it; returns the counts and the total seen. */
  async function fetchAndWrite(
    conn: StoredConnection,
    signal: AbortSignal,
    pacer: ReturnType<typeof createProgressPacer>,
    startedAt: number,
  ): Promise<{
    added: number;
    updated: number;
    unchanged: number;
    total: number;
    unreadable: UnreadableMembers;
  }> {
    const counts = { added: 0, updated: 0, unchanged: 0 };
    let total = 0;
    let unreadable: UnreadableMembers = { count: 0, firstReason: null, ids: [] };
    const provider = providers[conn.kind];
    const session = await access.session(conn);
    pacer.update({ phase: 'fetching', message: 'Asking the server for its directory…' });
    const pages = provider.fetchDirectory(session, {
      signal,
      onWait: (seconds) =>
        pacer.update({
          phase: 'waiting',
          retryAfterSeconds: seconds,
          message: `The server is rate limiting Rollcall: waiting ${Math.ceil(seconds)} s as it asked.`,
        }),
    });
    let answered = false;
    let storedContext: ProviderContext | null = null;
    for await (const page of pages) {
      if (!answered) {
        reachability.answered(conn.id);
        answered = true;
      }
      // A provider hands the same context with every page: store it once
      // (at 100 000 users it is megabytes of JSON to read and write).
      if (page.context !== storedContext) {
        await contexts.store(conn.id, page.context);
        storedContext = page.context;
      }
      pacer.update({
        phase: 'writing',
        done: total,
        total: page.total,
        retryAfterSeconds: null,
        message: `Saving users (${page.done}${page.total !== null ? ` of ${page.total}` : ''})…`,
      });
      const at = now();
      const base = total;
      const written = await users.upsertBatch(await writesOf(page.users, at), {
        signal,
        seenAt: startedAt,
        onChunk: (chunk) => pacer.update({ done: base + chunk.done }),
      });
      counts.added += written.added;
      counts.updated += written.updated;
      counts.unchanged += written.unchanged;
      total = page.done;
      unreadable = page.unreadable;
      pacer.update({
        phase: 'fetching',
        done: total,
        total: page.total,
        message:
          page.total !== null && total >= page.total
            ? 'Finishing…'
            : `Fetched ${total}${page.total !== null ? ` of ${page.total}` : ''} users…`,
      });
    }
    return { ...counts, total, unreadable };
  }

  async function runSync(conn: StoredConnection, signal: AbortSignal): Promise<SyncSummary> {
    const pacer = createProgressPacer({
      connectionId: conn.id,
      emit: (progress) => emit('directory:sync-progress', progress),
      now,
    });
    const startedAt = now();
    try {
      const { total, unreadable, ...counts } = await fetchAndWrite(conn, signal, pacer, startedAt);
      if (signal.aborted) fail('CANCELLED', CANCELLED_MESSAGE);
      reachability.answered(conn.id);
      pacer.update({ phase: 'reconciling', message: 'Marking users no longer on the server…' });
      // A member that could not be read this time is not gone: keep its cached copy.
      const gone = await users.markMissingAsGone(conn.id, startedAt, now(), unreadable.ids);
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
