/**
 * Walk 2, a Zulip server: a fake Zulip of 2 000 users on 127.0.0.1 behind
 * the real core. A zuliprc pasted into the dialog fills it; "Test
 * connection" says whose key it is and their role; Save; "Sync directory"
 * shows its progress moving and then its summary; search finds a person;
 * their card shows all eight kinds of custom profile field drawn by type,
 * with links leaving only through shell:open-external; lookups by email
 * and by an unknown ID answer in words. Screenshots: walk-zulip-*.
 *
 * Runs in Node, driving Debian's Chromium over the real core and HTTP.
 */
import type { Browser, Page } from 'playwright-core';
import type { ZulipWireUser } from '@core/services/synthetic/wire-shapes';
import type { ZulipFake } from '../fakes/zulip-fake';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import {
  axeSerious,
  dismissToasts,
  expectCleanPage,
  patientPolls,
  openAddDialog,
  progressSeen,
  recordProgress,
  resultCount,
  settle,
  startLiveZulip,
  watchCsp,
} from './walk-helpers';

const USERS = 2000;

function zuliprc(fake: ZulipFake, account: { email: string; apiKey: string }): string {
  return `# Downloaded from Zulip\n[api]\nemail=${account.email}\nkey=${account.apiKey}\nsite=${fake.url}\n`;
}

/** Pastes text into an input the way the clipboard would (a real `paste` event). */
async function pasteInto(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).evaluate((el, value) => {
    const data = new DataTransfer();
    data.setData('text/plain', value);
    el.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, text);
}

/** An active human with all eight custom fields set, a manager, and a name nobody else has. */
function pickProfiled(fake: ZulipFake): ZulipWireUser {
  const names = new Map<string, number>();
  for (const m of fake.directory.members) names.set(m.full_name, (names.get(m.full_name) ?? 0) + 1);
  const found = fake.directory.members.find(
    (m) =>
      m.is_active &&
      !m.is_bot &&
      m.delivery_email !== null &&
      names.get(m.full_name) === 1 &&
      Object.keys(m.profile_data ?? {}).length === 8 &&
      m.profile_data?.['2']?.rendered_value?.includes('<') === true,
  );
  if (!found) throw new Error('the seeded directory has no fully profiled user; change the seed');
  return found;
}

