/**
 * A fake Open WebUI: a real HTTP server on 127.0.0.1 serving a seeded
 * instance (src-main/core/services/synthetic/) in the exact shapes of the fixture
 * files in shared/specs/openwebui, with the real auth checks and error texts
 * (a non-admin gets 401, API keys can be disabled or restricted, unknown
 * paths answer 200 with the web app's HTML), 30 users a page, the image
 * route, the write endpoints of openwebui-writes.ts (update, delete), and
 * the broken modes of fake-http.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { AVATAR_COLOURS, colourIndexOf, syntheticPng } from '@core/services/synthetic/pictures';
import { mulberry32 } from '@core/services/synthetic/random';
import type { OpenWebUIDirectory, OpenWebUIWireUser } from '@core/services/synthetic/wire-shapes';
import {
  authorizationOf,
  sendBytes,
  sendHtml,
  sendJson,
  startFakeServer,
  type FakeControls,
} from './fake-http';
import { openWebUIWrite, primaryAdminOf, type OpenWebUIWriteState } from './openwebui-writes';

/** How to start the fake Open WebUI. */
export interface OpenWebUIFakeOptions {
  seed?: number;
  /** Users (up to 100 000). Default 60. */
  count?: number;
  port?: number;
  /** Use this directory instead of generating one. */
  directory?: OpenWebUIDirectory;
  /** "Now" in ms, for `is_active` (active within 3 minutes); defaults to the directory's. */
  now?: () => number;
}

/** A running fake Open WebUI: its URL, keys, log and controls. */
export interface OpenWebUIFake extends FakeControls {
  /** An admin's API key (sk-...). */
  adminKey: string;
  /** The same admin's JWT, which works even when API keys are disabled. */
  adminJwt: string;
  /** A plain user's API key. */
  userKey: string;
  /** A pending user's API key. */
  pendingKey: string;
  /** A key that was revoked. */
  revokedKey: string;
  directory: OpenWebUIDirectory;
  /** API keys refused with 403 "Use of API key is not enabled in the environment." */
  setApiKeysEnabled(enabled: boolean): void;
  /** Paths (prefixes) API keys may not call: 403 like the endpoint restriction. */
  setRestrictedPaths(paths: string[]): void;
  /** Older servers resolved `shared-{chat_id}` to the chat's owner; current ones answer 400. */
  setSharedChats(chats: Record<string, string> | null): void;
  deleteUser(id: string): void;
  renameUser(id: string, name: string): void;
  /** Adds or replaces a user (single-user shape). */
  putUser(user: OpenWebUIWireUser): void;
  /** The directory was edited in place (presences, groups, fields): serve it anew. */
  changed(): void;
  userById(id: string): OpenWebUIWireUser | undefined;
  /** The primary admin: the oldest account, which no other admin may change or delete. */
  primaryAdminId(): string | undefined;
  /** An API key for any user (a second admin's, for the primary-admin rules). */
  issueKey(userId: string): string;
  /** "Lying 200": updates and deletions answer success and change nothing. */
  setLyingWrites(lying: boolean): void;
  /** How the primary-admin guard answers: 403, or the 500 of servers before the fix. */
  setPrimaryGuard(answer: 'forbidden' | 'wrapped-500'): void;
  /** Write requests that broke a rule Rollcall keeps (a password sent, a field missing). */
  readonly writeViolations: string[];
}

const detail = (text: string): string => JSON.stringify({ detail: text });
const ACCESS_PROHIBITED =
  'You do not have permission to access this resource. Please contact your administrator for assistance.';
const USER_NOT_FOUND = detail("We could not find what you're looking for :/");
const PAGE_SIZE = 30;
const LIST_KEYS = [
  'id',
  'email',
  'username',
  'role',
  'name',
  'profile_image_url',
  'profile_banner_image_url',
  'bio',
  'gender',
  'date_of_birth',
  'timezone',
  'presence_state',
  'status_emoji',
  'status_message',
  'status_expires_at',
  'info',
  'settings',
  'oauth',
  'scim',
  'last_active_at',
  'updated_at',
  'created_at',
] as const;

