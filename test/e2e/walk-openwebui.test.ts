/**
 * Walk 3, an Open WebUI server: a fake Open WebUI on 127.0.0.1 behind the
 * real core. A non-admin key is refused in words (FORBIDDEN, with what to
 * do); the admin's key passes the test and is saved; a lookup by id opens
 * the card with role, groups and status; a `shared-…` id answers "not
 * found" in words with the server's text; a sync over pages of 30 shows
 * its bar moving, then its summary; search finds the person again.
 * Screenshots: walk-openwebui-*.
 *
 * Runs in Node, driving Debian's Chromium over the real core and HTTP.
 */
import type { Browser } from 'playwright-core';
import type { OpenWebUIFake } from '../fakes/openwebui-fake';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import {
  axeSerious,
  dismissToasts,
  expectCleanPage,
  patientPolls,
  fillConnection,
  openAddDialog,
  progressSeen,
  recordProgress,
  resultCount,
  settle,
  startLiveOpenWebUI,
  waitForSteadyBar,
  watchCsp,
} from './walk-helpers';

const USERS = 600;

describe('walk: an Open WebUI server', () => {
  let browser: Browser;
  let owui: OpenWebUIFake;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    [browser, owui] = await Promise.all([launchChromium(), startLiveOpenWebUI(51, USERS)]);
  });
  afterAll(async () => {
    await browser.close();
    await owui.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('non-admin key refused → admin key saved → lookup by id → shared-… not found → sync → search', async () => {
    app = await openApp({ browser, viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await watchCsp(page);
    const admin = owui.directory.users.find((u) => u.role === 'admin')!;
    const target = owui.directory.users.find(
      (u) => u.role === 'user' && u.groups.length >= 2 && u.status_emoji && u.status_message,
    )!;
    expect(target).toBeDefined();

    // A plain user's key: the test says no, and why, on the key's field.
    await openAddDialog(page, 'openwebui');
    const dialog = page.getByTestId('connection-dialog');
    expect(await dialog.getByRole('heading').first().textContent()).toBe(
      'Add an Open WebUI server',
    );
    expect(await dialog.getByTestId('field-email').count()).toBe(0);
    await fillConnection(page, { url: owui.url, label: 'Acme AI', key: owui.userKey });
    await dialog.getByTestId('test-connection').click();
    const refused = dialog.getByTestId('connection-error');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('FORBIDDEN');
    expect(await refused.textContent()).toContain('non-admin account');
    expect(await refused.textContent()).toContain('Create one while signed in as an administrator');
    expect(await dialog.getByTestId('field-key').getAttribute('aria-invalid')).toBe('true');
    // Saving tests first, so it refuses too and nothing is saved. (The notice
    // already said FORBIDDEN before the click: wait for the save's own answer.)
    await dialog.getByTestId('save-connection').click();
    await expect
      .poll(() => app!.calls.filter((c) => c.channel === 'connections:save').at(-1)?.result)
      .toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await expect.poll(() => refused.getAttribute('data-code')).toBe('FORBIDDEN');
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-openwebui-1-non-admin-key');

    // The admin's key: who it is, and their role.
    await dialog.getByTestId('field-key').fill(owui.adminKey);
    await dialog.getByTestId('test-connection').click();
    const testResult = dialog.getByTestId('test-result');
    await testResult.waitFor();
    expect(await testResult.textContent()).toContain(admin.name);
    expect(await testResult.getByTestId('role-badge').textContent()).toBe('Admin');
    expect(await dialog.getByTestId('connection-error').count()).toBe(0);
    await dialog.getByTestId('save-connection').click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId('connection-row');
    await row.waitFor();
    await expect.poll(() => page.getByTestId('scope-title').textContent()).toBe('Acme AI');

    // Look up by id: the card opens with role, groups and status.
    await page.keyboard.press('Control+L');
    expect(await page.getByTestId('lookup-input').getAttribute('placeholder')).toBe(
      'Look up by id or email',
    );
    await page.keyboard.type(target.id);
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('detail-panel');
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(target.id);
    expect(await detail.locator('h2').first().textContent()).toContain(target.name);
    expect(await detail.locator('.detail-header [data-testid="role-badge"]').textContent()).toBe(
      'User',
    );
    const groups = await detail.getByTestId('section-groups').locator('.chip').allTextContents();
    expect([...groups].sort()).toEqual(target.groups.map((g) => g.name).sort());
    const status = detail.getByTestId('section-status');
    expect(await status.textContent()).toContain(target.status_emoji!);
    expect(await status.textContent()).toContain(target.status_message!);
    await detail.getByTestId('detail-source').filter({ hasText: 'From the server' }).waitFor();
    // Now cached: counted and listed.
    await expect.poll(() => row.locator('.conn-count').textContent()).toBe('1');
    await page.locator(`[data-testid="user-card"][data-user-id="${target.id}"]`).waitFor();
    await dismissToasts(page);
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-openwebui-2-lookup');

    // A shared-chat reference the server does not resolve: not found, in words.
    await page.getByTestId('lookup-input').fill('shared-3f1c9a7e-0000-4000-8000-000000000000');
    await page.keyboard.press('Enter');
    const lookupError = page.getByTestId('lookup-error');
    await lookupError.waitFor();
    expect(await lookupError.getAttribute('data-code')).toBe('NOT_FOUND');
    const said = (await lookupError.textContent()) ?? '';
    expect(said).toContain('No user “shared-3f1c9a7e-0000-4000-8000-000000000000” on Acme AI');
    expect(said).toContain('no shared chat');
    expect(said).toContain("We could not find what you're looking for :/");
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-openwebui-3-shared-not-found');
    await page.keyboard.press('Escape');
    await lookupError.waitFor({ state: 'detached' });

    // Sync: pages of 30, six in flight, each slow enough that the bar visibly moves.
    owui.setMode({ kind: 'slow', delayMs: 700 }, { match: (p) => p === '/api/v1/users/' });
    await recordProgress(page);
    await page.getByTestId('sync-button').click();
    await waitForSteadyBar(page, USERS / 4);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await app.screenshot('walk-openwebui-4-sync-progress');
    const summary = page.getByTestId('sync-summary');
    await summary.waitFor({ timeout: 60_000 });
    owui.setMode({ kind: 'normal' });
    expect(await summary.textContent()).toContain(`Synced Acme AI: ${USERS} users`);
    expect(await summary.textContent()).toContain(`${USERS - 1} added`);
    // The one looked up before was already cached: not counted as new.
    expect(await summary.textContent()).toContain('0 gone');
    const seen = await progressSeen(page);
    // The users saved so far showed while the sync ran, not only at its end.
    expect(Math.max(...seen.map((s) => s.shown ?? 0))).toBeGreaterThan(1);
    const values = seen.map((s) => s.now).filter((n): n is number => n !== null);
    expect(new Set(values).size).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < values.length; i++) {
      expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    }
    await expect.poll(() => resultCount(page)).toBe(USERS);
    // The sidebar's count comes from the connection list, reloaded apart from the grid.
    await expect.poll(() => row.locator('.conn-count').textContent()).toBe(String(USERS));

    // Search finds the person among everyone.
    await page.keyboard.press('Control+K');
    await page.keyboard.type(target.name);
    await page
      .getByTestId('result-count')
      .filter({ hasText: ` of ${USERS} users` })
      .waitFor();
    const card = page.locator(`[data-testid="user-card"][data-user-id="${target.id}"]`);
    await card.waitFor();
    await card.click();
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(target.id);
    await detail.getByTestId('section-groups').waitFor();
    await dismissToasts(page);
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-openwebui-5-detail');

    // A second sync, with everyone cached: the bar moves over the full grid, and nothing changed.
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByTestId('search-input').fill('');
    await expect.poll(() => resultCount(page)).toBe(USERS);
    await page
      .getByTestId('sync-summary')
      .getByRole('button', { name: 'Dismiss sync summary' })
      .click();
    owui.setMode({ kind: 'slow', delayMs: 700 }, { match: (p) => p === '/api/v1/users/' });
    await page.getByTestId('sync-button').click();
    await waitForSteadyBar(page, USERS / 3);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await settle(page);
    await app.screenshot('walk-openwebui-6-resync-progress');
    await summary.waitFor({ timeout: 60_000 });
    owui.setMode({ kind: 'normal' });
    expect(await summary.textContent()).toContain(`0 added`);
    expect(await summary.textContent()).toContain(`${USERS} unchanged`);

    await expectCleanPage(app);
  });
});
