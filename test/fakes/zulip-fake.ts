/**
 * A fake Zulip server: a real HTTP server on 127.0.0.1 serving a seeded
 * organization (src-main/core/services/synthetic/) with Zulip's real auth checks,
 * error bodies and status codes (shared/specs/README.md: 401 for a bad key,
 * 400 "No such user", 429 with a float Retry-After and X-RateLimit-*
 * headers), a switchable rate limit, the write endpoints of zulip-writes.ts
 * (role, deactivate, reactivate), and the broken modes of fake-http.ts.
 * Serialized bodies are cached, so 100 000 users are served at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AVATAR_COLOURS, colourIndexOf, syntheticPng } from '@core/services/synthetic/pictures';
import { mulberry32 } from '@core/services/synthetic/random';
import type { ZulipDirectory, ZulipWireUser } from '@core/services/synthetic/wire-shapes';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import { gravatarUrl } from '@core/providers/gravatar';
import {
  authorizationOf,
  sendBytes,
  sendHtml,
  sendJson,
  startFakeServer,
  type FakeControls,
} from './fake-http';
import { zulipWrite, type ZulipWriteState } from './zulip-writes';

/** One account that can log in: the API email and key to send. */
interface ZulipAccount {
  email: string;
  apiKey: string;
  userId: number;
}

/** How to start the fake Zulip. */
export interface ZulipFakeOptions {
  seed?: number;
  /** Users in the organization (bots included); up to 100 000. Default 60. */
  count?: number;
  port?: number;
  /** Use this directory instead of generating one. */
  directory?: ZulipDirectory;
  /** "Now" for presence (seconds offline etc.); defaults to the directory's. */
  now?: () => number;
  rateLimit?: RateLimit | null;
}

/** Zulip's rate limit: `limit` requests per `windowSeconds` per key. */
interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** A running fake Zulip: its URL, accounts, log and controls. */
export interface ZulipFake extends FakeControls {
  /** An administrator's credentials (the organization owner). */
  admin: ZulipAccount;
  /** A plain member's. */
  member: ZulipAccount;
  /** A guest's. */
  guest: ZulipAccount;
  /** A generic bot's. */
  bot: ZulipAccount;
  /** A deactivated user's (answers USER_DEACTIVATED). */
  deactivated: ZulipAccount;
  directory: ZulipDirectory;
  setRateLimit(limit: RateLimit | null): void;
  setRealmDeactivated(deactivated: boolean): void;
  /** Removes a user, as if they never existed (lookups answer "No such user"). */
  deleteUser(userId: number): void;
  renameUser(userId: number, fullName: string): void;
  deactivateUser(userId: number): void;
  /** Adds or replaces a member object as given. */
  putUser(user: ZulipWireUser): void;
  /** The directory was edited in place (presences, groups, fields): serve it anew. */
  changed(): void;
  userById(userId: number): ZulipWireUser | undefined;
  /**
   * "Lying 200": role changes, deactivations and reactivations answer
   * success and change nothing.
   */
  setLyingWrites(lying: boolean): void;
  /** The credentials of any user (an administrator's, a second owner's, ...). */
  accountFor(userId: number): ZulipAccount;
  /** Write requests and answers that did not match Zulip's OpenAPI description. */
  readonly writeViolations: string[];
}

const error = (code: string, msg: string): string => JSON.stringify({ result: 'error', msg, code });
const NO_SUCH_USER = error('BAD_REQUEST', 'No such user');

function apiKeyFor(seed: number, userId: number): string {
  const rng = mulberry32(seed * 7919 + userId);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let key = '';
  for (let i = 0; i < 32; i++) key += alphabet[Math.floor(rng() * alphabet.length)];
  return key;
}

