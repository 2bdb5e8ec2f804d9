/**
 * The hostile mode of the fake servers: a small Zulip or Open WebUI served
 * under `/hostile/<case id>/` (one case's world: its own connection, its own
 * sync) and `/hostile/all/` (every case at once, each case's user at its own
 * ID), answering from the corpus in hostile-corpus.ts. Anything outside
 * `/hostile/` falls through to the fake's normal routes, so one fake serves
 * a normal organization and the hostile ones side by side.
 *
 * Every user the worlds serve has a picture on this machine: nothing here
 * may send Rollcall to a host outside 127.0.0.1 (no Gravatar, no CDN).
 */
import type { IncomingMessage } from 'node:http';
import { syntheticPng } from '@core/services/synthetic/pictures';
import type { FakeMode } from './fake-http';

/** Which product a world imitates. */
type HostileProduct = 'zulip' | 'openwebui';

/** A JSON-ish wire object: hostile payloads are whatever a server may send. */
export type Wire = Record<string, unknown>;

/** Where the corpus lives on a fake: `<fake url>/hostile/<case id>`. */
const HOSTILE_PREFIX = '/hostile';

/** The world holding every case at once. */
export const ALL_CASES = 'all';

/** The global a payload sets if it ever runs in the window. */
export const PWN_FLAG = '__rcPwned';

/** What a case's builders know about the world they are served in. */
export interface HostileContext {
  product: HostileProduct;
  /** The hostile user's ID here (a number on Zulip, a string on Open WebUI). */
  userId: number | string;
  /** The connection URL of this world: origin + `/hostile/<case or all>`. */
  base: string;
  /** This fake's origin. */
  origin: string;
  /** Another fake's origin: another site, for cross-origin redirects and pictures. */
  otherOrigin: string;
}

/** One hostile case: what it attacks, what it serves, and what Rollcall must do. */
export interface HostileCase {
  /** Stable, URL-safe: the path segment of the case's world. */
  id: string;
  product: HostileProduct;
  category:
    | 'html'
    | 'url'
    | 'long'
    | 'bidi'
    | 'nul'
    | 'utf8'
    | 'types'
    | 'nesting'
    | 'duplicates'
    | 'transport'
    | 'error-body';
  title: string;
  /** The hostile user in its wire shape. Default: a plain user. */
  user?: (ctx: HostileContext) => unknown;
  /** Replaces the whole answer to the hostile user's lookup (transport, raw bodies). */
  lookup?: (ctx: HostileContext) => FakeMode;
  /** What the case adds to the directory list; default `[user]`. */
  listUsers?: (ctx: HostileContext) => unknown[];
  /** Replaces the whole directory answer (this case's world only). */
  list?: (ctx: HostileContext, page: number) => FakeMode;
  /** Replaces the connection test's answer (this case's world only). */
  me?: (ctx: HostileContext) => FakeMode;
  /** Extra Zulip profile field definitions (merged into the all-world too). */
  fields?: (ctx: HostileContext) => Wire[];
  /** Extra groups the hostile user is in (merged into the all-world too). */
  groups?: (ctx: HostileContext) => Wire[];
  /** Replaces the answer to the hostile user's picture. */
  avatar?: (ctx: HostileContext) => FakeMode;
  /** The list entry would fail any sync: kept out of the all-world's list. */
  breaksList?: boolean;
  expect: {
    /** A lookup shows the user (inert), or fails with one of these codes. */
    lookup: 'user' | readonly string[];
    /** A sync of the case's world completes, or fails with one of these codes. */
    sync: 'ok' | readonly string[];
    /** The connection test passes, or fails so. Default 'ok'. */
    test?: 'ok' | readonly string[];
    /** What the hostile user's picture becomes: a raster image or none. Default 'image'. */
    avatar?: 'image' | 'none';
    /** The sync is cancelled after this long (it would otherwise run minutes). */
    cancelSyncAfterMs?: number;
  };
  /** Text the window must show, as text, for the user (escaped, not interpreted). */
  shows?: (ctx: HostileContext) => string;
  /** The lookup takes seconds by design (timeouts, waits): run it early and in parallel. */
  slow?: boolean;
}

/** A JSON answer. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): FakeMode {
  return {
    kind: 'status',
    status,
    body: JSON.stringify(body),
    contentType: 'application/json',
    headers,
  };
}

/** An answer of raw bytes or text with a content type. */
export function raw(
  body: string | Uint8Array,
  contentType = 'application/json',
  status = 200,
  headers: Record<string, string> = {},
): FakeMode {
  return { kind: 'status', status, body, contentType, headers };
}

