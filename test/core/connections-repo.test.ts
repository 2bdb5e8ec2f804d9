// Saved connections: keychain first, row second, and the secret taken back
// out when the row fails; edits that keep the stored key; removal with and
// without the cache; the secret never in the database file. Runs on the real
// keychain inside the private keyring of `npm test`, and on the in-memory
// store everywhere (for the failure paths a real keychain cannot be told to take).
import { readFileSync, existsSync } from 'node:fs';
import { createAvatarStore } from '@core/store/avatar-store';
import { createConnectionsRepo } from '@core/store/connections-repo';
import {
  createKeytarSecretStore,
  createMemorySecretStore,
  type SecretStore,
} from '@core/store/secrets';
import { createUsersRepo } from '@core/store/users-repo';
import { createMetaRepo } from '@core/store/meta-repo';
import { RollcallFailure, type RollcallError } from '@shared/errors';
import type { SyncSummary } from '@shared/model';
import {
  KEYCHAIN_TESTS,
  makeUser,
  openTestCache,
  reportKeychainSkip,
  runTsChild,
  tempDir,
  testClock,
} from './cache-fixtures';

async function failureOf(run: () => Promise<unknown>): Promise<RollcallError> {
  try {
    await run();
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown.error;
    throw thrown;
  }
  throw new Error('expected a RollcallFailure');
}

const zulip = {
  kind: 'zulip' as const,
  label: 'Acme chat',
  baseUrl: 'https://chat.acme.example',
  loginEmail: 'admin@acme.example',
};

const stores: [string, () => SecretStore][] = [
  ['in-memory store', () => createMemorySecretStore()],
];
if (KEYCHAIN_TESTS) stores.push(['real keychain (gnome-keyring)', () => createKeytarSecretStore()]);
else
  reportKeychainSkip(
    'connections-repo.test.ts on the real keychain (the in-memory store still runs)',
  );

