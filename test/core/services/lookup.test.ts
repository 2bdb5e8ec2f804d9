// Proves createLookupService on its own (real users, meta and connections
// repositories over SQLite, the in-memory keychain, a stand-in provider whose
// answers the test holds back or fails): a cached user is answered at once
// with refreshing:true and the network result follows as users:refreshed;
// waitForNetwork waits; NOT_FOUND marks a cached user gone; an unreachable
// server with a cached copy answers it stale, without one throws; identical
// lookups in flight share one provider call; the demo never asks a provider.
import type { ParsedArgOf } from '@shared/contract';
import type { LookupResult } from '@shared/model';
import { createLookupService, type LookupService } from '@core/services/lookup';
import { toWrite } from '@core/services/user-writes';
import {
  deferred,
  eventually,
  failure,
  fetched,
  openWorld,
  providersWith,
  rejection,
  saveDemoZulip,
  saveOpenWebUI,
  saveZulip,
  standInProvider,
  zulipContext,
  type StandInAnswers,
  type StandInProvider,
  type World,
} from './service-fixtures';

let world: World;
beforeEach(async () => {
  world = openWorld();
  await saveZulip(world, { id: 'conn-z' });
});
afterEach(() => world.close());

function harness(
  answers: StandInAnswers = {},
  readOnly = false,
): { service: LookupService; zulip: StandInProvider } {
  const zulip = standInProvider('zulip', answers);
  const service = createLookupService({
    access: world.access,
    providers: providersWith(zulip),
    users: world.users,
    contexts: world.contexts,
    emit: world.events.emit,
    now: world.now,
    readOnly,
  });
  return { service, zulip };
}

/** Answers the referenced user (an email means user 7) under `name`, with a context stamped `contextAt`. */
function userNamed(name: string, contextAt = 500): NonNullable<StandInAnswers['fetchUser']> {
  return async (_session, ref) => {
    const userId = ref.kind === 'zulip-id' ? String(ref.userId) : '7';
    return {
      ...fetched('conn-z', userId, { name, email: `user${userId}@example.com` }),
      context: zulipContext(contextAt),
    };
  };
}

/** A provider that answers every lookup with `userNamed`. */
function answersAs(name: string, contextAt = 500): StandInAnswers {
  return { fetchUser: userNamed(name, contextAt) };
}

/** Puts user `userId` in the cache under `name`, fetched now. */
function cache(userId: string, name: string): void {
  world.users.upsert(toWrite(fetched('conn-z', userId, { name }), world.now()));
}

function lookup(
  ref: string,
  extra: Partial<ParsedArgOf<'users:lookup'>> = {},
): ParsedArgOf<'users:lookup'> {
  return { connectionId: 'conn-z', ref, waitForNetwork: false, ...extra };
}

