// Proves createAppInfoService on its own: it reports the version, folder and
// platform it was given, the keychain's state as the secret store probes it,
// the cache's path, size on disk (WAL included), read-only flag and notices
// (start-up's temporary-cache notice first), and the counts of connections,
// users and pictures — from a real cache and from small stand-ins.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platform } from 'node:os';
import { createAppInfoService, type AppInfoDeps } from '@core/services/app-info';
import { toWrite } from '@core/services/user-writes';
import { createMemorySecretStore } from '@core/store/secrets';
import { tempDir } from '../cache-fixtures';
import { fetched, openWorld, saveOpenWebUI, saveZulip, type World } from './service-fixtures';

const TEMPORARY =
  'The cache could not be opened. Rollcall is running on a temporary cache: nothing fetched in this session will be kept.';

/** Deps of small stand-ins, changed by `overrides`. */
function standIns(overrides: Partial<AppInfoDeps> = {}): AppInfoDeps {
  return {
    appVersion: '1.2.3',
    userDataDir: '/home/admin/.config/Rollcall',
    cache: { path: ':memory:', readOnly: false, notices: [] },
    startupNotices: [],
    secrets: createMemorySecretStore(),
    connections: { list: () => [] },
    users: { count: () => 0 },
    avatars: { count: () => 0 },
    ...overrides,
  };
}

it('reports the temporary cache: its notice, no size, and counts of what it holds', async () => {
  const info = await createAppInfoService(
    standIns({
      startupNotices: [TEMPORARY],
      cache: { path: ':memory:', readOnly: false, notices: ['a notice of the cache itself'] },
      users: { count: () => 12 },
      avatars: { count: () => 3 },
    }),
  ).appInfo();
  expect(info).toEqual({
    name: 'Rollcall',
    version: '1.2.3',
    userDataDir: '/home/admin/.config/Rollcall',
    platform: platform(),
    keychain: { state: 'available', message: null },
    database: {
      path: ':memory:',
      sizeBytes: 0,
      readOnly: false,
      notices: [TEMPORARY, 'a notice of the cache itself'],
    },
    counts: { connections: 0, users: 12, avatars: 3 },
  });
});

it('reports a read-only cache as read-only', async () => {
  const info = await createAppInfoService(
    standIns({ cache: { path: ':memory:', readOnly: true, notices: ['Opened read-only.'] } }),
  ).appInfo();
  expect(info.database).toMatchObject({ readOnly: true, notices: ['Opened read-only.'] });
});

it('adds the WAL to the size of the cache file', async () => {
  const dir = tempDir();
  const path = join(dir, 'rollcall.sqlite');
  writeFileSync(path, Buffer.alloc(4096));
  writeFileSync(`${path}-wal`, Buffer.alloc(1000));
  const info = await createAppInfoService(
    standIns({ cache: { path, readOnly: false, notices: [] } }),
  ).appInfo();
  expect(info.database?.sizeBytes).toBe(5096);
});

it('says what to do when the keychain is locked', async () => {
  const secrets = createMemorySecretStore();
  secrets.setUnavailable('locked');
  const info = await createAppInfoService(standIns({ secrets })).appInfo();
  expect(info.keychain.state).toBe('locked');
  expect(info.keychain.message).toMatch(/unlock/i);
});

describe('over a real cache', () => {
  let world: World;
  beforeEach(() => {
    world = openWorld();
  });
  afterEach(() => world.close());

  it('counts connections, cached users still on their server, and pictures', async () => {
    await saveZulip(world, { id: 'conn-z' });
    await saveOpenWebUI(world, { id: 'conn-o' });
    await saveOpenWebUI(world, { id: 'conn-removed' });
    world.users.upsert(toWrite(fetched('conn-z', '1'), world.now()));
    world.users.upsert(toWrite(fetched('conn-z', '2'), world.now()));
    world.users.upsert(toWrite(fetched('conn-z', '3'), world.now()));
    world.users.markGone('conn-z', '3', world.now());
    await world.avatars.put('conn-z', '1', {
      bytes: new Uint8Array([1, 2, 3]),
      contentType: 'image/png',
      sourceKey: null,
    });
    await world.connections.remove('conn-removed');
    const info = await createAppInfoService({
      appVersion: '0.1.0',
      userDataDir: world.cache.dir,
      cache: world.cache,
      startupNotices: [],
      secrets: world.secrets,
      connections: world.connections,
      users: world.users,
      avatars: world.avatars,
    }).appInfo();
    expect(info.counts).toEqual({ connections: 2, users: 2, avatars: 1 });
    expect(info.database?.path).toBe(world.cache.path);
    let onDisk = statSync(world.cache.path).size;
    try {
      onDisk += statSync(`${world.cache.path}-wal`).size;
    } catch {
      // No WAL right now.
    }
    expect(info.database?.sizeBytes).toBe(onDisk);
    expect(info.database?.sizeBytes).toBeGreaterThan(0);
  });
});