function keyFor(seed: number, salt: number, prefix: string): string {
  const rng = mulberry32(seed * 104729 + salt);
  let key = prefix;
  for (let i = 0; i < 32; i++) key += '0123456789abcdef'[Math.floor(rng() * 16)];
  return key;
}

/** Starts a fake Open WebUI on 127.0.0.1. */
export async function startOpenWebUIFake(
  options: OpenWebUIFakeOptions = {},
): Promise<OpenWebUIFake> {
  const seed = options.seed ?? 1;
  const directory =
    options.directory ?? generateOpenWebUIDirectory({ seed, count: options.count ?? 60 });
  const now = options.now ?? (() => directory.nowMs);
  const byId = new Map<string, OpenWebUIWireUser>();
  for (const u of directory.users) byId.set(u.id, u);

  const find = (role: OpenWebUIWireUser['role']): OpenWebUIWireUser => {
    const u = directory.users.find((x) => x.role === role);
    if (!u) throw new Error(`the generated directory has no ${role} user; use a larger count`);
    return u;
  };
  const admin = find('admin');
  const tokens = new Map<string, { userId: string; kind: 'api' | 'jwt' }>();
  const adminKey = keyFor(seed, 1, 'sk-');
  const adminJwt = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify({ id: admin.id })).toString('base64url')}.${keyFor(seed, 2, '')}`;
  const userKey = keyFor(seed, 3, 'sk-');
  const pendingKey = keyFor(seed, 4, 'sk-');
  const revokedKey = keyFor(seed, 5, 'sk-');
  tokens.set(adminKey, { userId: admin.id, kind: 'api' });
  tokens.set(adminJwt, { userId: admin.id, kind: 'jwt' });
  tokens.set(userKey, { userId: find('user').id, kind: 'api' });
  tokens.set(pendingKey, { userId: find('pending').id, kind: 'api' });

  let apiKeysEnabled = true;
  let restricted: string[] = [];
  let sharedChats: Record<string, string> | null = null;
  const bodyCache = new Map<string, Buffer>();
  let sorted = new Map<string, OpenWebUIWireUser[]>();
  const invalidate = (): void => {
    bodyCache.clear();
    sorted = new Map();
  };
  const writes: OpenWebUIWriteState = {
    byId,
    users: directory.users,
    lying: false,
    primaryGuard: 'forbidden',
    violations: [],
    changed: invalidate,
  };

  const isActive = (u: OpenWebUIWireUser): boolean => now() / 1000 - u.last_active_at <= 180;

  /** The single-user shape, as `GET /api/v1/users/{id}` serializes it. */
  const single = (u: OpenWebUIWireUser): OpenWebUIWireUser => ({ ...u, is_active: isActive(u) });

  /** The list shape: no `groups`, no `is_active`, `group_ids` last. */
  function listItem(u: OpenWebUIWireUser): Buffer {
    const key = `item:${u.id}`;
    let body = bodyCache.get(key);
    if (!body) {
      const out: Record<string, unknown> = {};
      for (const k of LIST_KEYS) out[k] = u[k];
      out.group_ids = u.groups.map((g) => g.id);
      body = Buffer.from(JSON.stringify(out));
      bodyCache.set(key, body);
    }
    return body;
  }

  function order(orderBy: string, direction: string): OpenWebUIWireUser[] {
    const key = `${orderBy}:${direction}`;
    let list = sorted.get(key);
    if (!list) {
      const field = [
        'created_at',
        'updated_at',
        'last_active_at',
        'name',
        'email',
        'role',
      ].includes(orderBy)
        ? (orderBy as 'created_at')
        : 'created_at';
      list = [...directory.users].sort((a, b) => {
        const x = a[field];
        const y = b[field];
        const c =
          typeof x === 'number' && typeof y === 'number'
            ? x - y
            : String(x).localeCompare(String(y));
        return c !== 0 ? c : a.id.localeCompare(b.id);
      });
      if (direction === 'desc') list.reverse();
      sorted.set(key, list);
    }
    return list;
  }

  function image(res: ServerResponse, u: OpenWebUIWireUser): void {
    const url = u.profile_image_url;
    if (url.startsWith('http')) {
      res.writeHead(302, { Location: url, 'Content-Length': '0' });
      res.end();
      return;
    }
    if (url.startsWith('data:image')) {
      const [header = '', data = ''] = url.split(',', 2);
      const type = header.slice('data:'.length).split(';')[0] ?? 'image/png';
      sendBytes(res, 200, type, Buffer.from(data, 'base64'), { 'Content-Disposition': 'inline' });
      return;
    }
    // An uploaded picture (the route itself) or the default.
    const colour =
      url === '/user.png'
        ? ([0x9c, 0xa3, 0xaf] as const)
        : (AVATAR_COLOURS[colourIndexOf(u.id)] ?? [0, 0, 0]);
    sendBytes(res, 200, 'image/png', syntheticPng(colour, 32));
  }

  async function router(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (path === '/user.png') {
      sendBytes(res, 200, 'image/png', syntheticPng([0x9c, 0xa3, 0xaf], 32));
      return;
    }
    // The web app's fallback: every path that is not a route is the app's HTML.
    const routes =
      /^\/api\/v1\/(users\/|users\/[^/]+|users\/[^/]+\/profile\/image|users\/[^/]+\/update|groups\/|auths\/)$/;
    if (!routes.test(path)) {
      sendHtml(res);
      return;
    }
    const write = /^\/api\/v1\/users\/[^/]+(?:\/update)?$/.test(path) && req.method !== 'GET';
    if (req.method !== 'GET' && !write) {
      sendJson(res, 405, detail('Method Not Allowed'));
      return;
    }

    // Authentication, as backend/open_webui/utils/auth.py does it.
    const auth = authorizationOf(req.headers);
    if (auth.kind !== 'bearer') {
      sendJson(res, 401, detail('Not authenticated'));
      return;
    }
    const token = auth.token;
    if (token.startsWith('sk-')) {
      if (!apiKeysEnabled) {
        sendJson(res, 403, detail('Use of API key is not enabled in the environment.'));
        return;
      }
      if (restricted.some((p) => path.startsWith(p))) {
        sendJson(res, 403, detail(ACCESS_PROHIBITED));
        return;
      }
    }
    if (token === revokedKey) {
      sendJson(res, 401, detail('Invalid token'));
      return;
    }
    const entry = tokens.get(token);
    if (!entry) {
      const looksJwt = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(token);
      sendJson(
        res,
        401,
        looksJwt
          ? detail('401 Unauthorized')
          : detail('Your session has expired or the token is invalid. Please sign in again.'),
      );
      return;
    }
    const caller = byId.get(entry.userId);
    if (!caller) {
      sendJson(
        res,
        401,
        detail('Your session has expired or the token is invalid. Please sign in again.'),
      );
      return;
    }

    if (path === '/api/v1/auths/') {
      sendJson(
        res,
        200,
        JSON.stringify({
          id: caller.id,
          name: caller.name,
          role: caller.role,
          email: caller.email,
          profile_image_url: caller.profile_image_url,
          token,
          token_type: 'Bearer',
          expires_at: entry.kind === 'jwt' ? Math.floor(now() / 1000) + 86_400 * 28 : null,
          permissions: {
            workspace: { models: caller.role === 'admin' },
            chat: { file_upload: true },
          },
          status_emoji: caller.status_emoji,
          status_message: caller.status_message,
          status_expires_at: caller.status_expires_at,
          bio: caller.bio,
          gender: caller.gender,
          date_of_birth: caller.date_of_birth,
        }),
      );
      return;
    }
    // get_verified_user: pending accounts may not go further.
    if (caller.role === 'pending') {
      sendJson(res, 401, detail(ACCESS_PROHIBITED));
      return;
    }
    const imageMatch = /^\/api\/v1\/users\/([^/]+)\/profile\/image$/.exec(path);
    if (imageMatch) {
      const target = byId.get(decodeURIComponent(imageMatch[1] ?? ''));
      if (!target) sendJson(res, 400, USER_NOT_FOUND);
      else image(res, target);
      return;
    }
    if (path === '/api/v1/groups/') {
      const visible =
        caller.role === 'admin'
          ? directory.groups
          : directory.groups.filter((g) => caller.groups.some((m) => m.id === g.id));
      sendJson(res, 200, JSON.stringify(visible));
      return;
    }
    // get_admin_user from here on.
    if (caller.role !== 'admin') {
      sendJson(res, 401, detail(ACCESS_PROHIBITED));
      return;
    }
    if (write) {
      const answer = await openWebUIWrite(writes, req, path, caller);
      if (answer) sendJson(res, answer.status, JSON.stringify(answer.body));
      else sendJson(res, 405, detail('Method Not Allowed'));
      return;
    }
    if (path.endsWith('/update')) {
      sendJson(res, 405, detail('Method Not Allowed'));
      return;
    }
    if (path === '/api/v1/users/') {
      const pageText = url.searchParams.get('page') ?? '1';
      if (!/^-?\d+$/.test(pageText)) {
        sendJson(
          res,
          422,
          JSON.stringify({
            detail: [
              {
                type: 'int_parsing',
                loc: ['query', 'page'],
                msg: 'Input should be a valid integer, unable to parse string as an integer',
                input: pageText,
              },
            ],
          }),
        );
        return;
      }
      const page = Math.max(1, Number(pageText));
      const query = (url.searchParams.get('query') ?? '').toLowerCase();
      let list = order(
        url.searchParams.get('order_by') ?? 'created_at',
        url.searchParams.get('direction') ?? 'asc',
      );
      if (query)
        list = list.filter(
          (u) => u.name.toLowerCase().includes(query) || u.email.toLowerCase().includes(query),
        );
      const items = list.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(listItem);
      const body = Buffer.concat([
        Buffer.from('{"users":['),
        ...items.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from(','), b])),
        Buffer.from(`],"total":${list.length}}`),
      ]);
      sendJson(res, 200, body);
      return;
    }
    const userMatch = /^\/api\/v1\/users\/([^/]+)$/.exec(path);
    if (userMatch) {
      let id = decodeURIComponent(userMatch[1] ?? '');
      if (id.startsWith('shared-')) {
        const owner = sharedChats?.[id.slice('shared-'.length)];
        if (!owner) {
          sendJson(res, 400, USER_NOT_FOUND);
          return;
        }
        id = owner;
      }
      const target = byId.get(id);
      if (!target) sendJson(res, 400, USER_NOT_FOUND);
      else sendJson(res, 200, JSON.stringify(single(target)));
      return;
    }
    sendHtml(res);
  }

  const controls = await startFakeServer(router, { port: options.port });
  // Serialize the list items now, so the first pages are instant.
  for (const u of order('created_at', 'asc')) listItem(u);

  return Object.assign(controls, {
    adminKey,
    adminJwt,
    userKey,
    pendingKey,
    revokedKey,
    directory,
    setApiKeysEnabled(enabled: boolean) {
      apiKeysEnabled = enabled;
    },
    setRestrictedPaths(paths: string[]) {
      restricted = paths;
    },
    setSharedChats(chats: Record<string, string> | null) {
      sharedChats = chats;
    },
    deleteUser(id: string) {
      const i = directory.users.findIndex((u) => u.id === id);
      if (i >= 0) directory.users.splice(i, 1);
      byId.delete(id);
      invalidate();
    },
    renameUser(id: string, name: string) {
      const u = byId.get(id);
      if (u) u.name = name;
      invalidate();
    },
    changed: invalidate,
    putUser(user: OpenWebUIWireUser) {
      const i = directory.users.findIndex((u) => u.id === user.id);
      if (i >= 0) directory.users[i] = user;
      else directory.users.push(user);
      byId.set(user.id, user);
      invalidate();
    },
    userById(id: string) {
      return byId.get(id);
    },
    primaryAdminId() {
      return primaryAdminOf(directory.users)?.id;
    },
    issueKey(userId: string) {
      const key = keyFor(seed, 1000 + tokens.size, 'sk-');
      tokens.set(key, { userId, kind: 'api' });
      return key;
    },
    setLyingWrites(lying: boolean) {
      writes.lying = lying;
    },
    setPrimaryGuard(answer: 'forbidden' | 'wrapped-500') {
      writes.primaryGuard = answer;
    },
    writeViolations: writes.violations,
  });
}
