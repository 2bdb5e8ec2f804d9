/**
 * Open WebUI: users by id (or the owner of a shared chat), the directory
 * page by page, groups for the list's bare `group_ids`, and the admin check
 * of a connection test; the normalizer is in openwebui-user.ts. The traps are in shared/specs/README.md: unknown paths
 * answer 200 with the web app's HTML, non-admins get 401 (not 403), and
 * timestamps are seconds. The error wording is in openwebui-errors.ts.
 *
 * Node only; never imports `electron`.
 */
import { setMaxListeners } from 'node:events';
import { dictionary } from '@shared/dictionary';
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { DirectoryUser, KeyOwner } from '@shared/model';
import { capText } from '@shared/text-caps';
import { avatarTakesKey, fetchAvatar, PATH_SEGMENT, type AvatarPaths } from '../net/avatar-fetch';
import { LIST_MAX_BYTES, type Credentials, type HttpClient, type JsonResponse } from '../net/http';
import {
  describeRef,
  parseOpenWebUIUserRef,
  type OpenWebUIUserRef,
  type UserRef,
} from '../../shared/server-url';
import {
  apiUrl,
  bestEffort,
  checkAnsweredUser,
  checkSession,
  interactive,
  throwIfCancelled,
  unreadableTally,
} from './common';
import { yieldToEventLoop } from '../event-loop';
import { badUser, field, isObject, nonEmpty, str, type JsonObject } from './json';
import type {
  CallOptions,
  DirectoryOptions,
  DirectoryPage,
  FetchedUser,
  KnownMember,
  OpenWebUIContext,
  Provider,
  ProviderContext,
  ProviderSession,
} from './types';
import {
  describeOpenWebUIError,
  OPENWEBUI_NON_ADMIN,
  OPENWEBUI_URL_HINT,
} from './openwebui-errors';
import { findOpenWebUIIdByEmail, readListPage } from './openwebui-list';
import {
  asOpenWebUIContext,
  normalizeOpenWebUIUser,
  openWebUIGroupNames,
  openWebUIMemberSource,
  openWebUIUserIdOf,
  PRODUCT,
} from './openwebui-user';
import { wrongProductError } from './wrong-product';
import { applyOpenWebUIAction } from './openwebui-actions';

/**
 * Where Open WebUI keeps pictures, below the server URL: a user's image
 * route and the default picture. Only these get the bearer key.
 */
export const OPENWEBUI_AVATAR_PATHS: AvatarPaths = [
  new RegExp(`^/api/v1/users/${PATH_SEGMENT}/profile/image$`),
  /^\/user\.png$/,
];

// ---------------------------------------------------------------------------
// The provider

/** What the Open WebUI provider is built from. */
export interface OpenWebUIProviderDeps {
  http: HttpClient;
  now?: () => number;
  /**
   * List pages asked for ahead of the one being read (default
   * `PAGE_CONCURRENCY`, all of them in flight). More only where the fetch
   * holds back the rest: the sync worker's relay sends six at a time.
   */
  pageReadAhead?: number;
}

/**
 * List pages fetched at once. Pages hold 30 users, so 100 000 users are
 * 3 334 requests: one after another they took 8.6 s of round trips here.
 * A handful in flight hides the latency without crowding the server.
 */
export const PAGE_CONCURRENCY = 6;

function credentialsOf(session: { secret: string }): Credentials {
  return { kind: 'bearer', token: session.secret.trim() };
}

/** What a request needs of a connection. */
type OpenWebUISession = { baseUrl: string; secret: string };

/** One GET of the Open WebUI API, with what it may override. */
interface GetOptions extends CallOptions {
  query?: Record<string, string>;
  maxBytes?: number;
  ref?: OpenWebUIUserRef;
}

/** A GET of `path` with the key, its failures described in Open WebUI's words. */
type OpenWebUIGet = (
  session: OpenWebUISession,
  path: string,
  options: GetOptions,
) => Promise<JsonResponse>;

