/**
 * Walk 4, acting on users (issue 15): a fake Zulip (owner's key) and a fake
 * Open WebUI (admin's key) on 127.0.0.1 behind the real core. The filtered
 * set (owners and members, active) is demoted to Guest through "Act on these
 * N users": the preview lists the changes, skips the key's own account and
 * the bots, and asks for the count typed; the run shows its progress, then
 * its results. One user is deactivated from the detail panel and
 * reactivated; an Open WebUI user is deleted behind the connection's name
 * typed (Run stays disabled until it matches); a "lying 200" reads "Not
 * applied". Afterwards the cards, the fakes' own state and the audit log all
 * agree. Screenshots: walk-actions-*, light and dark.
 *
 * Runs in Node, driving Debian's Chromium over the real core and HTTP.
 */
import type { Browser, Locator, Page } from 'playwright-core';
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

const ZULIP_USERS = 40;
const OWUI_USERS = 30;
const ZULIP_LABEL = 'Acme Chat';
const OWUI_LABEL = 'Acme AI';
const USER_PATH = /^\/api\/v1\/users\/\d+(\/reactivate)?$/;

/** The card of one user. */
function card(page: Page, connectionId: string, userId: string | number): Locator {
  return page.locator(
    `[data-testid="user-card"][data-connection-id="${connectionId}"][data-user-id="${userId}"]`,
  );
}

/** The text of a card's badges ("Guest", "Member Deactivated"...). */
function badges(page: Page, connectionId: string, userId: string | number): Promise<string> {
  return card(page, connectionId, userId)
    .locator('.card-badges')
    .textContent({ timeout: 5_000 })
    .then((t) => t ?? '');
}