describe('a cached user', () => {
  it('is answered from the cache at once, then refreshed behind as users:refreshed', async () => {
    cache('7', 'Old Name');
    const answer = deferred<void>();
    const { service, zulip } = harness({
      fetchUser: async (session, ref, context) => {
        await answer.promise;
        return userNamed('New Name')(session, ref, context);
      },
    });
    const first = await service.lookup(lookup('7'));
    expect(first).toMatchObject({
      source: 'cache',
      refreshing: true,
      stale: null,
      user: { userId: '7', name: 'Old Name' },
    });
    expect(world.events.of('users:refreshed')).toEqual([]);
    world.clock.advance(1000);
    answer.resolve();
    await eventually(() => world.events.of('users:refreshed').length > 0, 'users:refreshed');
    const [refreshed] = world.events.of('users:refreshed');
    expect(refreshed).toMatchObject({
      connectionId: 'conn-z',
      ref: '7',
      result: {
        ok: true,
        value: { source: 'network', refreshing: false, stale: null, user: { name: 'New Name' } },
      },
    });
    expect(zulip.calls.fetchUser).toHaveLength(1);
    expect(world.users.get('conn-z', '7')).toMatchObject({
      user: { name: 'New Name' },
      fetchedAt: world.now(),
    });
    expect(world.reachability.get('conn-z').state).toBe('online');
  });

  it('sends a refresh the server could not answer as the cached copy, stale', async () => {
    cache('7', 'Old Name');
    const { service } = harness({
      fetchUser: async () => {
        throw failure('FORBIDDEN');
      },
    });
    expect((await service.lookup(lookup('7'))).refreshing).toBe(true);
    await eventually(() => world.events.of('users:refreshed').length > 0, 'users:refreshed');
    expect(world.events.of('users:refreshed')[0]?.result).toMatchObject({
      ok: true,
      value: { source: 'cache', stale: { code: 'FORBIDDEN' }, user: { name: 'Old Name' } },
    });
  });

  it('sends a refresh that failed outright as an error in users:refreshed', async () => {
    cache('7', 'Old Name');
    const { service } = harness({
      fetchUser: async () => {
        throw new TypeError('a provider bug');
      },
    });
    expect((await service.lookup(lookup('7'))).refreshing).toBe(true);
    await eventually(() => world.events.of('users:refreshed').length > 0, 'users:refreshed');
    expect(world.events.of('users:refreshed')[0]).toMatchObject({
      connectionId: 'conn-z',
      ref: '7',
      result: { ok: false, error: { code: 'INTERNAL' } },
    });
    expect(world.users.get('conn-z', '7')?.user.name).toBe('Old Name');
  });

  it('with waitForNetwork waits for the server and sends no event', async () => {
    cache('7', 'Old Name');
    const { service, zulip } = harness(answersAs('New Name'));
    const result = await service.lookup(lookup('7', { waitForNetwork: true }));
    expect(result).toMatchObject({
      source: 'network',
      refreshing: false,
      stale: null,
      goneAt: null,
      user: { name: 'New Name' },
    });
    expect(zulip.calls.fetchUser).toHaveLength(1);
    expect(world.events.of('users:refreshed')).toEqual([]);
  });

  it('that the server no longer has is marked gone', async () => {
    cache('7', 'Old Name');
    world.clock.advance(1000);
    const { service } = harness({
      fetchUser: async () => {
        throw failure('NOT_FOUND');
      },
    });
    const result = await service.lookup(lookup('7', { waitForNetwork: true }));
    expect(result).toMatchObject({
      source: 'network',
      goneAt: world.now(),
      stale: null,
      user: { name: 'Old Name' },
    });
    expect(world.users.get('conn-z', '7')?.goneAt).toBe(world.now());
  });

  it.each(['OFFLINE', 'TIMEOUT', 'SERVER_ERROR', 'UNAUTHORIZED', 'RATE_LIMITED'] as const)(
    'is answered stale from the cache when the lookup fails with %s',
    async (code) => {
      cache('7', 'Old Name');
      const { service } = harness({
        fetchUser: async () => {
          throw failure(code);
        },
      });
      const result = await service.lookup(lookup('7', { waitForNetwork: true }));
      expect(result).toMatchObject({
        source: 'cache',
        refreshing: false,
        stale: { code },
        user: { name: 'Old Name' },
      });
      expect(world.users.get('conn-z', '7')?.goneAt).toBeNull();
    },
  );

  it('is answered stale when the key cannot be read from the keychain', async () => {
    cache('7', 'Old Name');
    world.secrets.setUnavailable('locked');
    const { service, zulip } = harness(answersAs('New Name'));
    const result = await service.lookup(lookup('7', { waitForNetwork: true }));
    expect(result).toMatchObject({ source: 'cache', stale: { code: 'KEYCHAIN_UNAVAILABLE' } });
    expect(zulip.calls.fetchUser).toEqual([]);
  });

  it('is found by email too', async () => {
    cache('7', 'Old Name');
    const { service } = harness(answersAs('New Name'));
    const result = await service.lookup(lookup('USER7@example.com'));
    expect(result).toMatchObject({ source: 'cache', refreshing: true, user: { userId: '7' } });
    await eventually(() => world.events.of('users:refreshed').length > 0, 'users:refreshed');
    expect(world.events.of('users:refreshed')[0]).toMatchObject({
      ref: 'USER7@example.com',
      result: { ok: true, value: { source: 'network', user: { userId: '7', name: 'New Name' } } },
    });
  });
});

