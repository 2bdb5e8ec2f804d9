// Proves createAvatarsService on its own (real avatar store, users and
// connections repositories over SQLite in a temporary user-data folder, a
// stand-in provider, a clock moved by hand): "no picture" and unknown users
// are a 204; a fresh cached picture is served without asking the provider,
// a stale or changed one is fetched again; the key goes only with the
// server's own pictures; a failed fetch falls back to the cached file or a
// 204; the demo fetches nothing but inline pictures.
import type { AvatarSource } from '@shared/model';
import { avatarKeyOf } from '@shared/summary';
import { createLogger, silentLogger, type Logger } from '@core/log';
import { syntheticPng } from '@core/services/synthetic/pictures';
import {
  AVATAR_MAX_AGE_MS,
  createAvatarsService,
  type AvatarsService,
} from '@core/services/avatars';
import { toWrite } from '@core/services/user-writes';
import { pngClaiming } from '../../fakes/image-headers';
import {
  deferred,
  eventually,
  failure,
  fetched,
  openWorld,
  providersWith,
  saveDemoZulip,
  saveZulip,
  standInProvider,
  type StandInAnswers,
  type StandInProvider,
  type World,
} from './service-fixtures';

const OLD = syntheticPng([1, 1, 1], 4);
const NEW = syntheticPng([2, 2, 2], 4);
const SERVER: AvatarSource = { kind: 'server', url: 'https://chat.example.com/avatar/7.png' };
const EXTERNAL: AvatarSource = { kind: 'external', url: 'https://secure.gravatar.com/avatar/ab' };
const INLINE: AvatarSource = { kind: 'inline', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' };

let world: World;
beforeEach(async () => {
  world = openWorld();
  await saveZulip(world, { id: 'conn-z', secret: 'zulip-key-123456' });
});
afterEach(() => world.close());

function harness(
  answers: StandInAnswers = {},
  log: Logger = silentLogger,
): {
  avatars: AvatarsService;
  zulip: StandInProvider;
} {
  const zulip = standInProvider('zulip', answers);
  const avatars = createAvatarsService({
    access: world.access,
    providers: providersWith(zulip),
    connections: world.connections,
    users: world.users,
    avatars: world.avatars,
    now: world.now,
    log,
  });
  return { avatars, zulip };
}

/** A provider whose pictures are `bytes`. */
function serving(bytes: Uint8Array): StandInAnswers {
  return { fetchAvatar: async () => ({ contentType: 'image/png', bytes }) };
}

/** Caches user 7 of a connection with this picture source. */
function cacheUser(avatar: AvatarSource, connectionId = 'conn-z'): void {
  world.users.upsert(toWrite(fetched(connectionId, '7', { avatar }), world.now()));
}

/** Stores a picture for user 7 as fetched now from `source`. */
async function storePicture(
  source: AvatarSource,
  bytes = OLD,
  connectionId = 'conn-z',
): Promise<void> {
  await world.avatars.put(connectionId, '7', {
    bytes,
    contentType: 'image/png',
    sourceKey: avatarKeyOf(source),
  });
}

describe('no picture', () => {
  it('is a 204 with nothing to cache for a user without one', async () => {
    cacheUser({ kind: 'none' });
    const { avatars, zulip } = harness(serving(NEW));
    const answer = await avatars.serveAvatar('conn-z', '7');
    expect(answer.status).toBe(204);
    expect(answer.body.byteLength).toBe(0);
    expect(answer.headers['Cache-Control']).toBe('no-store');
    expect(zulip.calls.fetchAvatar).toEqual([]);
  });

  it('is a 204 for a user or connection not in the cache', async () => {
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '404')).status).toBe(204);
    expect((await avatars.serveAvatar('conn-gone', '7')).status).toBe(204);
    expect(zulip.calls.fetchAvatar).toEqual([]);
  });
});

describe('a cached picture', () => {
  it('is served while fresh without asking the provider', async () => {
    cacheUser(SERVER);
    await storePicture(SERVER, OLD);
    world.clock.advance(AVATAR_MAX_AGE_MS - 1);
    const { avatars, zulip } = harness(serving(NEW));
    const answer = await avatars.serveAvatar('conn-z', '7');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(OLD);
    expect(answer.headers).toMatchObject({
      'Content-Type': 'image/png',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
    });
    expect(zulip.calls.fetchAvatar).toEqual([]);
  });

  it('is fetched again once a day old, and the new one is kept', async () => {
    cacheUser(SERVER);
    await storePicture(SERVER, OLD);
    world.clock.advance(AVATAR_MAX_AGE_MS);
    const { avatars, zulip } = harness(serving(NEW));
    const answer = await avatars.serveAvatar('conn-z', '7');
    expect(answer.body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar).toHaveLength(1);
    expect(world.avatars.info('conn-z', '7')).toMatchObject({
      fetchedAt: world.now(),
      sourceKey: avatarKeyOf(SERVER),
    });
    // Fresh again: the next request asks nobody.
    expect((await avatars.serveAvatar('conn-z', '7')).body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar).toHaveLength(1);
  });

  it('is fetched again at once when the user’s picture changed', async () => {
    cacheUser(EXTERNAL);
    await storePicture(SERVER, OLD);
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '7')).body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar).toHaveLength(1);
  });
});

