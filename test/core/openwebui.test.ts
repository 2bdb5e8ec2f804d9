// Open WebUI: every fixture of shared/specs/openwebui parsed into the
// expected DirectoryUser, every error fixture mapped to its code and words,
// then the provider against the fake: admin check, lookups (shared chats
// too), pages until the total, the HTML trap, and avatars with the right
// credentials.
import type { DirectoryUser } from '@shared/model';
import { createOpenWebUIProvider } from '@core/providers/openwebui';
import {
  asOpenWebUIContext,
  normalizeOpenWebUIUser,
  openWebUIGroupNames,
} from '@core/providers/openwebui-user';
import type { OpenWebUIContext, ProviderSession } from '@core/providers/types';
import type { OpenWebUIWireUser } from '@core/services/synthetic/wire-shapes';
import { jpegClaiming } from '../fakes/image-headers';
import { sendBytes, sendJson, startFakeServer } from '../fakes/fake-http';
import { fixture, fixtureNames, fixtureStatus } from '../fakes/openwebui-fixtures';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { collect, failureOf, testClient } from '../fakes/test-client';

const BASE = 'https://owui.example.com';
const ENGINEERING = '9c3b1f2e-5d47-4a8e-b0c6-2f1e7d9a4b35';
const API_USERS = '4e8a6d10-7b2c-4f39-a5e1-c83d92f06a7b';
const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const context: OpenWebUIContext = {
  kind: 'openwebui',
  fetchedAt: 1,
  groupNames: openWebUIGroupNames(fixture('groups_list.json')),
};
const env = { connectionId: 'o1', baseUrl: BASE, context };

const ALEX: DirectoryUser = {
  connectionId: 'o1',
  kind: 'openwebui',
  userId: '2f6b9c1e-8a43-4d7e-9b15-3c0e7a5d1f84',
  name: 'Alex Admin',
  username: null,
  email: 'alex.admin@example.com',
  deliveryEmail: null,
  role: 'admin',
  isBot: false,
  bot: null,
  deactivated: false,
  timezone: 'Europe/Berlin',
  joinedAt: 1741944413000,
  updatedAt: 1795372812000,
  presence: { lastActiveAt: 1795391910000, idle: false },
  status: { emoji: '🛠️', message: 'Upgrading to 0.12', expiresAt: 1795420800000 },
  avatar: { kind: 'inline', dataUrl: PIXEL },
  groups: [
    { id: API_USERS, name: 'API Users' },
    { id: ENGINEERING, name: 'Engineering' },
  ],
  profileFields: [],
  bio: 'Runs the Open WebUI instance.',
  gender: null,
  dateOfBirth: null,
  extra: {
    info: { location: 'Berlin, Germany' },
    oauth: { oidc: { sub: '00u1a2b3c4D5e6F7g8h9' } },
    scim: null,
    settings: { ui: { models: ['gpt-4o'], chatBubble: true, notificationEnabled: false } },
    presence_state: null,
    profile_banner_image_url: null,
    is_active: true,
  },
};

const JANE: DirectoryUser = {
  ...ALEX,
  userId: '7d1e4a90-3c2b-4f6e-8a57-b91c0d2e6f13',
  name: 'Jane Doe',
  email: 'jane.doe@example.com',
  role: 'user',
  timezone: 'America/New_York',
  joinedAt: 1767621731000,
  updatedAt: 1795162500000,
  presence: { lastActiveAt: 1795338765000, idle: false },
  status: null,
  avatar: { kind: 'server', url: `${BASE}/user.png` },
  groups: [{ id: ENGINEERING, name: 'Engineering' }],
  bio: null,
  dateOfBirth: '1990-05-17',
  extra: {
    info: null,
    oauth: null,
    scim: null,
    settings: { ui: { models: ['llama3.1:8b'], chatBubble: true } },
    presence_state: null,
    profile_banner_image_url: null,
    is_active: false,
  },
};

