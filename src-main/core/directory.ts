/**
 * The service behind every channel: it joins the providers (what the servers
 * say) with the cache (what Rollcall remembers) so that every answer is the
 * freshest one available and nothing fetched is ever lost. Lookups answer
 * from the cache at once and refresh behind; syncs write whole batches and
 * reconcile only once complete; a server that cannot be reached turns into
 * "stale, and here is why", never into an empty window.
 *
 * Node only; never imports `electron`.
 */
import { statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { platform } from 'node:os';
import type { ParsedArgOf } from '@shared/contract';
import {
  err,
  fail,
  ok,
  rollcallError,
  RollcallFailure,
  toRollcallError,
  type RollcallError,
} from '@shared/errors';
import type {
  AppInfo,
  ConnectionSummary,
  ConnectionTestResult,
  DirectoryUser,
  JsonValue,
  LookupResult,
  SearchQuery,
  SearchResult,
  SyncSummary,
  UserRecord,
} from '@shared/model';
import { avatarKeyOf } from '@shared/summary';
import type { FileAnswer } from './app-page';
import { createAvatarStore } from './store/avatar-store';
import { createConnectionsRepo, type StoredConnection } from './store/connections-repo';
import { databasePath, openDatabase, yieldToEventLoop, type OpenedDatabase } from './store/db';
import { stringifyJsonInSlices } from './net/json-slices';
import type { CoreDeps } from './deps';
import { loadDemoDirectory, DEMO_CONNECTION_IDS } from './services/demo-directory';
import {
  CSV_BOM,
  csvHeader,
  csvUserRow,
  exportFileName,
  profileFieldColumns,
  type ExportRecord,
} from './services/export-format';
import { safeExternalUrl } from './external-url';
import { createHttpClient } from './net/http';
import { registerSecret } from './log';
import { createMetaRepo } from './store/meta-repo';
import { createProgressPacer } from './progress';
import {
  createProviders,
  type FetchedUser,
  type Provider,
  type ProviderContext,
  type ProviderSession,
} from './providers';
import { createReachabilityTracker } from './net/reachability';
import { redactPayload, redactUser } from './store/redact-payload';
import {
  describeRef,
  directUserId,
  isLoopbackHost,
  parseServerUrl,
  type UserRef,
} from './net/server-url';
import { createSingleFlight } from './single-flight';
import { createSearchIndex } from './search/search-index';
import { createUsersRepo, type UserWrite } from './store/users-repo';
import { startWalCheckpointer } from './store/wal-checkpointer';

/** How long a cached picture is served before it is fetched again (when online). */
export const AVATAR_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Longest stretch of sync work (per page, outside the cache's own chunks) between two yields. */
const INGEST_SLICE_MS = 8;

/** The meta key under which a provider's context (definitions, groups) is cached. */
const CONTEXT_KEY = 'provider-context';

/** Errors after which a cached copy is still the best answer. */
const KEEP_CACHED_ON: ReadonlySet<RollcallError['code']> = new Set([
  'OFFLINE',
  'TIMEOUT',
  'SERVER_ERROR',
  'TLS',
  'NOT_AN_API',
  'RATE_LIMITED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'BAD_RESPONSE',
  'TOO_LARGE',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_BUSY',
  'CANCELLED',
]);

/** Everything the channels do, as methods taking their parsed arguments. */
export interface Directory {
  appInfo(): Promise<AppInfo>;
  listConnections(): Promise<ConnectionSummary[]>;
  saveConnection(
    arg: ParsedArgOf<'connections:save'>,
  ): Promise<{ connection: ConnectionSummary; test: ConnectionTestResult | null }>;
  removeConnection(arg: ParsedArgOf<'connections:remove'>): Promise<{ removed: boolean }>;
  testConnection(arg: ParsedArgOf<'connections:test'>): Promise<ConnectionTestResult>;
  lookup(arg: ParsedArgOf<'users:lookup'>): Promise<LookupResult>;
  getUser(arg: ParsedArgOf<'users:get'>): Promise<UserRecord>;
  search(query: SearchQuery): Promise<SearchResult>;
  sync(arg: ParsedArgOf<'directory:sync'>): Promise<SyncSummary>;
  cancelSync(arg: ParsedArgOf<'directory:cancel-sync'>): Promise<{ cancelled: boolean }>;
  exportDirectory(
    arg: ParsedArgOf<'directory:export'>,
  ): Promise<{ path: string | null; count: number }>;
  loadDemo(): Promise<ConnectionSummary[]>;
  openExternal(arg: ParsedArgOf<'shell:open-external'>): Promise<{ opened: boolean }>;
  serveAvatar(connectionId: string, userId: string): Promise<FileAnswer>;
  close(): Promise<void>;
}

/**
 * "No picture": 204, not 404, so the window's image simply fails to decode
 * and shows initials, without the browser logging an error for every card.
 */
function noPictureAnswer(): FileAnswer {
  return {
    status: 204,
    headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    body: new Uint8Array(0),
  };
}

function isInsecure(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl);
    return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/** Opens the cache and builds the service over it and the given dependencies. */
export async function openDirectory(deps: CoreDeps): Promise<Directory> {
  const { now, log, emit } = deps;
  let cache: OpenedDatabase;
  const startupNotices: string[] = [];
  try {
    cache = openDatabase(databasePath(deps.userDataDir), { log, now });
  } catch (thrown) {
    const reason = toRollcallError(thrown);
    log.error('the cache could not be opened; running on a temporary one', { code: reason.code });
    cache = openDatabase(':memory:', { log, now });
    startupNotices.push(
      `${reason.message} Rollcall is running on a temporary cache: nothing fetched in this session will be kept.`,
    );
  }
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
  const http = createHttpClient({ fetch: deps.fetch, now });
  const providers = createProviders({ http, now });
  const connectionsChanged = (connectionId: string | null): void =>
    emit('connections:changed', { connectionId });
  const reachability = createReachabilityTracker(now, connectionsChanged);
  const lookups = createSingleFlight<LookupResult>();
  const avatarFetches = createSingleFlight<boolean>();
  const syncs = new Map<string, { controller: AbortController; promise: Promise<SyncSummary> }>();
  /** Shared-chat references seen this session, so a repeat lookup can answer from the cache. */
  const sharedChatOwners = new Map<string, string>();
  /** Keychain answers, so listing connections does not ask the keychain every time. */
  let secretAccounts: { at: number; accounts: Set<string> | null } | null = null;

  // ---------------------------------------------------------------------------
  // Connections

  function requireConnection(id: string): StoredConnection {
    const conn = connections.get(id);
    if (!conn) fail('NOT_FOUND', 'That connection no longer exists. It may have been removed.');
    return conn;
  }

  async function knownSecretAccounts(): Promise<Set<string> | null> {
    if (secretAccounts && now() - secretAccounts.at < 10_000) return secretAccounts.accounts;
    let accounts: Set<string> | null;
    try {
      accounts = new Set(await deps.secrets.list());
    } catch {
      accounts = null;
    }
    secretAccounts = { at: now(), accounts };
    return accounts;
  }

  function forgetSecretAccounts(): void {
    secretAccounts = null;
  }

  async function summaryOf(
    conn: StoredConnection,
    counts: Map<string, number>,
    accounts: Set<string> | null,
  ): Promise<ConnectionSummary> {
    const live = conn.removedAt === null;
    return {
      id: conn.id,
      kind: conn.kind,
      label: conn.label,
      baseUrl: conn.baseUrl,
      loginEmail: conn.loginEmail,
      demo: conn.demo,
      createdAt: conn.createdAt,
      updatedAt: conn.updatedAt,
      hasSecret: !conn.demo && live && (accounts ? accounts.has(conn.id) : true),
      lastTest: conn.lastTest,
      userCount: counts.get(conn.id) ?? 0,
      lastSyncAt: conn.lastSyncAt,
      lastSync: conn.lastSync,
      reachability: conn.demo
        ? { state: 'online', since: null, error: null }
        : reachability.get(conn.id),
      syncing: syncs.has(conn.id),
      insecureHttp: !conn.demo && isInsecure(conn.baseUrl),
    };
  }

  async function listConnections(): Promise<ConnectionSummary[]> {
    const rows = connections.list({ includeRemoved: true });
    const counts = users.countsByConnection();
    const accounts = rows.some((r) => !r.demo) ? await knownSecretAccounts() : null;
    return Promise.all(rows.map((r) => summaryOf(r, counts, accounts)));
  }

  async function summaryById(id: string): Promise<ConnectionSummary> {
    const conn = requireConnection(id);
    return summaryOf(conn, users.countsByConnection(), await knownSecretAccounts());
  }

  async function sessionFor(
    conn: StoredConnection,
    secretOverride?: string,
  ): Promise<ProviderSession> {
    if (conn.demo) fail('INVALID_INPUT', 'This is the offline demo directory: it has no server.');
    const secret = secretOverride ?? (await connections.getSecret(conn.id));
    if (!secret) {
      fail(
        'UNAUTHORIZED',
        `No API key is saved for “${conn.label}”. Edit the connection and enter its key.`,
        { field: 'secret' },
      );
    }
    registerSecret(secret);
    return { connectionId: conn.id, baseUrl: conn.baseUrl, loginEmail: conn.loginEmail, secret };
  }

  /** Runs a provider call for a saved connection, teaching reachability its outcome. */
  async function talk<T>(connectionId: string, call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      reachability.answered(connectionId);
      return value;
    } catch (thrown) {
      reachability.failed(connectionId, toRollcallError(thrown));
      throw thrown;
    }
  }

  /** The fields an error belongs to in the connection dialog. */
  function withField(error: RollcallError): RollcallError {
    if (error.field) return error;
    switch (error.code) {
      case 'UNAUTHORIZED':
      case 'FORBIDDEN':
        return { ...error, field: 'secret' };
      case 'OFFLINE':
      case 'TIMEOUT':
      case 'TLS':
      case 'NOT_AN_API':
      case 'SERVER_ERROR':
      case 'BAD_RESPONSE':
        return { ...error, field: 'baseUrl' };
      default:
        return error;
    }
  }

  function checkedDraft(draft: ParsedArgOf<'connections:save'>['draft']): {
    baseUrl: string;
    loginEmail: string | null;
  } {
    const { baseUrl } = parseServerUrl(draft.baseUrl);
    if (draft.kind !== 'zulip') return { baseUrl, loginEmail: null };
    const loginEmail = draft.loginEmail?.trim() ?? '';
    if (loginEmail === '') {
      fail('INVALID_INPUT', 'Enter the email address you log in to Zulip with.', {
        field: 'loginEmail',
      });
    }
    if (!/^[^\s@]+@[^\s@]+$/.test(loginEmail)) {
      fail('INVALID_INPUT', 'That does not look like an email address.', { field: 'loginEmail' });
    }
    return { baseUrl, loginEmail };
  }

  async function runTest(
    session: ProviderSession,
    provider: Provider,
  ): Promise<ConnectionTestResult> {
    try {
      const owner = await provider.testConnection(session);
      return {
        ok: true,
        at: now(),
        who: { userId: owner.userId, name: owner.name, email: owner.email, role: owner.role },
        error: null,
      };
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (error.code === 'INTERNAL') throw thrown;
      return { ok: false, at: now(), who: null, error: withField(error) };
    }
  }

  async function saveConnection(
    arg: ParsedArgOf<'connections:save'>,
  ): Promise<{ connection: ConnectionSummary; test: ConnectionTestResult | null }> {
    const existing = arg.id ? requireConnection(arg.id) : null;
    if (existing?.demo) fail('INVALID_INPUT', 'The demo directory cannot be edited.');
    if (existing && existing.kind !== arg.draft.kind) {
      fail('INVALID_INPUT', 'A connection cannot change kind. Add a new connection instead.', {
        field: 'kind',
      });
    }
    const { baseUrl, loginEmail } = checkedDraft(arg.draft);
    const secret =
      arg.draft.secret ??
      (existing && existing.removedAt === null ? await connections.getSecret(existing.id) : null);
    if (!secret) fail('INVALID_INPUT', 'Enter the API key.', { field: 'secret' });
    registerSecret(secret);

    let test: ConnectionTestResult | null = null;
    if (!arg.skipTest) {
      const session: ProviderSession = {
        connectionId: existing?.id ?? 'new-connection',
        baseUrl,
        loginEmail,
        secret,
      };
      test = await runTest(session, providers[arg.draft.kind]);
      if (!test.ok && test.error) throw new RollcallFailure(test.error);
    }
    const stored = await connections.save({
      ...(existing ? { id: existing.id } : {}),
      kind: arg.draft.kind,
      label: arg.draft.label,
      baseUrl,
      loginEmail,
      ...(arg.draft.secret !== undefined ? { secret: arg.draft.secret } : {}),
    });
    forgetSecretAccounts();
    if (test) {
      connections.setLastTest(stored.id, test);
      reachability.answered(stored.id);
    }
    connectionsChanged(stored.id);
    return { connection: await summaryById(stored.id), test };
  }

  async function removeConnection(
    arg: ParsedArgOf<'connections:remove'>,
  ): Promise<{ removed: boolean }> {
    const running = syncs.get(arg.id);
    if (running) {
      running.controller.abort();
      await running.promise.catch(() => {});
    }
    const result = await connections.remove(arg.id, { deleteCache: arg.deleteCache });
    forgetSecretAccounts();
    reachability.forget(arg.id);
    connectionsChanged(arg.id);
    return result;
  }

  async function testConnection(
    arg: ParsedArgOf<'connections:test'>,
  ): Promise<ConnectionTestResult> {
    const saved = arg.id ? requireConnection(arg.id) : null;
    if (saved?.demo) {
      return { ok: true, at: now(), who: null, error: null };
    }
    const kind = arg.draft?.kind ?? saved?.kind;
    if (!kind) fail('INVALID_INPUT', 'Choose Zulip or Open WebUI.', { field: 'kind' });
    const draft = {
      kind,
      label: arg.draft?.label ?? saved?.label ?? '',
      baseUrl: arg.draft?.baseUrl ?? saved?.baseUrl ?? '',
      loginEmail: arg.draft?.loginEmail ?? saved?.loginEmail ?? undefined,
    };
    const { baseUrl, loginEmail } = checkedDraft(draft);
    const secret =
      arg.draft?.secret ??
      (saved && saved.removedAt === null ? await connections.getSecret(saved.id) : null);
    if (!secret) fail('INVALID_INPUT', 'Enter the API key.', { field: 'secret' });
    registerSecret(secret);
    const result = await runTest(
      { connectionId: saved?.id ?? 'draft', baseUrl, loginEmail, secret },
      providers[kind],
    );
    // Only a test of the saved settings says anything about the saved connection.
    const testsSaved =
      saved !== null &&
      baseUrl === saved.baseUrl &&
      loginEmail === saved.loginEmail &&
      arg.draft?.secret === undefined;
    if (testsSaved) {
      connections.setLastTest(saved.id, result);
      if (result.ok) reachability.answered(saved.id);
      else if (result.error) reachability.failed(saved.id, result.error);
      connectionsChanged(saved.id);
    }
    return result;
  }

  // ---------------------------------------------------------------------------
  // Users

  function cachedContext(connectionId: string): ProviderContext | null {
    return (meta.get(connectionId, CONTEXT_KEY)?.value ?? null) as ProviderContext | null;
  }

  /**
   * Keeps a provider's context for lookups and restarts. At 100 000 Zulip
   * users it is megabytes of group memberships, so it is serialized in
   * slices that yield, and the object itself is kept as the parsed copy.
   */
  async function storeContext(connectionId: string, context: ProviderContext): Promise<void> {
    const previous = cachedContext(connectionId);
    if (previous === context || previous?.fetchedAt === context.fetchedAt) return;
    const json = await stringifyJsonInSlices(context);
    meta.setSerialized(connectionId, CONTEXT_KEY, context as unknown as JsonValue, json);
    if (context.kind === 'zulip') {
      meta.setProfileFields(connectionId, context.profileFields, context.fetchedAt);
    }
  }

  function toWrite(fetched: { user: DirectoryUser; raw: JsonValue }, at: number): UserWrite {
    return { user: redactUser(fetched.user), raw: redactPayload(fetched.raw), fetchedAt: at };
  }

  function cachedIdFor(conn: StoredConnection, ref: UserRef): string | null {
    const direct = directUserId(ref);
    if (direct) return direct;
    if (ref.kind === 'zulip-email') return users.findIdByEmail(conn.id, ref.email);
    if (ref.kind === 'openwebui-shared-chat')
      return sharedChatOwners.get(`${conn.id}\u0000${ref.chatId}`) ?? null;
    return null;
  }

  async function fetchAndStore(
    conn: StoredConnection,
    ref: UserRef,
    cached: UserRecord | null,
  ): Promise<LookupResult> {
    const provider = providers[conn.kind];
    try {
      const fetched = await talk(conn.id, async () =>
        provider.fetchUser(await sessionFor(conn), ref, { context: cachedContext(conn.id) }),
      );
      await storeContext(conn.id, fetched.context);
      const at = now();
      const write = toWrite(fetched, at);
      users.upsert(write, at);
      if (ref.kind === 'openwebui-shared-chat') {
        sharedChatOwners.set(`${conn.id}\u0000${ref.chatId}`, fetched.user.userId);
      }
      return { ...write, goneAt: null, source: 'network', stale: null, refreshing: false };
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (error.code === 'NOT_FOUND' && cached) {
        const at = now();
        users.markGone(conn.id, cached.user.userId, at);
        return {
          ...cached,
          goneAt: cached.goneAt ?? at,
          source: 'network',
          stale: null,
          refreshing: false,
        };
      }
      if (cached && KEEP_CACHED_ON.has(error.code)) {
        return { ...cached, source: 'cache', stale: error, refreshing: false };
      }
      throw thrown;
    }
  }

  async function lookup(arg: ParsedArgOf<'users:lookup'>): Promise<LookupResult> {
    const conn = requireConnection(arg.connectionId);
    const provider = providers[conn.kind];
    const ref = provider.parseRef(arg.ref);
    const cachedId = cachedIdFor(conn, ref);
    const cached = cachedId ? users.get(conn.id, cachedId) : null;
    if (conn.demo) {
      if (!cached) {
        fail('NOT_FOUND', `No user matches ${describeRef(ref)} in the demo directory.`);
      }
      return { ...cached, source: 'cache', stale: null, refreshing: false };
    }
    const key = `${conn.id}\u0000${describeRef(ref)}`;
    const network = (): Promise<LookupResult> =>
      lookups.run(key, () => fetchAndStore(conn, ref, cached));
    if (cached && !arg.waitForNetwork) {
      network().then(
        (result) =>
          emit('users:refreshed', { connectionId: conn.id, ref: arg.ref, result: ok(result) }),
        (thrown: unknown) =>
          emit('users:refreshed', {
            connectionId: conn.id,
            ref: arg.ref,
            result: err(toRollcallError(thrown)),
          }),
      );
      return { ...cached, source: 'cache', stale: null, refreshing: true };
    }
    return network();
  }

  async function getUser(arg: ParsedArgOf<'users:get'>): Promise<UserRecord> {
    const record = users.get(arg.connectionId, arg.userId);
    if (!record) {
      fail('NOT_FOUND', 'That user is not in the cache. Look them up or sync the connection.');
    }
    return record;
  }

  async function search(query: SearchQuery): Promise<SearchResult> {
    return users.searchAsync(query);
  }

  // ---------------------------------------------------------------------------
  // Sync

  /**
   * `toWrite` over a page, a slice at a time: redacting the payloads of a
   * 2 000-user page takes tens of milliseconds, too long to hold the loop.
   */
  async function writesOf(fetched: readonly FetchedUser[], at: number): Promise<UserWrite[]> {
    const out: UserWrite[] = [];
    let sliceStart = performance.now();
    for (const f of fetched) {
      out.push(toWrite(f, at));
      if (performance.now() - sliceStart >= INGEST_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return out;
  }

  async function runSync(conn: StoredConnection, signal: AbortSignal): Promise<SyncSummary> {
    const pacer = createProgressPacer({
      connectionId: conn.id,
      emit: (progress) => emit('directory:sync-progress', progress),
      now,
    });
    const startedAt = now();
    const counts = { added: 0, updated: 0, unchanged: 0 };
    let total = 0;
    try {
      const provider = providers[conn.kind];
      const session = await sessionFor(conn);
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
          await storeContext(conn.id, page.context);
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
      if (signal.aborted) fail('CANCELLED', 'The sync was cancelled; users saved so far are kept.');
      reachability.answered(conn.id);
      pacer.update({ phase: 'reconciling', message: 'Marking users no longer on the server…' });
      const gone = await users.markMissingAsGone(conn.id, startedAt, now());
      const summary: SyncSummary = { ...counts, gone, total, startedAt, finishedAt: now() };
      connections.setLastSync(conn.id, summary);
      pacer.finish({
        phase: 'done',
        done: total,
        total,
        summary,
        message: `Synced ${total} users: ${summary.added} new, ${summary.updated} updated, ${gone} gone.`,
      });
      return summary;
    } catch (thrown) {
      let error = toRollcallError(thrown);
      if (signal.aborted) {
        error = rollcallError('CANCELLED', 'The sync was cancelled; users saved so far are kept.');
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
    const running = syncs.get(arg.connectionId);
    if (running) return running.promise;
    const conn = requireConnection(arg.connectionId);
    if (conn.removedAt !== null) {
      fail('UNAUTHORIZED', `No API key is saved for “${conn.label}”. Edit it and enter its key.`, {
        field: 'secret',
      });
    }
    const controller = new AbortController();
    const promise = (
      conn.demo
        ? loadDemoDirectory({
            connections,
            users,
            meta,
            now,
            emit,
            only: conn.id,
            signal: controller.signal,
          }).then((summaries) => summaries[conn.id] as SyncSummary)
        : runSync(conn, controller.signal)
    ).finally(() => {
      syncs.delete(conn.id);
      connectionsChanged(conn.id);
    });
    syncs.set(conn.id, { controller, promise });
    connectionsChanged(conn.id);
    return promise;
  }

  async function cancelSync(
    arg: ParsedArgOf<'directory:cancel-sync'>,
  ): Promise<{ cancelled: boolean }> {
    const running = syncs.get(arg.connectionId);
    if (!running) return { cancelled: false };
    running.controller.abort();
    await running.promise.catch(() => {});
    return { cancelled: true };
  }

  // ---------------------------------------------------------------------------
  // Export

  async function exportDirectory(
    arg: ParsedArgOf<'directory:export'>,
  ): Promise<{ path: string | null; count: number }> {
    const path = await deps.chooseSavePath({
      defaultName: exportFileName(arg.format, now()),
      format: arg.format,
    });
    if (!path) return { path: null, count: 0 };
    const labels = new Map(connections.list({ includeRemoved: true }).map((c) => [c.id, c.label]));
    const connectionIds =
      arg.query.connectionIds.length > 0 ? arg.query.connectionIds : [...labels.keys()];
    const definitions = connectionIds.flatMap((id) => meta.getProfileFields(id)?.value ?? []);
    const columns = profileFieldColumns(definitions);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.rollcall-partial`;
    const file = await open(tmp, 'w');
    let count = 0;
    try {
      if (arg.format === 'csv') {
        await file.write(CSV_BOM + csvHeader(columns));
      } else {
        await file.write(
          `{"exportedAt":${JSON.stringify(new Date(now()).toISOString())},"query":${JSON.stringify(arg.query)},"users":[`,
        );
      }
      for await (const chunk of users.searchAll(arg.query, { chunkSize: 500 })) {
        let text = '';
        for (const summary of chunk) {
          const record = users.get(summary.connectionId, summary.userId);
          if (!record) continue;
          const item: ExportRecord = {
            user: record.user,
            connectionLabel: labels.get(summary.connectionId) ?? summary.connectionId,
            fetchedAt: record.fetchedAt,
            goneAt: record.goneAt,
            botOwnerName: summary.botOwnerName,
          };
          if (arg.format === 'csv') text += csvUserRow(item, columns);
          else {
            text +=
              (count > 0 ? ',' : '') +
              JSON.stringify({
                connection: item.connectionLabel,
                user: item.user,
                botOwnerName: item.botOwnerName,
                fetchedAt: new Date(item.fetchedAt).toISOString(),
                goneAt: item.goneAt === null ? null : new Date(item.goneAt).toISOString(),
              });
          }
          count++;
        }
        await file.write(text);
      }
      if (arg.format === 'json') await file.write(`],"count":${count}}\n`);
      await file.sync();
    } catch (thrown) {
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
      const error = toRollcallError(thrown);
      if (error.code !== 'INTERNAL') throw thrown;
      fail('INVALID_INPUT', `Rollcall could not write ${path}. Choose another place.`);
    }
    await file.close();
    await rename(tmp, path);
    return { path, count };
  }

  // ---------------------------------------------------------------------------
  // Avatars

  async function serveAvatar(connectionId: string, userId: string): Promise<FileAnswer> {
    const record = users.get(connectionId, userId);
    const conn = connections.get(connectionId);
    if (!record || !conn) return noPictureAnswer();
    const source = record.user.avatar;
    if (source.kind === 'none') return noPictureAnswer();
    const key = avatarKeyOf(source);
    const answer = (file: { contentType: string; bytes: Uint8Array }): FileAnswer => ({
      status: 200,
      headers: {
        'Content-Type': file.contentType,
        'Cache-Control': 'private, max-age=86400',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'",
      },
      body: file.bytes,
    });
    const stored = avatars.info(connectionId, userId);
    const fresh =
      stored !== null && stored.sourceKey === key && now() - stored.fetchedAt < AVATAR_MAX_AGE_MS;
    if (fresh) {
      const file = await avatars.get(connectionId, userId);
      if (file) return answer(file);
    }
    const offlineDemo = conn.demo && source.kind !== 'inline';
    if (!offlineDemo) {
      try {
        await avatarFetches.run(`${connectionId}\u0000${userId}`, async () => {
          const session: ProviderSession =
            source.kind === 'server'
              ? await sessionFor(conn)
              : { connectionId, baseUrl: conn.baseUrl, loginEmail: conn.loginEmail, secret: '' };
          const fetch = () => providers[conn.kind].fetchAvatar(session, record.user);
          const image = source.kind === 'server' ? await talk(connectionId, fetch) : await fetch();
          await avatars.put(connectionId, userId, {
            bytes: image.bytes,
            contentType: image.contentType,
            sourceKey: key,
          });
          return true;
        });
      } catch (thrown) {
        log.warn('an avatar could not be fetched', {
          connectionId,
          code: toRollcallError(thrown).code,
        });
      }
    }
    const file = await avatars.get(connectionId, userId);
    return file ? answer(file) : noPictureAnswer();
  }

  // ---------------------------------------------------------------------------
  // The rest

  async function appInfo(): Promise<AppInfo> {
    let sizeBytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        sizeBytes += statSync(cache.path + suffix).size;
      } catch {
        // Not there (a temporary cache, or no WAL right now).
      }
    }
    return {
      name: 'Rollcall',
      version: deps.appVersion,
      userDataDir: deps.userDataDir,
      platform: platform(),
      keychain: await deps.secrets.probe(),
      database: {
        path: cache.path,
        sizeBytes,
        readOnly: cache.readOnly,
        notices: [...startupNotices, ...cache.notices],
      },
      counts: {
        connections: connections.list().length,
        users: users.count(),
        avatars: avatars.count(),
      },
    };
  }

  async function loadDemo(): Promise<ConnectionSummary[]> {
    const present = DEMO_CONNECTION_IDS.every((id) => connections.get(id)?.removedAt === null);
    if (!present) {
      await loadDemoDirectory({ connections, users, meta, now, emit });
      connectionsChanged(null);
    }
    return listConnections();
  }

  async function openExternal(
    arg: ParsedArgOf<'shell:open-external'>,
  ): Promise<{ opened: boolean }> {
    const url = safeExternalUrl(arg.url);
    if (!url) fail('INVALID_INPUT', 'Only http and https links can be opened.', { field: 'url' });
    await deps.openExternal(url);
    return { opened: true };
  }

  async function close(): Promise<void> {
    for (const { controller } of syncs.values()) controller.abort();
    await Promise.allSettled([...syncs.values()].map((s) => s.promise));
    indexLoad.abort();
    await indexLoaded;
    await checkpointer?.close();
    cache.close();
  }

  return {
    appInfo,
    listConnections,
    saveConnection,
    removeConnection,
    testConnection,
    lookup,
    getUser,
    search,
    sync,
    cancelSync,
    exportDirectory,
    loadDemo,
    openExternal,
    serveAvatar,
    close,
  };
}
