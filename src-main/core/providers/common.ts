/**
 * What both providers do the same way: checking a session, and refusing
 * an action on an unusable user ID or an unknown role, before any request; treating optional extras (presence, groups) as best-effort, and
 * handing large lists out in batches without holding the event loop.
 *
 * Node only; never imports `electron`.
 */
import { fail, RollcallFailure, type ErrorCode } from '@shared/errors';
import type { Credentials, HttpClient } from '../net/http';
import { interactiveWaitBudget } from '../net/rate-limit';
import { describeRef, type UserRef } from '@shared/server-url';
import { field, isObject, UnreadableUser } from './json';
import type { CallOptions, ProviderSession, UnreadableMembers } from './types';

/** Failures that mean "this extra is not available here", not "the server is in trouble". */
const UNAVAILABLE: ReadonlySet<ErrorCode> = new Set([
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_INPUT',
  'BAD_RESPONSE',
  'NOT_AN_API',
]);

/**
 * Runs an optional request: its "not available" failures become null, so
 * users are still returned; anything else (offline, cancelled, rate
 * limited after retries) propagates.
 */
export async function bestEffort<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RollcallFailure && UNAVAILABLE.has(error.error.code)) return null;
    throw error;
  }
}

/** Checks what every request needs, before any is made. */
export function checkSession(session: ProviderSession, needsEmail: boolean): void {
  if (typeof session.secret !== 'string' || session.secret.trim() === '') {
    fail('INVALID_INPUT', 'This connection has no API key. Edit the connection and enter one.', {
      field: 'secret',
    });
  }
  if (needsEmail && (typeof session.loginEmail !== 'string' || !session.loginEmail.includes('@'))) {
    fail(
      'INVALID_INPUT',
      'Zulip logs in with the email address of the account the API key belongs to. Enter it in the connection.',
      { field: 'loginEmail' },
    );
  }
  if (typeof session.baseUrl !== 'string' || !/^https?:\/\//.test(session.baseUrl)) {
    fail('INVALID_INPUT', 'This connection has no valid server URL.', { field: 'baseUrl' });
  }
}

/** What the write calls are made with: the reads' client and their credentials. */
export interface ActionDeps {
  http: HttpClient;
  credentials: (session: ProviderSession) => Credentials;
}

/**
 * Refuses, before any request, an action on a user whose ID the product's
 * write paths cannot take (`what` names it, e.g. "Zulip user ID"): a
 * cached ID is the server's string and must never become another path.
 */
export function requireActionableId(
  user: { userId: string; name: string },
  valid: (id: string) => boolean,
  what: string,
): void {
  if (!valid(user.userId)) {
    fail('INVALID_INPUT', `“${user.name}” has no ${what} Rollcall can act on.`, {
      field: 'userId',
    });
  }
}

/**
 * The action's role as one of the product's `roles`, or INVALID_INPUT in
 * words before any request: a role the product does not have is never
 * sent for the server to guess at.
 */
export function requireProductRole<R extends string>(
  role: string,
  roles: readonly R[],
  product: string,
): R {
  const found = roles.find((r) => r === role);
  if (found === undefined) {
    const listed = `${roles.slice(0, -1).join(', ')} and ${roles.at(-1) ?? ''}`;
    fail('INVALID_INPUT', `${product} has no role “${role}”; its roles are ${listed}.`, {
      field: 'role',
    });
  }
  return found;
}

/** Joins the base URL and an API path that starts with a slash. */
export function apiUrl(baseUrl: string, path: string, query?: Record<string, string>): string {
  const q = query ? `?${new URLSearchParams(query).toString()}` : '';
  return `${baseUrl.replace(/\/+$/, '')}${path}${q}`;
}

/** Throws CANCELLED if the signal has fired; used between steps of a long fetch. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) fail('CANCELLED');
}

/**
 * The options of a call someone waits on (a lookup, a test, a picture): its
 * rate-limit waits share one budget, `INTERACTIVE_WAIT_SECONDS` unless given.
 */
export function interactive<T extends CallOptions>(options: T): T {
  return options.waitBudget ? options : { ...options, waitBudget: interactiveWaitBudget() };
}

/** IDs of skipped members remembered per sync, at most: enough for any real directory. */
const MAX_UNREADABLE_IDS = 100_000;

/** Counts the members a directory fetch skips, and what they were. */
export interface UnreadableTally {
  /**
   * Records one skipped member: the failure that skipped it (its reason, if
   * a normalizer gave one) and, under `idKey`, whatever ID it carries.
   */
  add(thrown: unknown, raw: unknown, idKey: string): void;
  /** A copy of the counts so far, for a page. */
  snapshot(): UnreadableMembers;
}

/** A fresh tally of skipped members. */
export function unreadableTally(): UnreadableTally {
  let count = 0;
  let firstReason: string | null = null;
  const ids = new Set<string>();
  return {
    add(thrown, raw, idKey) {
      count++;
      firstReason ??=
        thrown instanceof UnreadableUser
          ? thrown.reason
          : thrown instanceof RollcallFailure
            ? thrown.error.message
            : 'Rollcall failed to read it';
      const id = isObject(raw) ? field(raw, idKey) : undefined;
      const text =
        typeof id === 'number' && Number.isFinite(id)
          ? String(id)
          : typeof id === 'string' && id.length <= 200
            ? id.trim()
            : '';
      if (text !== '' && ids.size < MAX_UNREADABLE_IDS) ids.add(text);
    },
    snapshot: () => ({ count, firstReason, ids: [...ids] }),
  };
}

/**
 * Fails unless the server answered a lookup with the user it asked for:
 * the same ID, or an email of theirs (API or real, any case). A shared
 * chat's owner is whoever the server says. BAD_RESPONSE, before anything
 * is cached under either ID.
 */
export function checkAnsweredUser(
  ref: UserRef,
  answered: { userId: string; emails: readonly (string | null)[] },
): void {
  let asked: string;
  switch (ref.kind) {
    case 'zulip-id':
    case 'openwebui-id':
      if (answered.userId === String(ref.userId)) return;
      asked = `user ${ref.userId}`;
      break;
    case 'zulip-email':
    case 'openwebui-email': {
      const wanted = ref.email.toLowerCase();
      if (answered.emails.some((e) => e !== null && e.toLowerCase() === wanted)) return;
      asked = describeRef(ref);
      break;
    }
    case 'openwebui-shared-chat':
      return;
  }
  fail(
    'BAD_RESPONSE',
    `The server answered with user ${answered.userId} when asked for ${asked}. Nothing was saved; check the server or any proxy in front of it.`,
  );
}