const PENDING: DirectoryUser = {
  ...JANE,
  userId: 'c5a08e3d-1f9b-47c2-a6d4-0e8b3f7a2c91',
  name: 'New Signup',
  email: 'new.signup@example.com',
  role: 'pending',
  timezone: null,
  joinedAt: 1795255200000,
  updatedAt: 1795255200000,
  presence: { lastActiveAt: 1795255200000, idle: false },
  groups: [],
  dateOfBirth: null,
  extra: { ...JANE.extra, settings: null },
};

const MINIMAL: DirectoryUser = {
  ...PENDING,
  userId: 'e19f7b26-4a3c-4d58-9e02-6b7c1a8d5f30',
  name: 'Minimal User',
  email: 'minimal@example.com',
  role: 'user',
  joinedAt: 1795162500000,
  updatedAt: 1795162500000,
  presence: { lastActiveAt: 1795162500000, idle: false },
  avatar: {
    kind: 'server',
    url: `${BASE}/api/v1/users/e19f7b26-4a3c-4d58-9e02-6b7c1a8d5f30/profile/image`,
  },
};

/** The list shape has no `is_active`; everything else reads the same. */
function asListed(user: DirectoryUser): DirectoryUser {
  const { is_active: _dropped, ...extra } = user.extra;
  return { ...user, extra };
}

describe('the fixture files parse into the expected users', () => {
  it.each([
    ['user_admin_with_groups.json', ALEX],
    ['user_normal.json', JANE],
    ['user_pending.json', PENDING],
    ['user_all_optional_null.json', MINIMAL],
  ])('%s', (name, expected) => {
    expect(normalizeOpenWebUIUser(fixture(name), env)).toEqual(expected);
  });

  it('users_list.json: group_ids named from the groups list', () => {
    const list = fixture('users_list.json') as { users: unknown[]; total: number };
    expect(list.total).toBe(3);
    expect(list.users.map((u) => normalizeOpenWebUIUser(u, env))).toEqual([
      asListed(ALEX),
      asListed(JANE),
      asListed(PENDING),
    ]);
  });

  it('group ids the groups list did not name are kept, shown as their id', () => {
    const list = fixture('users_list.json') as { users: unknown[] };
    const user = normalizeOpenWebUIUser(list.users[1], { ...env, context: null });
    expect(user.groups).toEqual([{ id: ENGINEERING, name: ENGINEERING }]);
  });

  it('groups_list.json gives the names', () => {
    expect(openWebUIGroupNames(fixture('groups_list.json'))).toEqual({
      [ENGINEERING]: 'Engineering',
      [API_USERS]: 'API Users',
    });
  });
});