/** Takes a screenshot in light, then in dark, and back to light. */
async function shotBoth(app: AppUnderTest, name: string): Promise<void> {
  const { page } = app;
  await dismissToasts(page);
  await settle(page);
  await app.screenshot(`walk-actions-${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.dataset['theme'] ?? ''))
    .toBe('dark');
  await settle(page);
  await app.screenshot(`walk-actions-${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect
    .poll(() => page.evaluate(() => document.documentElement.dataset['theme'] ?? ''))
    .toBe('light');
}

/** Opens the detail panel of one user (searching for them by name first). */
async function openUser(
  page: Page,
  connectionId: string,
  userId: string | number,
  name: string,
): Promise<Locator> {
  await page.getByTestId('search-input').fill(name);
  const found = card(page, connectionId, userId);
  await found.click();
  const detail = page.getByTestId('detail-panel');
  await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(userId));
  return detail;
}

/** Chooses one action of a menu button (`act-on-user`, `act-on-results`...). */
async function choose(page: Page, menu: Locator, action: string): Promise<Locator> {
  await menu.click();
  const item = page.getByTestId('act-menu').getByTestId(`act-${action}`);
  await expect.poll(() => item.isEnabled()).toBe(true);
  await item.click();
  const dialog = page.getByTestId('action-dialog');
  await dialog.getByTestId('action-preview').waitFor();
  return dialog;
}

/** Runs the previewed plan and waits for its results; returns the results' locator. */
async function runAndWait(dialog: Locator): Promise<Locator> {
  await dialog.getByTestId('run-action').click();
  const results = dialog.getByTestId('action-results');
  await results.waitFor({ timeout: 60_000 });
  return results;
}

/** The number a `count-<outcome>` badge shows ("Applied 24" → 24). */
async function outcomeCount(results: Locator, outcome: string): Promise<number> {
  const el = results.getByTestId(`count-${outcome}`);
  if ((await el.count()) === 0) return 0;
  const m = /([\d,]+)\s*$/.exec((await el.textContent()) ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) : NaN;
}

/** Closes the results with Done. */
async function closeResults(page: Page): Promise<void> {
  await page.getByTestId('close-results').click();
  await page.getByTestId('action-dialog').waitFor({ state: 'detached' });
}

describe('walk: acting on users', () => {
  let browser: Browser;
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    [browser, zulip, owui] = await Promise.all([
      launchChromium(),
      startLiveZulip(71, ZULIP_USERS),
      startLiveOpenWebUI(72, OWUI_USERS),
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

  it('demote a filtered set → deactivate and reactivate one → delete behind the name → audit', async () => {
    app = await openApp({ browser, viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await watchCsp(page);

    const zid = await addConnection(app, 'zulip', {
      url: zulip.url,
      label: ZULIP_LABEL,
      email: zulip.admin.email,
      key: zulip.admin.apiKey,
    });
    const oid = await addConnection(app, 'openwebui', {
      url: owui.url,
      label: OWUI_LABEL,
      key: owui.adminKey,
    });
    await syncAndWait(page, oid);
    await syncAndWait(page, zid);

    // Who the demotion should reach, read from the fake before anything changes.
    const active = zulip.directory.members.filter((m) => m.is_active);
    const inFilter = active.filter((m) => m.role === 100 || m.role === 400);
    const bots = inFilter.filter((m) => m.is_bot);
    const toDemote = inFilter.filter((m) => !m.is_bot && m.user_id !== zulip.admin.userId);
    expect(toDemote.length).toBeGreaterThan(10);
    expect(bots.length).toBeGreaterThan(0);

    // 1. Filter: owners and members, active only; then "Act on these N users" → Make Guest.
    await page.getByTestId('status-active').click();
    await page.getByTestId('filter-role').click();
    await page.getByRole('checkbox', { name: /^Owner\b/ }).check();
    await page.getByRole('checkbox', { name: /^Member\b/ }).check();
    await page.keyboard.press('Escape');
    await expect.poll(() => resultCount(page)).toBe(inFilter.length);
    const actOnResults = page.getByTestId('act-on-results');
    expect(await actOnResults.getAttribute('aria-label')).toBe(
      `Act on these ${inFilter.length} users`,
    );
    const dialog = await choose(page, actOnResults, 'set-role:guest');
    const preview = dialog.getByTestId('action-preview');
    expect(await preview.getByTestId('preview-counts').textContent()).toBe(
      `${toDemote.length} users will change · ${inFilter.length - toDemote.length} skipped`,
    );
    expect(await preview.getByTestId('change-row').count()).toBe(toDemote.length);
    const firstRow = preview.getByTestId('change-row').filter({ hasText: toDemote[0]!.full_name });
    expect(await firstRow.locator('.plan-standing').textContent()).toMatch(/^(Member|Owner)Guest$/);
    // The key's own account and the bots are left alone, each reason in words.
    const self = preview.getByTestId('skip-self');
    expect(await self.locator('summary').textContent()).toContain("The key's own account");
    await self.locator('summary').click();
    const owner = active.find((m) => m.user_id === zulip.admin.userId)!;
    expect(await self.locator('.skip-names').textContent()).toBe(owner.full_name);
    const botSkip = preview.getByTestId('skip-bot');
    expect(await botSkip.locator('summary').textContent()).toBe(
      `${bots.length} A bot: Zulip manages bots from their owner's bot settings, so Rollcall leaves them alone.`,
    );
    expect(await preview.getByTestId('undo-note').getAttribute('data-reversible')).toBe('true');
    // Over ten users: the count must be typed before Run is pressed.
    const run = dialog.getByTestId('run-action');
    expect(await run.isDisabled()).toBe(true);
    const confirm = preview.getByTestId('confirm-input');
    await confirm.fill(String(toDemote.length - 1));
    expect(await run.isDisabled()).toBe(true);
    await confirm.fill(String(toDemote.length));
    await expect.poll(() => run.isEnabled()).toBe(true);
    expect(await axeSerious(page)).toEqual([]);
    await shotBoth(app, '1-preview');

    // Run, with the server slowed so the progress can be seen moving.
    zulip.setMode({ kind: 'slow', delayMs: 120 }, { match: (p) => USER_PATH.test(p) });
    await run.click();
    const progress = dialog.getByTestId('action-progress');
    await progress.waitFor();
    await page.waitForFunction(
      () =>
        Number(
          document
            .querySelector('[data-testid="action-progress"] [role="progressbar"]')
            ?.getAttribute('aria-valuenow'),
        ) >= 2,
      undefined,
      { polling: 'raf' },
    );
    expect(await dialog.getByTestId('cancel-action').isEnabled()).toBe(true);
    await app.screenshot('walk-actions-2-progress-light');
    zulip.setMode({ kind: 'normal' });
    const results = dialog.getByTestId('action-results');
    await results.waitFor({ timeout: 60_000 });
    expect(await outcomeCount(results, 'applied')).toBe(toDemote.length);
    expect(await outcomeCount(results, 'failed')).toBe(0);
    expect(await outcomeCount(results, 'not-applied')).toBe(0);
    expect(
      await results.locator('[data-testid="result-row"][data-outcome="applied"]').count(),
    ).toBe(toDemote.length);
    await shotBoth(app, '3-results');
    await closeResults(page);

    // The cards now read Guest; the fake agrees.
    for (const m of toDemote) {
      expect(zulip.userById(m.user_id)?.role).toBe(600);
    }
    await page.getByTestId('filter-role').click();
    await page.getByRole('checkbox', { name: /^Owner\b/ }).uncheck();
    await page.getByRole('checkbox', { name: /^Member\b/ }).uncheck();
    await page.keyboard.press('Escape');
    await page.getByTestId('status-all').click();
    await expect.poll(() => badges(page, zid, toDemote[0]!.user_id)).toContain('Guest');
    const last = toDemote.at(-1)!;
    await page.getByTestId('search-input').fill(last.full_name);
    await expect.poll(() => badges(page, zid, last.user_id)).toContain('Guest');

    // 2. Deactivate one user (a moderator, untouched so far) from the detail panel, then reactivate.
    const mod = active.find((m) => m.role === 300 && !m.is_bot)!;
    expect(mod).toBeDefined();
    let detail = await openUser(page, zid, mod.user_id, mod.full_name);
    let one = await choose(page, detail.getByTestId('act-on-user'), 'deactivate');
    expect(await one.getByTestId('preview-counts').textContent()).toBe('1 user will change');
    expect(await one.getByTestId('confirm-input').count()).toBe(0);
    let res = await runAndWait(one);
    expect(await outcomeCount(res, 'applied')).toBe(1);
    expect(
      await res
        .locator('[data-testid="result-row"][data-outcome="applied"] .plan-standing')
        .textContent(),
    ).toContain('Moderator, deactivated');
    await closeResults(page);
    expect(zulip.userById(mod.user_id)?.is_active).toBe(false);
    await expect.poll(() => badges(page, zid, mod.user_id)).toContain('Deactivated');

    detail = page.getByTestId('detail-panel');
    one = await choose(page, detail.getByTestId('act-on-user'), 'reactivate');
    expect(await one.getByTestId('preview-counts').textContent()).toBe('1 user will change');
    res = await runAndWait(one);
    expect(await outcomeCount(res, 'applied')).toBe(1);
    await closeResults(page);
    expect(zulip.userById(mod.user_id)?.is_active).toBe(true);
    await expect.poll(() => badges(page, zid, mod.user_id)).not.toContain('Deactivated');
    expect(await badges(page, zid, mod.user_id)).toContain('Moderator');

    // A "lying 200": the server says yes and changes nothing; the re-check says so.
    zulip.setLyingWrites(true);
    one = await choose(page, detail.getByTestId('act-on-user'), 'set-role:member');
    res = await runAndWait(one);
    zulip.setLyingWrites(false);
    expect(await outcomeCount(res, 'not-applied')).toBe(1);
    const lied = res.locator('[data-testid="result-row"][data-outcome="not-applied"]');
    expect(await lied.textContent()).toContain('The server said yes, but it now lists the user as');
    await closeResults(page);
    expect(zulip.userById(mod.user_id)?.role).toBe(300);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });

    // 3. Open WebUI: delete one user, behind the connection's name typed.
    await selectConnection(page, oid);
    const primary = owui.primaryAdminId();
    const doomed = owui.directory.users.find((u) => u.role === 'user' && u.id !== primary)!;
    expect(doomed).toBeDefined();
    detail = await openUser(page, oid, doomed.id, doomed.name);
    const del = await choose(page, detail.getByTestId('act-on-user'), 'delete');
    expect(await del.getByTestId('undo-note').getAttribute('data-reversible')).toBe('false');
    expect(await del.getByTestId('undo-note').textContent()).toContain('Cannot be undone.');
    const delRun = del.getByTestId('run-action');
    const delConfirm = del.getByTestId('confirm-input');
    expect(await delRun.isDisabled()).toBe(true);
    await delConfirm.fill('Acme');
    expect(await delRun.isDisabled()).toBe(true);
    await delConfirm.fill('acme ai');
    expect(await delRun.isDisabled()).toBe(true);
    await delConfirm.fill(OWUI_LABEL);
    await expect.poll(() => delRun.isEnabled()).toBe(true);
    expect(await axeSerious(page)).toEqual([]);
    await shotBoth(app, '4-delete-confirmation');
    res = await runAndWait(del);
    expect(await outcomeCount(res, 'applied')).toBe(1);
    expect(
      await res
        .locator('[data-testid="result-row"][data-outcome="applied"] .plan-standing')
        .textContent(),
    ).toContain('Gone');
    await closeResults(page);
    expect(owui.userById(doomed.id)).toBeUndefined();
    // The cache marks the deleted user gone, as a sync does for a user the server no longer lists.
    await expect.poll(() => badges(page, oid, doomed.id)).toContain('Gone');

    // 4. The audit log: a row for each user of each run, before → after, and the outcome.
    await page.keyboard.press('Escape');
    await page.getByTestId('open-audit').click();
    const audit = page.getByTestId('audit-view');
    await audit.getByTestId('audit-row').first().waitFor();
    const rows = audit.getByTestId('audit-row');
    const rowText = (i: number): Promise<string> =>
      rows
        .nth(i)
        .textContent()
        .then((t) => t ?? '');
    // Newest first: the delete, the lying 200, the reactivation, the deactivation, then the demotion.
    expect(await rowText(0)).toMatch(
      new RegExp(`${OWUI_LABEL}Delete${doomed.name}.*User → GoneApplied`),
    );
    expect(await rowText(1)).toMatch(
      new RegExp(
        `${ZULIP_LABEL}Set role to Member${mod.full_name}.*Moderator → ModeratorNot applied`,
      ),
    );
    expect(await rowText(2)).toMatch(
      new RegExp(`Reactivate${mod.full_name}.*Moderator, deactivated → ModeratorApplied`),
    );
    expect(await rowText(3)).toMatch(
      new RegExp(`Deactivate${mod.full_name}.*Moderator → Moderator, deactivatedApplied`),
    );
    const demoted = rows.filter({ hasText: 'Set role to Guest' }).filter({ hasText: 'Applied' });
    await expect.poll(() => demoted.count()).toBeGreaterThan(0);
    expect(await demoted.first().textContent()).toMatch(/(Member|Owner) → Guest/);
    // One row a changed user (skipped users are not touched, so not logged): 26 + 4 here.
    const total = toDemote.length + 4;
    expect(await audit.getByTestId('audit-range').textContent()).toBe(
      `1–${Math.min(total, 50)} of ${total}`,
    );
    expect(await axeSerious(page)).toEqual([]);
    await shotBoth(app, '5-audit');

    expect(zulip.writeViolations).toEqual([]);
    expect(owui.writeViolations).toEqual([]);
    await expectCleanPage(app);
  });
});
