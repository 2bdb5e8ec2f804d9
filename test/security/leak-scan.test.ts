// The secret leak scan: the app driven through the window with real
// connections and known keys (typed into the connection dialog, a wrong key
// too), synced, looked up, opened, exported, with a picture on another
// origin and a redirect to another origin on each server. Then every key,
// in every form it takes on the wire, must appear nowhere: not in the
// user-data folder (cache, WAL, pictures, exports, logs), not in anything
// the window received over the bridge or saw as an event, not in the page
// or its storage, not in the console or the log, not in any request to an
// origin other than the connection's own, and not in the built app.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { LoggedRequest } from '../fakes/fake-http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, openApp, ROOT, type AppUnderTest } from '../e2e/harness';
import { patientPolls } from '../e2e/walk-helpers';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { requestsCarrying, scanFolder, scanText, scanValues, secretForms } from './leak-scan';

describe('secret leak scan after driving the app', () => {
  let browser: Browser;
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let app: AppUnderTest;
  let dataDir: string;
  const WRONG_KEY = 'WrongKeyTypedByMistake0123456789';

  beforeAll(async () => {
    patientPolls();
    browser = await launchChromium();
    zulip = await startZulipFake({ count: 60 });
    owui = await startOpenWebUIFake({ count: 30 });
    // Pictures only on this machine: the fakes' own, and one on the other fake's origin.
    for (const m of zulip.directory.members) {
      if (m.avatar_url === null)
        zulip.putUser({ ...m, avatar_url: `/user_avatars/local/${m.user_id}.png` });
    }
    const member = zulip.userById(zulip.member.userId)!;
    zulip.putUser({ ...member, avatar_url: `${owui.url}/user.png` });
    for (const u of owui.directory.users) {
      if (/^https?:/.test(u.profile_image_url)) {
        owui.putUser({
          ...u,
          profile_image_url: `${zulip.url}/user_avatars/from-owui/${u.id}.png`,
        });
      }
    }
    dataDir = mkdtempSync(join(tmpdir(), 'rollcall-leak-'));
  });

  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await zulip?.close();
    await owui?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds no key anywhere it must not be', async () => {
    app = await openApp({ browser, userDataDir: dataDir, viewport: { width: 1400, height: 900 } });
    const { page } = app;

    // Add both connections through the dialog, typing the keys.
    await page.getByTestId('first-add-zulip').click();
    await page.getByTestId('field-url').fill(zulip.url);
    await page.getByTestId('field-email').fill(zulip.admin.email);
    await page.getByTestId('field-key').fill(zulip.admin.apiKey);
    await page.getByTestId('save-connection').click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByTestId('add-openwebui').click();
    await page.getByTestId('field-url').fill(owui.url);
    await page.getByTestId('field-key').fill(owui.adminKey);
    await page.getByTestId('save-connection').click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });

    // A wrong key, typed and tested, then abandoned.
    await page.getByRole('button', { name: 'Add a connection' }).click();
    await page.getByTestId('add-zulip').click();
    await page.getByTestId('field-url').fill(zulip.url);
    await page.getByTestId('field-email').fill(zulip.admin.email);
    await page.getByTestId('field-key').fill(WRONG_KEY);
    await page.getByTestId('test-connection').click();
    await page.locator('[role=dialog] [role=alert]').first().waitFor();
    await page.locator('[role=dialog]').getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[role=dialog]').waitFor({ state: 'detached' });

    const connections = await page.evaluate(async () => {
      const list = await window.rollcall.listConnections();
      return list.ok
        ? list.value.map((c) => ({ id: c.id, kind: c.kind, hasSecret: c.hasSecret }))
        : [];
    });
    expect(connections).toHaveLength(2);
    expect(connections.every((c) => c.hasSecret)).toBe(true);

    // Each server redirects one lookup to the other's origin.
    const zRedirected = zulip.directory.members.find(
      (m) => m.is_active && !m.is_bot && m.user_id !== zulip.member.userId,
    )!;
    zulip.setMode(
      { kind: 'redirect', to: owui.url },
      { match: (p) => p === `/api/v1/users/${zRedirected.user_id}` },
    );
    const oRedirected = owui.directory.users[3]!;
    owui.setMode(
      { kind: 'redirect', to: zulip.url },
      { match: (p) => p === `/api/v1/users/${oRedirected.id}` },
    );

    // Sync both, then look people up through the lookup box.
    for (const c of connections) {
      const synced = await page.evaluate(
        (id) => window.rollcall.syncDirectory({ connectionId: id }),
        c.id,
      );
      expect(synced.ok).toBe(true);
    }
    const lookUp = async (kind: 'zulip' | 'openwebui', ref: string): Promise<void> => {
      const label = await page.evaluate(async (k) => {
        const list = await window.rollcall.listConnections();
        return list.ok ? (list.value.find((c) => c.kind === k)?.label ?? '') : '';
      }, kind);
      await page.getByTestId('lookup-connection').selectOption({ label });
      await page.getByTestId('lookup-input').fill(ref);
      // The box ignores Enter while an earlier lookup is still on its way.
      await expect.poll(() => page.getByTestId('lookup-submit').isEnabled()).toBe(true);
      await page.getByTestId('lookup-input').press('Enter');
      // This lookup's own answer: the panel of the one before may still be open.
      await expect
        .poll(() =>
          app.calls.some(
            (c) => c.channel === 'users:lookup' && (c.arg as { ref?: string }).ref === ref,
          ),
        )
        .toBe(true);
      await page
        .getByTestId('detail-source')
        .or(page.getByTestId('lookup-error'))
        .first()
        .waitFor();
    };
    await lookUp('zulip', String(zulip.member.userId)); // the picture on the other origin
    await page.getByTestId('raw-tab').click();
    await page.getByTestId('json-tree').waitFor();
    await page.getByRole('button', { name: 'Close details' }).click();
    await lookUp('zulip', zulip.admin.email);
    // Cached already, so these answer from the cache and refresh behind; the
    // refresh meets the redirect (and the window shows the copy as stale).
    await lookUp('zulip', String(zRedirected.user_id));
    await expect
      .poll(() => owui.requests.some((r) => r.path === `/api/v1/users/${zRedirected.user_id}`))
      .toBe(true);
    await lookUp('openwebui', owui.directory.users[1]!.id);
    await lookUp('openwebui', oRedirected.id);
    await expect
      .poll(() => zulip.requests.some((r) => r.path === `/api/v1/users/${oRedirected.id}`))
      .toBe(true);
    await page.getByTestId('stale-notice').waitFor();
    zulip.setMode({ kind: 'normal' });
    owui.setMode({ kind: 'normal' });

    // Cards with their pictures, then exports.
    await page.getByTestId('scope-all').click();
    await page.getByTestId('user-card').first().waitFor();
    await page.getByTestId('user-card').nth(2).click();
    await page.getByTestId('detail-source').waitFor();
    await page.waitForLoadState('networkidle');
    for (const format of ['csv', 'json'] as const) {
      const exported = await page.evaluate(
        (f) => window.rollcall.exportDirectory({ format: f }),
        format,
      );
      expect(exported).toMatchObject({ ok: true });
    }

    // The other origins were reached (so the scan of their requests means
    // something). Pictures are fetched as the window asks for them: polled.
    await expect.poll(() => owui.requests.some((r) => r.path === '/user.png')).toBe(true);
    expect(owui.requests.some((r) => r.path === `/api/v1/users/${zRedirected.user_id}`)).toBe(true);
    await expect
      .poll(() => zulip.requests.some((r) => r.path.startsWith('/user_avatars/from-owui/')))
      .toBe(true);
    expect(zulip.requests.some((r) => r.path === `/api/v1/users/${oRedirected.id}`)).toBe(true);

    // What the page holds, then the log as main would have written it.
    const pageState = await page.evaluate(() => ({
      html: document.documentElement.outerHTML,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    writeFileSync(join(dataDir, 'logs', 'main.log'), app.logLines.join('\n'));

    const zulipKey = secretForms(zulip.admin.apiKey, zulip.admin.email);
    const owuiKey = secretForms(owui.adminKey);
    const wrongKey = secretForms(WRONG_KEY, zulip.admin.email);
    const everyKey = [...zulipKey, ...owuiKey, ...wrongKey];
    const hits: string[] = [];
    const folderWhileOpen = scanFolder(dataDir, everyKey);
    hits.push(...folderWhileOpen.hits);
    hits.push(
      ...scanValues(
        'bridge result',
        app.calls.map((c) => c.result),
        everyKey,
      ),
    );
    hits.push(...scanValues('event', app.events, everyKey));
    hits.push(...scanValues('console', app.consoleLines, everyKey));
    hits.push(...scanValues('page error', app.pageErrors, everyKey));
    hits.push(...scanValues('log', app.logLines, everyKey));
    hits.push(...scanText('page DOM', pageState.html, everyKey));
    hits.push(...scanText('localStorage', pageState.local, everyKey));
    hits.push(...scanText('sessionStorage', pageState.session, everyKey));
    // Each key only ever to its own connection's origin.
    hits.push(
      ...requestsCarrying(owui.requests, [...zulipKey, ...wrongKey]).map(
        (h) => `Open WebUI's origin got ${h}`,
      ),
    );
    hits.push(...requestsCarrying(zulip.requests, owuiKey).map((h) => `Zulip's origin got ${h}`));
    hits.push(...scanFolder(join(ROOT, 'out'), everyKey).hits.map((h) => `out/${h}`));

    // After a clean close (WAL checkpointed into the database file), again.
    await app.close();
    const folderAfterClose = scanFolder(dataDir, everyKey);
    hits.push(...folderAfterClose.hits.map((h) => `after close: ${h}`));

    expect(hits).toEqual([]);
    // The scan looked at what it claims to have looked at.
    const files = folderWhileOpen.files.join(' ');
    expect(files).toMatch(/rollcall\.sqlite(?!-)/);
    expect(files).toMatch(/rollcall\.sqlite-wal/);
    expect(files).toMatch(/avatars\//);
    expect(files).toMatch(/exports\/.*\.csv/);
    expect(files).toMatch(/exports\/.*\.json/);
    expect(files).toMatch(/logs\/main\.log/);
    expect(app.calls.length).toBeGreaterThan(20);
    // The keys did go where they belong (the scan would have seen them there).
    expect(requestsCarrying(zulip.requests, zulipKey).length).toBeGreaterThan(0);
    expect(requestsCarrying(owui.requests, owuiKey).length).toBeGreaterThan(0);
    console.log(
      `[security] leaks found: ${hits.length} (scanned ${folderWhileOpen.files.length} files in the user-data folder, ` +
        `${app.calls.length} bridge results, ${app.events.length} events, ${app.consoleLines.length} console lines, ` +
        `${app.logLines.length} log lines, ${zulip.requests.length + owui.requests.length} requests, out/)`,
    );
  });

  it('finds a key planted in any of its forms (the scan can fail)', () => {
    const key = 'PlantedKeyForTheScan0123456789';
    const forms = secretForms(key, 'admin@example.com');
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-planted-'));
    try {
      mkdirSync(join(dir, 'nested'));
      writeFileSync(join(dir, 'plain.txt'), `x${key}y`);
      writeFileSync(join(dir, 'nested', 'wide.bin'), Buffer.from(`[${key}]`, 'utf16le'));
      writeFileSync(
        join(dir, 'basic.log'),
        `Authorization: Basic ${Buffer.from(`admin@example.com:${key}`).toString('base64')}`,
      );
      writeFileSync(join(dir, 'clean.txt'), 'nothing to see');
      const { hits, files } = scanFolder(dir, forms);
      expect(hits).toContain('basic.log: Basic credential');
      expect(hits).toContain('nested/wide.bin: key');
      expect(hits).toContain('plain.txt: key');
      expect(hits.filter((h) => h.startsWith('clean.txt'))).toEqual([]);
      expect(files.sort()).toEqual(['basic.log', 'clean.txt', 'nested/wide.bin', 'plain.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(scanValues('v', [{ deep: { k: encodeURIComponent(`a/${key}`) } }], forms)).toEqual([
      'v[0]: key',
    ]);
    const request: LoggedRequest = {
      method: 'GET',
      path: '/x',
      query: {},
      headers: { authorization: `Bearer ${key}` },
      at: 0,
    };
    expect(requestsCarrying([request], forms)).toEqual(['GET /x: key']);
  });
});
