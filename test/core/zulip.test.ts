// Zulip: the normalizer against the examples of Zulip's own API description
// and hand-made edge cases, then the provider against the fake Zulip server:
// lookups, the directory with presence and groups, errors in words, the rate
// limit, broken modes and avatars with the right credentials.
import {
  PROFILE_FIELD_TYPES,
  type DirectoryUser,
  type ProfileFieldDefinition,
} from '@shared/model';
import { md5Hex } from '@core/providers/gravatar';
import { createZulipProvider } from '@core/providers/zulip';
import { normalizeZulipProfileFields } from '@core/providers/zulip-fields';
import { asZulipContext, normalizeZulipUser } from '@core/providers/zulip-user';
import { zulipGroupsOf, zulipPresenceOf } from '@core/providers/zulip-wire';
import type { ProviderSession, ZulipContext } from '@core/providers/types';
import { createHttpClient } from '@core/net/http';
import { syntheticPng } from '@core/services/synthetic/pictures';
import type { ZulipWireUser } from '@core/services/synthetic/wire-shapes';
import { startFakeServer, sendBytes } from '../fakes/fake-http';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { successExample } from '../fakes/zulip-spec';
import { collect, failureOf, nodeFetch, testClient } from '../fakes/test-client';

const BASE = 'https://chat.example.com';

function specContext(): ZulipContext {
  return {
    kind: 'zulip',
    fetchedAt: 1,
    profileFields: normalizeZulipProfileFields(successExample('/realm/profile_fields')),
    groupNames: { '3': 'hamletcharacters' },
    groupIdsByUser: { '10': ['3'] },
  };
}

function specMember(userId: number): unknown {
  const members = successExample('/users').members as { user_id: number }[];
  const m = members.find((x) => x.user_id === userId);
  if (!m) throw new Error(`no example member ${userId}`);
  return m;
}

const env = (context: ZulipContext | null = specContext()) => ({
  connectionId: 'c1',
  baseUrl: BASE,
  context,
});

describe('profile field definitions', () => {
  it('parses the example organization’s nine fields in order, with choices and subtypes', () => {
    const defs = normalizeZulipProfileFields(successExample('/realm/profile_fields'));
    expect(defs.map((d) => [d.id, d.name, d.type, d.displayInSummary])).toEqual([
      ['1', 'Phone number', 'short_text', false],
      ['2', 'Biography', 'long_text', false],
      ['3', 'Favorite food', 'short_text', false],
      ['4', 'Favorite editor', 'choice', true],
      ['5', 'Birthday', 'date', false],
      ['6', 'Favorite website', 'link', true],
      ['7', 'Mentor', 'person', false],
      ['8', 'GitHub', 'external_account', false],
      ['9', 'Pronouns', 'pronouns', false],
    ]);
    const editor = defs.find((d) => d.id === '4') as ProfileFieldDefinition;
    expect(editor.choices).toEqual([
      { key: '0', text: 'Vim', order: 1 },
      { key: '1', text: 'Emacs', order: 2 },
    ]);
    expect(defs.find((d) => d.id === '8')?.externalAccount).toEqual({
      subtype: 'github',
      urlPattern: 'https://github.com/%(username)s',
    });
    expect(defs.find((d) => d.id === '2')).toMatchObject({
      hint: 'What are you known for?',
      required: true,
      typeCode: 2,
    });
  });

  it('keeps unknown types visible and survives broken field_data', () => {
    const defs = normalizeZulipProfileFields({
      custom_fields: [
        { id: 3, name: 'Shoe size', type: 99, hint: '', order: 2 },
        { id: 4, name: 'Team', type: 3, field_data: '{not json', order: 1 },
        {
          id: 5,
          name: 'Mastodon',
          type: 7,
          field_data: '{"subtype":"custom","url_pattern":"https://social.example/@%(username)s"}',
          order: 3,
        },
        { name: 'no id' },
        'garbage',
      ],
    });
    expect(defs.map((d) => [d.id, d.type, d.typeCode])).toEqual([
      ['4', 'choice', 3],
      ['3', 'unknown', 99],
      ['5', 'external_account', 7],
    ]);
    expect(defs[0]?.choices).toEqual([]);
    expect(defs[2]?.externalAccount).toEqual({
      subtype: 'custom',
      urlPattern: 'https://social.example/@%(username)s',
    });
  });
});

