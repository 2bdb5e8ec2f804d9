import type { ActionSpec } from '@shared/actions';
// Stand-ins and small real collaborators for the unit tests of one service
// at a time (issue 14): a real SQLite cache with its real repositories, the
// in-memory secret store, a reachability tracker, a recording `emit`, a
// clock moved by hand, and providers whose answers and failures the test
// writes. Nothing here goes through open-core.
import { avatarTakesKey } from '@core/net/avatar-fetch';
import { OPENWEBUI_AVATAR_PATHS } from '@core/providers/openwebui';
import { ZULIP_AVATAR_PATHS } from '@core/providers/zulip';
import type { EventName, PayloadOf } from '@shared/contract';
import { rollcallError, RollcallFailure, type ErrorCode } from '@shared/errors';
import type {
  ConnectionKind,
  DirectoryUser,
  JsonValue,
  KeyOwner,
  ProfileFieldDefinition,
} from '@shared/model';
import type { Emit } from '@core/deps';
import { silentLogger } from '@core/log';
import { createReachabilityTracker, type ReachabilityTracker } from '@core/net/reachability';
import { parseOpenWebUIUserRef, parseZulipUserRef } from '@shared/server-url';
import type {
  CallOptions,
  DirectoryPage,
  FetchedUser,
  OpenWebUIContext,
  Provider,
  ProviderContext,
  ProviderSession,
  UserRef,
  ZulipContext,
} from '@core/providers';
import { createConnectionAccess, type ConnectionAccess } from '@core/services/connection-access';
import { createProviderContexts, type ProviderContexts } from '@core/services/provider-context';
import { createAvatarStore, type AvatarStore } from '@core/store/avatar-store';
import {
  createConnectionsRepo,
  type ConnectionsRepo,
  type StoredConnection,
} from '@core/store/connections-repo';
import type { OpenedDatabase } from '@core/store/db';
import { createMetaRepo, type MetaRepo } from '@core/store/meta-repo';
import { createMemorySecretStore, type MemorySecretStore } from '@core/store/secrets';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';
import { makeUser, openTestCache, testClock } from '../cache-fixtures';

/** Throws what a provider throws: a `RollcallFailure` with this code. */
export function failure(code: ErrorCode, message?: string): RollcallFailure {
  return new RollcallFailure(rollcallError(code, message));
}

/** A promise the test settles by hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Waits until `check` holds, polling: a bound on a hang (30 s by default),
 * never an expectation of speed.
 */