describe('normalizeOpenWebUIUser on edge cases', () => {
  const jane = fixture('user_normal.json') as Record<string, unknown>;

  it('an external picture is fetched without credentials; a huge data: URL goes through the image route', () => {
    expect(
      normalizeOpenWebUIUser({ ...jane, profile_image_url: 'https://cdn.example.net/a.png' }, env)
        .avatar,
    ).toEqual({
      kind: 'external',
      url: 'https://cdn.example.net/a.png',
    });
    const huge = `data:image/png;base64,${'A'.repeat(300 * 1024)}`;
    expect(normalizeOpenWebUIUser({ ...jane, profile_image_url: huge }, env).avatar).toEqual({
      kind: 'server',
      url: `${BASE}/api/v1/users/${jane.id as string}/profile/image`,
    });
    expect(
      normalizeOpenWebUIUser({ ...jane, profile_image_url: 'data:text/html,<script>' }, env).avatar,
    ).toEqual({ kind: 'none' });
    expect(normalizeOpenWebUIUser({ ...jane, profile_image_url: '' }, env).avatar).toEqual({
      kind: 'none',
    });
  });

  it('an Open WebUI under a path prefix resolves /user.png under it', () => {
    const user = normalizeOpenWebUIUser(jane, { ...env, baseUrl: 'https://example.com/owui' });
    expect(user.avatar).toEqual({ kind: 'server', url: 'https://example.com/owui/user.png' });
  });

  it('a status with only a message, and an unknown role kept in extra', () => {
    const user = normalizeOpenWebUIUser(
      { ...jane, status_message: 'Away', role: 'superuser' },
      env,
    );
    expect(user.status).toEqual({ emoji: null, message: 'Away', expiresAt: null });
    expect(user.role).toBe('user');
    expect(user.extra.role).toBe('superuser');
  });

  it('timestamps in milliseconds or nonsense are read sensibly', () => {
    const user = normalizeOpenWebUIUser(
      { ...jane, created_at: 1767621731000, updated_at: -5, last_active_at: 'soon' },
      env,
    );
    expect(user.joinedAt).toBe(1767621731000);
    expect(user.updatedAt).toBeNull();
    expect(user.presence).toBeNull();
  });

  it('no name falls back to the email, then the id', () => {
    expect(normalizeOpenWebUIUser({ ...jane, name: '  ' }, env).name).toBe('jane.doe@example.com');
    expect(normalizeOpenWebUIUser({ id: 'x1' }, env)).toMatchObject({
      name: 'x1',
      email: null,
      role: 'user',
      groups: [],
    });
  });

  it.each([null, 3, [], {}, { id: '' }, { id: 42 }, { id: 'x'.repeat(201) }])(
    '%j is BAD_RESPONSE',
    async (raw) => {
      const error = await failureOf(() => normalizeOpenWebUIUser(raw, env));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toMatch(/Is this really an Open WebUI server\?/);
    },
  );

  it('a malformed cached context counts as none', () => {
    expect(asOpenWebUIContext({ kind: 'openwebui', fetchedAt: 1, groupNames: [] })).toBeNull();
    expect(asOpenWebUIContext({ kind: 'zulip' })).toBeNull();
    expect(
      asOpenWebUIContext({ kind: 'openwebui', fetchedAt: 1, groupNames: { a: 'A', b: 2 } }),
    ).toEqual({
      kind: 'openwebui',
      fetchedAt: 1,
      groupNames: { a: 'A' },
    });
  });

  it('checks a context once per object, so a sync digests its group names once', () => {
    const stored = { kind: 'openwebui', fetchedAt: 1, groupNames: { a: 'A' } };
    const first = asOpenWebUIContext(stored);
    // The same checked object, whose group names' digest (keyed by that object) is kept.
    expect(asOpenWebUIContext(stored)).toBe(first);
    expect(first?.groupNames).toBe(asOpenWebUIContext(stored)?.groupNames);
    // Another object is checked on its own, even with the same content.
    const copy = asOpenWebUIContext({ ...stored });
    expect(copy).toEqual(first);
    expect(copy).not.toBe(first);
    expect(asOpenWebUIContext({ kind: 'zulip' })).toBeNull();
  });
});