/** A small PNG: what a picture route answers when the case leaves it alone. */
export const PICTURE = syntheticPng([0x3b, 0x82, 0xf6], 16);

/** The Zulip key owner every world answers the connection test with. */
const ZULIP_OWNER_ID = 1;
const ZULIP_MEMBER_ID = 2;
/** Open WebUI's admin and a plain user. */
const OWUI_ADMIN_ID = 'admin-1';
const OWUI_USER_ID = 'user-2';

/** A plain Zulip user; cases override fields of it. */
export function zulipUser(id: number, over: Wire = {}): Wire {
  return {
    email: `user${id}@zulip.example`,
    user_id: id,
    avatar_version: 1,
    is_admin: false,
    is_owner: false,
    is_guest: false,
    is_billing_admin: false,
    role: 400,
    is_bot: false,
    full_name: `Plain User ${id}`,
    timezone: 'Europe/Berlin',
    is_active: true,
    date_joined: '2024-01-02T03:04:05.000000+00:00',
    delivery_email: `user${id}@zulip.example`,
    avatar_url: `/user_avatars/${id}.png`,
    profile_data: {},
    ...over,
  };
}

/** A plain Open WebUI user (the single-user shape); cases override fields of it. */
export function owuiUser(id: string, over: Wire = {}): Wire {
  return {
    id,
    email: `${id}@owui.example`,
    username: null,
    role: 'user',
    name: `Plain User ${id}`,
    profile_image_url: `/api/v1/users/${id}/profile/image`,
    profile_banner_image_url: null,
    bio: null,
    gender: null,
    date_of_birth: null,
    timezone: 'Europe/Paris',
    presence_state: null,
    status_emoji: null,
    status_message: null,
    status_expires_at: null,
    info: null,
    settings: null,
    oauth: null,
    scim: null,
    last_active_at: 1_795_391_000,
    updated_at: 1_795_300_000,
    created_at: 1_795_200_000,
    groups: [{ id: 'g-staff', name: 'Staff' }],
    is_active: false,
    ...over,
  };
}

/** Zulip's custom profile fields every Zulip world defines, one of each type. */
export const ZULIP_FIELD_IDS = {
  shortText: '1',
  longText: '2',
  choice: '3',
  date: '4',
  link: '5',
  person: '6',
  github: '7',
  pronouns: '8',
} as const;

function zulipFields(): Wire[] {
  const def = (id: number, name: string, type: number, extra: Wire = {}): Wire => ({
    id,
    name,
    type,
    hint: '',
    field_data: '',
    order: id,
    display_in_profile_summary: false,
    required: false,
    editable_by_user: true,
    ...extra,
  });
  return [
    def(1, 'Team', 1, { display_in_profile_summary: true }),
    def(2, 'About', 2),
    def(3, 'Office', 3, {
      field_data: JSON.stringify({ berlin: { text: 'Berlin', order: '1' } }),
    }),
    def(4, 'Birthday', 4),
    def(5, 'Homepage', 5, { display_in_profile_summary: true }),
    def(6, 'Manager', 6),
    def(7, 'GitHub', 7, { field_data: JSON.stringify({ subtype: 'github' }) }),
    def(8, 'Pronouns', 8),
  ];
}

function zulipGroup(id: number, name: string, members: number[]): Wire {
  return {
    id,
    name,
    description: '',
    members,
    direct_subgroup_ids: [],
    is_system_group: false,
    deactivated: false,
    creator_id: null,
    date_created: null,
    can_add_members_group: 11,
    can_join_group: 11,
    can_leave_group: 11,
    can_manage_group: 11,
    can_mention_group: 11,
    can_remove_members_group: 11,
  };
}

function hasAuth(req: IncomingMessage, scheme: 'basic' | 'bearer'): boolean {
  const value = req.headers.authorization ?? '';
  return value.toLowerCase().startsWith(`${scheme} `) && value.length > scheme.length + 2;
}

const htmlPage = (status = 200): FakeMode =>
  raw('<!doctype html><html><body><div id="app"></div></body></html>', 'text/html', status);

/** One case as it is served in a given world. */
interface Served {
  c: HostileCase;
  ctx: HostileContext;
}

