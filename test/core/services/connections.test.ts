// Proves createConnectionsService on its own (real repositories over SQLite,
// the in-memory keychain, a stand-in provider and a stand-in sync service):
// the list shows hasSecret, userCount, syncing, reachability and insecureHttp
// and asks the keychain for its key list at most every 10 s; save tests first
// and saves nothing when the test fails (the error names the dialog's
// field), skipTest saves without asking the server, a kind change and any
// edit of the demo are refused; remove stops a running sync before the row
// goes; testing a draft leaves the saved connection alone while testing the
// saved settings records lastTest and reachability.
import type { ParsedArgOf } from '@shared/contract';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { createConnectionsService, type ConnectionsService } from '@core/services/connections';
import { toWrite } from '@core/services/user-writes';
import {
  deferred,
  failure,
  fetched,
  keyOwner,
  openWorld,
  providersWith,
  rejection,
  saveDemoZulip,
  saveOpenWebUI,
  saveZulip,
  standInProvider,
  type StandInAnswers,
  type StandInProvider,
  type World,
} from './service-fixtures';

let world: World;
beforeEach(() => {
  world = openWorld();
});
afterEach(() => world.close());

interface Harness {
  service: ConnectionsService;
  zulip: StandInProvider;
  changed: (string | null)[];
  running: Set<string>;
  stops: string[];
  secretLists: () => number;
}

/** The service over the world, a stand-in Zulip provider and a stand-in sync service. */
function harness(
  answers: StandInAnswers = {},
  stop: (id: string) => Promise<void> = async () => {},
): Harness {
  const zulip = standInProvider('zulip', answers);
  const changed: (string | null)[] = [];
  const running = new Set<string>();
  const stops: string[] = [];
  let lists = 0;
  const service = createConnectionsService({
    access: world.access,
    connections: world.connections,
    users: world.users,
    secrets: {
      list: () => {
        lists++;
        return world.secrets.list();
      },
    },
    providers: providersWith(zulip),
    reachability: world.reachability,
    syncs: {
      isRunning: (id) => running.has(id),
      stop: async (id) => {
        stops.push(id);
        await stop(id);
      },
    },
    now: world.now,
    changed: (id) => changed.push(id),
  });
  return { service, zulip, changed, running, stops, secretLists: () => lists };
}

const owner = { testConnection: async () => keyOwner() };

function zulipDraft(
  overrides: Partial<ParsedArgOf<'connections:save'>['draft']> = {},
): ParsedArgOf<'connections:save'>['draft'] {
  return {
    kind: 'zulip',
    label: 'Acme Chat',
    baseUrl: 'chat.example.com/api/v1/',
    loginEmail: 'admin@example.com',
    secret: 'new-key-abcdef',
    ...overrides,
  };
}

