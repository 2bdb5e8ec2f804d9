// Cached pictures: files named by hashes under avatars/, written atomically,
// shared when identical, never read from outside the folder or when damaged,
// removed per user, per connection, and swept when orphaned.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AVATARS_DIR, MAX_AVATAR_BYTES, createAvatarStore } from '@core/store/avatar-store';
import { createUsersRepo } from '@core/store/users-repo';
import { RollcallFailure, type RollcallError } from '@shared/errors';
import { addConnectionRow, makeUser, openTestCache, testClock } from './cache-fixtures';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9]);

async function failureOf(run: () => Promise<unknown>): Promise<RollcallError> {
  try {
    await run();
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown.error;
    throw thrown;
  }
  throw new Error('expected a RollcallFailure');
}

/** Every file under the avatars folder, relative to the user-data folder. */
function filesUnder(dir: string): string[] {
  const root = join(dir, AVATARS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

async function setup() {
  const clock = testClock();
  const cache = openTestCache({ now: clock.now });
  addConnectionRow(cache, 'conn-a');
  addConnectionRow(cache, 'conn-b', 'openwebui');
  const users = createUsersRepo(cache, { now: clock.now });
  await users.upsertBatch(
    [
      makeUser({ userId: '1' }),
      makeUser({ userId: '2' }),
      makeUser({ userId: '../../etc/passwd' }),
      makeUser({ userId: 'b1', connectionId: 'conn-b', kind: 'openwebui' }),
    ].map((user) => ({ user, raw: {}, fetchedAt: 1 })),
  );
  const avatars = createAvatarStore(cache, { userDataDir: cache.dir, now: clock.now });
  return { clock, cache, users, avatars, dir: cache.dir };
}

describe('avatar store', () => {
  it('stores bytes as a hash-named file and reads them back', async () => {
    const { clock, cache, avatars, dir } = await setup();
    const entry = await avatars.put('conn-a', '../../etc/passwd', {
      bytes: PNG,
      contentType: 'image/PNG; charset=binary',
      sourceKey: 'https://chat.example.com/user_avatars/1.png',
    });
    const sha = createHash('sha256').update(PNG).digest('hex');
    expect(entry).toMatchObject({
      connectionId: 'conn-a',
      userId: '../../etc/passwd',
      contentType: 'image/png',
      sha256: sha,
      byteSize: PNG.byteLength,
      sourceKey: 'https://chat.example.com/user_avatars/1.png',
      fetchedAt: clock.now(),
    });
    expect(entry.path).toMatch(new RegExp(`^avatars/[0-9a-f]{32}/${sha}\\.png$`));
    expect(entry.path).not.toContain('passwd');
    expect(entry.path).not.toContain('conn-a');
    expect(filesUnder(dir)).toEqual([entry.path]); // no temp file left behind
    expect(readFileSync(join(dir, entry.path))).toEqual(Buffer.from(PNG));

    const read = await avatars.get('conn-a', '../../etc/passwd');
    expect(read?.bytes).toEqual(PNG);
    expect(read?.contentType).toBe('image/png');
    expect(avatars.info('conn-a', '../../etc/passwd')?.path).toBe(entry.path);
    expect(await avatars.get('conn-a', '2')).toBeNull();
    expect(avatars.count()).toBe(1);
    cache.close();
  });

  it('refuses what is not a raster picture, an empty one, a huge one, and a user not cached', async () => {
    const { cache, avatars, dir } = await setup();
    for (const contentType of [
      'image/svg+xml',
      'text/html',
      'application/octet-stream',
      '',
      // Named like Object.prototype members (issue 13): refused in words, not a crash.
      'constructor',
      '__proto__',
      'toString',
    ]) {
      const error = await failureOf(() =>
        avatars.put('conn-a', '1', { bytes: PNG, contentType, sourceKey: null }),
      );
      expect(error.code).toBe('INVALID_INPUT');
    }
    expect(
      (
        await failureOf(() =>
          avatars.put('conn-a', '1', {
            bytes: new Uint8Array(),
            contentType: 'image/png',
            sourceKey: null,
          }),
        )
      ).code,
    ).toBe('INVALID_INPUT');
    const huge = new Uint8Array(MAX_AVATAR_BYTES + 1);
    expect(
      (
        await failureOf(() =>
          avatars.put('conn-a', '1', { bytes: huge, contentType: 'image/png', sourceKey: null }),
        )
      ).code,
    ).toBe('TOO_LARGE');
    const notCached = await failureOf(() =>
      avatars.put('conn-a', 'ghost', { bytes: PNG, contentType: 'image/png', sourceKey: null }),
    );
    expect(notCached).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'User ghost is not in the cache, so its picture was not kept.',
    });
    expect(filesUnder(dir)).toEqual([]);
    expect(avatars.count()).toBe(0);
    cache.close();
  });

  it('shares one file between identical pictures and deletes it only when the last user lets go', async () => {
    const { cache, avatars, dir } = await setup();
    const a = await avatars.put('conn-a', '1', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: '/user.png',
    });
    const b = await avatars.put('conn-a', '2', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: '/user.png',
    });
    expect(b.path).toBe(a.path);
    expect(filesUnder(dir)).toEqual([a.path]);
    expect(await avatars.remove('conn-a', '1')).toBe(true);
    expect(await avatars.remove('conn-a', '1')).toBe(false);
    expect(filesUnder(dir)).toEqual([a.path]);
    expect((await avatars.get('conn-a', '2'))?.bytes).toEqual(PNG);
    expect(await avatars.remove('conn-a', '2')).toBe(true);
    expect(filesUnder(dir)).toEqual([]);
    cache.close();
  });

  it('replaces a picture and deletes the old file', async () => {
    const { cache, avatars, dir } = await setup();
    const old = await avatars.put('conn-a', '1', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: 'v1',
    });
    const next = await avatars.put('conn-a', '1', {
      bytes: JPEG,
      contentType: 'image/jpeg',
      sourceKey: 'v2',
    });
    expect(next.path).not.toBe(old.path);
    expect(next.path.endsWith('.jpg')).toBe(true);
    expect(filesUnder(dir)).toEqual([next.path]);
    expect(avatars.info('conn-a', '1')?.sourceKey).toBe('v2');
    cache.close();
  });

  it('never reads outside the avatars folder, and forgets a damaged or missing file', async () => {
    const { cache, avatars, dir } = await setup();
    writeFileSync(join(dir, 'secret.txt'), 'not a picture');
    const entry = await avatars.put('conn-a', '1', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: null,
    });
    // A tampered row pointing outside the folder is ignored.
    cache.db.prepare("UPDATE avatars SET path = 'avatars/../secret.txt' WHERE user_id = '1'").run();
    expect(await avatars.get('conn-a', '1')).toBeNull();
    expect(avatars.info('conn-a', '1')).toBeNull();

    const again = await avatars.put('conn-a', '2', {
      bytes: JPEG,
      contentType: 'image/jpeg',
      sourceKey: null,
    });
    writeFileSync(join(dir, again.path), 'flipped bits');
    expect(await avatars.get('conn-a', '2')).toBeNull();
    expect(avatars.info('conn-a', '2')).toBeNull(); // fetched again next time
    void entry;
    cache.close();
  });

  it("removes all of a connection's pictures, rows and files, and only that connection's", async () => {
    const { cache, avatars, dir } = await setup();
    await avatars.put('conn-a', '1', { bytes: PNG, contentType: 'image/png', sourceKey: null });
    await avatars.put('conn-a', '2', { bytes: JPEG, contentType: 'image/jpeg', sourceKey: null });
    const kept = await avatars.put('conn-b', 'b1', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: null,
    });
    await avatars.removeConnection('conn-a');
    expect(avatars.count('conn-a')).toBe(0);
    expect(avatars.count('conn-b')).toBe(1);
    expect(filesUnder(dir)).toEqual([kept.path]);
    expect((await avatars.get('conn-b', 'b1'))?.bytes).toEqual(PNG);
    cache.close();
  });

  it('sweeps files that no row points at (purged users, a crash mid-write)', async () => {
    const { cache, users, avatars, dir } = await setup();
    const kept = await avatars.put('conn-a', '1', {
      bytes: PNG,
      contentType: 'image/png',
      sourceKey: null,
    });
    const dropped = await avatars.put('conn-a', '2', {
      bytes: JPEG,
      contentType: 'image/jpeg',
      sourceKey: null,
    });
    users.markGone('conn-a', '2', 5);
    expect(await users.purgeGone('conn-a')).toBe(1);
    expect(avatars.info('conn-a', '2')).toBeNull(); // the row went with the user
    mkdirSync(join(dir, AVATARS_DIR, 'leftover'), { recursive: true });
    writeFileSync(join(dir, AVATARS_DIR, 'leftover', 'x.png.tmp-1-abc'), 'partial');
    expect(filesUnder(dir)).toContain(dropped.path);
    expect(await avatars.sweep()).toBe(2);
    expect(filesUnder(dir)).toEqual([kept.path]);
    expect(existsSync(join(dir, AVATARS_DIR, 'leftover'))).toBe(false);
    cache.close();
  });
});