describe('normalizeZulipUser on the API description’s examples', () => {
  it('King Hamlet: every field type joined with its definition', () => {
    const user = normalizeZulipUser(specMember(10), env());
    const expected: DirectoryUser = {
      connectionId: 'c1',
      kind: 'zulip',
      userId: '10',
      name: 'King Hamlet',
      username: null,
      email: 'hamlet@zulip.com',
      deliveryEmail: null,
      role: 'member',
      isBot: false,
      bot: null,
      deactivated: false,
      timezone: null,
      joinedAt: Date.parse('2019-10-20T07:50:53.729Z'),
      updatedAt: null,
      presence: null,
      status: null,
      avatar: {
        kind: 'external',
        url: 'https://secure.gravatar.com/avatar/6d8cad0fd00256e7b40691d27ddfd466?d=identicon&version=1',
      },
      groups: [{ id: '3', name: 'hamletcharacters' }],
      profileFields: [
        {
          fieldId: '1',
          name: 'Phone number',
          type: 'short_text',
          order: 1,
          displayInSummary: false,
          value: '+0-11-23-456-7890',
          text: '+0-11-23-456-7890',
          renderedHtml: '<p>+0-11-23-456-7890</p>',
          url: null,
          userIds: null,
        },
        {
          fieldId: '2',
          name: 'Biography',
          type: 'long_text',
          order: 2,
          displayInSummary: false,
          value: 'I am:\n* The prince of Denmark\n* Nephew to the usurping Claudius',
          text: 'I am:\n* The prince of Denmark\n* Nephew to the usurping Claudius',
          renderedHtml:
            '<p>I am:</p>\n<ul>\n<li>The prince of Denmark</li>\n<li>Nephew to the usurping Claudius</li>\n</ul>',
          url: null,
          userIds: null,
        },
        {
          fieldId: '3',
          name: 'Favorite food',
          type: 'short_text',
          order: 3,
          displayInSummary: false,
          value: 'Dark chocolate',
          text: 'Dark chocolate',
          renderedHtml: '<p>Dark chocolate</p>',
          url: null,
          userIds: null,
        },
        {
          fieldId: '4',
          name: 'Favorite editor',
          type: 'choice',
          order: 4,
          displayInSummary: true,
          value: '0',
          text: 'Vim',
          renderedHtml: null,
          url: null,
          userIds: null,
        },
        {
          fieldId: '5',
          name: 'Birthday',
          type: 'date',
          order: 5,
          displayInSummary: false,
          value: '1900-01-01',
          text: '1900-01-01',
          renderedHtml: null,
          url: null,
          userIds: null,
        },
        {
          fieldId: '6',
          name: 'Favorite website',
          type: 'link',
          order: 6,
          displayInSummary: true,
          value: 'https://blog.zulig.org',
          text: 'https://blog.zulig.org',
          renderedHtml: null,
          url: 'https://blog.zulig.org/',
          userIds: null,
        },
        {
          fieldId: '7',
          name: 'Mentor',
          type: 'person',
          order: 7,
          displayInSummary: false,
          value: '[11]',
          text: '11',
          renderedHtml: null,
          url: null,
          userIds: ['11'],
        },
        {
          fieldId: '8',
          name: 'GitHub',
          type: 'external_account',
          order: 8,
          displayInSummary: false,
          value: 'zulipbot',
          text: 'zulipbot',
          renderedHtml: null,
          url: 'https://github.com/zulipbot',
          userIds: null,
        },
      ],
      bio: null,
      gender: null,
      dateOfBirth: null,
      extra: { is_billing_admin: false },
    };
    expect(user).toEqual(expected);
  });

  it('aaron: a member with no fields', () => {
    const user = normalizeZulipUser(specMember(7), env());
    expect(user).toMatchObject({
      userId: '7',
      name: 'aaron',
      email: 'AARON@zulip.com',
      role: 'member',
      isBot: false,
      groups: [],
      profileFields: [],
    });
  });

  it("Iago's Bot: a generic bot with its owner", () => {
    const user = normalizeZulipUser(specMember(23), env());
    expect(user).toMatchObject({
      userId: '23',
      name: "Iago's Bot",
      isBot: true,
      bot: { type: 1, typeLabel: 'Generic bot', ownerId: '11' },
      email: 'iago-bot@zulipdev.com',
      deliveryEmail: 'iago-bot@zulipdev.com',
      deactivated: false,
    });
  });

  it('the key owner of /users/me reads the same way', () => {
    const me = successExample('/users/me');
    const user = normalizeZulipUser(me, env());
    expect(user).toMatchObject({
      userId: '5',
      name: 'Iago',
      role: 'administrator',
      deliveryEmail: 'iago@zulip.com',
    });
    expect(user.profileFields.map((f) => [f.name, f.text])).toEqual([
      ['Phone number', '+1-234-567-8901'],
      ['Biography', 'Betrayer of Othello.'],
      ['Favorite food', 'Apples'],
      ['Favorite editor', 'emacs'],
      ['Birthday', '2000-01-01'],
      ['Favorite website', 'https://zulip.readthedocs.io/en/latest/'],
      ['Mentor', '10'],
      ['GitHub', 'zulip'],
    ]);
  });
});

