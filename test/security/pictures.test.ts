// Pictures that need no key (another origin, a data: URL) are served without
// reading the keychain and reach the other origin without credentials, also
// while the keychain is locked; pictures on the server itself carry the key.
import { createMemorySecretStore, type MemorySecretStore } from '@core/store/secrets';
import { syntheticPng } from '@core/services/synthetic/pictures';
import { openTestCore, type TestCore } from '../core/core-fixture';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { unsafePicture } from './checks';
import { requestsCarrying, secretForms } from './leak-scan';

describe('pictures and credentials', () => {
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let t: TestCore;
  let secrets: MemorySecretStore;
  let connectionId: string;

  beforeAll(async () => {
    zulip = await startZulipFake({ count: 60 });
    owui = await startOpenWebUIFake({ count: 30 });
    const [a, b, c] = zulip.directory.members.filter((m) => m.is_active && !m.is_bot);
    const png = Buffer.from(syntheticPng([1, 2, 3], 8)).toString('base64');
    zulip.putUser({ ...a!, avatar_url: `${owui.url}/user.png` });
    zulip.putUser({ ...b!, avatar_url: `data:image/png;base64,${png}` });
    zulip.putUser({ ...c!, avatar_url: '/user_avatars/own-server.png' });
    // The in-memory store: this file switches the keychain off and on at will.
    secrets = createMemorySecretStore();
    t = await openTestCore({ secrets });
    const saved = await t.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: 'Pictures',
        baseUrl: zulip.url,
        loginEmail: zulip.admin.email,
        secret: zulip.admin.apiKey,
      },
    });
    connectionId = saved.connection.id;
    for (const m of [a!, b!, c!]) {
      await t.call('users:lookup', { connectionId, ref: String(m.user_id), waitForNetwork: true });
    }
  });

  afterAll(async () => {
    await t?.close();
    await zulip?.close();
    await owui?.close();
  });

  it('serves pictures from another origin and data: URLs while the keychain is locked', async () => {
    const [a, b] = zulip.directory.members.filter((m) => m.is_active && !m.is_bot);
    secrets.setUnavailable('locked');
    try {
      const external = await t.core.serveAvatar(connectionId, String(a!.user_id));
      expect(external.status).toBe(200);
      expect(unsafePicture(external)).toBeNull();
      const inline = await t.core.serveAvatar(connectionId, String(b!.user_id));
      expect(inline.status).toBe(200);
      expect(unsafePicture(inline)).toBeNull();
    } finally {
      secrets.setUnavailable(null);
    }
    const fetched = owui.requests.filter((r) => r.path === '/user.png');
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(
      requestsCarrying(owui.requests, secretForms(zulip.admin.apiKey, zulip.admin.email)),
    ).toEqual([]);
  });

  it("sends the key with pictures on the server's own origin only", async () => {
    const c = zulip.directory.members.filter((m) => m.is_active && !m.is_bot)[2]!;
    const own = await t.core.serveAvatar(connectionId, String(c.user_id));
    expect(own.status).toBe(200);
    const hit = zulip.requests.filter((r) => r.path === '/user_avatars/own-server.png');
    expect(hit.length).toBeGreaterThan(0);
    expect(hit.every((r) => String(r.headers.authorization).startsWith('Basic '))).toBe(true);
  });
});
