// Server strings named like Object.prototype's members (`constructor`,
// `toString`, `__proto__`, `valueOf`, ...) sent through every place a server
// string becomes a key, in both providers, through the real core: Zulip
// external-account subtypes, profile field ids, names and values, choice
// keys, group names, presence keys and emails; Open WebUI user ids, group
// ids and names, and `info`/`settings` keys. Every lookup and sync must
// succeed, every record must survive structured cloning (what Electron's
// IPC does), every label must be the server's own string, and the raw view
// must keep `__proto__` keys.
import type { ServerResponse } from 'node:http';
import type { JsonValue, UserRecord } from '@shared/model';
import { dictionary } from '@shared/dictionary';
import { isOpenWebUIUserId } from '@shared/server-url';
import { sendJson, startFakeServer, type FakeControls } from '../fakes/fake-http';
import { openTestCore, type TestCore } from './core-fixture';

/** Every name Object.prototype answers to, `__proto__` included. */
const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

/** An object whose keys are exactly the given ones: `__proto__` is an own key, as JSON.parse makes it. */
function keyed(entries: [string, unknown][]): Record<string, unknown> {
  const out = dictionary<unknown>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

const ZULIP_USER = (i: number): number => 100 + i;
const NAME_FIELD = (i: number): number => 1000 + i;
const ACCOUNT_FIELD = (i: number): number => 2000 + i;
const CHOICE_FIELD = 3000;

function zulipFields(): unknown[] {
  return [
    ...NAMES.map((name, i) => ({ id: NAME_FIELD(i), name, type: 1, order: i, field_data: '' })),
    ...NAMES.map((name, i) => ({
      id: ACCOUNT_FIELD(i),
      name: `Account ${name}`,
      type: 7,
      order: 100 + i,
      field_data: JSON.stringify({ subtype: name }),
    })),
    {
      id: CHOICE_FIELD,
      name: 'Choice',
      type: 3,
      order: 500,
      field_data: JSON.stringify(
        keyed(NAMES.map((name, i) => [name, { text: `Choice ${name}`, order: String(i) }])),
      ),
    },
  ];
}

function zulipMember(name: string, i: number): unknown {
  return {
    user_id: ZULIP_USER(i),
    email: name,
    delivery_email: null,
    full_name: name,
    role: 400,
    is_bot: false,
    is_active: true,
    avatar_url: '/avatar.png',
    date_joined: '2024-01-02T03:04:05+00:00',
    profile_data: keyed([
      [String(NAME_FIELD(i)), { value: name, rendered_value: null }],
      [String(ACCOUNT_FIELD(i)), { value: name, rendered_value: null }],
      [String(CHOICE_FIELD), { value: name, rendered_value: null }],
      // Not a field id: ignored, but must not break anything.
      [name, { value: name }],
    ]),
  };
}

function zulipGroups(): unknown[] {
  return NAMES.map((name, i) => ({
    id: 5000 + i,
    name,
    members: NAMES.map((_, j) => ZULIP_USER(j)),
    is_system_group: false,
    deactivated: false,
  }));
}

function zulipPresences(): Record<string, unknown> {
  return keyed(
    NAMES.map((name) => [name, { aggregated: { status: 'active', timestamp: 1_795_391_000 } }]),
  );
}

/** A dictionary of every name, for `info` and `settings`. */
function everyKey(): Record<string, unknown> {
  return keyed(NAMES.map((name) => [name, name === '__proto__' ? { nested: name } : `v-${name}`]));
}

/** The name itself where it is an Open WebUI id (`constructor`, `toString`, ...), else a prefixed one. */
const owuiId = (name: string): string =>
  isOpenWebUIUserId(name) ? name : `u-${name.replace(/_/g, '')}`;

function owuiUser(name: string, shape: 'list' | 'single'): unknown {
  return {
    id: owuiId(name),
    email: `${name}@owui.example`,
    name,
    role: 'user',
    profile_image_url: '/user.png',
    created_at: 1_795_200_000,
    updated_at: 1_795_300_000,
    last_active_at: 1_795_391_000,
    info: everyKey(),
    settings: keyed([['ui', everyKey()], ...NAMES.map((n): [string, unknown] => [n, n])]),
    ...(shape === 'list'
      ? { group_ids: NAMES }
      : { groups: NAMES.map((id) => ({ id, name: `Group ${id}` })) }),
  };
}

function route(res: ServerResponse, url: URL): void {
  const zulip = (body: Record<string, unknown>): void =>
    sendJson(res, 200, JSON.stringify({ result: 'success', msg: '', ...body }));
  const path = url.pathname;
  if (path.startsWith('/z/api/v1')) {
    const rest = path.slice('/z/api/v1'.length);
    if (rest === '/users/me') return zulip({ user_id: ZULIP_USER(0), full_name: 'x', role: 100 });
    if (rest === '/realm/profile_fields') return zulip({ custom_fields: zulipFields() });
    if (rest === '/user_groups') return zulip({ user_groups: zulipGroups() });
    if (rest === '/realm/presence') return zulip({ presences: zulipPresences() });
    if (rest === '/users') return zulip({ members: NAMES.map(zulipMember) });
    const one = /^\/users\/(\d+)$/.exec(rest);
    const i = one ? Number(one[1]) - ZULIP_USER(0) : -1;
    const name = NAMES[i];
    if (name !== undefined) return zulip({ user: zulipMember(name, i) });
    if (/^\/users\/\d+\/presence$/.test(rest)) {
      return zulip({ presence: keyed([['aggregated', { status: 'idle', timestamp: 1e9 }]]) });
    }
    return sendJson(res, 400, JSON.stringify({ result: 'error', msg: 'No such user' }));
  }
  if (path === '/o/api/v1/auths/') {
    return sendJson(res, 200, JSON.stringify({ id: 'admin', role: 'admin', name: 'A' }));
  }
  if (path === '/o/api/v1/groups/') {
    return sendJson(res, 200, JSON.stringify(NAMES.map((id) => ({ id, name: `Group ${id}` }))));
  }
  if (path === '/o/api/v1/users/') {
    const page = url.searchParams.get('page');
    const users = page === '1' ? NAMES.map((n) => owuiUser(n, 'list')) : [];
    return sendJson(res, 200, JSON.stringify({ users, total: NAMES.length }));
  }
  const one = /^\/o\/api\/v1\/users\/([^/]+)$/.exec(path);
  const id = one ? decodeURIComponent(one[1] ?? '') : '';
  const name = NAMES.find((n) => owuiId(n) === id);
  if (name !== undefined) return sendJson(res, 200, JSON.stringify(owuiUser(name, 'single')));
  sendJson(res, 404, JSON.stringify({ detail: 'Not Found' }));
}

/** Sorted, as groups are shown. */
const byName = (names: string[]): string[] => [...names].sort((a, b) => a.localeCompare(b));

describe('server strings named like Object.prototype members', () => {
  let server: FakeControls;
  let t: TestCore;

  beforeAll(async () => {
    server = await startFakeServer((_req, res, url) => route(res, url));
    t = await openTestCore();
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  /** Structured cloning (what Electron's IPC does) must take the value as it is. */
  function expectCloneable(value: unknown): void {
    expect(() => structuredClone(value)).not.toThrow();
    expect(JSON.stringify(structuredClone(value))).toBe(JSON.stringify(value));
  }

  function expectKeysKept(value: JsonValue | undefined): void {
    expect(value !== null && typeof value === 'object' && !Array.isArray(value)).toBe(true);
    expect(Object.keys(value as object).sort()).toEqual([...NAMES].sort());
  }

  function checkZulip(record: UserRecord, i: number): void {
    const name = NAMES[i] as string;
    expectCloneable(record);
    const { user } = record;
    expect(user.name).toBe(name);
    expect(user.email).toBe(name);
    expect(user.groups.map((g) => g.name)).toEqual(byName(NAMES));
    expect(user.groups.every((g) => typeof g.id === 'string')).toBe(true);
    const byField = new Map(user.profileFields.map((f) => [f.fieldId, f]));
    expect(byField.get(String(NAME_FIELD(i)))).toMatchObject({ name, text: name, value: name });
    const account = byField.get(String(ACCOUNT_FIELD(i)));
    expect(account).toMatchObject({ name: `Account ${name}`, text: name });
    expect(account?.url === null || typeof account?.url === 'string').toBe(true);
    expect(byField.get(String(CHOICE_FIELD))).toMatchObject({ text: `Choice ${name}` });
    for (const f of user.profileFields) {
      expect(typeof f.name).toBe('string');
      expect(typeof f.text).toBe('string');
    }
    // The raw view keeps every key the server sent, `__proto__` included.
    const profile = (record.raw as { profile_data?: JsonValue }).profile_data;
    expect(Object.keys(profile as object)).toContain(name);
  }

  function checkOpenWebUI(record: UserRecord, name: string): void {
    expectCloneable(record);
    const { user, raw } = record;
    expect(user.userId).toBe(owuiId(name));
    expect(user.name).toBe(name);
    expect(user.groups.map((g) => g.name)).toEqual(byName(NAMES.map((n) => `Group ${n}`)));
    expect(user.groups.map((g) => g.id).sort()).toEqual([...NAMES].sort());
    expectKeysKept(user.extra.info);
    expectKeysKept((raw as { info?: JsonValue }).info);
    const settings = (raw as { settings?: { ui?: JsonValue } }).settings;
    expectKeysKept(settings?.ui);
  }

  it('reads Zulip users and their groups, fields, choices and presence by the server’s strings', async () => {
    const saved = await t.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: 'Zulip',
        baseUrl: `${server.url}/z`,
        loginEmail: 'admin@zulip.example',
        secret: 'key',
      },
      skipTest: true,
    });
    const connectionId = saved.connection.id;
    const tested = await t.call('connections:test', { id: connectionId });
    expect(tested.error).toBeNull();

    // A lookup with no context yet, then one against the cached context.
    for (const i of [0, NAMES.indexOf('__proto__'), NAMES.indexOf('constructor')]) {
      const looked = await t.call('users:lookup', {
        connectionId,
        ref: String(ZULIP_USER(i)),
        waitForNetwork: true,
      });
      expect(looked.source).toBe('network');
      checkZulip(looked, i);
      expect(looked.user.presence).not.toBeNull();
    }

    const summary = await t.call('directory:sync', { connectionId });
    expect(summary.total).toBe(NAMES.length);
    for (const [i] of NAMES.entries()) {
      const record = await t.call('users:get', { connectionId, userId: String(ZULIP_USER(i)) });
      checkZulip(record, i);
      // Presence is keyed by email: each user has their own, none inherited.
      expect(record.user.presence?.lastActiveAt).toBe(1_795_391_000_000);
    }
  });

  it('reads Open WebUI users, group ids and names, info and settings by the server’s strings', async () => {
    const saved = await t.call('connections:save', {
      draft: { kind: 'openwebui', label: 'Open WebUI', baseUrl: `${server.url}/o`, secret: 'k' },
      skipTest: true,
    });
    const connectionId = saved.connection.id;

    const summary = await t.call('directory:sync', { connectionId });
    expect(summary.total).toBe(NAMES.length);
    expect(summary.unreadable).toBe(0);
    for (const name of NAMES) {
      checkOpenWebUI(await t.call('users:get', { connectionId, userId: owuiId(name) }), name);
    }

    // Lookups, whose answers name the groups the context then holds.
    expect(NAMES.filter((n) => owuiId(n) === n)).toContain('constructor');
    for (const name of NAMES) {
      const ref = owuiId(name);
      const looked = await t.call('users:lookup', { connectionId, ref, waitForNetwork: true });
      expect(looked.source).toBe('network');
      checkOpenWebUI(looked, name);
    }
  });
});
