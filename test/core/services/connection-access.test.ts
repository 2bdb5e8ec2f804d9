// Proves createConnectionAccess on its own (real connections repository over
// SQLite, the in-memory keychain, a real reachability tracker): a missing
// connection is NOT_FOUND in words, a session carries the saved key (or the
// override) and is UNAUTHORIZED on field 'secret' without one, the demo has
// no session, and `talk` teaches reachability from each call's outcome.
import { rollcallError } from '@shared/errors';
import {
  failure,
  openWorld,
  rejection,
  saveDemoZulip,
  saveZulip,
  type World,
} from './service-fixtures';

let world: World;
beforeEach(() => {
  world = openWorld();
});
afterEach(() => world.close());

describe('require', () => {
  it('returns the saved connection', async () => {
    const saved = await saveZulip(world, { id: 'conn-z', label: 'Acme Chat' });
    expect(world.access.require('conn-z')).toEqual(saved);
  });

  it('says in words that a missing connection may have been removed', () => {
    let thrown: unknown;
    try {
      world.access.require('conn-missing');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({
      error: {
        code: 'NOT_FOUND',
        message: 'That connection no longer exists. It may have been removed.',
      },
    });
  });
});

describe('session', () => {
  it('carries the saved key, URL and login email of the connection', async () => {
    const conn = await saveZulip(world, {
      id: 'conn-z',
      baseUrl: 'https://chat.example.com/zulip',
      secret: 'saved-key-abcdef',
    });
    expect(await world.access.session(conn)).toEqual({
      connectionId: 'conn-z',
      baseUrl: 'https://chat.example.com/zulip',
      loginEmail: 'admin@example.com',
      secret: 'saved-key-abcdef',
    });
  });

  it('uses an override key instead of the saved one, without asking the keychain', async () => {
    const conn = await saveZulip(world, { secret: 'saved-key-abcdef' });
    world.secrets.setUnavailable('locked');
    const session = await world.access.session(conn, 'override-key-123');
    expect(session.secret).toBe('override-key-123');
  });

  it('is UNAUTHORIZED on field secret, naming the connection, when no key is saved', async () => {
    const conn = await saveZulip(world, { id: 'conn-z', label: 'Acme Chat' });
    await world.secrets.delete('conn-z');
    const error = await rejection(world.access.session(conn));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', field: 'secret' });
    expect(error.message).toContain('“Acme Chat”');
  });

  it('gives the demo no session at all', async () => {
    const demo = await saveDemoZulip(world);
    const error = await rejection(world.access.session(demo, 'even-with-a-key'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('demo');
  });

  it('passes on a keychain that cannot be read', async () => {
    const conn = await saveZulip(world);
    world.secrets.setUnavailable('missing');
    expect((await rejection(world.access.session(conn))).code).toBe('KEYCHAIN_UNAVAILABLE');
  });
});

describe('talk', () => {
  it('returns the call’s value and marks the server online', async () => {
    expect(world.reachability.get('conn-z').state).toBe('unknown');
    await expect(world.access.talk('conn-z', async () => 42)).resolves.toBe(42);
    expect(world.reachability.get('conn-z')).toMatchObject({ state: 'online', error: null });
  });

  it('rethrows an unreachable server’s failure unchanged and marks it offline', async () => {
    await world.access.talk('conn-z', async () => 'first');
    const offline = failure('OFFLINE');
    await expect(
      world.access.talk('conn-z', async () => {
        throw offline;
      }),
    ).rejects.toBe(offline);
    expect(world.reachability.get('conn-z')).toMatchObject({
      state: 'offline',
      since: world.now(),
      error: { code: 'OFFLINE' },
    });
    // The next answer brings it back.
    world.clock.advance(1000);
    await world.access.talk('conn-z', async () => 'again');
    expect(world.reachability.get('conn-z')).toMatchObject({ state: 'online', since: world.now() });
    expect(world.reachabilityChanges).toEqual(['conn-z', 'conn-z', 'conn-z']);
  });

  it('counts an answered refusal (NOT_FOUND) as online, a rejected key as unauthorized', async () => {
    await expect(
      world.access.talk('conn-z', async () => {
        throw failure('NOT_FOUND');
      }),
    ).rejects.toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(world.reachability.get('conn-z').state).toBe('online');
    await expect(
      world.access.talk('conn-z', async () => {
        throw rollcallError('UNAUTHORIZED');
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(world.reachability.get('conn-z').state).toBe('unauthorized');
  });

  it('learns nothing from a cancelled call', async () => {
    await world.access.talk('conn-z', async () => 1);
    const before = world.reachability.get('conn-z');
    await expect(
      world.access.talk('conn-z', async () => {
        throw failure('CANCELLED');
      }),
    ).rejects.toMatchObject({ error: { code: 'CANCELLED' } });
    expect(world.reachability.get('conn-z')).toEqual(before);
  });

  it('keeps each connection’s reachability apart', async () => {
    await world.access.talk('conn-a', async () => 1);
    await world.access
      .talk('conn-b', async () => {
        throw failure('TIMEOUT');
      })
      .catch(() => {});
    expect(world.reachability.get('conn-a').state).toBe('online');
    expect(world.reachability.get('conn-b').state).toBe('offline');
  });
});
