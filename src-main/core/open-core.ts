/**
 * Builds every collaborator of core once, from its dependencies, and nothing
 * else: the cache (or a temporary one, said as a notice, when the file
 * cannot be opened), the repositories, the search index, the HTTP client and
 * providers, and one service per capability, handed to the channel handlers.
 *
 * Node only; never imports `electron`.
 */
import { toRollcallError } from '@shared/errors';
import type { CoreDeps } from './deps';
import { createDispatcher, createHandlers, type Core, type Services } from './handlers';
import { createHttpClient } from './net/http';
import { createReachabilityTracker } from './net/reachability';
import { createProviders } from './providers';
import { createSearchIndex } from './search/search-index';
import { createActionsService } from './services/actions';
import { createAppInfoService } from './services/app-info';
import { createAvatarsService } from './services/avatars';
import { createConnectionAccess } from './services/connection-access';
import { createConnectionsService } from './services/connections';
import { createDemoService } from './services/demo';
import { createExportService } from './services/export';
import { createLinksService } from './services/links';
import { createLookupService } from './services/lookup';
import { createProviderContexts } from './services/provider-context';
import { startRederiver } from './services/rederive';
import { createSearchService } from './services/search';
import { createSyncService } from './services/sync';
import { createSyncWorkerHost } from './services/sync-worker-host';
import { createActionFacts } from './store/action-facts';
import { createAuditRepo } from './store/audit-repo';
import { createAvatarStore } from './store/avatar-store';
import { createConnectionsRepo } from './store/connections-repo';
import { databasePath, openDatabase, type OpenedDatabase } from './store/db';
import { createMetaRepo } from './store/meta-repo';
import { createUsersRepo } from './store/users-repo';
import { startWalCheckpointer } from './store/wal-checkpointer';

/**
 * How long closing may spend saving a search index that changed since it
 * was last saved (a sync just before quitting): within the quit path's
 * bound (main/quit.ts, 5 s), with room left for the rest of closing. At
 * 100 000 users a save takes well under a second; one that would take
 * longer is given up, and the next start builds the index as before.
 */
const CLOSING_SAVE_MS = 2_500;

/** Opens the cache, or a temporary one with a notice saying why. */
function openCache(deps: CoreDeps): { cache: OpenedDatabase; startupNotices: string[] } {
  const { log, now } = deps;
  try {
    return {
      cache: openDatabase(databasePath(deps.userDataDir), { log, now }),
      startupNotices: [],
    };
  } catch (thrown) {
    const reason = toRollcallError(thrown);
    log.error('the cache could not be opened; running on a temporary one', { code: reason.code });
    return {
      cache: openDatabase(':memory:', { log, now }),
      startupNotices: [
        `${reason.message} Rollcall is running on a temporary cache: nothing fetched in this session will be kept.`,
      ],
    };
  }
}

/** Starts core over its dependencies: opens the cache and builds every service. */
export async function openCore(deps: CoreDeps): Promise<Core> {
  const { now, log, emit } = deps;
  const { cache, startupNotices } = openCache(deps);
  const avatars = createAvatarStore(cache, { userDataDir: deps.userDataDir, now, log });
  const connections = createConnectionsRepo(cache, { secrets: deps.secrets, now, avatars, log });
  // Checkpoints of the cache's WAL run on a worker thread from here on.
  const checkpointer = await startWalCheckpointer(cache, { log });
  // Searches are served from memory once the index has loaded (in slices
  // that yield, so start-up never holds the loop); SQL answers until then.
  const users = createUsersRepo(cache, {
    now,
    log,
    index: createSearchIndex(),
    onSearchReady: () => emit('directory:search-ready', null),
    ...(checkpointer
      ? { betweenChunks: checkpointer.betweenWrites, backgroundRead: checkpointer.read }
      : {}),
  });
  const indexLoad = new AbortController();
  const indexLoaded = users.buildSearchIndex({ signal: indexLoad.signal }).catch((thrown) => {
    log.warn('the search index could not be loaded; searching the cache directly', {
      code: toRollcallError(thrown).code,
    });
  });
  const meta = createMetaRepo(cache, { now });
  const providers = createProviders({ http: createHttpClient({ fetch: deps.fetch, now }), now });
  const changed = (connectionId: string | null): void =>
    emit('connections:changed', { connectionId });
  const reachability = createReachabilityTracker(now, changed);
  const access = createConnectionAccess({ connections, reachability });
  const contexts = createProviderContexts(meta);
  // Rows an older version derived are derived again from their payloads,
  // in slices that yield, once the index has loaded (services/rederive.ts).
  const rederiver = startRederiver({
    users,
    contexts,
    log,
    readOnly: cache.readOnly,
    after: indexLoaded,
  });

  // Syncs parse and write on a worker thread with its own connection to
  // the file (a temporary or read-only cache has none to share: they stay here).
  const syncWorker =
    deps.startSyncWorker && !cache.readOnly && cache.path !== ':memory:'
      ? createSyncWorkerHost({
          start: deps.startSyncWorker,
          path: cache.path,
          users,
          fetch: deps.fetch,
          log,
        })
      : null;
  const syncs = createSyncService({
    worker: syncWorker,
    access,
    providers,
    connections,
    users,
    meta,
    contexts,
    reachability,
    emit,
    now,
    changed,
  });
  const connectionsService = createConnectionsService({
    access,
    connections,
    users,
    secrets: deps.secrets,
    providers,
    reachability,
    syncs,
    now,
    changed,
  });
  const actions = createActionsService({
    access,
    providers,
    users,
    contexts,
    reachability,
    facts: createActionFacts(cache),
    audit: createAuditRepo(cache, { log }),
    emit,
    now,
    log,
    chooseSavePath: deps.chooseSavePath,
    readOnly: cache.readOnly,
  });
  const services: Services = {
    appInfo: createAppInfoService({
      appVersion: deps.appVersion,
      userDataDir: deps.userDataDir,
      cache,
      startupNotices,
      secrets: deps.secrets,
      connections,
      users,
      avatars,
    }),
    connections: connectionsService,
    lookup: createLookupService({
      access,
      providers,
      users,
      contexts,
      emit,
      now,
      readOnly: cache.readOnly,
    }),
    search: createSearchService({ users, access, meta }),
    sync: syncs,
    export: createExportService({
      chooseSavePath: deps.chooseSavePath,
      connections,
      users,
      meta,
      now,
    }),
    demo: createDemoService({
      connections,
      users,
      meta,
      now,
      emit,
      changed,
      listConnections: () => connectionsService.list(),
    }),
    links: createLinksService(deps),
    avatars: createAvatarsService({ access, providers, connections, users, avatars, now, log }),
    actions,
  };
  const handlers = createHandlers(services);
  return {
    handlers,
    dispatch: createDispatcher(handlers, deps),
    serveAvatar: (connectionId, userId) => services.avatars.serveAvatar(connectionId, userId),
    async close() {
      await syncs.stopAll();
      await syncWorker?.close();
      await actions.stopAll();
      indexLoad.abort();
      await indexLoaded;
      // The re-deriver first: a write during the save would make it give up.
      await rederiver.stop();
      await users.stopSearchIndex({ saveWithinMs: CLOSING_SAVE_MS });
      await checkpointer?.close();
      cache.close();
    },
  };
}