describe('credentials', () => {
  it('go with the server’s own pictures: the saved key, reachability learned', async () => {
    cacheUser(SERVER);
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '7')).status).toBe(200);
    expect(zulip.calls.fetchAvatar[0]?.session).toEqual({
      connectionId: 'conn-z',
      baseUrl: 'https://chat.example.com',
      loginEmail: 'admin@example.com',
      secret: 'zulip-key-123456',
    });
    expect(zulip.calls.fetchAvatar[0]?.user.avatar).toEqual(SERVER);
    expect(world.reachability.get('conn-z').state).toBe('online');
  });

  it.each([
    ['external', EXTERNAL],
    ['inline', INLINE],
  ] as const)('never go with %s pictures, which need no key at all', async (_kind, source) => {
    cacheUser(source);
    await world.secrets.delete('conn-z');
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '7')).body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar[0]?.session.secret).toBe('');
    // Another origin's answer says nothing about this server.
    expect(world.reachability.get('conn-z').state).toBe('unknown');
  });
});

describe('a failed fetch', () => {
  it('falls back to the stale cached picture', async () => {
    cacheUser(SERVER);
    await storePicture(SERVER, OLD);
    world.clock.advance(AVATAR_MAX_AGE_MS + 1);
    const { avatars } = harness({
      fetchAvatar: async () => {
        throw failure('OFFLINE');
      },
    });
    const answer = await avatars.serveAvatar('conn-z', '7');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(OLD);
    expect(world.reachability.get('conn-z').state).toBe('offline');
  });

  it('is a 204 when nothing is cached', async () => {
    cacheUser(EXTERNAL);
    const { avatars } = harness({
      fetchAvatar: async () => {
        throw failure('NOT_AN_API');
      },
    });
    expect((await avatars.serveAvatar('conn-z', '7')).status).toBe(204);
  });

  it('is fetched without reading the keychain when a server picture is outside its picture paths', async () => {
    // Issue 13: the key would not be sent to such an address, so it is not read either.
    const offPath: AvatarSource = { kind: 'server', url: 'https://chat.example.com/static/7.png' };
    cacheUser(offPath);
    const getSecret = vi.spyOn(world.connections, 'getSecret');
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '7')).body).toEqual(NEW);
    expect(getSecret).not.toHaveBeenCalled();
    expect(zulip.calls.fetchAvatar[0]?.session.secret).toBe('');
    // Its own server answered: reachability learns it, as for any server picture.
    expect(world.reachability.get('conn-z').state).toBe('online');
  });

  it('is a 204 when no key is saved for a server picture, asking nobody', async () => {
    cacheUser(SERVER);
    await world.secrets.delete('conn-z');
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('conn-z', '7')).status).toBe(204);
    expect(zulip.calls.fetchAvatar).toEqual([]);
  });

  it('is a 204 when the provider hands back something that is not a picture', async () => {
    cacheUser(EXTERNAL);
    const { avatars } = harness({
      fetchAvatar: async () => ({ contentType: 'image/svg+xml', bytes: NEW }),
    });
    expect((await avatars.serveAvatar('conn-z', '7')).status).toBe(204);
    expect(world.avatars.info('conn-z', '7')).toBeNull();
  });
});

describe('an image bomb', () => {
  const BOMB = pngClaiming(16000, 16000);

  it('cached by an older version is not served, and the log says why', async () => {
    cacheUser(SERVER);
    await storePicture(SERVER, BOMB);
    const lines: string[] = [];
    const { avatars, zulip } = harness(
      serving(NEW),
      createLogger((l) => lines.push(l)),
    );
    const answer = await avatars.serveAvatar('conn-z', '7');
    expect(answer.status).toBe(204);
    expect(answer.body).toHaveLength(0);
    expect(zulip.calls.fetchAvatar).toEqual([]);
    expect(lines.join('\n')).toMatch(/cached avatar is not shown.*16000×16000 pixels/);
    expect(lines.join('\n')).not.toContain('zulip-key-123456');
  });

  it('kept from before a failed fetch is not served either', async () => {
    cacheUser(SERVER);
    await storePicture(SERVER, BOMB);
    world.clock.advance(AVATAR_MAX_AGE_MS + 1);
    const { avatars } = harness({
      fetchAvatar: async () => {
        throw failure('OFFLINE');
      },
    });
    expect((await avatars.serveAvatar('conn-z', '7')).status).toBe(204);
  });
});

describe('requests in flight', () => {
  it('for the same picture make one fetch', async () => {
    cacheUser(EXTERNAL);
    const release = deferred();
    const { avatars, zulip } = harness({
      fetchAvatar: async () => {
        await release.promise;
        return { contentType: 'image/png', bytes: NEW };
      },
    });
    const a = avatars.serveAvatar('conn-z', '7');
    const b = avatars.serveAvatar('conn-z', '7');
    await eventually(() => zulip.calls.fetchAvatar.length > 0, 'the fetch');
    release.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.body).toEqual(NEW);
    expect(rb.body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar).toHaveLength(1);
  });
});

describe('the demo', () => {
  it.each([
    ['server', SERVER],
    ['external', EXTERNAL],
  ] as const)('does not fetch %s pictures: 204, or the cached file', async (_kind, source) => {
    await saveDemoZulip(world);
    cacheUser(source, 'demo-zulip');
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('demo-zulip', '7')).status).toBe(204);
    await storePicture(source, OLD, 'demo-zulip');
    world.clock.advance(AVATAR_MAX_AGE_MS * 2);
    expect((await avatars.serveAvatar('demo-zulip', '7')).body).toEqual(OLD);
    expect(zulip.calls.fetchAvatar).toEqual([]);
  });

  it('serves inline pictures, decoded without a key', async () => {
    await saveDemoZulip(world);
    cacheUser(INLINE, 'demo-zulip');
    const { avatars, zulip } = harness(serving(NEW));
    expect((await avatars.serveAvatar('demo-zulip', '7')).body).toEqual(NEW);
    expect(zulip.calls.fetchAvatar[0]?.session).toMatchObject({
      connectionId: 'demo-zulip',
      secret: '',
    });
  });
});