describe.each(stores)('connections repository on the %s', (_name, makeStore) => {
  const created: { secrets: SecretStore; id: string }[] = [];
  afterAll(async () => {
    for (const { secrets, id } of created) await secrets.delete(id).catch(() => false);
  });

  function setup() {
    const clock = testClock();
    const cache = openTestCache({ now: clock.now });
    const secrets = makeStore();
    const avatars = createAvatarStore(cache, { userDataDir: cache.dir, now: clock.now });
    const repo = createConnectionsRepo(cache, { secrets, now: clock.now, avatars });
    const track = <T extends { id: string }>(c: T): T => {
      created.push({ secrets, id: c.id });
      return c;
    };
    return { clock, cache, secrets, avatars, repo, track };
  }

  it('saves a new connection: a UUID, the key in the keychain, the row without it', async () => {
    const { clock, cache, secrets, repo, track } = setup();
    const saved = track(await repo.save({ ...zulip, secret: 'zulip-key-0001' }));
    expect(saved.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(saved).toEqual({
      id: saved.id,
      kind: 'zulip',
      label: 'Acme chat',
      baseUrl: 'https://chat.acme.example',
      loginEmail: 'admin@acme.example',
      demo: false,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      lastTest: null,
      lastSyncAt: null,
      lastSync: null,
    });
    expect(await secrets.get(saved.id)).toBe('zulip-key-0001');
    expect(await repo.getSecret(saved.id)).toBe('zulip-key-0001');
    expect(repo.list()).toEqual([saved]);
    expect(repo.get(saved.id)).toEqual(saved);
    cache.close();
  });

  it('never writes the secret into the database file or its WAL', async () => {
    const { cache, repo, track } = setup();
    const secret = `NEVER-IN-THE-FILE-${Math.random().toString(36).slice(2)}`;
    const saved = track(await repo.save({ ...zulip, secret }));
    await repo.save({ id: saved.id, ...zulip, label: 'Renamed', secret: `${secret}-2` });
    repo.setLastTest(saved.id, { ok: true, at: 5, who: null, error: null });
    const needle = Buffer.from(secret);
    const grep = (): boolean[] =>
      [cache.path, `${cache.path}-wal`]
        .filter(existsSync)
        .map((p) => readFileSync(p).includes(needle));
    // Before a checkpoint the new rows live in the WAL...
    expect(existsSync(`${cache.path}-wal`)).toBe(true);
    expect(grep()).toEqual([false, false]);
    // ...after it, in the main file.
    cache.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(grep().every((found) => !found)).toBe(true);
    cache.close();
    expect(readFileSync(cache.path).includes(needle)).toBe(false);
    // The label did reach the file: the grep looks in the right place.
    expect(readFileSync(cache.path).includes(Buffer.from('Renamed'))).toBe(true);
  });

  it('edits without a secret keep the stored one; with one, replace it', async () => {
    const { clock, secrets, cache, repo, track } = setup();
    const saved = track(await repo.save({ ...zulip, secret: 'first-key-0001' }));
    clock.advance(1000);
    const edited = await repo.save({
      id: saved.id,
      ...zulip,
      label: '  New name  ',
      baseUrl: 'https://chat2.acme.example',
    });
    expect(edited).toMatchObject({
      label: 'New name',
      baseUrl: 'https://chat2.acme.example',
      createdAt: saved.createdAt,
      updatedAt: saved.createdAt + 1000,
    });
    expect(await secrets.get(saved.id)).toBe('first-key-0001');
    await repo.save({ id: saved.id, ...zulip, secret: 'second-key-0002' });
    expect(await secrets.get(saved.id)).toBe('second-key-0002');
    cache.close();
  });

  it('checks input field by field before touching the keychain', async () => {
    const { cache, secrets, repo } = setup();
    const cases: [Parameters<typeof repo.save>[0], string][] = [
      [{ ...zulip }, 'secret'],
      [{ ...zulip, secret: 'k', baseUrl: 'ftp://x.example' }, 'baseUrl'],
      [{ ...zulip, secret: 'k', baseUrl: 'not a url' }, 'baseUrl'],
      [{ ...zulip, secret: 'k', baseUrl: 'https://me:pw@x.example' }, 'baseUrl'],
      [{ ...zulip, secret: 'k', loginEmail: '' }, 'loginEmail'],
      [{ ...zulip, secret: 'k', loginEmail: 'no-at-sign' }, 'loginEmail'],
      [{ ...zulip, secret: 'k', label: 'x'.repeat(101) }, 'label'],
      [{ ...zulip, secret: 'k', kind: 'slack' as never }, 'kind'],
      [{ ...zulip, secret: 'k', id: 'bad id!' }, 'id'],
    ];
    for (const [input, field] of cases) {
      const error = await failureOf(() => repo.save(input));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.field).toBe(field);
    }
    expect(repo.list()).toEqual([]);
    expect(await secrets.list().then((l) => l.filter((a) => a.startsWith('conn-')))).toEqual([]);
    cache.close();
  });

  it('fills a blank label with the host, keeps no login email for Open WebUI, and refuses a kind change', async () => {
    const { cache, repo, track } = setup();
    const owui = track(
      await repo.save({
        kind: 'openwebui',
        label: ' ',
        baseUrl: 'https://ai.acme.example:8443/',
        loginEmail: 'ignored@x',
        secret: 'sk-abcdefgh12345',
      }),
    );
    expect(owui.label).toBe('ai.acme.example:8443');
    expect(owui.loginEmail).toBeNull();
    const error = await failureOf(() => repo.save({ id: owui.id, ...zulip }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'kind' });
    cache.close();
  });

  it('records test results and syncs', async () => {
    const { cache, repo, track } = setup();
    const saved = track(await repo.save({ ...zulip, secret: 'key-for-sync-1' }));
    const test = {
      ok: false,
      at: 7,
      who: null,
      error: { code: 'UNAUTHORIZED' as const, message: 'Bad key.' },
    };
    repo.setLastTest(saved.id, test);
    const summary: SyncSummary = {
      added: 3,
      updated: 1,
      unchanged: 0,
      gone: 2,
      total: 4,
      startedAt: 10,
      finishedAt: 20,
      unreadable: 0,
      unreadableReason: null,
    };
    repo.setLastSync(saved.id, summary);
    expect(repo.get(saved.id)).toMatchObject({ lastTest: test, lastSync: summary, lastSyncAt: 20 });
    cache.close();
  });

  it('reads back a test and a sync an older version stored: missing fields as defaults, nonsense as none', async () => {
    const { cache, repo, track } = setup();
    const saved = track(await repo.save({ ...zulip, secret: 'key-for-sync-2' }));
    const set = (column: string, json: string): void => {
      cache.db.prepare(`UPDATE connections SET ${column} = ? WHERE id = ?`).run(json, saved.id);
    };
    set('last_sync_json', '{"added":3,"updated":1,"total":4,"startedAt":10,"finishedAt":"soon"}');
    set('last_test_json', '{"ok":true,"at":7,"error":{"code":"A_NEW_CODE","message":"Hm."}}');
    expect(repo.get(saved.id)).toMatchObject({
      lastSync: {
        added: 3,
        updated: 1,
        unchanged: 0,
        gone: 0,
        total: 4,
        startedAt: 10,
        finishedAt: 0,
      },
      lastTest: { ok: true, at: 7, who: null, error: { code: 'INTERNAL', message: 'Hm.' } },
    });
    // A summary stored before issue 13 reads as "no member skipped".
    expect(repo.get(saved.id)?.lastSync).toEqual({
      added: 3,
      updated: 1,
      unchanged: 0,
      gone: 0,
      total: 4,
      startedAt: 10,
      finishedAt: 0,
      unreadable: 0,
      unreadableReason: null,
    });
    set('last_sync_json', '[1, 2]');
    set('last_test_json', '{not json');
    expect(repo.get(saved.id)).toMatchObject({ lastSync: null, lastTest: null });
    cache.close();
  });

  it('removes a connection with its cache: keychain entry, row, users, fields, pictures', async () => {
    const { clock, cache, secrets, avatars, repo, track } = setup();
    const saved = track(await repo.save({ ...zulip, secret: 'remove-me-key-1' }));
    const other = track(await repo.save({ ...zulip, label: 'Other', secret: 'keep-me-key-2' }));
    const users = createUsersRepo(cache, { now: clock.now });
    await users.upsertBatch(
      Array.from({ length: 1200 }, (_, i) => ({
        user: makeUser({ userId: String(i), connectionId: saved.id }),
        raw: {},
        fetchedAt: 1,
      })),
    );
    await users.upsertBatch([
      { user: makeUser({ userId: '1', connectionId: other.id }), raw: {}, fetchedAt: 1 },
    ]);
    createMetaRepo(cache, { now: clock.now }).setProfileFields(saved.id, [], 1);
    await avatars.put(saved.id, '1', {
      bytes: new Uint8Array([1, 2, 3]),
      contentType: 'image/png',
      sourceKey: null,
    });
    await avatars.put(other.id, '1', {
      bytes: new Uint8Array([4, 5, 6]),
      contentType: 'image/png',
      sourceKey: null,
    });

    expect(await repo.remove(saved.id)).toEqual({ removed: true });
    expect(await secrets.get(saved.id)).toBeNull();
    expect(repo.get(saved.id)).toBeNull();
    expect(users.count(saved.id, { includeGone: true })).toBe(0);
    expect(createMetaRepo(cache, { now: clock.now }).getProfileFields(saved.id)).toBeNull();
    expect(avatars.count(saved.id)).toBe(0);
    expect(
      cache.db
        .prepare("SELECT count(*) AS n FROM users WHERE instr(search_text, 'user1@') > 0")
        .get(),
    ).toEqual({ n: 1 });
    // The other connection is untouched.
    expect(await secrets.get(other.id)).toBe('keep-me-key-2');
    expect(users.count(other.id)).toBe(1);
    expect((await avatars.get(other.id, '1'))?.bytes).toEqual(new Uint8Array([4, 5, 6]));
    expect(await repo.remove(saved.id)).toEqual({ removed: false });
    cache.close();
  });

  it('saves and removes a demo connection, which has no key', async () => {
    const { cache, secrets, repo } = setup();
    const demo = await repo.save({
      id: 'demo-zulip',
      kind: 'zulip',
      label: 'Demo',
      baseUrl: 'https://demo.invalid',
      demo: true,
    });
    expect(demo).toMatchObject({ id: 'demo-zulip', demo: true, loginEmail: null });
    expect(await secrets.get('demo-zulip')).toBeNull();
    expect(
      (await failureOf(() => repo.save({ ...zulip, id: 'demo-2', demo: true, secret: 'x' }))).field,
    ).toBe('secret');
    expect(await repo.remove('demo-zulip')).toEqual({ removed: true });
    cache.close();
  });
});

