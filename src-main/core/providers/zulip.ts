/**
 * The Zulip provider: the requests behind get one (`/users/{id}` or
 * `/users/{email}`, then its presence), get all (`/users` with
 * `/realm/presence`), the context both read users against
 * (`/realm/profile_fields`, `/user_groups`), the connection test
 * (`/users/me`) and avatars. Reading the answers is in zulip-user.ts,
 * zulip-fields.ts and zulip-wire.ts; the error wording in zulip-errors.ts.
 * Facts the OpenAPI description leaves out are in shared/specs/README.md.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure, type RollcallError } from '@shared/errors';
import type { KeyOwner, Presence } from '@shared/model';
import { capText } from '@shared/text-caps';
import { avatarTakesKey, fetchAvatar, PATH_SEGMENT, type AvatarPaths } from '../net/avatar-fetch';
import {
  DIRECTORY_MAX_BYTES,
  LIST_MAX_BYTES,
  type Credentials,
  type HttpClient,
  type HttpErrorInfo,
} from '../net/http';
import {
  describeRef,
  parseZulipUserRef,
  type UserRef,
  type ZulipUserRef,
} from '@shared/server-url';
import {
  apiUrl,
  bestEffort,
  checkAnsweredUser,
  checkSession,
  interactive,
  throwIfCancelled,
  unreadableTally,
  type UnreadableTally,
} from './common';
import { yieldToEventLoop } from '../event-loop';
import { badUser, field, isObject, nonEmpty, str, type JsonObject } from './json';
import type {
  CallOptions,
  DirectoryOptions,
  DirectoryPage,
  FetchedUser,
  KnownMember,
  Provider,
  ProviderContext,
  ProviderSession,
  ZulipContext,
} from './types';
import {
  describeZulipError,
  ZULIP_PRODUCT,
  ZULIP_URL_HINT,
  zulipSuccessBody,
} from './zulip-errors';
import { wrongProductError } from './wrong-product';
import { applyZulipAction } from './zulip-actions';
import { normalizeZulipProfileFields } from './zulip-fields';
import { asZulipContext, normalizeZulipUser, zulipMemberSource, zulipUserIdOf } from './zulip-user';
import { SLICE_MS, zulipGroupsInSlices, zulipPresenceOf, zulipRoleOf } from './zulip-wire';

/**
 * Where Zulip keeps pictures, below the server URL: uploaded avatars under
 * `/user_avatars/` and the `/avatar/{id or email}` route (with `/medium`),
 * which redirects to one. Only these get the key.
 */
export const ZULIP_AVATAR_PATHS: AvatarPaths = [
  new RegExp(`^/user_avatars(?:/${PATH_SEGMENT})+$`),
  new RegExp(`^/avatar/${PATH_SEGMENT}(?:/medium)?$`),
];

/** How long a cached context is trusted for a single lookup. */
const DEFAULT_CONTEXT_MAX_AGE_MS = 15 * 60 * 1000;

/**
 * The timeout covers the body too, so answers that hold a whole large
 * organization get longer than the client's 15 s: 60 MB (100 000 users)
 * takes 50 s at 10 Mbit/s.
 */
const LIST_TIMEOUT_MS = 60_000;
const DIRECTORY_TIMEOUT_MS = 180_000;

/** Users normalized per batch of a directory fetch. */
const BATCH = 2000;

const USER_QUERY = { client_gravatar: 'true', include_custom_profile_fields: 'true' };

/** What the Zulip provider is built from. */
export interface ZulipProviderDeps {
  http: HttpClient;
  now?: () => number;
  /** A cached context older than this is refreshed on a lookup. */
  contextMaxAgeMs?: number;
}

/** What a request needs of a connection. */
type ZulipSession = { baseUrl: string; loginEmail: string | null; secret: string };

/** One GET of the Zulip API, with what it may override. */
interface GetOptions extends CallOptions {
  query?: Record<string, string>;
  maxBytes?: number;
  timeoutMs?: number;
  ref?: ZulipUserRef;
  describe?: (info: HttpErrorInfo) => RollcallError | undefined;
}

/** A GET of `/api/v1{path}` that returns the body of Zulip's success envelope. */
type ZulipGet = (
  session: ZulipSession,
  path: string,
  options: GetOptions,
) => Promise<{ body: JsonObject; url: string }>;

/** What one provider's requests share. */
interface ZulipCalls {
  get: ZulipGet;
  now: () => number;
  /** A cached context older than this is refreshed on a lookup. */
  maxAge: number;
}