describe('list', () => {
  it('summarizes each connection: key saved, users cached, sync running, reachability', async () => {
    await saveZulip(world, { id: 'conn-z' });
    world.clock.advance(1000);
    await saveOpenWebUI(world, { id: 'conn-o' });
    await world.secrets.delete('conn-o');
    world.users.upsert(toWrite(fetched('conn-z', '1'), world.now()));
    world.users.upsert(toWrite(fetched('conn-z', '2'), world.now()));
    world.reachability.failed('conn-z', failure('OFFLINE').error);
    const h = harness();
    h.running.add('conn-z');
    const list = await h.service.list();
    expect(list.map((c) => c.id)).toEqual(['conn-z', 'conn-o']);
    expect(list[0]).toMatchObject({
      kind: 'zulip',
      label: 'Acme Chat',
      hasSecret: true,
      userCount: 2,
      syncing: true,
      reachability: { state: 'offline', error: { code: 'OFFLINE' } },
      insecureHttp: false,
      demo: false,
    });
    expect(list[1]).toMatchObject({
      kind: 'openwebui',
      hasSecret: false,
      userCount: 0,
      syncing: false,
      reachability: { state: 'unknown' },
    });
    expect(JSON.stringify(list)).not.toContain('zulip-key-123456');
  });

  it('flags plain http to another machine as insecure, but not https or this machine', async () => {
    await saveOpenWebUI(world, { id: 'plain', baseUrl: 'http://ai.intranet.example' });
    await saveOpenWebUI(world, { id: 'loop', baseUrl: 'http://127.0.0.1:8080' });
    await saveOpenWebUI(world, { id: 'local', baseUrl: 'http://localhost:3000' });
    await saveOpenWebUI(world, { id: 'tls', baseUrl: 'https://ai.example.com' });
    const list = await harness().service.list();
    expect(Object.fromEntries(list.map((c) => [c.id, c.insecureHttp]))).toEqual({
      plain: true,
      loop: false,
      local: false,
      tls: false,
    });
  });

  it('shows the demo online, without a key, never insecure', async () => {
    await saveDemoZulip(world);
    const [demo] = await harness().service.list();
    expect(demo).toMatchObject({
      id: 'demo-zulip',
      demo: true,
      hasSecret: false,
      reachability: { state: 'online' },
      insecureHttp: false,
    });
  });

  it('lists a connection whose key the keychain lost, with its cached users', async () => {
    await saveZulip(world, { id: 'conn-z' });
    world.users.upsert(toWrite(fetched('conn-z', '1'), world.now()));
    await world.secrets.delete('conn-z');
    const [keyless] = await harness().service.list();
    expect(keyless).toMatchObject({ id: 'conn-z', hasSecret: false, userCount: 1 });
  });

  it('asks the keychain for its key list at most every 10 s', async () => {
    await saveZulip(world, { id: 'conn-z' });
    await world.secrets.delete('conn-z');
    const h = harness();
    expect((await h.service.list())[0]?.hasSecret).toBe(false);
    await world.secrets.set('conn-z', 'added-behind-its-back');
    world.clock.advance(9_999);
    expect((await h.service.list())[0]?.hasSecret).toBe(false);
    expect(h.secretLists()).toBe(1);
    world.clock.advance(1);
    expect((await h.service.list())[0]?.hasSecret).toBe(true);
    expect(h.secretLists()).toBe(2);
  });

  it('does not claim a key is missing when the keychain cannot say', async () => {
    await saveZulip(world, { id: 'conn-z' });
    world.secrets.setUnavailable('locked');
    const [conn] = await harness().service.list();
    expect(conn?.hasSecret).toBe(true);
  });
});

