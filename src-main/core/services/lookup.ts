/**
 * Looking one user up by ID, email or reference, and reading one from the
 * cache. A lookup answers from the cache at once when it can and refreshes
 * behind (`users:refreshed`), unless asked to wait for the network;
 * identical lookups in flight share one request; a server that cannot be
 * reached turns into "cached, and here is why", never an empty answer.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf } from '@shared/contract';
import { err, fail, ok, toRollcallError, type RollcallError } from '@shared/errors';
import type { ConnectionKind, LookupResult, UserRecord } from '@shared/model';
import type { Emit } from '../deps';
import { describeRef, directUserId, type UserRef } from '@shared/server-url';
import type { Provider } from '../providers';
import { createSingleFlight } from '../single-flight';
import type { StoredConnection } from '../store/connections-repo';
import type { UsersRepo } from '../store/users-repo';
import type { ConnectionAccess } from './connection-access';
import type { ProviderContexts } from './provider-context';
import { storeFetchedUser, toWrite } from './user-writes';

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

/** The lookup channels. */
export interface LookupService {
  lookup(arg: ParsedArgOf<'users:lookup'>): Promise<LookupResult>;
  getUser(arg: ParsedArgOf<'users:get'>): Promise<UserRecord>;
}

/** What the lookup service is built from. */
export interface LookupDeps {
  access: ConnectionAccess;
  providers: Record<ConnectionKind, Provider>;
  users: UsersRepo;
  contexts: ProviderContexts;
  emit: Emit;
  now: () => number;
  /** The cache cannot be written (db.ts): fresh answers are shown, not stored. */
  readOnly?: boolean;
}

/** Builds the lookup service. */
export function createLookupService(deps: LookupDeps): LookupService {
  const { access, providers, users, contexts, emit, now } = deps;
  const inFlight = createSingleFlight<LookupResult>();
  /** Shared-chat references seen this session, so a repeat lookup can answer from the cache. */
  const sharedChatOwners = new Map<string, string>();

  function cachedIdFor(conn: StoredConnection, ref: UserRef): string | null {
    const direct = directUserId(ref);
    if (direct) return direct;
    if (ref.kind === 'zulip-email' || ref.kind === 'openwebui-email')
      return users.findIdByEmail(conn.id, ref.email);
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
      const fetched = await access.talk(conn.id, async () =>
        provider.fetchUser(await access.session(conn), ref, { context: contexts.get(conn.id) }),
      );
      const at = now();
      const write = deps.readOnly
        ? toWrite(fetched, at)
        : await storeFetchedUser({ users, contexts }, conn.id, fetched, at);
      if (ref.kind === 'openwebui-shared-chat') {
        sharedChatOwners.set(`${conn.id}\u0000${ref.chatId}`, fetched.user.userId);
      }
      return { ...write, goneAt: null, source: 'network', stale: null, refreshing: false };
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (error.code === 'NOT_FOUND' && cached) {
        const at = now();
        if (!deps.readOnly) users.markGone(conn.id, cached.user.userId, at);
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
    const conn = access.require(arg.connectionId);
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
      inFlight.run(key, () => fetchAndStore(conn, ref, cached));
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

  return {
    lookup,
    async getUser(arg) {
      const record = users.get(arg.connectionId, arg.userId);
      if (!record) {
        fail('NOT_FOUND', 'That user is not in the cache. Look them up or sync the connection.');
      }
      return record;
    },
  };
}