/** What one provider's requests share. */
interface OpenWebUICalls {
  get: OpenWebUIGet;
  now: () => number;
  /** List pages asked for ahead of the one being read, during a directory fetch. */
  readAhead: number;
}

function openWebUIGet(http: HttpClient): OpenWebUIGet {
  return (session, path, options) =>
    http.getJson({
      url: apiUrl(session.baseUrl, path, options.query),
      credentials: credentialsOf(session),
      signal: options.signal,
      onWait: options.onWait,
      waitBudget: options.waitBudget,
      maxBytes: options.maxBytes,
      urlHint: OPENWEBUI_URL_HINT,
      describeError: (info) =>
        wrongProductError('openwebui', info) ?? describeOpenWebUIError(info, options.ref),
    });
}

/** Group names for the list's bare `group_ids`; best-effort, so none when refused. */
async function loadContext(
  calls: OpenWebUICalls,
  session: OpenWebUISession,
  options: CallOptions,
): Promise<OpenWebUIContext> {
  const { get, now } = calls;
  const answer = await bestEffort(() => get(session, '/api/v1/groups/', options));
  return {
    kind: 'openwebui',
    fetchedAt: now(),
    groupNames: answer ? openWebUIGroupNames(answer.json) : dictionary<string>(),
  };
}

/** One user by id, by email (searched first) or by a chat they shared, with the groups it names folded into the context. */
async function fetchUser(
  calls: OpenWebUICalls,
  session: ProviderSession,
  ref: UserRef,
  options: CallOptions & { context?: ProviderContext | null },
): Promise<FetchedUser & { context: ProviderContext }> {
  const { get, now } = calls;
  checkSession(session, false);
  if (ref.kind === 'openwebui-email') {
    const search = (query: string) =>
      get(session, '/api/v1/users/', {
        ...options,
        query: { query, page: '1' },
        maxBytes: LIST_MAX_BYTES,
      });
    const userId = await findOpenWebUIIdByEmail(search, ref.email);
    const found = await fetchUser(calls, session, { kind: 'openwebui-id', userId }, options);
    checkAnsweredUser(ref, { userId: found.user.userId, emails: [found.user.email] });
    return found;
  }
  if (ref.kind !== 'openwebui-id' && ref.kind !== 'openwebui-shared-chat') {
    throw new RollcallFailure(
      rollcallError(
        'INVALID_INPUT',
        `An Open WebUI connection cannot look up ${describeRef(ref as UserRef)}.`,
        { field: 'ref' },
      ),
    );
  }
  const segment = ref.kind === 'openwebui-id' ? ref.userId : `shared-${ref.chatId}`;
  const res = await get(session, `/api/v1/users/${encodeURIComponent(segment)}`, {
    ...options,
    ref,
  });
  const raw = res.json;
  if (!isObject(raw)) badUser(PRODUCT, 'not an object');
  checkAnsweredUser(ref, { userId: openWebUIUserIdOf(raw), emails: [] });
  // The single-user answer names its groups; fold them into the context.
  const given = asOpenWebUIContext(options.context ?? null);
  const context: OpenWebUIContext = given ?? {
    kind: 'openwebui',
    fetchedAt: now(),
    groupNames: dictionary<string>(),
  };
  const groups = field(raw, 'groups');
  const learned = openWebUIGroupNames(groups);
  const merged: OpenWebUIContext =
    Object.keys(learned).length > 0
      ? {
          ...context,
          groupNames: Object.assign(dictionary<string>(), context.groupNames, learned),
        }
      : context;
  const user = normalizeOpenWebUIUser(raw, {
    connectionId: session.connectionId,
    baseUrl: session.baseUrl,
    context: merged,
  });
  return { user, raw, context: merged };
}