describe('normalizeZulipUser on edge cases', () => {
  const base: ZulipWireUser = {
    email: 'user12@chat.example.com',
    user_id: 12,
    avatar_version: 3,
    is_admin: false,
    is_owner: false,
    is_guest: true,
    is_billing_admin: false,
    role: 600,
    is_bot: false,
    full_name: 'Zoë Müller',
    timezone: 'Europe/Berlin',
    is_active: false,
    date_joined: '2021-03-04T05:06:07.123456+00:00',
    delivery_email: 'Zoe.Muller@Example.com',
    avatar_url: null,
  };

  it('roles, deactivation, timezone, join date, and both emails', () => {
    const user = normalizeZulipUser(base, env(null));
    expect(user).toMatchObject({
      role: 'guest',
      deactivated: true,
      timezone: 'Europe/Berlin',
      joinedAt: Date.parse('2021-03-04T05:06:07.123Z'),
      email: 'user12@chat.example.com',
      deliveryEmail: 'Zoe.Muller@Example.com',
      extra: { is_billing_admin: false, avatar_version: 3 },
    });
  });

  it.each([
    [100, 'owner'],
    [200, 'administrator'],
    [300, 'moderator'],
    [400, 'member'],
    [600, 'guest'],
  ] as const)('role %i is %s', (role, expected) => {
    expect(normalizeZulipUser({ ...base, role }, env(null)).role).toBe(expected);
  });

  it('older servers without `role`: the flags decide; an unknown role is kept in extra', () => {
    const { role: _role, ...old } = base;
    expect(
      normalizeZulipUser({ ...old, is_owner: true, is_admin: true, is_guest: false }, env(null))
        .role,
    ).toBe('owner');
    expect(normalizeZulipUser({ ...old, is_admin: true, is_guest: false }, env(null)).role).toBe(
      'administrator',
    );
    expect(normalizeZulipUser({ ...old, is_guest: false }, env(null)).role).toBe('member');
    const future = normalizeZulipUser({ ...base, role: 500 as never, is_guest: false }, env(null));
    expect(future.role).toBe('member');
    expect(future.extra.role).toBe(500);
  });

  it('a null avatar is the Gravatar of the real email, lower-cased, with the version', () => {
    const user = normalizeZulipUser(base, env(null));
    expect(user.avatar).toEqual({
      kind: 'external',
      url: `https://secure.gravatar.com/avatar/${md5Hex('zoe.muller@example.com')}?d=identicon&version=3`,
    });
  });

  it('a relative avatar is on the server (credentials); another origin is external', () => {
    expect(
      normalizeZulipUser({ ...base, avatar_url: '/user_avatars/2/abc.png?version=3' }, env(null))
        .avatar,
    ).toEqual({
      kind: 'server',
      url: `${BASE}/user_avatars/2/abc.png?version=3`,
    });
    expect(
      normalizeZulipUser({ ...base, avatar_url: `${BASE}/user_avatars/x.png` }, env(null)).avatar
        .kind,
    ).toBe('server');
    expect(
      normalizeZulipUser({ ...base, avatar_url: 'https://s3.example.net/a.png' }, env(null)).avatar,
    ).toEqual({
      kind: 'external',
      url: 'https://s3.example.net/a.png',
    });
    expect(
      normalizeZulipUser({ ...base, avatar_url: 'javascript:alert(1)' }, env(null)).avatar,
    ).toEqual({ kind: 'none' });
  });

  it('a server under a path prefix resolves relative avatars under it', () => {
    const user = normalizeZulipUser(
      { ...base, avatar_url: '/user_avatars/a.png' },
      { connectionId: 'c1', baseUrl: 'https://example.com/zulip', context: null },
    );
    expect(user.avatar).toEqual({
      kind: 'server',
      url: 'https://example.com/zulip/user_avatars/a.png',
    });
  });

  it('no avatar_url key at all: the server’s own avatar route', () => {
    const { avatar_url: _a, ...rest } = base;
    expect(normalizeZulipUser(rest, env(null)).avatar).toEqual({
      kind: 'server',
      url: `${BASE}/avatar/12`,
    });
  });

  it('bots of every type, and a legacy bot without owner', () => {
    const labels = [1, 2, 3, 4].map(
      (t) =>
        normalizeZulipUser({ ...base, is_bot: true, bot_type: t, bot_owner_id: 8 }, env(null)).bot,
    );
    expect(labels).toEqual([
      { type: 1, typeLabel: 'Generic bot', ownerId: '8' },
      { type: 2, typeLabel: 'Incoming webhook', ownerId: '8' },
      { type: 3, typeLabel: 'Outgoing webhook', ownerId: '8' },
      { type: 4, typeLabel: 'Embedded bot', ownerId: '8' },
    ]);
    expect(
      normalizeZulipUser({ ...base, is_bot: true, bot_type: null, bot_owner_id: null }, env(null))
        .bot,
    ).toEqual({
      type: null,
      typeLabel: 'Bot',
      ownerId: null,
    });
  });

  it('values without definitions, unknown choices, odd person values and custom URL patterns', () => {
    const context: ZulipContext = {
      kind: 'zulip',
      fetchedAt: 1,
      profileFields: normalizeZulipProfileFields([
        {
          id: 1,
          name: 'Team',
          type: 3,
          field_data: '{"a":{"text":"Alpha","order":"1"}}',
          order: 1,
        },
        { id: 2, name: 'Buddy', type: 6, order: 2 },
        {
          id: 3,
          name: 'Mastodon',
          type: 7,
          field_data: '{"subtype":"custom","url_pattern":"https://social.example/@%(username)s"}',
          order: 3,
        },
        { id: 4, name: 'Homepage', type: 5, order: 4 },
      ]),
      groupNames: null,
      groupIdsByUser: null,
    };
    const user = normalizeZulipUser(
      {
        ...base,
        profile_data: {
          '1': { value: 'zzz' },
          '2': { value: 'not json' },
          '3': { value: 'zoë m' },
          '4': { value: 'javascript:alert(1)' },
          '12': { value: 'left over' },
          '13': { value: '' },
          x: { value: 'ignored' },
        },
      },
      { connectionId: 'c1', baseUrl: BASE, context },
    );
    expect(user.profileFields.map((f) => [f.name, f.type, f.text, f.url, f.userIds])).toEqual([
      ['Team', 'choice', 'zzz', null, null],
      ['Buddy', 'person', '', null, []],
      ['Mastodon', 'external_account', 'zoë m', 'https://social.example/@zo%C3%AB%20m', null],
      ['Homepage', 'link', 'javascript:alert(1)', null, null],
      ['Field 12', 'unknown', 'left over', null, null],
    ]);
  });

  it('a malformed cached context counts as none', () => {
    expect(asZulipContext({ kind: 'zulip', fetchedAt: 'yesterday' })).toBeNull();
    expect(asZulipContext({ kind: 'zulip', fetchedAt: 1, profileFields: [{ id: 1 }] })).toBeNull();
    expect(
      normalizeZulipUser(base, {
        connectionId: 'c1',
        baseUrl: BASE,
        context: { kind: 'zulip' } as never,
      }).profileFields,
    ).toEqual([]);
  });

  it.each([null, 'text', [], {}, { user_id: 'ten' }, { user_id: 0 }, { user_id: 1.5 }])(
    '%j is BAD_RESPONSE',
    async (raw) => {
      const error = await failureOf(() => normalizeZulipUser(raw, env()));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toMatch(/Is this really a Zulip server\?/);
    },
  );

  it('presence and groups from their endpoints', () => {
    expect(zulipPresenceOf({ aggregated: { status: 'idle', timestamp: 1656958485 } })).toEqual({
      lastActiveAt: 1656958485000,
      idle: true,
    });
    expect(zulipPresenceOf({ website: { status: 'active', timestamp: 10 } })).toEqual({
      lastActiveAt: 10000,
      idle: false,
    });
    expect(zulipPresenceOf({ aggregated: {} })).toBeNull();
    const groups = zulipGroupsOf(successExample('/user_groups'));
    expect(groups).toEqual({
      groupNames: { '3': 'hamletcharacters' },
      groupIdsByUser: { '3': ['3'], '4': ['3'] },
    });
  });
});

