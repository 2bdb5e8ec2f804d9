// The fakes answer as the real servers do. Every Zulip fake answer (users,
// one user by ID and by email, the key owner, fields, presence, groups, and
// the error bodies, and the answers to role changes, deactivations and
// reactivations) validates against the schemas of Zulip's own OpenAPI
// description, as do the write requests it is sent; every Open WebUI fake
// answer has exactly the keys, order and value types of the fixture files
// captured from a real server.
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { fixture } from '../fakes/openwebui-fixtures';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { at, pointerSegment, zulipSchemaErrors, zulipValidator } from '../fakes/zulip-spec';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const esc = pointerSegment;
const success = (endpoint: string) =>
  `/paths/${esc(endpoint)}/get/responses/200/content/application~1json/schema`;
const component = (name: string) => `/components/schemas/${name}`;

function expectValid(pointer: string, body: unknown): void {
  const errors = zulipSchemaErrors(pointer, body);
  if (errors.length > 0) throw new Error(`answer does not match ${pointer}:\n${errors.join('\n')}`);
}

describe('the Zulip fake against Zulip’s OpenAPI description', () => {
  let fake: ZulipFake;
  let auth: string;

  beforeAll(async () => {
    zulipValidator(component('User'));
    fake = await startZulipFake({ seed: 11, count: 250 });
    auth = `Basic ${Buffer.from(`${fake.admin.email}:${fake.admin.apiKey}`).toString('base64')}`;
  });
  afterAll(async () => {
    await fake.close();
  });

  async function get(
    path: string,
    authorization: string | null = auth,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(`${fake.url}/api/v1${path}`, {
      headers: authorization ? { Authorization: authorization } : {},
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  it.each([
    ['client_gravatar=true&include_custom_profile_fields=true'],
    ['client_gravatar=false&include_custom_profile_fields=true'],
    [''],
  ])('GET /users?%s: every member', async (query) => {
    const { status, body } = await get(`/users?${query}`);
    expect(status).toBe(200);
    expect((body as { members: unknown[] }).members).toHaveLength(250);
    expectValid(success('/users'), body);
  });

  it('GET /users/{user_id} for every user, and /users/{email}', async () => {
    for (const m of fake.directory.members) {
      const { status, body } = await get(
        `/users/${m.user_id}?client_gravatar=true&include_custom_profile_fields=true`,
      );
      expect(status).toBe(200);
      expectValid(success('/users/{user_id}'), body);
    }
    const someone = fake.directory.members[20];
    const { body } = await get(`/users/${encodeURIComponent(someone?.email ?? '')}`);
    expectValid(success('/users/{email}'), body);
  });

  it('GET /users/me, /realm/profile_fields, /realm/presence and /user_groups', async () => {
    expectValid(success('/users/me'), (await get('/users/me')).body);
    expectValid(success('/realm/profile_fields'), (await get('/realm/profile_fields')).body);
    expectValid(success('/realm/presence'), (await get('/realm/presence')).body);
    expectValid(success('/user_groups'), (await get('/user_groups')).body);
  });

  it('GET /users/{id}/presence for everyone with presence', async () => {
    const withPresence = fake.directory.members.filter((m) => fake.directory.presences[m.email]);
    expect(withPresence.length).toBeGreaterThan(10);
    for (const m of withPresence) {
      const { status, body } = await get(`/users/${m.user_id}/presence`);
      expect(status).toBe(200);
      expectValid(success('/users/{user_id_or_email}/presence'), body);
    }
  });

  it('the error bodies, with the statuses the server really uses', async () => {
    const bad = `Basic ${Buffer.from(`${fake.admin.email}:${'Z'.repeat(32)}`).toString('base64')}`;
    const invalid = await get('/users/me', bad);
    expect(invalid.status).toBe(401);
    expect(invalid.body).toEqual({
      result: 'error',
      msg: 'Invalid API key',
      code: 'INVALID_API_KEY',
    });
    expectValid(component('InvalidApiKeyError'), invalid.body);

    const none = await get('/users/me', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="zulip"');
    expectValid(component('CodedError'), none.body);

    const noSuchUser = await get('/users/999999');
    expect(noSuchUser.status).toBe(400);
    expect(noSuchUser.body).toEqual({ result: 'error', msg: 'No such user', code: 'BAD_REQUEST' });
    expectValid(component('CodedError'), noSuchUser.body);

    const deactivated = await get(
      '/users/me',
      `Basic ${Buffer.from(`${fake.deactivated.email}:${fake.deactivated.apiKey}`).toString('base64')}`,
    );
    expect(deactivated.status).toBe(401);
    expectValid(component('UserDeactivatedError'), deactivated.body);

    fake.setRealmDeactivated(true);
    const realm = await get('/users/me');
    fake.setRealmDeactivated(false);
    expect(realm.status).toBe(401);
    expectValid(component('RealmDeactivatedError'), realm.body);

    const bot = fake.directory.members.find((m) => m.is_bot && m.is_active);
    const botPresence = await get(`/users/${bot?.user_id}/presence`);
    expect(botPresence.status).toBe(400);
    expectValid(component('CodedError'), botPresence.body);
  });

  it('429: Zulip’s real body and headers; the description types retry-after as an integer, servers send a float', async () => {
    fake.setRateLimit({ limit: 1, windowSeconds: 30 });
    try {
      await get('/users/me');
      const limited = await get('/users/me');
      expect(limited.status).toBe(429);
      const body = limited.body as Record<string, unknown>;
      expect(body).toMatchObject({
        result: 'error',
        code: 'RATE_LIMIT_HIT',
        msg: 'API usage exceeded rate limit',
      });
      expect(Number(limited.headers.get('retry-after'))).toBeCloseTo(
        body['retry-after'] as number,
        5,
      );
      expect(Number.isInteger(body['retry-after'])).toBe(false);
      expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(limited.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      // The known disagreement, pinned so a fixed description shows up here.
      expect(
        at([
          'components',
          'schemas',
          'RateLimitedError',
          'allOf',
          1,
          'properties',
          'retry-after',
          'type',
        ]),
      ).toBe('integer');
      expectValid(component('CodedErrorBase'), body);
      expectValid(component('RateLimitedError'), {
        ...body,
        'retry-after': Math.ceil(body['retry-after'] as number),
      });
    } finally {
      fake.setRateLimit(null);
    }
  });

  it('the write endpoints: requests checked and answers valid against the description', async () => {
    const send = async (method: string, path: string, form?: Record<string, string>) => {
      const res = await fetch(`${fake.url}/api/v1${path}`, {
        method,
        headers: {
          Authorization: auth,
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
      expect(res.headers.get('content-type')).toBe('application/json');
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const member = fake.directory.members.find((m) => m.role === 400 && m.is_active && !m.is_bot);
    const bot = fake.directory.members.find((m) => m.is_bot && m.is_active);
    if (!member || !bot) throw new Error('no member or bot');
    const ok = component('JsonSuccess');
    const refused = component('CodedError');
    const cases: [string, string, Record<string, string> | undefined, number, string][] = [
      ['PATCH', `/users/${member.user_id}`, { role: '300' }, 200, ok],
      ['PATCH', `/users/${member.user_id}`, { role: '400' }, 200, ok],
      ['PATCH', `/users/${member.user_id}`, { full_name: member.full_name }, 200, ok],
      ['PATCH', `/users/${member.user_id}`, { role: '250' }, 400, refused],
      ['PATCH', '/users/999999', { role: '400' }, 400, refused],
      ['DELETE', `/users/${bot.user_id}`, undefined, 400, refused],
      ['DELETE', `/users/${member.user_id}`, undefined, 200, ok],
      ['DELETE', `/users/${member.user_id}`, undefined, 400, refused],
      ['POST', `/users/${member.user_id}/reactivate`, undefined, 200, ok],
      [
        'DELETE',
        `/users/${fake.admin.userId}`,
        { deactivation_notification_comment: '' },
        400,
        refused,
      ],
    ];
    const owners = fake.directory.members.filter(
      (m) => m.role === 100 && !m.is_bot && m.user_id !== fake.admin.userId,
    );
    for (const o of owners) fake.putUser({ ...o, role: 400, is_owner: false, is_admin: false });
    try {
      for (const [method, path, form, status, schema] of cases) {
        const answer = await send(method, path, form);
        expect([method, path, answer.status]).toEqual([method, path, status]);
        expectValid(schema, answer.body);
      }
    } finally {
      for (const o of owners) fake.putUser(o);
    }
    expect(fake.writeViolations).toEqual([]);
    expect(fake.userById(member.user_id)).toMatchObject({ role: 400, is_active: true });

    // The checks catch a request the description does not allow.
    await send('PATCH', `/users/${member.user_id}`, { surprise: '1' });
    await send('POST', `/users/${member.user_id}/reactivate`, { role: '400' });
    expect(fake.writeViolations).toEqual([
      `PATCH /api/v1/users/${member.user_id}: parameter surprise is not described`,
      `POST /api/v1/users/${member.user_id}/reactivate: a body where none is described: role=400`,
    ]);
    fake.writeViolations.length = 0;
  });

  it('the schemas are strict enough to catch a wrong answer', () => {
    expect(() =>
      expectValid(success('/users/{user_id}'), {
        result: 'success',
        msg: '',
        user: { user_id: '8' },
      }),
    ).toThrow(/does not match/);
    expect(() =>
      expectValid(success('/users'), {
        result: 'success',
        msg: '',
        members: [{ user_id: 8, surprise: true }],
      }),
    ).toThrow(/does not match/);
  });
});

type Shape = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
function kindOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as Shape;
}

/** Key order and the types each key takes across a set of example objects. */
function shapeOf(examples: unknown[]): { keys: string[]; types: Map<string, Set<Shape>> } {
  const first = examples[0] as Record<string, Json>;
  const types = new Map<string, Set<Shape>>();
  for (const e of examples) {
    for (const [k, v] of Object.entries(e as Record<string, Json>)) {
      (types.get(k) ?? types.set(k, new Set()).get(k))?.add(kindOf(v));
    }
  }
  return { keys: Object.keys(first), types };
}

/**
 * Keys the fixtures only ever show as null, with the type the server's model
 * gives them (backend/open_webui/models/users.py: Optional[str] / Optional[dict]).
 */
const NULL_IN_FIXTURES: Record<string, Shape> = {
  username: 'string',
  gender: 'string',
  presence_state: 'string',
  scim: 'object',
  profile_banner_image_url: 'string',
};

function expectShape(
  value: unknown,
  expected: { keys: string[]; types: Map<string, Set<Shape>> },
  what: string,
): void {
  const obj = value as Record<string, unknown>;
  expect(Object.keys(obj), `${what}: keys and their order`).toEqual(expected.keys);
  for (const [k, v] of Object.entries(obj)) {
    const allowed = new Set(expected.types.get(k));
    const extra = NULL_IN_FIXTURES[k];
    if (extra) allowed.add(extra);
    expect(
      allowed.has(kindOf(v)),
      `${what}.${k} is ${kindOf(v)}, fixtures say ${[...allowed].join('|')}`,
    ).toBe(true);
  }
}

describe('the Open WebUI fake against the fixture files', () => {
  let fake: OpenWebUIFake;
  const singleShape = shapeOf(
    [
      'user_normal.json',
      'user_admin_with_groups.json',
      'user_pending.json',
      'user_all_optional_null.json',
    ].map(fixture),
  );
  const listFixture = fixture('users_list.json') as { users: unknown[] };
  const listShape = shapeOf(listFixture.users);
  const groupShape = shapeOf(fixture('groups_list.json') as unknown[]);

  beforeAll(async () => {
    fake = await startOpenWebUIFake({ seed: 13, count: 95 });
  });
  afterAll(async () => {
    await fake.close();
  });

  async function get(
    path: string,
    token: string | null = fake.adminKey,
  ): Promise<{ status: number; body: unknown; type: string | null }> {
    const res = await fetch(`${fake.url}${path}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    const type = res.headers.get('content-type');
    return {
      status: res.status,
      type,
      body: type === 'application/json' ? await res.json() : await res.text(),
    };
  }

  it('every list page: {users, total} with list-shaped users', async () => {
    expect(Object.keys(fixture('users_list.json') as object)).toEqual(['users', 'total']);
    let seen = 0;
    for (let page = 1; page <= 4; page++) {
      const { status, body } = await get(
        `/api/v1/users/?page=${page}&order_by=created_at&direction=asc`,
      );
      expect(status).toBe(200);
      const list = body as { users: unknown[]; total: number };
      expect(Object.keys(list)).toEqual(['users', 'total']);
      expect(list.total).toBe(95);
      for (const u of list.users) {
        expectShape(u, listShape, 'list user');
        expect((u as { group_ids: unknown[] }).group_ids.every((g) => typeof g === 'string')).toBe(
          true,
        );
      }
      seen += list.users.length;
    }
    expect(seen).toBe(95);
  });

  it('every single user: the single-user shape, groups as {id, name}', async () => {
    for (const u of fake.directory.users) {
      const { status, body } = await get(`/api/v1/users/${u.id}`);
      expect(status).toBe(200);
      expectShape(body, singleShape, `user ${u.id}`);
      for (const g of (body as { groups: unknown[] }).groups)
        expect(Object.keys(g as object)).toEqual(['id', 'name']);
    }
  });

  it('the groups list', async () => {
    const { body } = await get('/api/v1/groups/');
    expect((body as unknown[]).length).toBeGreaterThan(1);
    for (const g of body as unknown[]) expectShape(g, groupShape, 'group');
  });

  it('GET /api/v1/auths/: the fields of SessionUserInfoResponse (routers/auths.py)', async () => {
    const { body } = await get('/api/v1/auths/');
    expect(Object.keys(body as object).sort()).toEqual(
      [
        'id',
        'email',
        'name',
        'role',
        'profile_image_url',
        'token',
        'token_type',
        'expires_at',
        'permissions',
        'status_emoji',
        'status_message',
        'status_expires_at',
        'bio',
        'gender',
        'date_of_birth',
      ].sort(),
    );
    expect(body).toMatchObject({ token_type: 'Bearer', role: 'admin', expires_at: null });
  });

  it.each([
    ['error_400_user_not_found.json', () => get('/api/v1/users/no-such-id')],
    ['error_400_user_not_found.json', () => get('/api/v1/users/shared-no-such-chat')],
    ['error_401_not_admin.json', () => get('/api/v1/users/', fake.userKey)],
    ['error_401_not_admin.json', () => get('/api/v1/groups/', fake.pendingKey)],
    ['error_401_not_authenticated.json', () => get('/api/v1/users/', null)],
    ['error_401_invalid_token.json', () => get('/api/v1/users/', 'sk-0000')],
    ['error_401_revoked_token.json', () => get('/api/v1/users/', fake.revokedKey)],
    [
      'error_401_unauthorized_bad_jwt.json',
      () => get('/api/v1/users/', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'),
    ],
    ['error_422_bad_page.json', () => get('/api/v1/users/?page=two')],
  ])('%s, as the fake sends it', async (name, request) => {
    const { status, body, type } = await request();
    expect(type).toBe('application/json');
    expect(status).toBe(Number(name.slice(6, 9)));
    expect(body).toEqual(fixture(name));
  });

  it('error_403_api_key_not_allowed.json and error_403_endpoint_restricted.json', async () => {
    fake.setApiKeysEnabled(false);
    const disabled = await get('/api/v1/auths/');
    fake.setApiKeysEnabled(true);
    expect([disabled.status, disabled.body]).toEqual([
      403,
      fixture('error_403_api_key_not_allowed.json'),
    ]);
    fake.setRestrictedPaths(['/api/v1/groups/']);
    const restricted = await get('/api/v1/groups/');
    fake.setRestrictedPaths([]);
    expect([restricted.status, restricted.body]).toEqual([
      403,
      fixture('error_403_endpoint_restricted.json'),
    ]);
  });

  it('the write endpoints: the update answers UserModel, the delete true, refusals {detail}', async () => {
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${fake.url}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${fake.adminKey}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.headers.get('content-type')).toBe('application/json');
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const target = fake.directory.users.find((u) => u.role === 'user');
    const other = fake.directory.users.find((u) => u.role === 'user' && u.id !== target?.id);
    if (!target || !other) throw new Error('no users');
    const form = {
      name: target.name,
      email: target.email,
      role: 'pending',
      profile_image_url: target.profile_image_url,
    };
    const updated = await send('POST', `/api/v1/users/${target.id}/update`, form);
    expect(updated.status).toBe(200);
    const modelKeys = singleShape.keys.filter((k) => k !== 'groups' && k !== 'is_active');
    expect(Object.keys(updated.body as object).sort()).toEqual([...modelKeys].sort());
    expect(updated.body).toMatchObject({ id: target.id, role: 'pending' });
    await send('POST', `/api/v1/users/${target.id}/update`, { ...form, role: 'user' });

    const taken = await send('POST', `/api/v1/users/${target.id}/update`, {
      ...form,
      email: other.email,
    });
    expect(taken).toEqual({
      status: 400,
      body: {
        detail:
          'Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.',
      },
    });
    const unknown = await send('POST', '/api/v1/users/no-such-id/update', form);
    expect(unknown).toEqual({ status: 400, body: fixture('error_400_user_not_found.json') });
    const notAdmin = await fetch(`${fake.url}/api/v1/users/${target.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${fake.userKey}` },
    });
    expect([notAdmin.status, await notAdmin.json()]).toEqual([
      401,
      fixture('error_401_not_admin.json'),
    ]);
    const deleted = await send('DELETE', `/api/v1/users/${other.id}`);
    expect(deleted).toEqual({ status: 200, body: true });
    fake.putUser(other);
    expect(fake.writeViolations).toEqual([]);
  });

  it('unknown paths, the vendor page’s path and the list without its slash answer the web app', async () => {
    for (const path of ['/api/users/abc', '/api/v1/users', '/api/v1/nothing', '/some/page']) {
      const { status, type, body } = await get(path);
      expect([path, status, type]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(String(body)).toMatch(/^<!doctype html>/);
    }
  });
});