/** Every user, page by page (`?page=N`, oldest first), a few pages in flight at once. */
async function* fetchDirectory(
  calls: OpenWebUICalls,
  session: ProviderSession,
  options: DirectoryOptions,
): AsyncGenerator<DirectoryPage, void, void> {
  const { get, readAhead: depth } = calls;
  const knownSources = options.knownSources;
  checkSession(session, false);
  const context = await loadContext(calls, session, options);
  const seen = new Set<string>();
  const unreadable = unreadableTally();
  let total: number | null = null;
  let pageSize = 0;
  // Pages are fetched a few at a time but handed out in order; leaving
  // early (done, failed, cancelled) aborts the ones still in flight.
  const inFlight = new AbortController();
  // Each page in flight listens on this signal (its request and its
  // timer): more than Node's default ten, which it would warn about.
  setMaxListeners(Math.max(10, 4 * depth), inFlight.signal);
  const stopInFlight = (): void => inFlight.abort();
  options.signal?.addEventListener('abort', stopInFlight, { once: true });
  const requested = new Map<number, Promise<JsonResponse>>();
  const request = (page: number): Promise<JsonResponse> => {
    let pending = requested.get(page);
    if (!pending) {
      pending = get(session, '/api/v1/users/', {
        ...options,
        signal: inFlight.signal,
        query: { page: String(page), order_by: 'created_at', direction: 'asc' },
        maxBytes: LIST_MAX_BYTES,
      });
      // Awaited in order later; until then a failure must not go unhandled.
      pending.catch(() => {});
      requested.set(page, pending);
    }
    return pending;
  };
  // Once page 1 has told the total, read ahead up to the page that should
  // hold the last user; past it (users added mid-sync), or with no total
  // to go by, one page at a time.
  const readAhead = (from: number): void => {
    if (total === null || pageSize <= 0) return;
    const lastPlanned = Math.ceil(total / pageSize);
    for (let ahead = from; ahead < from + depth && ahead <= lastPlanned; ahead++) {
      request(ahead);
    }
  };
  try {
    for (let page = 1; ; page++) {
      throwIfCancelled(options.signal);
      readAhead(page);
      let res: JsonResponse;
      try {
        res = await request(page);
      } finally {
        requested.delete(page);
      }
      throwIfCancelled(options.signal);
      const { list, reported } = readListPage(res);
      if (reported !== null && reported >= 0) total = Math.floor(reported);
      if (page === 1) pageSize = list.length;
      // The next pages travel while this one is written.
      if (list.length > 0) readAhead(page + 1);

      const users: FetchedUser[] = [];
      const known: KnownMember[] = [];
      const skippedBefore = unreadable.snapshot().count;
      for (const raw of list) {
        const env = { connectionId: session.connectionId, baseUrl: session.baseUrl, context };
        // In a sync: a member whose digest the cache holds is not normalized.
        const member = knownSources && isObject(raw) ? openWebUIMemberSource(raw, env) : undefined;
        const id = member === undefined ? null : str(field(raw as JsonObject, 'id'));
        if (member !== undefined && id !== null && knownSources?.get(id) === member.digest) {
          if (seen.has(id)) continue;
          seen.add(id);
          // Its payload's JSON is not kept (see zulip.ts).
          const source = member.digest;
          const derive = (): FetchedUser => ({
            user: normalizeOpenWebUIUser(raw, env),
            raw: raw as JsonObject,
            source,
          });
          known.push({ userId: id, source, position: users.length + known.length, derive });
          continue;
        }
        let user: DirectoryUser;
        try {
          user = normalizeOpenWebUIUser(raw, env);
        } catch (thrown) {
          // One member the normalizer cannot read must not fail the whole sync.
          unreadable.add(thrown, raw, 'id');
          continue;
        }
        if (seen.has(user.userId)) continue;
        seen.add(user.userId);
        const fetched = { user, raw: raw as JsonObject };
        users.push(
          member === undefined
            ? fetched
            : { ...fetched, source: member.digest, payload: member.payload },
        );
      }
      const skipped = unreadable.snapshot();
      if (users.length + known.length > 0 || page === 1 || skipped.count > skippedBefore) {
        yield {
          users,
          ...(knownSources ? { known } : {}),
          done: seen.size,
          total,
          context,
          unreadable: skipped,
        };
      }
      // Done when the server has no more, when its total is reached, or
      // (a server without totals) when a page comes back short.
      if (list.length === 0) break;
      if (total !== null && seen.size + skipped.count >= total) break;
      if (total === null && list.length < pageSize) break;
      // Never page forever: users added mid-sync come last (oldest first), so
      // a few pages past the total are plenty.
      const limit = total !== null ? Math.ceil(total / Math.max(1, pageSize)) + 5 : 100_000;
      if (page >= limit) break;
      await yieldToEventLoop();
    }
  } finally {
    options.signal?.removeEventListener('abort', stopInFlight);
    stopInFlight();
  }
}