/** Starts a fake Zulip on 127.0.0.1. */
export async function startZulipFake(options: ZulipFakeOptions = {}): Promise<ZulipFake> {
  const seed = options.seed ?? 1;
  const directory =
    options.directory ?? generateZulipDirectory({ seed, count: options.count ?? 60 });
  const now = options.now ?? (() => directory.nowMs);
  const byId = new Map<number, ZulipWireUser>();
  for (const m of directory.members) byId.set(m.user_id, m);

  const pick = (test: (u: ZulipWireUser) => boolean, what: string): ZulipWireUser => {
    const u = directory.members.find(test);
    if (!u) throw new Error(`the generated directory has no ${what}; use a larger count`);
    return u;
  };
  const account = (u: ZulipWireUser): ZulipAccount => ({
    email: u.delivery_email ?? u.email,
    apiKey: apiKeyFor(seed, u.user_id),
    userId: u.user_id,
  });
  const adminUser = pick((u) => u.role === 100 && u.is_active && !u.is_bot, 'owner');
  const accounts = {
    admin: account(adminUser),
    member: account(pick((u) => u.role === 400 && u.is_active && !u.is_bot, 'active member')),
    guest: account(pick((u) => u.role === 600 && u.is_active, 'guest')),
    bot: account(pick((u) => u.is_bot && u.bot_type === 1 && u.is_active, 'generic bot')),
    deactivated: account(pick((u) => !u.is_active && !u.is_bot, 'deactivated user')),
  };
  const keys = new Map<string, number>();
  for (const m of directory.members) keys.set(apiKeyFor(seed, m.user_id), m.user_id);

  let rateLimit: RateLimit | null = options.rateLimit ?? null;
  const windows = new Map<string, { start: number; count: number }>();
  let realmDeactivated = false;
  const bodyCache = new Map<string, Buffer>();
  const invalidate = (): void => bodyCache.clear();
  const writes: ZulipWriteState = {
    byId,
    members: directory.members,
    lying: false,
    violations: [],
    changed: invalidate,
  };

  /** A member object as a given caller sees it. */
  function view(
    u: ZulipWireUser,
    opts: { admin: boolean; clientGravatar: boolean; fields: boolean },
  ): Record<string, unknown> {
    const out: Record<string, unknown> = { ...u };
    // Without permission, hidden real addresses stay hidden.
    if (!opts.admin && u.email !== u.delivery_email && !u.is_bot) out.delivery_email = null;
    if (!opts.clientGravatar && out.avatar_url === null) {
      out.avatar_url = gravatarUrl(u.delivery_email ?? u.email, u.avatar_version);
    }
    if (!opts.fields) delete out.profile_data;
    return out;
  }

  function membersBody(opts: { admin: boolean; clientGravatar: boolean; fields: boolean }): Buffer {
    const key = `members:${opts.admin}:${opts.clientGravatar}:${opts.fields}`;
    let body = bodyCache.get(key);
    if (!body) {
      const parts = directory.members.map((u) => JSON.stringify(view(u, opts)));
      body = Buffer.from(`{"result":"success","msg":"","members":[${parts.join(',')}]}`);
      bodyCache.set(key, body);
    }
    return body;
  }

  function cached(key: string, make: () => unknown): Buffer {
    let body = bodyCache.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(make()));
      bodyCache.set(key, body);
    }
    return body;
  }

  function findUser(
    segment: string,
    caller: ZulipWireUser,
    admin: boolean,
  ): ZulipWireUser | undefined {
    if (/^\d+$/.test(segment)) return byId.get(Number(segment));
    const email = segment.toLowerCase();
    return directory.members.find(
      (u) =>
        u.email.toLowerCase() === email ||
        ((admin || u.email === u.delivery_email || u.user_id === caller.user_id) &&
          u.delivery_email?.toLowerCase() === email),
    );
  }

  function rateLimited(key: string, res: ServerResponse): boolean {
    if (!rateLimit) return false;
    // Zulip reads time.time(), finer than a millisecond: Date.now() gave two
    // requests in one millisecond a whole-second retry-after, which Zulip
    // practically never sends.
    const t = (performance.timeOrigin + performance.now()) / 1000;
    let w = windows.get(key);
    if (!w || t - w.start >= rateLimit.windowSeconds) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    const reset = w.start + rateLimit.windowSeconds;
    const headers = {
      'X-RateLimit-Limit': String(rateLimit.limit),
      'X-RateLimit-Reset': String(Math.floor(reset)),
    };
    if (w.count >= rateLimit.limit) {
      const retryAfter = Math.max(0.001, reset - t);
      sendJson(
        res,
        429,
        JSON.stringify({
          result: 'error',
          msg: 'API usage exceeded rate limit',
          code: 'RATE_LIMIT_HIT',
          'retry-after': retryAfter,
        }),
        {
          ...headers,
          'X-RateLimit-Remaining': '0',
          'Retry-After': String(retryAfter),
        },
      );
      return true;
    }
    w.count += 1;
    res.setHeader('X-RateLimit-Limit', headers['X-RateLimit-Limit']);
    res.setHeader('X-RateLimit-Reset', headers['X-RateLimit-Reset']);
    res.setHeader('X-RateLimit-Remaining', String(rateLimit.limit - w.count));
    return false;
  }

  function presenceOf(u: ZulipWireUser): { status: string; timestamp: number } | null {
    const p = directory.presences[u.email];
    return p ? { status: p.aggregated.status, timestamp: p.aggregated.timestamp } : null;
  }

  async function router(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (path.startsWith('/user_avatars/')) {
      const bytes = syntheticPng(AVATAR_COLOURS[colourIndexOf(path)] ?? [0, 0, 0], 32);
      sendBytes(res, 200, 'image/png', bytes, { 'Cache-Control': 'public, max-age=31536000' });
      return;
    }
    if (!path.startsWith('/api/v1/')) {
      sendHtml(res, path === '/' ? 200 : 404);
      return;
    }
    const writeRoute = /^\/api\/v1\/users\/[^/]+(?:\/reactivate)?$/.test(path);
    if (req.method !== 'GET' && !writeRoute) {
      sendJson(res, 405, error('BAD_REQUEST', 'Method Not Allowed'));
      return;
    }

    // Authentication, as zerver/decorator.py does it.
    const auth = authorizationOf(req.headers);
    if (auth.kind === 'none') {
      sendJson(
        res,
        401,
        error('UNAUTHORIZED', 'Not logged in: API authentication or user session required'),
        {
          'WWW-Authenticate': 'Basic realm="zulip"',
        },
      );
      return;
    }
    if (auth.kind !== 'basic') {
      sendJson(
        res,
        401,
        error('UNAUTHORIZED', 'This endpoint requires HTTP basic authentication.'),
        {
          'WWW-Authenticate': 'Basic realm="zulip"',
        },
      );
      return;
    }
    if (!/^[A-Za-z0-9]{32}$/.test(auth.password)) {
      sendJson(res, 400, error('INVALID_API_KEY', 'Malformed API key'));
      return;
    }
    const callerId = keys.get(auth.password);
    const caller = callerId !== undefined ? byId.get(callerId) : undefined;
    const login = auth.username.toLowerCase();
    if (!caller || (caller.delivery_email ?? caller.email).toLowerCase() !== login) {
      sendJson(res, 401, error('INVALID_API_KEY', 'Invalid API key'));
      return;
    }
    if (realmDeactivated) {
      sendJson(res, 401, error('REALM_DEACTIVATED', 'This organization has been deactivated'));
      return;
    }
    if (!caller.is_active) {
      sendJson(res, 401, error('USER_DEACTIVATED', 'Account is deactivated'));
      return;
    }
    if (rateLimited(auth.password, res)) return;

    const admin = caller.role <= 200;
    const flag = (name: string, dflt: boolean): boolean => {
      const v = url.searchParams.get(name);
      return v === null ? dflt : v === 'true';
    };
    const clientGravatar = flag('client_gravatar', true);
    const fields = flag('include_custom_profile_fields', false);
    const ok = (data: Record<string, unknown>): string =>
      JSON.stringify({ result: 'success', msg: '', ...data });
    const rest = path.slice('/api/v1'.length);

    if (req.method !== 'GET') {
      const answer = await zulipWrite(writes, req, rest, caller);
      if (answer) sendJson(res, answer.status, JSON.stringify(answer.body));
      else sendJson(res, 405, error('BAD_REQUEST', 'Method Not Allowed'));
      return;
    }

    if (rest === '/users') {
      sendJson(res, 200, membersBody({ admin, clientGravatar, fields }));
      return;
    }
    if (rest === '/users/me') {
      const me = view(caller, { admin: true, clientGravatar: false, fields: true });
      sendJson(
        res,
        200,
        ok({
          avatar_url:
            me.avatar_url ??
            gravatarUrl(caller.delivery_email ?? caller.email, caller.avatar_version),
          avatar_version: caller.avatar_version,
          email: caller.email,
          full_name: caller.full_name,
          is_admin: caller.is_admin,
          is_owner: caller.is_owner,
          role: caller.role,
          is_guest: caller.is_guest,
          is_billing_admin: caller.is_billing_admin,
          is_bot: caller.is_bot,
          is_active: caller.is_active,
          timezone: caller.timezone,
          date_joined: caller.date_joined,
          max_message_id: 30,
          user_id: caller.user_id,
          delivery_email: caller.delivery_email ?? caller.email,
          profile_data: caller.profile_data ?? {},
        }),
      );
      return;
    }
    if (rest === '/realm/profile_fields') {
      sendJson(
        res,
        200,
        cached('fields', () => ({
          result: 'success',
          msg: '',
          custom_fields: directory.profileFields,
        })),
      );
      return;
    }
    if (rest === '/realm/presence') {
      sendJson(
        res,
        200,
        cached('presence', () => ({
          result: 'success',
          msg: '',
          server_timestamp: now() / 1000,
          presences: directory.presences,
        })),
      );
      return;
    }
    if (rest === '/user_groups') {
      if (caller.is_bot) {
        sendJson(res, 400, error('BAD_REQUEST', 'This endpoint does not accept bot requests.'));
        return;
      }
      sendJson(
        res,
        200,
        cached('groups', () => ({ result: 'success', msg: '', user_groups: directory.userGroups })),
      );
      return;
    }
    const presenceMatch = /^\/users\/([^/]+)\/presence$/.exec(rest);
    if (presenceMatch) {
      const segment = decodeURIComponent(presenceMatch[1] ?? '');
      const target = findUser(segment, caller, admin);
      if (!target || !target.is_active) {
        sendJson(res, 400, NO_SUCH_USER);
        return;
      }
      if (target.is_bot) {
        sendJson(res, 400, error('BAD_REQUEST', 'Presence is not supported for bot users.'));
        return;
      }
      const p = presenceOf(target);
      if (!p) {
        sendJson(res, 400, error('BAD_REQUEST', `No presence data for ${segment}`));
        return;
      }
      const status = now() / 1000 - p.timestamp > 140 ? 'offline' : p.status;
      const entry = { status, timestamp: p.timestamp };
      sendJson(res, 200, ok({ presence: { website: entry, aggregated: entry } }));
      return;
    }
    const userMatch = /^\/users\/([^/]+)$/.exec(rest);
    if (userMatch) {
      const target = findUser(decodeURIComponent(userMatch[1] ?? ''), caller, admin);
      if (!target) {
        sendJson(res, 400, NO_SUCH_USER);
        return;
      }
      sendJson(res, 200, ok({ user: view(target, { admin, clientGravatar, fields }) }));
      return;
    }
    const avatarMatch = /^\/avatar\/(\d+)$/.exec(path);
    if (avatarMatch) {
      const target = byId.get(Number(avatarMatch[1]));
      const to =
        target?.avatar_url ??
        (target ? gravatarUrl(target.delivery_email ?? target.email, target.avatar_version) : null);
      if (!to) {
        sendJson(res, 400, NO_SUCH_USER);
        return;
      }
      res.writeHead(302, { Location: to, 'Content-Length': '0' });
      res.end();
      return;
    }
    sendJson(res, 404, error('BAD_REQUEST', 'Not Found'));
  }

  const controls = await startFakeServer(router, { port: options.port });
  // Serialize the default answers now, so the first /users is instant.
  membersBody({ admin: true, clientGravatar: true, fields: true });

  return Object.assign(controls, {
    ...accounts,
    directory,
    setRateLimit(limit: RateLimit | null) {
      rateLimit = limit;
      windows.clear();
    },
    setRealmDeactivated(value: boolean) {
      realmDeactivated = value;
    },
    deleteUser(userId: number) {
      const i = directory.members.findIndex((m) => m.user_id === userId);
      if (i >= 0) directory.members.splice(i, 1);
      byId.delete(userId);
      invalidate();
    },
    renameUser(userId: number, fullName: string) {
      const u = byId.get(userId);
      if (u) u.full_name = fullName;
      invalidate();
    },
    deactivateUser(userId: number) {
      const u = byId.get(userId);
      if (u) u.is_active = false;
      invalidate();
    },
    changed: invalidate,
    putUser(user: ZulipWireUser) {
      const i = directory.members.findIndex((m) => m.user_id === user.user_id);
      if (i >= 0) directory.members[i] = user;
      else directory.members.push(user);
      byId.set(user.user_id, user);
      invalidate();
    },
    userById(userId: number) {
      return byId.get(userId);
    },
    setLyingWrites(lying: boolean) {
      writes.lying = lying;
    },
    accountFor(userId: number) {
      const u = byId.get(userId);
      if (!u) throw new Error(`no user ${userId}`);
      return account(u);
    },
    writeViolations: writes.violations,
  });
}