describe('the Zulip provider against the fake server', () => {
  let fake: ZulipFake;
  let session: ProviderSession;

  beforeAll(async () => {
    fake = await startZulipFake({ seed: 7, count: 300 });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.setMode({ kind: 'normal' });
    fake.setRateLimit(null);
    session = {
      connectionId: 'zc',
      baseUrl: fake.url,
      loginEmail: fake.admin.email,
      secret: fake.admin.apiKey,
    };
  });

  const provider = (options: Parameters<typeof testClient>[0] = {}, now?: () => number) =>
    createZulipProvider({ http: testClient(options), ...(now ? { now } : {}) });

  it('tests a connection: whose key, their role, where the server answered', async () => {
    const who = await provider().testConnection(session);
    expect(who).toEqual({
      userId: String(fake.admin.userId),
      name: 'Zoë Müller',
      email: fake.admin.email,
      role: 'owner',
    });
  });

  it('looks a user up by ID, with definitions, groups and presence', async () => {
    const target = fake.directory.members.find(
      (m) =>
        !m.is_bot &&
        m.is_active &&
        fake.directory.presences[m.email] &&
        m.profile_data &&
        Object.keys(m.profile_data).length >= 3,
    ) as ZulipWireUser;
    const { user, raw, context } = await provider().fetchUser(session, {
      kind: 'zulip-id',
      userId: target.user_id,
    });
    expect(raw).toMatchObject({ user_id: target.user_id, full_name: target.full_name });
    expect(user.userId).toBe(String(target.user_id));
    expect(user.name).toBe(target.full_name);
    expect(user.profileFields.length).toBe(Object.keys(target.profile_data ?? {}).length);
    expect(user.profileFields.every((f) => f.name !== `Field ${f.fieldId}`)).toBe(true);
    expect(user.presence?.lastActiveAt).toBe(
      (fake.directory.presences[target.email]?.aggregated.timestamp ?? 0) * 1000,
    );
    expect(context.kind === 'zulip' && context.profileFields).toHaveLength(8);
    const paths = fake.requests.map((r) => r.path);
    expect(paths).toEqual([
      `/api/v1/users/${target.user_id}`,
      '/api/v1/realm/profile_fields',
      '/api/v1/user_groups',
      `/api/v1/users/${target.user_id}/presence`,
    ]);
    expect(fake.requests[0]?.query).toEqual({
      client_gravatar: 'true',
      include_custom_profile_fields: 'true',
    });
  });

  it('reuses a fresh context and refreshes a stale one', async () => {
    let now = 1_000_000;
    const p = provider({}, () => now);
    const first = await p.fetchUser(session, { kind: 'zulip-id', userId: fake.admin.userId });
    fake.requests.length = 0;
    await p.fetchUser(
      session,
      { kind: 'zulip-id', userId: fake.admin.userId },
      { context: first.context },
    );
    expect(fake.requests.map((r) => r.path)).not.toContain('/api/v1/realm/profile_fields');
    now += 16 * 60 * 1000;
    fake.requests.length = 0;
    const third = await p.fetchUser(
      session,
      { kind: 'zulip-id', userId: fake.admin.userId },
      { context: first.context },
    );
    expect(fake.requests.map((r) => r.path)).toContain('/api/v1/realm/profile_fields');
    expect(third.context.fetchedAt).toBe(now);
  });

  it('looks users up by API email and by real email, encoded in the path', async () => {
    const hidden = fake.directory.members.find(
      (m) => m.email.startsWith('user') && m.delivery_email,
    ) as ZulipWireUser;
    const byApi = await provider().fetchUser(session, { kind: 'zulip-email', email: hidden.email });
    expect(byApi.user.userId).toBe(String(hidden.user_id));
    const byReal = await provider().fetchUser(session, {
      kind: 'zulip-email',
      email: hidden.delivery_email as string,
    });
    expect(byReal.user.userId).toBe(String(hidden.user_id));
    expect(byReal.user.deliveryEmail).toBe(hidden.delivery_email);
  });

  it('an unknown ID is NOT_FOUND in words, with Zulip’s own', async () => {
    const error = await failureOf(
      provider().fetchUser(session, { kind: 'zulip-id', userId: 999999 }),
    );
    expect(error).toMatchObject({ code: 'NOT_FOUND', status: 400, serverMessage: 'No such user' });
    expect(error.message).toBe(
      'Zulip has no user with ID 999999, or this account may not see them.',
    );
  });

  it('an unknown email is NOT_FOUND suggesting the ID', async () => {
    const error = await failureOf(
      provider().fetchUser(session, { kind: 'zulip-email', email: 'nobody@example.com' }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/no user with the email nobody@example.com.*Try their user ID/);
  });

  it.each([
    [
      401,
      { code: 'INVALID_API_KEY', msg: 'Invalid API key' },
      'UNAUTHORIZED',
      /Settings → Account & privacy → API key/,
    ],
    [
      401,
      { code: 'UNAUTHORIZED', msg: 'Not logged in: API authentication or user session required' },
      'UNAUTHORIZED',
      /proxy .* removing the Authorization header/,
    ],
    [
      401,
      { code: 'USER_DEACTIVATED', msg: 'Account is deactivated' },
      'UNAUTHORIZED',
      /account this API key belongs to is deactivated/,
    ],
    [
      401,
      { code: 'REALM_DEACTIVATED', msg: 'This organization has been deactivated' },
      'UNAUTHORIZED',
      /organization is deactivated/,
    ],
    [
      400,
      { code: 'BAD_REQUEST', msg: 'No such user' },
      'NOT_FOUND',
      /^Zulip has no user with ID 42, or this account may not see them\.$/,
    ],
    [
      400,
      { code: 'BAD_REQUEST', msg: 'Invalid user ID' },
      'INVALID_INPUT',
      /refused the request as invalid/,
    ],
    [
      403,
      { code: 'BAD_REQUEST', msg: 'Insufficient permission' },
      'FORBIDDEN',
      /Use the key of an organization administrator/,
    ],
    [
      429,
      { code: 'RATE_LIMIT_HIT', msg: 'API usage exceeded rate limit', 'retry-after': 999.5 },
      'RATE_LIMITED',
      /asks it to wait 16 minutes 40 seconds/,
    ],
    [
      500,
      { code: 'BAD_REQUEST', msg: 'Internal server error' },
      'SERVER_ERROR',
      /failed while answering/,
    ],
  ])('Zulip’s %i %j is %s, in words, with its own', async (status, body, code, message) => {
    fake.setMode({ kind: 'status', status, body: JSON.stringify({ result: 'error', ...body }) });
    const error = await failureOf(provider().fetchUser(session, { kind: 'zulip-id', userId: 42 }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.status).toBe(status);
    expect(error.serverMessage).toBe(body.msg);
  });

  it('a wrong key is UNAUTHORIZED and says where to get a new one', async () => {
    const error = await failureOf(
      provider().testConnection({ ...session, secret: 'A'.repeat(32) }),
    );
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      serverMessage: 'Invalid API key',
    });
    expect(error.message).toBe(
      'The server said this API key is invalid. Generate a new key in Zulip: Settings → Account & privacy → API key, and check the login email.',
    );
    expect(JSON.stringify(error)).not.toContain('A'.repeat(32));
  });

  it('a malformed key (400 INVALID_API_KEY) is UNAUTHORIZED too', async () => {
    const error = await failureOf(provider().testConnection({ ...session, secret: 'short' }));
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 400,
      serverMessage: 'Malformed API key',
    });
  });

  it('a key with the wrong login email is UNAUTHORIZED', async () => {
    const error = await failureOf(
      provider().testConnection({ ...session, loginEmail: 'someone@example.com' }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
  });

  it('a deactivated account and a deactivated organization say so', async () => {
    const deactivated = await failureOf(
      provider().testConnection({
        ...session,
        loginEmail: fake.deactivated.email,
        secret: fake.deactivated.apiKey,
      }),
    );
    expect(deactivated).toMatchObject({
      code: 'UNAUTHORIZED',
      serverMessage: 'Account is deactivated',
    });
    expect(deactivated.message).toMatch(/deactivated/);
    fake.setRealmDeactivated(true);
    try {
      const realm = await failureOf(provider().testConnection(session));
      expect(realm).toMatchObject({
        code: 'UNAUTHORIZED',
        serverMessage: 'This organization has been deactivated',
      });
    } finally {
      fake.setRealmDeactivated(false);
    }
  });

  it('no login email or no key is INVALID_INPUT before any request', async () => {
    expect(
      await failureOf(provider().testConnection({ ...session, loginEmail: null })),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'loginEmail' });
    expect(await failureOf(provider().testConnection({ ...session, secret: ' ' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'secret',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('fetches the whole directory with presence, groups, bots and fields', async () => {
    const pages = await collect(provider().fetchDirectory(session));
    const users = pages.flatMap((p) => p.users.map((u) => u.user));
    expect(users).toHaveLength(fake.directory.members.length);
    expect(pages.at(-1)).toMatchObject({ done: 300, total: 300 });
    expect(new Set(users.map((u) => u.role))).toEqual(
      new Set(['owner', 'administrator', 'moderator', 'member', 'guest']),
    );
    expect(new Set(users.filter((u) => u.isBot).map((u) => u.bot?.type))).toEqual(
      new Set([1, 2, 3, 4]),
    );
    expect(users.some((u) => u.deactivated)).toBe(true);
    expect(users.filter((u) => u.presence !== null).length).toBe(
      Object.keys(fake.directory.presences).length,
    );
    expect(users.some((u) => u.groups.length > 0)).toBe(true);
    expect(
      users.flatMap((u) => u.groups.map((g) => g.name)).some((n) => n.startsWith('role:')),
    ).toBe(false);
    // Every type Zulip defines; 'unknown' is only for a type number it adds later.
    expect(new Set(users.flatMap((u) => u.profileFields.map((f) => f.type)))).toEqual(
      new Set(PROFILE_FIELD_TYPES.filter((t) => t !== 'unknown')),
    );
    expect(new Set(users.map((u) => u.avatar.kind))).toEqual(new Set(['external', 'server']));
    expect(fake.requests.map((r) => r.path)).toEqual([
      '/api/v1/realm/profile_fields',
      '/api/v1/user_groups',
      '/api/v1/realm/presence',
      '/api/v1/users',
    ]);
    const zoe = users.find((u) => u.name === 'Zoë Müller');
    expect(zoe?.role).toBe('owner');
  });

  it('still returns users when groups and presence are not available', async () => {
    fake.setMode(
      {
        kind: 'status',
        status: 403,
        body: '{"result":"error","msg":"Insufficient permission","code":"BAD_REQUEST"}',
      },
      {
        match: (p) => p === '/api/v1/realm/presence',
      },
    );
    const botSession = { ...session, loginEmail: fake.bot.email, secret: fake.bot.apiKey };
    const pages = await collect(provider().fetchDirectory(botSession));
    const users = pages.flatMap((p) => p.users.map((u) => u.user));
    expect(users).toHaveLength(300);
    expect(users.every((u) => u.presence === null && u.groups.length === 0)).toBe(true);
    expect(pages[0]?.context).toMatchObject({ groupNames: null, groupIdsByUser: null });
  });

  it('waits out the rate limit during a sync and reports the wait', async () => {
    fake.setRateLimit({ limit: 2, windowSeconds: 1.2 });
    const waits: number[] = [];
    const p = createZulipProvider({ http: createHttpClient({ fetch: nodeFetch }) });
    const pages = await collect(p.fetchDirectory(session, { onWait: (s) => waits.push(s) }));
    expect(pages.flatMap((x) => x.users)).toHaveLength(300);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits.every((s) => s > 0 && s <= 1.2)).toBe(true);
    expect(fake.requests.filter((r) => r.path === '/api/v1/users')).toHaveLength(1);
  });

  it('gives up with RATE_LIMITED after the bound (a sync; a lookup does not wait a minute)', async () => {
    fake.setRateLimit({ limit: 1, windowSeconds: 60 });
    const http = testClient({ maxRetries: 2 });
    const p = createZulipProvider({ http });
    await p.testConnection(session);
    const error = await failureOf(collect(p.fetchDirectory(session)));
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      serverMessage: 'API usage exceeded rate limit',
    });
    expect(error.retryAfterSeconds).toBeGreaterThan(55);
    expect(http.waits).toHaveLength(2);
    expect(fake.requests.at(-1)?.headers.authorization).toMatch(/^Basic /);
  });

  it.each([
    [{ kind: 'html' } as const, 'NOT_AN_API'],
    [{ kind: 'truncated' } as const, 'BAD_RESPONSE'],
    [{ kind: 'timeout' } as const, 'TIMEOUT'],
    [{ kind: 'reset' } as const, 'OFFLINE'],
    [{ kind: 'huge', bytes: 70 * 1024 * 1024 } as const, 'TOO_LARGE'],
    [
      {
        kind: 'status',
        status: 502,
        body: '<h1>Bad gateway</h1>',
        contentType: 'text/html',
      } as const,
      'SERVER_ERROR',
    ],
  ])('broken mode %o is %s', async (mode, code) => {
    fake.setMode(mode);
    // A short timeout only where a timeout is the point: the others must not race it.
    const timeoutMs = mode.kind === 'timeout' ? 300 : 10_000;
    const error = await failureOf(collect(provider({ timeoutMs }).fetchDirectory(session)));
    expect(error.code).toBe(code);
  });

  it('an offline server is OFFLINE, and works again when it is back', async () => {
    await fake.stop();
    try {
      expect((await failureOf(provider().testConnection(session))).code).toBe('OFFLINE');
    } finally {
      await fake.start();
    }
    expect((await provider().testConnection(session)).role).toBe('owner');
  });

  it('a non-Zulip JSON answer is BAD_RESPONSE; no API at all is NOT_AN_API', async () => {
    fake.setMode({ kind: 'status', status: 200, body: '{"users":[]}' }, { times: 1 });
    expect((await failureOf(provider().testConnection(session))).code).toBe('BAD_RESPONSE');
    fake.setMode({ kind: 'status', status: 404, body: '{"detail":"Not Found"}' }, { times: 1 });
    expect((await failureOf(provider().testConnection(session))).code).toBe('NOT_AN_API');
  });

  it('cancelling a directory fetch is CANCELLED', async () => {
    fake.setMode({ kind: 'slow', delayMs: 300 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failureOf(
      collect(provider().fetchDirectory(session, { signal: controller.signal })),
    );
    expect(error.code).toBe('CANCELLED');
  });

  it('fetches avatars: server pictures with the key, others without', async () => {
    const p = provider();
    const uploaded = fake.directory.members.find((m) =>
      m.avatar_url?.startsWith('/user_avatars/'),
    ) as ZulipWireUser;
    const user = normalizeZulipUser(uploaded, {
      connectionId: 'zc',
      baseUrl: fake.url,
      context: null,
    });
    const picture = await p.fetchAvatar(session, user);
    expect(picture.contentType).toBe('image/png');
    expect(picture.bytes.byteLength).toBeGreaterThan(50);
    expect(fake.requests.at(-1)?.headers.authorization).toMatch(/^Basic /);

    const cdn = await startFakeServer((_req, res) =>
      sendBytes(res, 200, 'image/png', syntheticPng([1, 2, 3], 4)),
    );
    try {
      const external = normalizeZulipUser(
        { ...uploaded, avatar_url: `${cdn.url}/a.png` },
        { connectionId: 'zc', baseUrl: fake.url, context: null },
      );
      expect(external.avatar.kind).toBe('external');
      expect((await p.fetchAvatar(session, external)).contentType).toBe('image/png');
      expect(cdn.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await cdn.close();
    }
  });
});

describe('a 100 000-user organization', () => {
  it('is served and normalized whole', async () => {
    const started = performance.now();
    const fake = await startZulipFake({ seed: 3, count: 100_000 });
    const ready = performance.now();
    try {
      const auth = `Basic ${Buffer.from(`${fake.admin.email}:${fake.admin.apiKey}`).toString('base64')}`;
      const raw = await fetch(
        `${fake.url}/api/v1/users?client_gravatar=true&include_custom_profile_fields=true`,
        {
          headers: { Authorization: auth },
        },
      );
      const bytes = (await raw.arrayBuffer()).byteLength;
      const served = performance.now();
      const p = createZulipProvider({ http: testClient() });
      const session = {
        connectionId: 'big',
        baseUrl: fake.url,
        loginEmail: fake.admin.email,
        secret: fake.admin.apiKey,
      };
      let count = 0;
      let batches = 0;
      for await (const page of p.fetchDirectory(session)) {
        count += page.users.length;
        batches += 1;
        expect(page.total).toBe(100_000);
      }
      expect(count).toBe(100_000);
      expect(batches).toBe(50);
      console.log(
        `100 000 Zulip users: fake ready in ${Math.round(ready - started)} ms; /users (${Math.round(bytes / 1e6)} MB) served in ${Math.round(served - ready)} ms; fetched and normalized by the provider in ${Math.round(performance.now() - served)} ms`,
      );
    } finally {
      await fake.close();
    }
  }, 120_000);
});