/** The users of a world, in list order. */
function listOf(product: HostileProduct, served: Served[]): unknown[] {
  const plain =
    product === 'zulip'
      ? [
          zulipUser(ZULIP_OWNER_ID, {
            full_name: 'Olive Owner',
            role: 100,
            is_owner: true,
            is_admin: true,
          }),
          zulipUser(ZULIP_MEMBER_ID, { full_name: 'Mel Member' }),
        ]
      : [
          owuiUser(OWUI_ADMIN_ID, { name: 'Ada Admin', role: 'admin' }),
          owuiUser(OWUI_USER_ID, { name: 'Uma User' }),
        ];
  const hostile = served.flatMap(({ c, ctx }) =>
    c.listUsers ? c.listUsers(ctx) : c.user ? [c.user(ctx)] : [],
  );
  return [...plain, ...hostile];
}

/** Answers one Zulip request of a world, or null for a path Zulip would 404. */
function zulipAnswer(
  path: string,
  req: IncomingMessage,
  served: Served[],
  listed: Served[],
  one: Served | null,
): FakeMode {
  if (path.startsWith('/user_avatars/')) {
    const id = Number(/^\/user_avatars\/(\d+)/.exec(path)?.[1]);
    const hit = served.find((s) => s.ctx.userId === id);
    return hit?.c.avatar?.(hit.ctx) ?? raw(PICTURE, 'image/png');
  }
  if (!path.startsWith('/api/v1/')) return htmlPage(404);
  if (!hasAuth(req, 'basic')) {
    return json({ result: 'error', msg: 'Not logged in', code: 'UNAUTHORIZED' }, 401, {
      'WWW-Authenticate': 'Basic realm="zulip"',
    });
  }
  const ok = (data: Wire): FakeMode => json({ result: 'success', msg: '', ...data });
  const rest = path.slice('/api/v1'.length);
  if (rest === '/users/me') {
    if (one?.c.me) return one.c.me(one.ctx);
    return ok(
      zulipUser(ZULIP_OWNER_ID, {
        full_name: 'Olive Owner',
        role: 100,
        is_owner: true,
        is_admin: true,
      }),
    );
  }
  if (rest === '/realm/profile_fields') {
    return ok({
      custom_fields: [...zulipFields(), ...served.flatMap((s) => s.c.fields?.(s.ctx) ?? [])],
    });
  }
  if (rest === '/user_groups') {
    const ids = served.map((s) => s.ctx.userId as number);
    return ok({
      user_groups: [
        zulipGroup(10, 'Engineers', [ZULIP_OWNER_ID, ZULIP_MEMBER_ID, ...ids]),
        ...served.flatMap((s) => s.c.groups?.(s.ctx) ?? []),
      ],
    });
  }
  if (rest === '/realm/presence') return ok({ server_timestamp: 1_795_392_000, presences: {} });
  if (rest === '/users') {
    if (one?.c.list) return one.c.list(one.ctx, 1);
    return ok({ members: listOf('zulip', listed) });
  }
  if (/^\/users\/[^/]+\/presence$/.test(rest)) {
    return json({ result: 'error', msg: 'No presence data', code: 'BAD_REQUEST' }, 400);
  }
  const userMatch = /^\/users\/([^/]+)$/.exec(rest);
  if (userMatch) {
    const id = Number(decodeURIComponent(userMatch[1] ?? ''));
    const hit = served.find((s) => s.ctx.userId === id);
    if (hit?.c.lookup) return hit.c.lookup(hit.ctx);
    if (hit) return ok({ user: hit.c.user ? hit.c.user(hit.ctx) : zulipUser(id) });
    const plain = listOf('zulip', []).find((u) => (u as Wire).user_id === id);
    if (plain) return ok({ user: plain });
    return json({ result: 'error', msg: 'No such user', code: 'BAD_REQUEST' }, 400);
  }
  return json({ result: 'error', msg: 'Not Found', code: 'BAD_REQUEST' }, 404);
}

const OWUI_ROUTES =
  /^\/api\/v1\/(users\/|users\/[^/]+|users\/[^/]+\/profile\/image|groups\/|auths\/)$/;