describe('walk: a Zulip server', () => {
  let browser: Browser;
  let zulip: ZulipFake;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    [browser, zulip] = await Promise.all([launchChromium(), startLiveZulip(31, USERS)]);
  });
  afterAll(async () => {
    await browser.close();
    await zulip.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('zuliprc → test → save → sync with progress → search → card with every field type → lookups', async () => {
    app = await openApp({ browser, viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await watchCsp(page);
    const target = pickProfiled(zulip);
    const profile = target.profile_data!;
    const fieldDef = (id: number) => zulip.directory.profileFields.find((f) => f.id === id)!;
    const teams = JSON.parse(fieldDef(3).field_data) as Record<string, { text: string }>;
    const managerId = Number(/\d+/.exec(profile['6']!.value)![0]);
    const manager = zulip.userById(managerId)!;

    // The dialog, filled from a zuliprc pasted in its box: the member's key.
    await openAddDialog(page, 'zulip');
    const dialog = page.getByTestId('connection-dialog');
    expect(await dialog.getByRole('heading').first().textContent()).toBe('Add a Zulip server');
    await dialog.getByRole('button', { name: 'Paste a zuliprc' }).click();
    await dialog.getByTestId('zuliprc-text').fill(zuliprc(zulip, zulip.member));
    await dialog.getByTestId('zuliprc-apply').click();
    await expect.poll(() => dialog.getByTestId('field-url').inputValue()).toBe(zulip.url);
    expect(await dialog.getByTestId('field-email').inputValue()).toBe(zulip.member.email);
    expect(await dialog.getByTestId('field-key').inputValue()).toBe(zulip.member.apiKey);
    expect(await dialog.getByTestId('field-key').getAttribute('type')).toBe('password');
    await dialog.getByTestId('test-connection').click();
    const testResult = dialog.getByTestId('test-result');
    await testResult.waitFor();
    const member = zulip.userById(zulip.member.userId)!;
    expect(await testResult.textContent()).toContain(member.full_name);
    expect(await testResult.getByTestId('role-badge').textContent()).toBe('Member');

    // A zuliprc pasted straight into a field fills the form too: now the owner's key.
    await pasteInto(page, 'field-url', zuliprc(zulip, zulip.admin));
    await expect.poll(() => dialog.getByTestId('field-email').inputValue()).toBe(zulip.admin.email);
    expect(await dialog.getByTestId('field-key').inputValue()).toBe(zulip.admin.apiKey);
    expect(await dialog.getByTestId('field-url').inputValue()).toBe(zulip.url);
    await dialog.getByTestId('field-label').fill('Acme Chat');
    await dialog.getByTestId('test-connection').click();
    await testResult.waitFor();
    const owner = zulip.userById(zulip.admin.userId)!;
    await expect.poll(() => testResult.textContent()).toContain(owner.full_name);
    expect(await testResult.getByTestId('role-badge').textContent()).toBe('Owner');
    expect(await testResult.textContent()).toContain(`Connected to 127.0.0.1:${zulip.port}`);
    expect(await axeSerious(page)).toEqual([]);
    await testResult.scrollIntoViewIfNeeded();
    await app.screenshot('walk-zulip-1-test-ok');

    // Save: the connection appears, selected, with nothing cached yet.
    await dialog.getByTestId('save-connection').click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId('connection-row');
    await row.waitFor();
    const connectionId = (await row.getAttribute('data-connection-id'))!;
    await expect.poll(() => page.getByTestId('scope-title').textContent()).toBe('Acme Chat');
    await page.getByTestId('empty-directory').waitFor();
    // The key never came back to the window.
    expect(
      JSON.stringify(
        app.calls.filter(
          (c) => c.channel !== 'connections:save' && c.channel !== 'connections:test',
        ),
      ),
    ).not.toContain(zulip.admin.apiKey);

    // Sync: the server takes a moment to answer, so the progress shows; then the summary.
    zulip.setMode(
      { kind: 'slow', delayMs: 1200 },
      { times: 1, match: (p) => p === '/api/v1/users' },
    );
    await recordProgress(page);
    await page.getByTestId('sync-button').click();
    const panel = page.getByTestId('sync-panel');
    await panel.waitFor();
    await page.getByTestId('sync-progress-text').filter({ hasText: 'Fetching users' }).waitFor();
    await dismissToasts(page);
    await app.screenshot('walk-zulip-2-sync-progress');
    const summary = page.getByTestId('sync-summary');
    await summary.waitFor({ timeout: 60_000 });
    expect(await summary.textContent()).toContain(`Synced Acme Chat: 2,000 users`);
    expect(await summary.textContent()).toContain('2,000 added');
    const seen = await progressSeen(page);
    expect(seen.map((s) => s.text)).toContain('Fetching users');
    expect(new Set(seen.map((s) => s.text)).size).toBeGreaterThanOrEqual(2);
    // What core sent: counts that only grow, ending at every user.
    const progress = app.events
      .filter((e) => e.event === 'directory:sync-progress')
      .map((e) => e.payload as { connectionId: string; done: number; phase: string })
      .filter((p) => p.connectionId === connectionId);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    }
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: USERS });
    await expect.poll(() => resultCount(page)).toBe(USERS);
    // The sidebar's count comes from the connection list, reloaded apart from the grid.
    await expect.poll(() => row.locator('.conn-count').textContent()).toBe('2,000');
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-zulip-3-synced');

    // Search: the surname finds the person among others.
    const surname = target.full_name.split(/\s+/).at(-1)!;
    await page.keyboard.press('Control+K');
    await page.keyboard.type(surname);
    await page.getByTestId('result-count').filter({ hasText: ' of 2,000 users' }).waitFor();
    const card = page.locator(`[data-testid="user-card"][data-user-id="${target.user_id}"]`);
    await card.waitFor();
    // " of 2,000" shows as soon as there is text, over the last answer's count: poll the count.
    await expect.poll(() => resultCount(page)).toBeLessThan(USERS);
    expect(await card.locator('.card-name-text').textContent()).toBe(target.full_name);
    await dismissToasts(page);
    await settle(page);
    await app.screenshot('walk-zulip-4-search');

    // The card: every custom field drawn by its type. Opened with the
    // query's text selected in the search box (as an admin about to retype
    // it leaves it) by a click on the picture, which moves no selection:
    // text selected elsewhere does not keep a card from opening.
    await page.getByTestId('search-input').selectText();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(surname);
    await card.locator('.avatar').click();
    const detail = page.getByTestId('detail-panel');
    await detail.waitFor();
    expect(await detail.getAttribute('data-user-id')).toBe(String(target.user_id));
    const fields = detail.getByTestId('section-fields');
    await fields.waitFor();
    const dd = (type: string) => fields.locator(`[data-field-type="${type}"] dd`);
    expect(await dd('short_text').textContent()).toBe(profile['1']!.value);
    // Long text: the server's rendered HTML, sanitized, as formatting (not as escaped text).
    const rendered = dd('long_text').locator('.rendered');
    expect(await rendered.locator('p').count()).toBeGreaterThan(0);
    expect(await rendered.innerHTML()).not.toMatch(/<script|on\w+=|javascript:/i);
    expect(await rendered.textContent()).not.toContain('<');
    expect(await dd('choice').locator('.chip').textContent()).toBe(
      teams[profile['3']!.value]!.text,
    );
    expect(await dd('date').locator('time').getAttribute('datetime')).toBe(profile['4']!.value);
    expect(await dd('date').textContent()).toContain(profile['4']!.value.slice(0, 4));
    expect(await dd('pronouns').textContent()).toBe(profile['8']!.value);
    // Person picker: the manager's name, resolved from the cache.
    const managerButton = dd('person').locator('button.person-link');
    await expect.poll(() => managerButton.textContent()).toBe(manager.full_name);
    // Link and external account: real links that open only through main.
    const website = dd('link').locator('a');
    expect(await website.getAttribute('href')).toBe(profile['5']!.value);
    const github = dd('external_account').locator('a');
    expect(await github.getAttribute('href')).toBe(`https://github.com/${profile['7']!.value}`);
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-zulip-5-detail');
    await fields.scrollIntoViewIfNeeded();
    await app.screenshot('walk-zulip-6-profile-fields');
    const pageUrl = page.url();
    await website.click();
    await expect.poll(() => app!.openedExternal).toContain(profile['5']!.value);
    await github.click();
    await expect
      .poll(() => app!.openedExternal)
      .toContain(`https://github.com/${profile['7']!.value}`);
    expect(page.url()).toBe(pageUrl);
    expect(app.openedExternal.every((u) => /^https?:\/\//.test(u))).toBe(true);
    // The person picker opens the manager.
    await managerButton.click();
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(managerId));
    await expect
      .poll(() => detail.locator('h2').first().textContent())
      .toContain(manager.full_name);

    // Lookup by email: the cached copy at once, then the server's. Someone with
    // no time zone and no presence: those rows say "Not set", not an empty cell.
    const someone = zulip.directory.members.find(
      (m) =>
        m.is_active &&
        !m.is_bot &&
        m.delivery_email &&
        m.timezone === '' &&
        !zulip.directory.presences[m.email] &&
        m.user_id !== target.user_id &&
        m.user_id !== managerId,
    )!;
    await page.keyboard.press('Control+L');
    await page.keyboard.type(someone.delivery_email!);
    await page.keyboard.press('Enter');
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(someone.user_id));
    await detail.getByTestId('detail-source').filter({ hasText: 'From the server' }).waitFor();
    // A cached user found by email is refreshed by ID; one not cached is asked for by email.
    expect(
      zulip.requests.some((r) =>
        [`/api/v1/users/${someone.delivery_email}`, `/api/v1/users/${someone.user_id}`].includes(
          decodeURIComponent(r.path),
        ),
      ),
    ).toBe(true);
    const activity = detail.getByTestId('section-activity');
    for (const label of ['Local time']) {
      const cell = activity
        .locator('.kv-row', { has: page.locator('dt', { hasText: label }) })
        .locator('dd');
      expect(await cell.textContent(), label).toBe('Not set');
    }

    // An ID the server does not know: said in words, with the server's own text.
    await page.getByTestId('lookup-input').fill('987654');
    await page.keyboard.press('Enter');
    const lookupError = page.getByTestId('lookup-error');
    await lookupError.waitFor();
    expect(await lookupError.getAttribute('data-code')).toBe('NOT_FOUND');
    expect(await lookupError.textContent()).toContain('No user “987654” on Acme Chat');
    expect(await lookupError.textContent()).toContain('No such user');
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-zulip-7-lookup-not-found');

    await expectCleanPage(app);
  });
});