function credentialsOf(session: { loginEmail: string | null; secret: string }): Credentials {
  return { kind: 'basic', username: session.loginEmail ?? '', password: session.secret };
}

/** The page path a Zulip connection test asks for: whoever answers it says which product it is. */
const WHO_AM_I = '/users/me';

/**
 * Which product answered, when a request got a web page: Open WebUI serves
 * its web app for every path it does not know (`/realm/profile_fields`,
 * `/users`), so a sync or lookup of a Zulip connection pointed at it read
 * "answered with a web page". Its API's `/users/me` answers in Open WebUI's
 * own error shape, as the connection test finds; that error (the other
 * product, on the kind) is returned, or null when nothing more is known.
 */
async function otherProductAnswer(
  http: HttpClient,
  session: ZulipSession,
  options: GetOptions,
): Promise<RollcallFailure | null> {
  try {
    await http.getJson({
      url: apiUrl(session.baseUrl, `/api/v1${WHO_AM_I}`),
      credentials: credentialsOf(session),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      describeError: (info) => wrongProductError('zulip', info),
    });
  } catch (thrown) {
    if (thrown instanceof RollcallFailure && thrown.error.field === 'kind') return thrown;
  }
  return null;
}

function zulipGet(http: HttpClient): ZulipGet {
  return async (session, path, options) => {
    let res: Awaited<ReturnType<HttpClient['getJson']>>;
    try {
      res = await http.getJson({
        url: apiUrl(session.baseUrl, `/api/v1${path}`, options.query),
        credentials: credentialsOf(session),
        signal: options.signal,
        onWait: options.onWait,
        waitBudget: options.waitBudget,
        maxBytes: options.maxBytes,
        timeoutMs: options.timeoutMs,
        urlHint: ZULIP_URL_HINT,
        describeError: (info) =>
          wrongProductError('zulip', info) ??
          options.describe?.(info) ??
          describeZulipError(info, options.ref),
      });
    } catch (thrown) {
      const page =
        thrown instanceof RollcallFailure &&
        thrown.error.code === 'NOT_AN_API' &&
        thrown.error.field !== 'kind';
      if (page && path !== WHO_AM_I)
        throw (await otherProductAnswer(http, session, options)) ?? thrown;
      throw thrown;
    }
    return { body: zulipSuccessBody(res.json, res.url), url: res.url };
  };
}

async function loadContext(
  calls: ZulipCalls,
  session: ZulipSession,
  options: CallOptions,
): Promise<ZulipContext> {
  const { get, now } = calls;
  const definitions = await bestEffort(() => get(session, '/realm/profile_fields', options));
  throwIfCancelled(options.signal);
  const groups = await bestEffort(() =>
    get(session, '/user_groups', {
      ...options,
      maxBytes: LIST_MAX_BYTES,
      timeoutMs: LIST_TIMEOUT_MS,
    }),
  );
  return {
    kind: 'zulip',
    fetchedAt: now(),
    profileFields: definitions ? normalizeZulipProfileFields(definitions.body) : [],
    ...(groups
      ? await zulipGroupsInSlices(groups.body)
      : { groupNames: null, groupIdsByUser: null }),
  };
}