describe('connections repository when a write fails', () => {
  function setup() {
    const clock = testClock();
    const cache = openTestCache({ now: clock.now });
    const secrets = createMemorySecretStore();
    const repo = createConnectionsRepo(cache, { secrets, now: clock.now });
    return { cache, secrets, repo };
  }

  it('writes no row when the keychain is unavailable', async () => {
    const { cache, secrets, repo } = setup();
    secrets.setUnavailable('missing');
    const error = await failureOf(() => repo.save({ ...zulip, secret: 'never-stored' }));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(repo.list()).toEqual([]);
    cache.close();
  });

  it('takes a new secret back out of the keychain when the row cannot be written', async () => {
    const { cache, secrets, repo } = setup();
    cache.db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON connections BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
    );
    const error = await failureOf(() => repo.save({ ...zulip, secret: 'orphan-to-be' }));
    expect(error.code).toBe('CACHE_UNAVAILABLE');
    expect(error.message).toMatch(/could not save the connection/);
    expect(await secrets.list()).toEqual([]);
    cache.close();
  });

  it('puts the previous secret back when an edit cannot be written', async () => {
    const { cache, secrets, repo } = setup();
    const saved = await repo.save({ ...zulip, secret: 'the-old-key-1' });
    cache.db.exec(
      `CREATE TRIGGER refuse BEFORE UPDATE ON connections BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
    );
    await failureOf(() => repo.save({ id: saved.id, ...zulip, secret: 'the-new-key-2' }));
    expect(await secrets.get(saved.id)).toBe('the-old-key-1');
    cache.close();
  });

  it('removes nothing when the keychain cannot delete the key', async () => {
    const { cache, secrets, repo } = setup();
    const saved = await repo.save({ ...zulip, secret: 'stuck-key-1' });
    secrets.setUnavailable('locked');
    expect((await failureOf(() => repo.remove(saved.id))).code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(repo.get(saved.id)).not.toBeNull();
    secrets.setUnavailable(null);
    expect(await secrets.get(saved.id)).toBe('stuck-key-1');
    cache.close();
  });

  it('prunes keychain entries that belong to no live connection', async () => {
    const { cache, secrets, repo } = setup();
    const live = await repo.save({ ...zulip, secret: 'live-key-1' });
    const archived = await repo.save({ ...zulip, secret: 'archived-key-1' });
    await repo.remove(archived.id);
    await secrets.set('crashed-before-row', 'orphan-key');
    expect(await repo.pruneOrphanSecrets()).toEqual(['crashed-before-row']);
    expect(await secrets.list()).toEqual([live.id]);
    cache.close();
  });

  it('refuses to save into a cache opened read-only, before touching the keychain', async () => {
    const dir = tempDir();
    const first = openTestCache({ dir });
    first.db.exec('PRAGMA user_version = 999');
    first.close();
    const ro = openTestCache({ dir });
    const secrets = createMemorySecretStore();
    const repo = createConnectionsRepo(ro, { secrets, now: Date.now });
    const error = await failureOf(() => repo.save({ ...zulip, secret: 'k-123456' }));
    expect(error).toMatchObject({ code: 'CACHE_UNAVAILABLE' });
    expect(error.message).toMatch(/read-only.*newer version/);
    expect(await secrets.list()).toEqual([]);
    ro.close();
  });
});

describe.runIf(KEYCHAIN_TESTS)('saving with no Secret Service in the session', () => {
  it('fails with KEYCHAIN_UNAVAILABLE and writes no row (a child process on a bus without one)', async () => {
    const dir = tempDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    };
    delete env.DISPLAY;
    const out = await runTsChild<{
      error: RollcallError | null;
      rows: number;
      probe: { state: string };
      ms: number;
    }>('children/save-without-keychain.ts', { dir, secret: 'no-keychain-secret-1' }, { env });
    expect(out.result, out.stderr).not.toBeNull();
    const result = out.result as NonNullable<typeof out.result>;
    expect(result.error?.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(result.error?.message).toMatch(/sudo apt install gnome-keyring/);
    expect(result.error?.message).not.toContain('no-keychain-secret-1');
    expect(result.rows).toBe(0);
    expect(result.probe.state).toBe('missing');
    // Failed on the bus's answer, not on the 10 s time box.
    expect(result.error?.message).not.toMatch(/did not answer/);
    expect(
      readFileSync(`${dir}/rollcall.sqlite`).includes(Buffer.from('no-keychain-secret-1')),
    ).toBe(false);
  });
});
