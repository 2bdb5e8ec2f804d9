/**
 * Walk 4, offline: a Zulip and an Open WebUI connection, both synced; then
 * both fakes stop. A lookup and a sync notice it: each connection gets its
 * offline banner with "since", its sidebar row turns offline; the cached
 * cards still open, saying they are the cached copy and why; "Refresh from
 * server" says the server cannot be reached. The fakes start again and
 * "Try again" clears each banner. Screenshots: walk-offline-*.
 *
 * Runs in Node, driving Debian's Chromium over the real core and HTTP.
 */
import type { Browser, Page } from 'playwright-core';
import type { OpenWebUIFake } from '../fakes/openwebui-fake';
import type { ZulipFake } from '../fakes/zulip-fake';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import {
  addConnection,
  axeSerious,
  dismissToasts,
  expectCleanPage,
  patientPolls,
  resultCount,
  selectConnection,
  settle,
  startLiveOpenWebUI,
  startLiveZulip,
  syncAndWait,
  watchCsp,
} from './walk-helpers';

const rowOf = (page: Page, id: string) =>
  page.locator(`[data-testid="connection-row"][data-connection-id="${id}"]`);
const bannerOf = (page: Page, id: string) =>
  page.locator(`[data-testid="offline-banner"][data-connection-id="${id}"]`);

describe('walk: servers going offline and coming back', () => {
  let browser: Browser;
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    [browser, zulip, owui] = await Promise.all([
      launchChromium(),
      startLiveZulip(61, 300),
      startLiveOpenWebUI(62, 120),
    ]);
  });
  afterAll(async () => {
    await browser.close();
    await zulip.close();
    await owui.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('both synced → both stopped → banners with "since", cached cards open → back online', async () => {
    app = await openApp({ browser, viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await watchCsp(page);
    const zulipId = await addConnection(app, 'zulip', {
      url: zulip.url,
      label: 'Acme Chat',
      email: zulip.admin.email,
      key: zulip.admin.apiKey,
    });
    await syncAndWait(page, zulipId);
    const owuiId = await addConnection(app, 'openwebui', {
      url: owui.url,
      label: 'Acme AI',
      key: owui.adminKey,
    });
    await syncAndWait(page, owuiId);
    await page.getByTestId('scope-all').click();
    await expect.poll(() => resultCount(page)).toBe(420);
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    for (const id of [zulipId, owuiId])
      await expect.poll(() => rowOf(page, id).getAttribute('data-state')).toBe('online');

    await Promise.all([zulip.stop(), owui.stop()]);

    // A lookup of a cached Zulip user: the cached copy at once; the refresh behind fails.
    const known = zulip.directory.members.find(
      (m) => m.is_active && !m.is_bot && m.user_id !== zulip.admin.userId,
    )!;
    // In Zulip's own scope: with everything in view, the other server failing
    // too (its pictures are fetched as cards show) would turn this connection's
    // banner into a line of the group banner, at a moment no test controls.
    await selectConnection(page, zulipId);
    await page.keyboard.press('Control+L');
    await page.keyboard.type(String(known.user_id));
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('detail-panel');
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(known.user_id));
    const stale = detail.getByTestId('stale-notice');
    await stale.waitFor();
    expect(await stale.textContent()).toContain('Server unreachable: showing the copy from');
    expect(await detail.getByTestId('detail-source').textContent()).toContain('From the cache');
    const zulipBanner = bannerOf(page, zulipId);
    await zulipBanner.waitFor();
    expect(await zulipBanner.textContent()).toMatch(
      /^Acme Chat has been unreachable since \d{1,2}:\d{2}\s?[AP]M \(just now\)/,
    );
    expect(await zulipBanner.textContent()).toContain('The cached directory stays fully usable');
    await expect.poll(() => rowOf(page, zulipId).getAttribute('data-state')).toBe('offline');

    // A sync of the Open WebUI connection: it stops, says why, and its banner appears.
    await rowOf(page, owuiId).getByTestId('connection-actions').click();
    await page.getByTestId('menu-sync').click();
    const syncError = page.getByTestId('sync-error');
    await syncError.waitFor();
    expect(await syncError.getAttribute('data-code')).toBe('OFFLINE');
    expect(await syncError.textContent()).toContain('Sync of Acme AI stopped');
    await bannerOf(page, owuiId).waitFor();
    expect(await bannerOf(page, owuiId).textContent()).toMatch(
      /^Acme AI has been unreachable since \d{1,2}:\d{2}\s?[AP]M \(just now\)/,
    );
    await expect.poll(() => rowOf(page, owuiId).getAttribute('data-state')).toBe('offline');
    // The directory is still all there.
    await expect.poll(() => resultCount(page)).toBe(120);

    // Everything, both banners; a cached card still opens and says it is the cached copy.
    await page.getByTestId('scope-all').click();
    await expect.poll(() => page.getByTestId('offline-banner').count()).toBe(2);
    await expect.poll(() => resultCount(page)).toBe(420);
    const card = page.locator(`[data-testid="user-card"][data-connection-id="${owuiId}"]`).first();
    await card.waitFor();
    const cardUser = (await card.getAttribute('data-user-id'))!;
    await card.click();
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(cardUser);
    await detail.getByTestId('section-identity').waitFor();
    expect(await detail.getByTestId('detail-source').textContent()).toContain('From the cache');
    await detail.getByTestId('refresh-user').click();
    await stale.waitFor();
    expect(await stale.textContent()).toContain('Server unreachable: showing the copy from');
    expect(await stale.textContent()).toContain('refused the connection');
    await dismissToasts(page);
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-offline-1-cached-card');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByTestId('user-grid').evaluate((grid) => grid.scrollTo({ top: 0 }));
    await settle(page);
    await app.screenshot('walk-offline-2-banners');

    // Back online: "Try again" clears each banner (the window also re-probes every 30 s).
    await zulip.start();
    await zulipBanner.getByTestId('retry-connection').click();
    await zulipBanner.waitFor({ state: 'detached' });
    await expect.poll(() => rowOf(page, zulipId).getAttribute('data-state')).toBe('online');
    expect(await bannerOf(page, owuiId).count()).toBe(1);
    await owui.start();
    await bannerOf(page, owuiId).getByTestId('retry-connection').click();
    await bannerOf(page, owuiId).waitFor({ state: 'detached' });
    await expect.poll(() => rowOf(page, owuiId).getAttribute('data-state')).toBe('online');
    // And the failed sync can run again, to its summary.
    await syncError.getByRole('button', { name: 'Try again' }).click();
    await page.locator(`[data-testid="sync-summary"][data-connection-id="${owuiId}"]`).waitFor();
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    await settle(page);
    await app.screenshot('walk-offline-3-back-online');

    await expectCleanPage(app);
  });
});