/** One user by ID or email, with its presence and a context fresh enough for its fields. */
async function fetchUser(
  calls: ZulipCalls,
  session: ProviderSession,
  ref: UserRef,
  options: CallOptions & { context?: ProviderContext | null },
): Promise<FetchedUser & { context: ProviderContext }> {
  const { get, now, maxAge } = calls;
  checkSession(session, true);
  if (ref.kind !== 'zulip-id' && ref.kind !== 'zulip-email') {
    throw new RollcallFailure(
      rollcallError(
        'INVALID_INPUT',
        `A Zulip connection cannot look up ${describeRef(ref as UserRef)}.`,
        { field: 'ref' },
      ),
    );
  }
  const segment = ref.kind === 'zulip-id' ? String(ref.userId) : encodeURIComponent(ref.email);
  const { body } = await get(session, `/users/${segment}`, {
    ...options,
    query: USER_QUERY,
    ref,
  });
  const raw = field(body, 'user');
  if (!isObject(raw)) badUser(ZULIP_PRODUCT, 'the answer has no user');
  const id = zulipUserIdOf(raw);
  checkAnsweredUser(ref, {
    userId: String(id),
    emails: [nonEmpty(field(raw, 'email')), nonEmpty(field(raw, 'delivery_email'))],
  });

  // The context: reuse a fresh one that knows every field this user has.
  let context = asZulipContext(options.context ?? null);
  const data = field(raw, 'profile_data');
  const known = new Set(context?.profileFields.map((f) => f.id));
  const unknownField = isObject(data) && Object.keys(data).some((k) => !known.has(k));
  if (context === null || now() - context.fetchedAt > maxAge || unknownField) {
    try {
      context = await loadContext(calls, session, options);
    } catch (error) {
      if (
        context === null ||
        (error instanceof RollcallFailure && error.error.code === 'CANCELLED')
      )
        throw error;
      // Keep the stale context: the user was fetched, the extras can wait.
    }
  }

  let presence: Presence | null = null;
  if (field(raw, 'is_bot') !== true && field(raw, 'is_active') !== false) {
    const answer = await bestEffort(() => get(session, `/users/${id}/presence`, options));
    presence = answer ? zulipPresenceOf(field(answer.body, 'presence')) : null;
  }
  const user = normalizeZulipUser(raw, {
    connectionId: session.connectionId,
    baseUrl: session.baseUrl,
    context,
    presence,
  });
  return { user, raw, context: context as ZulipContext };
}

/** When a long CPU pass should yield, and the yield itself (which also checks for cancel). */
interface Slices {
  due(): boolean;
  pause(): Promise<void>;
}

/**
 * Slices of at most `SLICE_MS`: with 100 000 members every pass of a
 * directory fetch yields every few milliseconds, so the event loop
 * (Electron's main process) keeps turning.
 */
function slicesOf(signal: AbortSignal | undefined): Slices {
  let sliceStart = performance.now();
  return {
    due: () => performance.now() - sliceStart >= SLICE_MS,
    async pause() {
      await yieldToEventLoop();
      throwIfCancelled(signal);
      sliceStart = performance.now();
    },
  };
}

/**
 * The list's members, each user once (first wins); a member without a valid
 * user_id is skipped and counted, so the rest of the directory still syncs.
 */
async function uniqueMembers(
  members: unknown[],
  slices: Slices,
  unreadable: UnreadableTally,
): Promise<JsonObject[]> {
  const seen = new Set<number>();
  const unique: JsonObject[] = [];
  for (const m of members) {
    let id: number;
    try {
      id = zulipUserIdOf(m);
    } catch (thrown) {
      unreadable.add(thrown, m, 'user_id');
      continue;
    }
    if (!seen.has(id)) {
      seen.add(id);
      unique.push(m as JsonObject);
    }
    if (slices.due()) await slices.pause();
  }
  return unique;
}

/** The whole organization: context, presence, then every user, in batches of `BATCH`. */
async function* fetchDirectory(
  calls: ZulipCalls,
  session: ProviderSession,
  options: DirectoryOptions,
): AsyncGenerator<DirectoryPage, void, void> {
  const { get } = calls;
  checkSession(session, true);
  const context = await loadContext(calls, session, options);
  throwIfCancelled(options.signal);
  const presenceAnswer = await bestEffort(() =>
    get(session, '/realm/presence', {
      ...options,
      maxBytes: LIST_MAX_BYTES,
      timeoutMs: LIST_TIMEOUT_MS,
    }),
  );
  const presences = presenceAnswer ? field(presenceAnswer.body, 'presences') : undefined;
  throwIfCancelled(options.signal);
  const { body } = await get(session, '/users', {
    ...options,
    query: USER_QUERY,
    maxBytes: DIRECTORY_MAX_BYTES,
    timeoutMs: DIRECTORY_TIMEOUT_MS,
  });
  const members = field(body, 'members');
  if (!Array.isArray(members)) badUser(ZULIP_PRODUCT, 'the user list has no members');

  const slices = slicesOf(options.signal);
  const unreadable = unreadableTally();
  const unique = await uniqueMembers(members, slices, unreadable);
  const total = unique.length;
  if (total === 0) {
    yield { users: [], done: 0, total, context, unreadable: unreadable.snapshot() };
    return;
  }
  const knownSources = options.knownSources;
  let done = 0;
  let users: FetchedUser[] = [];
  let known: KnownMember[] = [];
  for (const [index, raw] of unique.entries()) {
    const email = str(field(raw, 'email'));
    const presence =
      isObject(presences) && email !== null ? zulipPresenceOf(field(presences, email)) : null;
    const env = { connectionId: session.connectionId, baseUrl: session.baseUrl, context, presence };
    // In a sync: a member whose digest the cache holds is not normalized.
    const member = knownSources ? zulipMemberSource(raw, env) : undefined;
    const userId = member === undefined ? '' : String(zulipUserIdOf(raw));
    if (member !== undefined && knownSources?.get(userId) === member.digest) {
      // Its payload's JSON is not kept: most of a re-sync's members are
      // known, and deriving one again is rare (its row changed meanwhile).
      const source = member.digest;
      known.push({
        userId,
        source,
        position: users.length + known.length,
        derive: () => ({ user: normalizeZulipUser(raw, env), raw, source }),
      });
    } else {
      try {
        const user = normalizeZulipUser(raw, env);
        users.push(
          member === undefined
            ? { user, raw }
            : { user, raw, source: member.digest, payload: member.payload },
        );
      } catch (thrown) {
        // One member the normalizer cannot read must not fail the whole sync.
        unreadable.add(thrown, raw, 'user_id');
      }
    }
    const last = index === unique.length - 1;
    if (users.length + known.length === BATCH || last) {
      done += users.length + known.length;
      const page: DirectoryPage = {
        users,
        ...(knownSources ? { known } : {}),
        done,
        total,
        context,
        unreadable: unreadable.snapshot(),
      };
      users = [];
      known = [];
      yield page;
      if (last) break;
      await slices.pause();
    } else if (slices.due()) {
      await slices.pause();
    }
  }
}