/** Whose key this is (`/api/v1/auths/`), refusing any but an admin's. */
async function testConnection(
  calls: OpenWebUICalls,
  session: ProviderSession,
  options: CallOptions,
): Promise<KeyOwner> {
  const { get } = calls;
  checkSession(session, false);
  const res = await get(session, '/api/v1/auths/', options);
  const body = res.json;
  if (!isObject(body)) badUser(PRODUCT, 'the key owner is not an object');
  const id = openWebUIUserIdOf(body);
  const role = str(field(body, 'role'));
  if (role === null) badUser(PRODUCT, 'the key owner has no role');
  const extra = { url: res.url };
  if (role === 'pending') {
    throw new RollcallFailure(
      rollcallError(
        'FORBIDDEN',
        'This key belongs to an account still pending approval; Rollcall needs an admin key.',
        extra,
      ),
    );
  }
  if (role !== 'admin')
    throw new RollcallFailure(rollcallError('FORBIDDEN', OPENWEBUI_NON_ADMIN, extra));
  const found = nonEmpty(field(body, 'email'));
  const email = found === null ? null : capText(found, 'email');
  const report: KeyOwner = {
    userId: id,
    name: capText(nonEmpty(field(body, 'name')) ?? email ?? id, 'name'),
    email,
    role: 'admin',
  };
  return report;
}

/** Builds the Open WebUI provider over an HTTP client. */
export function createOpenWebUIProvider(deps: OpenWebUIProviderDeps): Provider {
  const { http } = deps;
  const calls: OpenWebUICalls = {
    get: openWebUIGet(http),
    now: deps.now ?? Date.now,
    readAhead: Math.max(1, Math.floor(deps.pageReadAhead ?? PAGE_CONCURRENCY)),
  };

  return {
    kind: 'openwebui',

    parseRef: (ref) => parseOpenWebUIUserRef(ref),

    fetchUser: (session, ref, options = {}) => fetchUser(calls, session, ref, interactive(options)),

    fetchDirectory: (session, options = {}) => fetchDirectory(calls, session, options),

    testConnection: (session, options = {}) => testConnection(calls, session, interactive(options)),
    applyAction: (session, current, action, options = {}) =>
      applyOpenWebUIAction({ http, credentials: credentialsOf }, session, current, action, options),

    avatarTakesKey: (baseUrl, avatar) => avatarTakesKey(avatar, baseUrl, OPENWEBUI_AVATAR_PATHS),
    async fetchAvatar(session, user, options = {}) {
      // Only the server's own picture paths get the key: other pictures and
      // data: URLs are fetched (or decoded) without it, from a session that
      // may not hold it (the keychain was not read for them).
      const keyed = avatarTakesKey(user.avatar, session.baseUrl, OPENWEBUI_AVATAR_PATHS);
      if (keyed) checkSession(session, false);
      return fetchAvatar(user.avatar, {
        http,
        baseUrl: session.baseUrl,
        avatarPaths: OPENWEBUI_AVATAR_PATHS,
        credentials: keyed ? credentialsOf(session) : null,
        signal: options.signal,
        waitBudget: interactive(options).waitBudget,
      });
    },
  };
}
