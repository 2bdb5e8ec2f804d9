// Issue 13, classes 3 and 4, in both providers and through the real core:
// one member a normalizer cannot read is skipped and counted while the rest
// of the directory syncs (Zulip's /users, Open WebUI's pages), with one rule
// for a valid ID shared by lookup, sync and the connection test; and a
// lookup answered with another user than the one asked for is an error in
// words that caches nothing, under either ID.
import type { ServerResponse } from 'node:http';
import { createOpenWebUIProvider } from '@core/providers/openwebui';
import type { DirectoryPage, ProviderSession } from '@core/providers/types';
import { createZulipProvider } from '@core/providers/zulip';
import { sendJson, startFakeServer, type FakeControls } from '../fakes/fake-http';
import { collect, failureOf, testClient } from '../fakes/test-client';
import { openTestCore, type TestCore } from './core-fixture';

/** What the fake answers; each test sets what it needs. */
interface Answers {
  zulipMembers: unknown[];
  zulipUser: unknown;
  zulipMe: unknown;
  owuiPages: unknown[][];
  owuiTotal: number;
  owuiUser: unknown;
  owuiMe: unknown;
}

const zulipMember = (id: unknown, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  user_id: id,
  email: `user${String(id)}@zulip.example`,
  delivery_email: null,
  full_name: `User ${String(id)}`,
  role: 400,
  is_active: true,
  is_bot: false,
  avatar_url: '/a.png',
  ...over,
});

const owuiMember = (id: unknown, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  name: `User ${String(id)}`,
  email: `${String(id)}@owui.example`,
  role: 'user',
  ...over,
});

function fresh(): Answers {
  return {
    zulipMembers: [zulipMember(1), zulipMember(2)],
    zulipUser: zulipMember(7),
    zulipMe: zulipMember(1, { role: 100 }),
    owuiPages: [[owuiMember('u1'), owuiMember('u2')]],
    owuiTotal: 2,
    owuiUser: owuiMember('u1'),
    owuiMe: owuiMember('admin-1', { role: 'admin' }),
  };
}

let answers = fresh();

function route(res: ServerResponse, url: URL): void {
  const zulip = (body: Record<string, unknown>): void =>
    sendJson(res, 200, JSON.stringify({ result: 'success', msg: '', ...body }));
  const path = url.pathname;
  if (path.startsWith('/z/api/v1')) {
    const rest = path.slice('/z/api/v1'.length);
    if (rest === '/users/me') return zulip(answers.zulipMe as Record<string, unknown>);
    if (rest === '/realm/profile_fields') return zulip({ custom_fields: [] });
    if (rest === '/user_groups') return zulip({ user_groups: [] });
    if (rest === '/realm/presence') return zulip({ presences: {} });
    if (rest === '/users') return zulip({ members: answers.zulipMembers });
    if (/^\/users\/[^/]+\/presence$/.test(rest)) return zulip({ presence: {} });
    if (/^\/users\/[^/]+$/.test(rest)) return zulip({ user: answers.zulipUser });
  }
  if (path === '/o/api/v1/auths/') return sendJson(res, 200, JSON.stringify(answers.owuiMe));
  if (path === '/o/api/v1/groups/') return sendJson(res, 200, '[]');
  if (path === '/o/api/v1/users/') {
    const page = Number(url.searchParams.get('page'));
    const users = answers.owuiPages[page - 1] ?? [];
    return sendJson(res, 200, JSON.stringify({ users, total: answers.owuiTotal }));
  }
  if (/^\/o\/api\/v1\/users\/[^/]+$/.test(path)) {
    return sendJson(res, 200, JSON.stringify(answers.owuiUser));
  }
  sendJson(res, 404, JSON.stringify({ detail: 'Not Found' }));
}

let server: FakeControls;
beforeAll(async () => {
  server = await startFakeServer((_req, res, url) => route(res, url));
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  answers = fresh();
});