/** Whose key this is (`/users/me`), and the server URL that answered. */
async function testConnection(
  calls: ZulipCalls,
  session: ProviderSession,
  options: CallOptions,
): Promise<KeyOwner> {
  const { get } = calls;
  checkSession(session, true);
  const { body } = await get(session, WHO_AM_I, {
    ...options,
    describe: (info) =>
      info.status === 404 && !info.credentialsDropped
        ? rollcallError('NOT_AN_API', `There is no Zulip API at ${info.url}. ${ZULIP_URL_HINT}`, {
            status: 404,
            url: info.url,
          })
        : undefined,
  });
  const id = zulipUserIdOf(body);
  const found = nonEmpty(field(body, 'delivery_email')) ?? nonEmpty(field(body, 'email'));
  const email = found === null ? null : capText(found, 'email');
  const report: KeyOwner = {
    userId: String(id),
    name: capText(nonEmpty(field(body, 'full_name')) ?? email ?? `User ${id}`, 'name'),
    email,
    role: zulipRoleOf(body),
  };
  return report;
}

/** Builds the Zulip provider over an HTTP client. */
export function createZulipProvider(deps: ZulipProviderDeps): Provider {
  const { http } = deps;
  const calls: ZulipCalls = {
    get: zulipGet(http),
    now: deps.now ?? Date.now,
    maxAge: deps.contextMaxAgeMs ?? DEFAULT_CONTEXT_MAX_AGE_MS,
  };

  return {
    kind: 'zulip',

    parseRef: (ref) => parseZulipUserRef(ref),

    fetchUser: (session, ref, options = {}) => fetchUser(calls, session, ref, interactive(options)),

    fetchDirectory: (session, options = {}) => fetchDirectory(calls, session, options),
    directoryInOneAnswer: true,

    testConnection: (session, options = {}) => testConnection(calls, session, interactive(options)),
    applyAction: (session, current, action, options = {}) =>
      applyZulipAction({ http, credentials: credentialsOf }, session, current, action, options),

    avatarTakesKey: (baseUrl, avatar) => avatarTakesKey(avatar, baseUrl, ZULIP_AVATAR_PATHS),
    async fetchAvatar(session, user, options = {}) {
      // Only the server's own picture paths get the key: other pictures and
      // data: URLs are fetched (or decoded) without it, from a session that
      // may not hold it (the keychain was not read for them).
      const keyed = avatarTakesKey(user.avatar, session.baseUrl, ZULIP_AVATAR_PATHS);
      if (keyed) checkSession(session, true);
      return fetchAvatar(user.avatar, {
        http,
        baseUrl: session.baseUrl,
        avatarPaths: ZULIP_AVATAR_PATHS,
        credentials: keyed ? credentialsOf(session) : null,
        signal: options.signal,
        waitBudget: interactive(options).waitBudget,
      });
    },
  };
}