describe('an Open WebUI user by email', () => {
  async function owuiHarness(answers: StandInAnswers = {}) {
    await saveOpenWebUI(world, { id: 'conn-o' });
    const owui = standInProvider('openwebui', answers);
    const service = createLookupService({
      access: world.access,
      providers: providersWith(owui),
      users: world.users,
      contexts: world.contexts,
      emit: world.events.emit,
      now: world.now,
    });
    return { service, owui };
  }

  it('is answered from the cache by email, any case, not sent to the server as an id', async () => {
    const id = '7d1e4a90-3c2b-4f6e-8a57-b91c0d2e6f13';
    const zoe = fetched('conn-o', id, { kind: 'openwebui', name: 'Zoë', email: 'zoe@example.com' });
    const { service, owui } = await owuiHarness({
      fetchUser: async () => ({
        ...zoe,
        context: { kind: 'openwebui', fetchedAt: 1, groupNames: {} },
      }),
    });
    world.users.upsert(toWrite(zoe, world.now()));
    const result = await service.lookup({
      connectionId: 'conn-o',
      ref: 'Zoe@Example.COM',
      waitForNetwork: false,
    });
    expect(result).toMatchObject({ source: 'cache', user: { userId: id } });
    await eventually(() => owui.calls.fetchUser.length > 0, 'the refresh');
    expect(owui.calls.fetchUser[0]!.ref).toEqual({
      kind: 'openwebui-email',
      email: 'Zoe@Example.COM',
    });
  });
});

describe('an uncached user', () => {
  it('is fetched, stored with the provider’s context, and answered from the network', async () => {
    const { service, zulip } = harness(answersAs('Ada', 500));
    const result = await service.lookup(lookup('7'));
    expect(result).toMatchObject({ source: 'network', refreshing: false, user: { name: 'Ada' } });
    expect(zulip.calls.fetchUser[0]).toMatchObject({
      session: { connectionId: 'conn-z', secret: 'zulip-key-123456' },
      ref: { kind: 'zulip-id', userId: 7 },
      context: null,
    });
    expect(world.users.get('conn-z', '7')?.user.name).toBe('Ada');
    expect(world.contexts.get('conn-z')).toEqual(zulipContext(500));
    // The next lookup hands the provider the cached context.
    await service.lookup(lookup('8', { waitForNetwork: true }));
    expect(zulip.calls.fetchUser[1]?.context).toEqual(zulipContext(500));
  });

  it('throws the failure when there is no cached copy to fall back on', async () => {
    const { service } = harness({
      fetchUser: async () => {
        throw failure('OFFLINE');
      },
    });
    expect((await rejection(service.lookup(lookup('7')))).code).toBe('OFFLINE');
    expect(world.reachability.get('conn-z').state).toBe('offline');
    expect(world.users.get('conn-z', '7')).toBeNull();
  });

  it('throws NOT_FOUND when the server has no such user', async () => {
    const { service } = harness({
      fetchUser: async () => {
        throw failure('NOT_FOUND');
      },
    });
    expect((await rejection(service.lookup(lookup('7')))).code).toBe('NOT_FOUND');
  });

  it('is UNAUTHORIZED on field secret when no key is saved', async () => {
    await world.secrets.delete('conn-z');
    const { service, zulip } = harness(answersAs('Ada'));
    expect(await rejection(service.lookup(lookup('7')))).toMatchObject({
      code: 'UNAUTHORIZED',
      field: 'secret',
    });
    expect(zulip.calls.fetchUser).toEqual([]);
  });
});