export async function eventually(
  check: () => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** What a rejected promise was rejected with, as the `RollcallError` it carries. */
export async function rejection(promise: Promise<unknown>): Promise<RollcallFailure['error']> {
  try {
    await promise;
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown.error;
    throw new Error(`rejected with something other than a RollcallFailure: ${String(thrown)}`, {
      cause: thrown,
    });
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** An `emit` that keeps every event, in order. */
interface EventLog {
  emit: Emit;
  all: { event: EventName; payload: unknown }[];
  of<E extends EventName>(event: E): PayloadOf<E>[];
}

function recordEvents(): EventLog {
  const all: EventLog['all'] = [];
  return {
    all,
    emit: (event, payload) => {
      all.push({ event, payload });
    },
    of: <E extends EventName>(event: E) =>
      all.filter((e) => e.event === event).map((e) => e.payload as PayloadOf<E>),
  };
}

/** The real small collaborators every service is built from, over a fresh cache. */
export interface World {
  clock: ReturnType<typeof testClock>;
  now: () => number;
  cache: OpenedDatabase & { dir: string };
  secrets: MemorySecretStore;
  avatars: AvatarStore;
  connections: ConnectionsRepo;
  users: UsersRepo;
  meta: MetaRepo;
  reachability: ReachabilityTracker;
  /** Connection IDs the tracker said changed, in order. */
  reachabilityChanges: string[];
  access: ConnectionAccess;
  contexts: ProviderContexts;
  events: EventLog;
  close(): void;
}

export function openWorld(): World {
  const clock = testClock();
  const now = clock.now;
  const cache = openTestCache({ now });
  const secrets = createMemorySecretStore();
  const avatars = createAvatarStore(cache, { userDataDir: cache.dir, now, log: silentLogger });
  const connections = createConnectionsRepo(cache, { secrets, now, avatars, log: silentLogger });
  const users = createUsersRepo(cache, { now, log: silentLogger });
  const meta = createMetaRepo(cache, { now });
  const reachabilityChanges: string[] = [];
  const reachability = createReachabilityTracker(now, (id) => reachabilityChanges.push(id));
  return {
    clock,
    now,
    cache,
    secrets,
    avatars,
    connections,
    users,
    meta,
    reachability,
    reachabilityChanges,
    access: createConnectionAccess({ connections, reachability }),
    contexts: createProviderContexts(meta),
    events: recordEvents(),
    close: () => cache.close(),
  };
}

/** Saves a live Zulip connection with a key in the (in-memory) keychain. */
export function saveZulip(
  world: World,
  options: { id?: string; label?: string; baseUrl?: string; secret?: string } = {},
): Promise<StoredConnection> {
  return world.connections.save({
    id: options.id ?? 'conn-z',
    kind: 'zulip',
    label: options.label ?? 'Acme Chat',
    baseUrl: options.baseUrl ?? 'https://chat.example.com',
    loginEmail: 'admin@example.com',
    secret: options.secret ?? 'zulip-key-123456',
  });
}

/** Saves a live Open WebUI connection with a key. */
export function saveOpenWebUI(
  world: World,
  options: { id?: string; label?: string; baseUrl?: string; secret?: string } = {},
): Promise<StoredConnection> {
  return world.connections.save({
    id: options.id ?? 'conn-o',
    kind: 'openwebui',
    label: options.label ?? 'Acme AI',
    baseUrl: options.baseUrl ?? 'https://ai.example.com',
    secret: options.secret ?? 'owui-key-123456',
  });
}

/** Saves the demo Zulip connection (no key, no server). */
export function saveDemoZulip(world: World): Promise<StoredConnection> {
  return world.connections.save({
    id: 'demo-zulip',
    kind: 'zulip',
    label: 'Demo · Acme Chat (Zulip)',
    baseUrl: 'https://chat.acme.demo.invalid',
    demo: true,
  });
}

/** A Zulip context stamped `fetchedAt`, with the given field definitions. */
export function zulipContext(
  fetchedAt: number,
  profileFields: ProfileFieldDefinition[] = [],
): ZulipContext {
  return { kind: 'zulip', fetchedAt, profileFields, groupNames: null, groupIdsByUser: null };
}

/** An Open WebUI context stamped `fetchedAt`. */
export function openWebUIContext(
  fetchedAt: number,
  groupNames: Record<string, string> = {},
): OpenWebUIContext {
  return { kind: 'openwebui', fetchedAt, groupNames };
}

/** A short-text profile field definition. */
export function fieldDefinition(id: string, name: string, order: number): ProfileFieldDefinition {
  return {
    id,
    name,
    type: 'short_text',
    typeCode: 1,
    hint: '',
    order,
    displayInSummary: true,
    required: false,
    choices: [],
    externalAccount: null,
  };
}

/** A user as a provider hands it: the normalized user and a raw payload. */
export function fetched(
  connectionId: string,
  userId: string,
  overrides: Partial<DirectoryUser> = {},
  raw: JsonValue = { id: userId },
): FetchedUser {
  return { user: makeUser({ connectionId, userId, ...overrides }), raw };
}

/** One page of a directory fetch. */
export function page(
  users: FetchedUser[],
  done: number,
  total: number | null,
  context: ProviderContext,
  unreadable: DirectoryPage['unreadable'] = { count: 0, firstReason: null, ids: [] },
): DirectoryPage {
  return { users, done, total, context, unreadable };
}

/** What a stand-in provider was asked, in order. */
interface ProviderCalls {
  fetchUser: { session: ProviderSession; ref: UserRef; context: ProviderContext | null }[];
  fetchDirectory: { session: ProviderSession; options: CallOptions }[];
  testConnection: ProviderSession[];
  fetchAvatar: { session: ProviderSession; user: DirectoryUser }[];
  applyAction: { session: ProviderSession; current: FetchedUser; action: ActionSpec }[];
}

/** What a stand-in provider answers; anything left out fails the test if called. */
export interface StandInAnswers {
  fetchUser?: (
    session: ProviderSession,
    ref: UserRef,
    context: ProviderContext | null,
  ) => Promise<FetchedUser & { context: ProviderContext }>;
  fetchDirectory?: (
    session: ProviderSession,
    options: CallOptions,
  ) => AsyncGenerator<DirectoryPage, void, void>;
  testConnection?: (session: ProviderSession) => Promise<KeyOwner>;
  fetchAvatar?: (
    session: ProviderSession,
    user: DirectoryUser,
  ) => Promise<{ contentType: string; bytes: Uint8Array }>;
  applyAction?: (
    session: ProviderSession,
    current: FetchedUser,
    action: ActionSpec,
  ) => Promise<void>;
}

export type StandInProvider = Provider & { calls: ProviderCalls };

function unexpected(what: string): never {
  throw new Error(`the stand-in provider was not expected to ${what}`);
}

/**
 * A provider of one kind whose answers the test writes. It parses references
 * with the real parsers (that is part of its contract) and records each call.
 */
export function standInProvider(
  kind: ConnectionKind,
  answers: StandInAnswers = {},
): StandInProvider {
  const calls: ProviderCalls = {
    fetchUser: [],
    fetchDirectory: [],
    testConnection: [],
    fetchAvatar: [],
    applyAction: [],
  };
  return {
    kind,
    calls,
    parseRef: (ref) => (kind === 'zulip' ? parseZulipUserRef(ref) : parseOpenWebUIUserRef(ref)),
    // Which pictures take the key is the real rule too.
    avatarTakesKey: (baseUrl, avatar) =>
      avatarTakesKey(
        avatar,
        baseUrl,
        kind === 'zulip' ? ZULIP_AVATAR_PATHS : OPENWEBUI_AVATAR_PATHS,
      ),
    async fetchUser(session, ref, options) {
      const context = options?.context ?? null;
      calls.fetchUser.push({ session, ref, context });
      return answers.fetchUser
        ? answers.fetchUser(session, ref, context)
        : unexpected('fetch a user');
    },
    fetchDirectory(session, options = {}) {
      calls.fetchDirectory.push({ session, options });
      return answers.fetchDirectory
        ? answers.fetchDirectory(session, options)
        : unexpected('fetch a directory');
    },
    async testConnection(session) {
      calls.testConnection.push(session);
      return answers.testConnection
        ? answers.testConnection(session)
        : unexpected('test a connection');
    },
    async fetchAvatar(session, user) {
      calls.fetchAvatar.push({ session, user });
      return answers.fetchAvatar
        ? answers.fetchAvatar(session, user)
        : unexpected('fetch a picture');
    },
    async applyAction(session, current, action) {
      calls.applyAction.push({ session, current, action });
      return answers.applyAction
        ? answers.applyAction(session, current, action)
        : unexpected('act on a user');
    },
  };
}

/** Both kinds, as services take them; the other kind refuses every call. */
export function providersWith(provider: StandInProvider): Record<ConnectionKind, Provider> {
  const other = standInProvider(provider.kind === 'zulip' ? 'openwebui' : 'zulip');
  return provider.kind === 'zulip'
    ? { zulip: provider, openwebui: other }
    : { zulip: other, openwebui: provider };
}

/** A key owner as a connection test reports it. */
export function keyOwner(): KeyOwner {
  return {
    userId: '8',
    name: 'Iago Admin',
    email: 'admin@example.com',
    role: 'administrator',
  };
}