const zulipSession = (): ProviderSession => ({
  connectionId: 'zc',
  baseUrl: `${server.url}/z`,
  loginEmail: 'admin@zulip.example',
  secret: 'key',
});
const owuiSession = (): ProviderSession => ({
  connectionId: 'oc',
  baseUrl: `${server.url}/o`,
  loginEmail: null,
  secret: 'key',
});
const zulip = () => createZulipProvider({ http: testClient() });
const owui = () => createOpenWebUIProvider({ http: testClient() });

const idsOf = (pages: DirectoryPage[]): string[] =>
  pages.flatMap((p) => p.users.map((u) => u.user.userId));

describe('one member that cannot be read', () => {
  it('Zulip: is skipped and counted, with the first reason, and the rest of /users syncs', async () => {
    answers.zulipMembers = [
      zulipMember(1),
      zulipMember(-5),
      zulipMember(0),
      zulipMember('7'),
      'not a user',
      zulipMember(1.5),
      zulipMember(2 ** 60),
      { full_name: 'No ID' },
      zulipMember(2),
    ];
    const pages = await collect(zulip().fetchDirectory(zulipSession()));
    expect(idsOf(pages)).toEqual(['1', '2']);
    const last = pages.at(-1) as DirectoryPage;
    expect(last.done).toBe(2);
    expect(last.unreadable.count).toBe(7);
    expect(last.unreadable.firstReason).toBe('its user_id -5 is not a whole number from 1 up');
    expect(last.unreadable.ids).toEqual(['-5', '0', '7', '1.5', String(2 ** 60)]);
  });

  it('Zulip: a directory of nothing but unreadable members still ends, with its count', async () => {
    answers.zulipMembers = [zulipMember(-1), zulipMember(0)];
    const pages = await collect(zulip().fetchDirectory(zulipSession()));
    expect(idsOf(pages)).toEqual([]);
    expect(pages.at(-1)?.unreadable.count).toBe(2);
  });

  it('Open WebUI: is skipped and counted on any page, and the pages still end', async () => {
    answers.owuiPages = [
      [owuiMember('u1'), owuiMember(42), owuiMember(''), owuiMember('shared-abc')],
      [owuiMember('a..b'), owuiMember('x'.repeat(201)), 'nope', owuiMember('u2')],
      [owuiMember('has space')],
    ];
    answers.owuiTotal = 9;
    const pages = await collect(owui().fetchDirectory(owuiSession()));
    expect(idsOf(pages)).toEqual(['u1', 'u2']);
    const last = pages.at(-1) as DirectoryPage;
    expect(last.unreadable.count).toBe(7);
    expect(last.unreadable.firstReason).toBe('its id 42 is not an Open WebUI user id');
    expect(last.unreadable.ids).toEqual(['42', 'shared-abc', 'a..b', 'has space']);
  });

  it('Zulip: the connection test holds the key owner to the same rule as sync', async () => {
    for (const id of [0, -3, '1', 1.5]) {
      answers.zulipMe = zulipMember(id, { role: 100 });
      const error = await failureOf(zulip().testConnection(zulipSession()));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toContain('is not a whole number from 1 up');
    }
    answers.zulipMe = zulipMember(3, { role: 100 });
    expect((await zulip().testConnection(zulipSession())).userId).toBe('3');
  });

  it('Open WebUI: the connection test holds the key owner to the same rule as sync', async () => {
    for (const id of ['shared-123', 'a b', 'x'.repeat(201), 7]) {
      answers.owuiMe = owuiMember(id, { role: 'admin' });
      const error = await failureOf(owui().testConnection(owuiSession()));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toContain('is not an Open WebUI user id');
    }
  });
});