describe('save', () => {
  it('tests the draft first, then saves it with its key, and reports whose key it is', async () => {
    const h = harness(owner);
    const { connection, test } = await h.service.save({ draft: zulipDraft(), skipTest: false });
    expect(h.zulip.calls.testConnection).toEqual([
      {
        connectionId: 'new-connection',
        baseUrl: 'https://chat.example.com',
        loginEmail: 'admin@example.com',
        secret: 'new-key-abcdef',
      },
    ]);
    expect(test).toMatchObject({ ok: true, at: world.now(), who: { name: 'Iago Admin' } });
    expect(connection).toMatchObject({
      kind: 'zulip',
      label: 'Acme Chat',
      baseUrl: 'https://chat.example.com',
      hasSecret: true,
      reachability: { state: 'online' },
      lastTest: { ok: true },
    });
    expect(await world.connections.getSecret(connection.id)).toBe('new-key-abcdef');
    expect(world.connections.get(connection.id)?.lastTest).toEqual(test);
    expect(h.changed).toEqual([connection.id]);
  });

  it.each([
    ['UNAUTHORIZED', 'secret'],
    ['FORBIDDEN', 'secret'],
    ['OFFLINE', 'baseUrl'],
    ['NOT_AN_API', 'baseUrl'],
    ['TLS', 'baseUrl'],
  ] as const)('saves nothing when the test fails with %s, naming field %s', async (code, field) => {
    const h = harness({
      testConnection: async () => {
        throw failure(code);
      },
    });
    const error = await rejection(h.service.save({ draft: zulipDraft(), skipTest: false }));
    expect(error).toMatchObject({ code, field });
    expect(world.connections.list()).toEqual([]);
    expect(await world.secrets.list()).toEqual([]);
    expect(h.changed).toEqual([]);
  });

  it('keeps the field a provider already named', async () => {
    const h = harness({
      testConnection: async () => {
        throw new RollcallFailure(
          rollcallError('UNAUTHORIZED', 'No such login email.', { field: 'loginEmail' }),
        );
      },
    });
    const error = await rejection(h.service.save({ draft: zulipDraft(), skipTest: false }));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', field: 'loginEmail' });
  });

  it('rethrows a provider bug rather than reporting it as a failed test', async () => {
    const h = harness({
      testConnection: async () => {
        throw new TypeError('oops');
      },
    });
    await expect(h.service.save({ draft: zulipDraft(), skipTest: false })).rejects.toThrow('oops');
    expect(world.connections.list()).toEqual([]);
  });

  it('with skipTest saves without asking the server, and records no test', async () => {
    const h = harness();
    const { connection, test } = await h.service.save({ draft: zulipDraft(), skipTest: true });
    expect(test).toBeNull();
    expect(h.zulip.calls.testConnection).toEqual([]);
    expect(connection).toMatchObject({ hasSecret: true, lastTest: null });
    expect(world.reachability.get(connection.id).state).toBe('unknown');
  });

  it('checks the login email before asking anything', async () => {
    const h = harness(owner);
    const error = await rejection(
      h.service.save({ draft: zulipDraft({ loginEmail: 'not-an-email' }), skipTest: false }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'loginEmail' });
    expect(h.zulip.calls.testConnection).toEqual([]);
  });

  it('asks for a key when a new connection has none', async () => {
    const h = harness(owner);
    const error = await rejection(
      h.service.save({ draft: zulipDraft({ secret: undefined }), skipTest: true }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'secret' });
  });

  it('edits a connection with its saved key when the draft gives none', async () => {
    await saveZulip(world, { id: 'conn-z', secret: 'saved-key-abcdef' });
    const h = harness(owner);
    const { connection } = await h.service.save({
      id: 'conn-z',
      draft: zulipDraft({ label: 'Renamed', secret: undefined }),
      skipTest: false,
    });
    expect(h.zulip.calls.testConnection[0]).toMatchObject({
      connectionId: 'conn-z',
      secret: 'saved-key-abcdef',
    });
    expect(connection).toMatchObject({ id: 'conn-z', label: 'Renamed', hasSecret: true });
    expect(await world.connections.getSecret('conn-z')).toBe('saved-key-abcdef');
  });

  it('refuses to change a connection’s kind', async () => {
    await saveOpenWebUI(world, { id: 'conn-o' });
    const h = harness(owner);
    const error = await rejection(
      h.service.save({ id: 'conn-o', draft: zulipDraft(), skipTest: true }),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'kind' });
    expect(world.connections.get('conn-o')?.kind).toBe('openwebui');
    expect(await world.connections.getSecret('conn-o')).toBe('owui-key-123456');
  });

  it('refuses to edit the demo', async () => {
    const demo = await saveDemoZulip(world);
    const h = harness(owner);
    const error = await rejection(
      h.service.save({ id: 'demo-zulip', draft: zulipDraft(), skipTest: true }),
    );
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'The demo directory cannot be edited.',
    });
    expect(world.connections.get('demo-zulip')).toEqual(demo);
    expect(h.zulip.calls.testConnection).toEqual([]);
  });

  it('is NOT_FOUND for an edit of a connection that is gone', async () => {
    const error = await rejection(
      harness(owner).service.save({ id: 'conn-gone', draft: zulipDraft(), skipTest: true }),
    );
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('remove', () => {
  it('stops a running sync before the connection goes', async () => {
    await saveZulip(world, { id: 'conn-z' });
    const stopping = deferred();
    const h = harness({}, () => stopping.promise);
    h.running.add('conn-z');
    const removal = h.service.remove({ id: 'conn-z' });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.stops).toEqual(['conn-z']);
    expect(world.connections.get('conn-z')).not.toBeNull();
    expect(await world.connections.getSecret('conn-z')).toBe('zulip-key-123456');
    stopping.resolve();
    await expect(removal).resolves.toEqual({ removed: true });
    expect(world.connections.get('conn-z')).toBeNull();
    expect(await world.secrets.list()).toEqual([]);
  });

  it('forgets reachability, drops the cached key list, and tells the window', async () => {
    await saveZulip(world, { id: 'conn-z' });
    await saveZulip(world, { id: 'conn-y' });
    world.users.upsert(toWrite(fetched('conn-z', '1'), world.now()));
    world.reachability.answered('conn-z');
    const h = harness();
    expect((await h.service.list()).map((c) => c.hasSecret)).toEqual([true, true]);
    await h.service.remove({ id: 'conn-z' });
    expect(world.reachability.get('conn-z').state).toBe('unknown');
    expect(h.changed).toEqual(['conn-z']);
    const left = await h.service.list();
    expect(left.map((c) => [c.id, c.hasSecret])).toEqual([['conn-y', true]]);
    expect(world.users.count('conn-z', { includeGone: true })).toBe(0);
    expect(h.secretLists()).toBe(2);
  });

  it("deletes the connection's cached users with it", async () => {
    await saveZulip(world, { id: 'conn-z' });
    world.users.upsert(toWrite(fetched('conn-z', '1'), world.now()));
    await harness().service.remove({ id: 'conn-z' });
    expect(world.users.get('conn-z', '1')).toBeNull();
  });
});

describe('test', () => {
  it('tests a draft without touching the saved connection', async () => {
    await saveZulip(world, { id: 'conn-z' });
    const h = harness({
      testConnection: async () => {
        throw failure('OFFLINE');
      },
    });
    const result = await h.service.test({
      id: 'conn-z',
      draft: zulipDraft({ baseUrl: 'https://other.example.com', secret: undefined }),
    });
    expect(result).toMatchObject({
      ok: false,
      who: null,
      error: { code: 'OFFLINE', field: 'baseUrl' },
    });
    expect(h.zulip.calls.testConnection[0]).toMatchObject({
      baseUrl: 'https://other.example.com',
      secret: 'zulip-key-123456',
    });
    expect(world.connections.get('conn-z')?.lastTest).toBeNull();
    expect(world.reachability.get('conn-z').state).toBe('unknown');
    expect(h.changed).toEqual([]);
  });

  it('treats a new key in the draft as a draft, even with the saved URL', async () => {
    await saveZulip(world, { id: 'conn-z' });
    const h = harness(owner);
    const result = await h.service.test({
      id: 'conn-z',
      draft: zulipDraft({ baseUrl: 'https://chat.example.com', secret: 'another-key-123' }),
    });
    expect(result.ok).toBe(true);
    expect(world.connections.get('conn-z')?.lastTest).toBeNull();
    expect(world.reachability.get('conn-z').state).toBe('unknown');
  });

  it('tests a draft with no saved connection under a draft session', async () => {
    const h = harness(owner);
    const result = await h.service.test({ draft: zulipDraft() });
    expect(result).toMatchObject({ ok: true, who: { userId: '8' } });
    expect(h.zulip.calls.testConnection[0]?.connectionId).toBe('draft');
    expect(world.connections.list()).toEqual([]);
  });

  it('records lastTest and reachability when the saved settings are tested', async () => {
    await saveZulip(world, { id: 'conn-z' });
    const h = harness(owner);
    const ok = await h.service.test({ id: 'conn-z' });
    expect(ok).toMatchObject({ ok: true, at: world.now(), who: { name: 'Iago Admin' } });
    expect(world.connections.get('conn-z')?.lastTest).toEqual(ok);
    expect(world.reachability.get('conn-z').state).toBe('online');
    expect(h.changed).toEqual(['conn-z']);
  });

  it('records a failed test of the saved settings and marks the server offline', async () => {
    await saveZulip(world, { id: 'conn-z' });
    const h = harness({
      testConnection: async () => {
        throw failure('TIMEOUT');
      },
    });
    world.clock.advance(60_000);
    const result = await h.service.test({ id: 'conn-z' });
    expect(result).toMatchObject({ ok: false, at: world.now(), error: { code: 'TIMEOUT' } });
    expect(world.connections.get('conn-z')?.lastTest).toEqual(result);
    expect(world.reachability.get('conn-z')).toMatchObject({
      state: 'offline',
      error: { code: 'TIMEOUT' },
    });
  });

  it('answers ok for the demo without asking any server', async () => {
    await saveDemoZulip(world);
    const h = harness(owner);
    expect(await h.service.test({ id: 'demo-zulip' })).toEqual({
      ok: true,
      at: world.now(),
      who: null,
      error: null,
    });
    expect(h.zulip.calls.testConnection).toEqual([]);
  });

  it('asks for a key when neither the draft nor the keychain has one', async () => {
    const h = harness(owner);
    const error = await rejection(h.service.test({ draft: zulipDraft({ secret: undefined }) }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'secret' });
    expect(h.zulip.calls.testConnection).toEqual([]);
  });
});