describe('lookups in flight', () => {
  it('make one provider call when identical, and each get its answer', async () => {
    const answer = deferred<void>();
    const { service, zulip } = harness({
      fetchUser: async (session, ref, context) => {
        await answer.promise;
        return userNamed('Ada')(session, ref, context);
      },
    });
    const a = service.lookup(lookup('7'));
    const b = service.lookup(lookup('#7', { waitForNetwork: true }));
    await eventually(() => zulip.calls.fetchUser.length > 0, 'the first fetch');
    answer.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(zulip.calls.fetchUser).toHaveLength(1);
    expect(ra).toEqual(rb);
    expect(ra.user.name).toBe('Ada');
  });

  it('make one call each when different', async () => {
    const { service, zulip } = harness(answersAs('Ada'));
    await Promise.all([service.lookup(lookup('7')), service.lookup(lookup('8'))]);
    expect(zulip.calls.fetchUser.map((c) => c.ref)).toEqual([
      { kind: 'zulip-id', userId: 7 },
      { kind: 'zulip-id', userId: 8 },
    ]);
  });

  it('ask again once the first has settled', async () => {
    const { service, zulip } = harness(answersAs('Ada'));
    await service.lookup(lookup('7'));
    await service.lookup(lookup('7', { waitForNetwork: true }));
    expect(zulip.calls.fetchUser).toHaveLength(2);
  });
});

describe('the demo', () => {
  it('answers from the cache and never calls the provider', async () => {
    await saveDemoZulip(world);
    world.users.upsert(toWrite(fetched('demo-zulip', '3', { name: 'Demo Person' }), world.now()));
    const { service, zulip } = harness(answersAs('Never'));
    const result: LookupResult = await service.lookup({
      connectionId: 'demo-zulip',
      ref: '3',
      waitForNetwork: true,
    });
    expect(result).toMatchObject({
      source: 'cache',
      refreshing: false,
      stale: null,
      user: { name: 'Demo Person' },
    });
    const missing = await rejection(
      service.lookup({ connectionId: 'demo-zulip', ref: '999', waitForNetwork: false }),
    );
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('demo directory');
    await new Promise((r) => setTimeout(r, 20));
    expect(zulip.calls.fetchUser).toEqual([]);
    expect(world.events.of('users:refreshed')).toEqual([]);
  });
});

describe('references and connections', () => {
  it('refuses a malformed reference on field ref before asking anyone', async () => {
    const { service, zulip } = harness(answersAs('Ada'));
    expect(await rejection(service.lookup(lookup('not a ref!')))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'ref',
    });
    expect(zulip.calls.fetchUser).toEqual([]);
  });

  it('is NOT_FOUND for a connection that does not exist', async () => {
    const { service } = harness(answersAs('Ada'));
    const error = await rejection(service.lookup({ ...lookup('7'), connectionId: 'conn-gone' }));
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('getUser', () => {
  it('reads a cached user, gone or not', async () => {
    cache('7', 'Ada');
    world.users.markGone('conn-z', '7', 42);
    const { service } = harness();
    expect(await service.getUser({ connectionId: 'conn-z', userId: '7' })).toMatchObject({
      user: { name: 'Ada' },
      goneAt: 42,
    });
  });

  it('is NOT_FOUND for a user not in the cache', async () => {
    const { service } = harness();
    const error = await rejection(service.getUser({ connectionId: 'conn-z', userId: '7' }));
    expect(error.code).toBe('NOT_FOUND');
  });
});

describe('a read-only cache (issue 13, class 9)', () => {
  it('shows the fresh answer it cannot store, and a gone user without marking them', async () => {
    cache('7', 'Old Name');
    world.cache.readOnly = true;
    const { service } = harness(answersAs('New Name'), true);
    const fresh = await service.lookup(lookup('7', { waitForNetwork: true }));
    expect(fresh).toMatchObject({ source: 'network', user: { name: 'New Name' } });
    expect(world.users.get('conn-z', '7')?.user.name).toBe('Old Name');
    const gone = harness(
      {
        fetchUser: async () => {
          throw failure('NOT_FOUND');
        },
      },
      true,
    ).service;
    const answer = await gone.lookup(lookup('7', { waitForNetwork: true }));
    expect(answer.goneAt).not.toBeNull();
    expect(world.users.get('conn-z', '7')?.goneAt).toBeNull();
  });
});