describe('a lookup answered with another user', () => {
  it('Zulip by ID: an error in words', async () => {
    answers.zulipUser = zulipMember(8);
    const error = await failureOf(
      zulip().fetchUser(zulipSession(), { kind: 'zulip-id', userId: 7 }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/^The server answered with user 8 when asked for user 7\./);
  });

  it('Zulip by email: either address of the user, in any case; another user is an error', async () => {
    answers.zulipUser = zulipMember(7, { email: 'user7@zulip.example', delivery_email: null });
    const byApi = await zulip().fetchUser(zulipSession(), {
      kind: 'zulip-email',
      email: 'USER7@Zulip.Example',
    });
    expect(byApi.user.userId).toBe('7');
    answers.zulipUser = zulipMember(7, { delivery_email: 'Zoe@Example.com' });
    const byReal = await zulip().fetchUser(zulipSession(), {
      kind: 'zulip-email',
      email: 'zoe@example.com',
    });
    expect(byReal.user.userId).toBe('7');
    answers.zulipUser = zulipMember(8, { delivery_email: 'mel@example.com' });
    const error = await failureOf(
      zulip().fetchUser(zulipSession(), { kind: 'zulip-email', email: 'zoe@example.com' }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(
      /^The server answered with user 8 when asked for zoe@example\.com\./,
    );
  });

  it('Open WebUI by id: an error in words; a shared chat’s owner is whoever the server says', async () => {
    answers.owuiUser = owuiMember('u2');
    const error = await failureOf(
      owui().fetchUser(owuiSession(), { kind: 'openwebui-id', userId: 'u1' }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/^The server answered with user u2 when asked for user u1\./);
    const owner = await owui().fetchUser(owuiSession(), {
      kind: 'openwebui-shared-chat',
      chatId: 'c-1',
    });
    expect(owner.user.userId).toBe('u2');
  });

  describe('through the core', () => {
    let t: TestCore;
    beforeAll(async () => {
      t = await openTestCore();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('caches nothing under the asked ID nor the answered one, in both providers', async () => {
      const z = await t.call('connections:save', {
        draft: {
          kind: 'zulip',
          label: 'Z',
          baseUrl: `${server.url}/z`,
          loginEmail: 'admin@zulip.example',
          secret: 'key',
        },
        skipTest: true,
      });
      answers.zulipUser = zulipMember(8);
      for (const ref of ['7', 'user7@zulip.example']) {
        const looked = await t.result('users:lookup', {
          connectionId: z.connection.id,
          ref,
          waitForNetwork: true,
        });
        expect(looked.ok ? 'ok' : looked.error.code).toBe('BAD_RESPONSE');
      }
      for (const userId of ['7', '8']) {
        const got = await t.result('users:get', { connectionId: z.connection.id, userId });
        expect(got.ok ? 'cached' : got.error.code).toBe('NOT_FOUND');
      }

      const o = await t.call('connections:save', {
        draft: { kind: 'openwebui', label: 'O', baseUrl: `${server.url}/o`, secret: 'k' },
        skipTest: true,
      });
      answers.owuiUser = owuiMember('u2');
      const looked = await t.result('users:lookup', {
        connectionId: o.connection.id,
        ref: 'u1',
        waitForNetwork: true,
      });
      expect(looked.ok ? 'ok' : looked.error.message).toMatch(/answered with user u2/);
      for (const userId of ['u1', 'u2']) {
        const got = await t.result('users:get', { connectionId: o.connection.id, userId });
        expect(got.ok ? 'cached' : got.error.code).toBe('NOT_FOUND');
      }
    });

    it('a sync says how many users could not be read, and finishes', async () => {
      const z = await t.call('connections:save', {
        draft: {
          kind: 'zulip',
          label: 'Z2',
          baseUrl: `${server.url}/z`,
          loginEmail: 'admin@zulip.example',
          secret: 'key',
        },
        skipTest: true,
      });
      answers.zulipMembers = [zulipMember(1), zulipMember(-5), zulipMember(2), zulipMember(0)];
      const summary = await t.call('directory:sync', { connectionId: z.connection.id });
      expect(summary).toMatchObject({
        total: 2,
        unreadable: 2,
        unreadableReason: 'its user_id -5 is not a whole number from 1 up',
      });
      const done = t
        .eventsOf('directory:sync-progress')
        .filter((p) => p.connectionId === z.connection.id)
        .at(-1);
      expect(done?.message).toContain(
        '2 users could not be read (first: its user_id -5 is not a whole number from 1 up)',
      );
      const list = await t.call('connections:list', {});
      expect(list.find((c) => c.id === z.connection.id)?.lastSync).toEqual(summary);
    });
  });
});