describe('each error fixture maps to its code and words', () => {
  const expectations: Record<string, [string, RegExp]> = {
    'error_400_user_not_found.json': ['NOT_FOUND', /^Open WebUI has no user with id abc\.$/],
    'error_401_invalid_token.json': [
      'UNAUTHORIZED',
      /invalid, expired or revoked.*Settings → Account → API Keys/,
    ],
    'error_401_not_admin.json': [
      'FORBIDDEN',
      /^This key belongs to a non-admin account; Rollcall needs an admin key\./,
    ],
    'error_401_not_authenticated.json': ['UNAUTHORIZED', /did not receive the key/],
    'error_401_revoked_token.json': ['UNAUTHORIZED', /invalid, expired or revoked/],
    'error_401_unauthorized_bad_jwt.json': ['UNAUTHORIZED', /invalid, expired or revoked/],
    'error_403_action_prohibited.json': [
      'FORBIDDEN',
      /^Open WebUI refused: The requested action has been restricted/,
    ],
    'error_403_api_key_not_allowed.json': ['FORBIDDEN', /API keys are turned off on this server/],
    'error_403_endpoint_restricted.json': [
      'FORBIDDEN',
      /does not let API keys use this part of the API/,
    ],
    'error_422_bad_page.json': ['INVALID_INPUT', /refused the request as invalid/],
  };

  it('covers every error fixture there is', () => {
    expect(fixtureNames().filter((n) => n.startsWith('error_'))).toEqual(
      Object.keys(expectations).sort(),
    );
  });

  it.each(Object.entries(expectations))('%s → %s', async (name, [code, message]) => {
    const body = JSON.stringify(fixture(name));
    const server = await startFakeServer((_req, res) => sendJson(res, fixtureStatus(name), body));
    try {
      const provider = createOpenWebUIProvider({ http: testClient() });
      const error = await failureOf(
        provider.fetchUser(
          { connectionId: 'o', baseUrl: server.url, loginEmail: null, secret: 'sk-abc' },
          { kind: 'openwebui-id', userId: 'abc' },
        ),
      );
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.status).toBe(fixtureStatus(name));
      const detail = (fixture(name) as { detail: unknown }).detail;
      expect(error.serverMessage).toBe(
        typeof detail === 'string'
          ? detail
          : 'Input should be a valid integer, unable to parse string as an integer',
      );
    } finally {
      await server.close();
    }
  });
});