/** Answers one Open WebUI request of a world. */
function owuiAnswer(
  path: string,
  url: URL,
  req: IncomingMessage,
  served: Served[],
  listed: Served[],
  one: Served | null,
): FakeMode {
  if (!OWUI_ROUTES.test(path)) return htmlPage(200); // the SPA fallback, as the real server does
  const image = /^\/api\/v1\/users\/([^/]+)\/profile\/image$/.exec(path);
  if (image) {
    const id = decodeURIComponent(image[1] ?? '');
    const hit = served.find((s) => s.ctx.userId === id);
    return hit?.c.avatar?.(hit.ctx) ?? raw(PICTURE, 'image/png');
  }
  if (!hasAuth(req, 'bearer')) return json({ detail: 'Not authenticated' }, 401);
  if (path === '/api/v1/auths/') {
    if (one?.c.me) return one.c.me(one.ctx);
    return json({
      id: OWUI_ADMIN_ID,
      name: 'Ada Admin',
      role: 'admin',
      email: 'ada@owui.example',
      token_type: 'Bearer',
    });
  }
  if (path === '/api/v1/groups/') {
    return json([
      { id: 'g-staff', name: 'Staff' },
      ...served.flatMap((s) => s.c.groups?.(s.ctx) ?? []),
    ]);
  }
  if (path === '/api/v1/users/') {
    const page = Math.max(1, Number(url.searchParams.get('page') ?? '1') || 1);
    if (one?.c.list) return one.c.list(one.ctx, page);
    const users = listOf('openwebui', listed);
    return json({ users: page === 1 ? users : [], total: users.length });
  }
  const user = /^\/api\/v1\/users\/([^/]+)$/.exec(path);
  if (user) {
    const id = decodeURIComponent(user[1] ?? '');
    const hit = served.find((s) => s.ctx.userId === id);
    if (hit?.c.lookup) return hit.c.lookup(hit.ctx);
    if (hit) return json(hit.c.user ? hit.c.user(hit.ctx) : owuiUser(id));
    const plain = listOf('openwebui', []).find((u) => (u as Wire).id === id);
    if (plain) return json(plain);
    return json({ detail: "We could not find what you're looking for :/" }, 400);
  }
  return htmlPage(200);
}

/** The user ID a case's user has in a world. */
export function hostileUserId(c: HostileCase, index: number, world: string): number | string {
  if (c.product === 'zulip') return world === ALL_CASES ? 1000 + index : 1000;
  return world === ALL_CASES ? `h-${c.id}` : 'hostile-user';
}

/** Options of the hostile mode. */
export interface HostileModeOptions {
  product: HostileProduct;
  cases: readonly HostileCase[];
  /** Another fake's URL: the "other origin" of cross-origin cases. */
  otherOrigin: string;
  /** This fake's URL (its origin). */
  origin: string;
}

/** The fake mode that serves the corpus under `/hostile/`; see this file's header. */
export function hostileMode(options: HostileModeOptions): FakeMode {
  const mine = options.cases.filter((c) => c.product === options.product);
  const contextFor = (c: HostileCase, world: string): HostileContext => ({
    product: options.product,
    userId: hostileUserId(c, mine.indexOf(c), world),
    base: `${options.origin}${HOSTILE_PREFIX}/${world}`,
    origin: options.origin,
    otherOrigin: options.otherOrigin,
  });
  const allServed = mine.map((c) => ({ c, ctx: contextFor(c, ALL_CASES) }));
  const allInList = allServed.filter((s) => !s.c.breaksList && !s.c.list);
  return {
    kind: 'hostile',
    answer(url, req) {
      const m = /^\/hostile\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (!m) return null;
      const world = m[1] ?? '';
      const path = m[2] ?? '/';
      if (world === ALL_CASES) {
        // Lookups, fields, groups and pictures reach every case; the list
        // holds only the cases that leave a list intact.
        return options.product === 'zulip'
          ? zulipAnswer(path, req, allServed, allInList, null)
          : owuiAnswer(path, url, req, allServed, allInList, null);
      }
      const c = mine.find((x) => x.id === world);
      if (!c) return raw('no such hostile case', 'text/plain', 404);
      const one = { c, ctx: contextFor(c, world) };
      return options.product === 'zulip'
        ? zulipAnswer(path, req, [one], [one], one)
        : owuiAnswer(path, url, req, [one], [one], one);
    },
  };
}

/** The connection URL of one case's world (or of `all`). */
export function hostileBaseUrl(fakeUrl: string, world: string): string {
  return `${fakeUrl}${HOSTILE_PREFIX}/${world}`;
}