describe('the Open WebUI provider against the fake server', () => {
  let fake: OpenWebUIFake;
  let session: ProviderSession;
  const provider = () =>
    createOpenWebUIProvider({ http: testClient({ timeoutMs: 10_000 }), now: () => 42 });

  beforeAll(async () => {
    fake = await startOpenWebUIFake({ seed: 5, count: 95 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.setMode({ kind: 'normal' });
    fake.setApiKeysEnabled(true);
    fake.setRestrictedPaths([]);
    fake.setSharedChats(null);
    session = { connectionId: 'oc', baseUrl: fake.url, loginEmail: null, secret: fake.adminKey };
  });

  it('tests a connection: an admin key passes and says whose it is', async () => {
    const admin = fake.directory.users[0] as OpenWebUIWireUser;
    expect(await provider().testConnection(session)).toEqual({
      userId: admin.id,
      name: 'Zoë Müller',
      email: admin.email,
      role: 'admin',
    });
    expect(fake.requests[0]?.path).toBe('/api/v1/auths/');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${fake.adminKey}`);
  });

  it('a non-admin key is a clear FORBIDDEN', async () => {
    const error = await failureOf(provider().testConnection({ ...session, secret: fake.userKey }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(
      /^This key belongs to a non-admin account; Rollcall needs an admin key/,
    );
  });

  it('a pending account’s key is FORBIDDEN, saying so', async () => {
    const error = await failureOf(
      provider().testConnection({ ...session, secret: fake.pendingKey }),
    );
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message:
        'This key belongs to an account still pending approval; Rollcall needs an admin key.',
    });
  });

  it('a non-admin looking a user up meets the 401 and reads FORBIDDEN', async () => {
    const error = await failureOf(
      provider().fetchUser(
        { ...session, secret: fake.userKey },
        { kind: 'openwebui-id', userId: 'x' },
      ),
    );
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 401 });
  });

  it('revoked, unknown and no keys are UNAUTHORIZED', async () => {
    for (const secret of [
      fake.revokedKey,
      'sk-unknown',
      'eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngifQ.bad',
    ]) {
      expect((await failureOf(provider().testConnection({ ...session, secret }))).code).toBe(
        'UNAUTHORIZED',
      );
    }
    expect(await failureOf(provider().testConnection({ ...session, secret: '' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'secret',
    });
  });

  it('API keys turned off: FORBIDDEN for the key, while a JWT still works', async () => {
    fake.setApiKeysEnabled(false);
    expect((await failureOf(provider().testConnection(session))).message).toMatch(
      /API keys are turned off/,
    );
    expect((await provider().testConnection({ ...session, secret: fake.adminJwt })).role).toBe(
      'admin',
    );
  });

  it('an endpoint restricted for API keys is FORBIDDEN with what to do', async () => {
    fake.setRestrictedPaths(['/api/v1/users']);
    const error = await failureOf(collect(provider().fetchDirectory(session)));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/API key endpoint restrictions/);
  });

  it('looks a user up by id', async () => {
    const target = fake.directory.users.find(
      (u) => u.groups.length > 0 && u.role === 'user',
    ) as OpenWebUIWireUser;
    const { user, raw, context } = await provider().fetchUser(session, {
      kind: 'openwebui-id',
      userId: target.id,
    });
    expect(raw).toMatchObject({ id: target.id, groups: target.groups });
    expect(user).toMatchObject({
      userId: target.id,
      name: target.name,
      email: target.email,
      groups: [...target.groups].sort((a, b) => a.name.localeCompare(b.name)),
    });
    expect(context.groupNames).toMatchObject(
      Object.fromEntries(target.groups.map((g) => [g.id, g.name])),
    );
    expect(fake.requests.map((r) => r.path)).toEqual([`/api/v1/users/${target.id}`]);
  });

  it('looks a user up by email, any case, through the list search', async () => {
    const target = fake.directory.users.find((u) => u.role === 'user') as OpenWebUIWireUser;
    const ref = provider().parseRef(target.email.toUpperCase());
    expect(ref).toEqual({ kind: 'openwebui-email', email: target.email.toUpperCase() });
    const { user } = await provider().fetchUser(session, ref);
    expect(user).toMatchObject({ userId: target.id, email: target.email });
    const [search, byId] = fake.requests;
    expect(search!.path).toBe('/api/v1/users/');
    expect(search!.query.query).toBe(target.email.toUpperCase());
    expect(byId!.path).toBe(`/api/v1/users/${target.id}`);
  });

  it('an email nobody has exactly is NOT_FOUND in words, never "no user with id"', async () => {
    const someone = fake.directory.users[4] as OpenWebUIWireUser;
    // The search matches parts of emails; a longer address containing none is no answer.
    for (const email of ['nobody@nowhere.example', `x${someone.email}`]) {
      const error = await failureOf(provider().fetchUser(session, provider().parseRef(email)));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain(`Open WebUI has no user with the email ${email}.`);
      expect(error.message).not.toMatch(/with id/);
    }
  });

  it('an unknown id is NOT_FOUND in words', async () => {
    const error = await failureOf(
      provider().fetchUser(session, { kind: 'openwebui-id', userId: 'no-such-user' }),
    );
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Open WebUI has no user with id no-such-user.',
      serverMessage: "We could not find what you're looking for :/",
    });
  });

  it('shared-{chat_id}: current servers answer not found; older ones name the owner', async () => {
    const error = await failureOf(
      provider().fetchUser(session, { kind: 'openwebui-shared-chat', chatId: 'c-1' }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(
      /no shared chat c-1, or this server no longer resolves shared chats/,
    );
    const owner = fake.directory.users[3] as OpenWebUIWireUser;
    fake.setSharedChats({ 'c-1': owner.id });
    const { user } = await provider().fetchUser(session, {
      kind: 'openwebui-shared-chat',
      chatId: 'c-1',
    });
    expect(user.userId).toBe(owner.id);
    expect(fake.requests.at(-1)?.path).toBe('/api/v1/users/shared-c-1');
  });

  it('fetches the directory page by page until the total, a short last page included', async () => {
    const pages = await collect(provider().fetchDirectory(session));
    expect(pages.map((p) => [p.users.length, p.done, p.total])).toEqual([
      [30, 30, 95],
      [30, 60, 95],
      [30, 90, 95],
      [5, 95, 95],
    ]);
    const paths = fake.requests.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`);
    expect(paths).toEqual([
      '/api/v1/groups/?',
      '/api/v1/users/?page=1&order_by=created_at&direction=asc',
      '/api/v1/users/?page=2&order_by=created_at&direction=asc',
      '/api/v1/users/?page=3&order_by=created_at&direction=asc',
      '/api/v1/users/?page=4&order_by=created_at&direction=asc',
    ]);
    const users = pages.flatMap((p) => p.users.map((u) => u.user));
    expect(new Set(users.map((u) => u.userId)).size).toBe(95);
    expect(new Set(users.map((u) => u.role))).toEqual(new Set(['admin', 'user', 'pending']));
    expect(new Set(users.map((u) => u.avatar.kind))).toEqual(
      new Set(['inline', 'server', 'external']),
    );
    expect(users.some((u) => u.status !== null)).toBe(true);
    // Group names come from the groups list: no bare ids.
    const names = new Set(fake.directory.groups.map((g) => g.name));
    expect(users.flatMap((u) => u.groups).every((g) => names.has(g.name))).toBe(true);
    expect(users.flatMap((u) => u.groups).length).toBeGreaterThan(0);
  });

  it('de-duplicates when users shift between pages mid-sync, and ends', async () => {
    const gen = provider().fetchDirectory(session);
    const first = await gen.next();
    expect(first.value && first.value.users).toHaveLength(30);
    const early = {
      ...(fake.directory.users[5] as OpenWebUIWireUser),
      id: 'inserted-early',
      email: 'early@example.com',
      created_at: 1,
    };
    fake.putUser(early);
    const rest: string[] = [];
    for await (const page of gen) rest.push(...page.users.map((u) => u.user.userId));
    const all = [...(first.value?.users.map((u) => u.user.userId) ?? []), ...rest];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(95);
    fake.deleteUser('inserted-early');
  });

  it('a server that sends no total stops at the first short page', async () => {
    const all = Array.from({ length: 70 }, (_, i) => ({
      id: `u${i}`,
      name: `User ${i}`,
      role: 'user',
      email: `u${i}@x.io`,
      group_ids: [],
    }));
    const server = await startFakeServer((_req, res, url) => {
      const page = Number(url.searchParams.get('page'));
      sendJson(res, 200, JSON.stringify({ users: all.slice((page - 1) * 30, page * 30) }));
    });
    try {
      const pages = await collect(
        createOpenWebUIProvider({ http: testClient() }).fetchDirectory({
          ...session,
          baseUrl: server.url,
        }),
      );
      expect(pages.map((p) => [p.users.length, p.done, p.total])).toEqual([
        [30, 30, null],
        [30, 60, null],
        [10, 70, null],
      ]);
      expect(server.requests.filter((r) => r.path === '/api/v1/users/')).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('a wrong URL meets the web app’s HTML and is NOT_AN_API, never a user', async () => {
    const error = await failureOf(
      provider().fetchUser(
        { ...session, baseUrl: `${fake.url}/owui` },
        { kind: 'openwebui-id', userId: 'x' },
      ),
    );
    expect(error.code).toBe('NOT_AN_API');
    expect(error.message).toMatch(/a web page.*Rollcall adds \/api\/v1 itself/);
  });

  it('the list path without its trailing slash is the HTML trap the provider avoids', async () => {
    const res = await fetch(`${fake.url}/api/v1/users?page=1`, {
      headers: { Authorization: `Bearer ${fake.adminKey}` },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    await res.arrayBuffer();
  });

  it.each([
    [{ kind: 'html' } as const, 'NOT_AN_API'],
    [{ kind: 'truncated' } as const, 'BAD_RESPONSE'],
    [{ kind: 'timeout' } as const, 'TIMEOUT'],
    [{ kind: 'reset' } as const, 'OFFLINE'],
    [{ kind: 'gzip-bomb' } as const, 'TOO_LARGE'],
    [
      { kind: 'status', status: 429, body: '', headers: { 'Retry-After': '999' } } as const,
      'RATE_LIMITED',
    ],
  ])('broken mode %o is %s', async (mode, code) => {
    fake.setMode(mode, { match: (p) => p === '/api/v1/users/' });
    // A short timeout only where a timeout is the point: the others must not race it.
    const http = testClient({ timeoutMs: mode.kind === 'timeout' ? 300 : 10_000 });
    const error = await failureOf(
      collect(createOpenWebUIProvider({ http }).fetchDirectory(session)),
    );
    expect(error.code).toBe(code);
  });

  it('a proxy’s 429 with Retry-After is waited out mid-directory', async () => {
    fake.setMode(
      { kind: 'status', status: 429, body: '', headers: { 'Retry-After': '1.5' } },
      { times: 1, match: (p) => p === '/api/v1/users/' },
    );
    const http = testClient();
    const waits: number[] = [];
    const pages = await collect(
      createOpenWebUIProvider({ http }).fetchDirectory(session, { onWait: (s) => waits.push(s) }),
    );
    expect(pages.at(-1)?.done).toBe(95);
    expect(waits).toEqual([1.5]);
    expect(http.waits).toEqual([1500]);
  });

  it('fetches avatars with the bearer key on the server, and without it elsewhere', async () => {
    const p = provider();
    const byKind = (test: (u: OpenWebUIWireUser) => boolean) => {
      const raw = fake.directory.users.find(test) as OpenWebUIWireUser;
      return normalizeOpenWebUIUser(raw, { connectionId: 'oc', baseUrl: fake.url, context: null });
    };
    const inline = byKind((u) => u.profile_image_url.startsWith('data:'));
    fake.requests.length = 0;
    expect((await p.fetchAvatar(session, inline)).contentType).toBe('image/png');
    expect(fake.requests).toHaveLength(0);

    for (const user of [
      byKind((u) => u.profile_image_url === '/user.png'),
      byKind((u) => u.profile_image_url.includes('/profile/image')),
    ]) {
      const picture = await p.fetchAvatar(session, user);
      expect(picture.contentType).toBe('image/png');
      expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${fake.adminKey}`);
    }

    const cdn = await startFakeServer((_req, res) =>
      sendBytes(res, 200, 'image/jpeg', jpegClaiming(2, 2)),
    );
    try {
      // The image route answers 302 to the external picture: the key stays behind.
      const raw = {
        ...(fake.directory.users[1] as OpenWebUIWireUser),
        id: 'ext-user',
        email: 'ext@example.com',
        profile_image_url: `${cdn.url}/face.jpg`,
      };
      fake.putUser(raw);
      const viaRoute = normalizeOpenWebUIUser(
        { ...raw, profile_image_url: '/api/v1/users/ext-user/profile/image' },
        { connectionId: 'oc', baseUrl: fake.url, context: null },
      );
      expect((await p.fetchAvatar(session, viaRoute)).contentType).toBe('image/jpeg');
      expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${fake.adminKey}`);
      expect(cdn.requests[0]?.path).toBe('/face.jpg');
      expect(cdn.requests[0]?.headers.authorization).toBeUndefined();

      const direct = normalizeOpenWebUIUser(raw, {
        connectionId: 'oc',
        baseUrl: fake.url,
        context: null,
      });
      expect(direct.avatar.kind).toBe('external');
      await p.fetchAvatar(session, direct);
      expect(cdn.requests[1]?.headers.authorization).toBeUndefined();
    } finally {
      fake.deleteUser('ext-user');
      await cdn.close();
    }
  });

  it('refuses an SVG avatar', async () => {
    const svgServer = await startFakeServer((_req, res) =>
      sendBytes(res, 200, 'image/svg+xml', Buffer.from('<svg onload="alert(1)"/>')),
    );
    try {
      const user = normalizeOpenWebUIUser(
        { id: 'svg', profile_image_url: `${svgServer.url}/a.svg` },
        env,
      );
      const error = await failureOf(provider().fetchAvatar(session, user));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toMatch(/SVG/);
    } finally {
      await svgServer.close();
    }
  });
});
