/**
 * Walk 1, the demo: a newcomer's first minute against the real core. First
 * run → "Explore a demo directory" → cards (a bot with its owner, a
 * deactivated user), search narrowing as one types, a card opened and
 * closed with Esc, the keyboard (Ctrl+K, Ctrl+L, arrows, Enter, Esc), and
 * the grid in the dark theme. Screenshots: test/e2e/screenshots/walk-demo-*.
 *
 * Runs in Node, driving Debian's Chromium over the real core (no server: the
 * demo is offline by design, so any request it made would fail the walk).
 */
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import {
  axeSerious,
  dismissToasts,
  expectCleanPage,
  patientPolls,
  resultCount,
  settle,
  watchCsp,
} from './walk-helpers';

/** The demo: 240 Zulip-like and 120 Open-WebUI-like users (src-main/core/services/demo-directory.ts). */
const DEMO_USERS = 240 + 120;

async function focusedTestId(
  page: Page,
): Promise<{ id: string; testId: string | null; index: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      id: el?.id ?? '',
      testId: el?.getAttribute('data-testid') ?? null,
      index: el?.getAttribute('data-index') ?? null,
    };
  });
}

describe('walk: the demo directory', () => {
  let browser: Browser;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('first run → demo → cards, bots with owners, deactivated users, search, detail, keyboard, dark', async () => {
    const networkTouched: string[] = [];
    app = await openApp({
      browser,
      deps: {
        fetch: async (input) => {
          networkTouched.push(String(input));
          throw new Error('the demo must not touch the network');
        },
      },
    });
    const { page } = app;
    await watchCsp(page);

    // First run.
    await page.getByTestId('first-run').waitFor();
    await page.getByTestId('app-version').waitFor();
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-demo-1-first-run');

    // One click: the demo's cards.
    await page.getByTestId('first-demo').click();
    await page.getByTestId('user-card').first().waitFor();
    await page.getByTestId('demo-banner').waitFor();
    await expect.poll(() => resultCount(page)).toBe(DEMO_USERS);
    // The sidebar lists the connections from their own store, not from the grid's answer.
    const rows = page.getByTestId('connection-row');
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-connection-id'))))
      .toEqual(['demo-zulip', 'demo-openwebui']);
    // Loading the bundled demo is not a sync: no "Synced …" summary pushes the cards down.
    expect(app.events.some((e) => e.event === 'directory:sync-progress')).toBe(true);
    expect(await page.getByTestId('sync-summary').count()).toBe(0);
    // Virtualized: far fewer cards in the DOM than users (polled: the grid lays
    // its rows out again once it has measured its width).
    await expect.poll(() => page.getByTestId('user-card').count()).toBeGreaterThan(6);
    const inDom = await page.getByTestId('user-card').count();
    expect(inDom).toBeLessThan(DEMO_USERS / 2);
    await dismissToasts(page);
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-demo-2-grid');

    // Bots, each with an owner line; at least one owner is a real person of the directory.
    await page.getByTestId('accounts-bots').click();
    await expect.poll(() => resultCount(page)).toBeLessThan(DEMO_USERS);
    const bots = page.getByTestId('user-card');
    await bots.first().waitFor();
    const botCount = await bots.count();
    expect(botCount).toBeGreaterThan(0);
    for (let i = 0; i < botCount; i++) {
      expect(await bots.nth(i).locator('.badge.tone-bot').count()).toBe(1);
    }
    const ownerLines = await bots.locator('.card-line', { hasText: 'Owner' }).allTextContents();
    const named = ownerLines
      .map((t) => t.replace(/^Owner/, '').trim())
      .filter((name) => name !== 'No owner' && !/^User \d+$/.test(name));
    expect(named.length).toBeGreaterThan(0);
    const botWithOwner = bots
      .filter({ has: page.locator('.card-line', { hasText: named[0]! }) })
      .first();
    const botName = (await botWithOwner.locator('.card-name-text').textContent())!;
    await settle(page);
    await app.screenshot('walk-demo-3-bots');
    await botWithOwner.click();
    const detail = page.getByTestId('detail-panel');
    await detail.getByTestId('section-bot').waitFor();
    expect(await detail.locator('h2').first().textContent()).toContain(botName);
    const ownerButton = detail.getByTestId('section-bot').locator('button.person-link');
    await expect.poll(() => ownerButton.textContent()).toBe(named[0]);
    // The owner is a person in the directory: the link opens them.
    await ownerButton.click();
    await expect.poll(() => detail.locator('h2').first().textContent()).toContain(named[0]!);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await page.getByTestId('accounts-all').click();

    // Deactivated users, dimmed and badged. The bots' count and cards stay on
    // screen until the new answer lands, and that count is below DEMO_USERS
    // too: poll the cards themselves until every one shown is dimmed and badged.
    await page.getByTestId('status-deactivated').click();
    const gone = page.getByTestId('user-card');
    await expect
      .poll(() =>
        gone.evaluateAll((els) =>
          els.length === 0
            ? ['no card']
            : els
                .filter(
                  (e) =>
                    !e.classList.contains('is-dim') ||
                    [...e.querySelectorAll('.badge')].filter((b) =>
                      /Deactivated|Gone/.test(b.textContent ?? ''),
                    ).length !== 1,
                )
                .map((e) => e.textContent ?? ''),
        ),
      )
      .toEqual([]);
    const deactivated = await resultCount(page);
    expect(deactivated).toBeGreaterThan(0);
    expect(deactivated).toBeLessThan(DEMO_USERS);
    await page.getByTestId('status-all').click();
    await expect.poll(() => resultCount(page)).toBe(DEMO_USERS);

    // Search narrows as one types: Ctrl+K, then one key at a time.
    const target = (await page
      .getByTestId('user-card')
      .nth(4)
      .locator('.card-name-text')
      .textContent())!;
    const word = target.split(/\s+/).sort((a, b) => b.length - a.length)[0]!;
    await page.keyboard.press('Control+K');
    expect((await focusedTestId(page)).id).toBe('rc-search');
    const counts: number[] = [DEMO_USERS];
    let typed = '';
    for (const ch of word.slice(0, 5)) {
      typed += ch;
      await page.keyboard.type(ch);
      await expect
        .poll(async () => (await page.getByTestId('search-input').inputValue()) === typed)
        .toBe(true);
      await page.getByTestId('result-count').filter({ hasText: / of / }).waitFor();
      // The grid answers the current text, not an older keystroke.
      const lastSearch = () =>
        app!.calls.filter((c) => c.channel === 'users:search').at(-1) as
          | { arg: { text?: string }; result: { ok: boolean; value?: { total: number } } }
          | undefined;
      await expect.poll(() => lastSearch()?.arg.text).toBe(typed);
      // The call is recorded before the page has its answer (and " of " shows
      // over the previous count): poll the count shown until it is this answer's.
      expect(lastSearch()?.result.ok).toBe(true);
      const n = lastSearch()!.result.value!.total;
      await expect.poll(() => resultCount(page)).toBe(n);
      counts.push(n);
    }
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(counts.at(-1)).toBeLessThan(DEMO_USERS);
    expect(counts.at(-1)).toBeGreaterThan(0);
    const match = page.getByTestId('user-card').filter({ hasText: target }).first();
    await match.waitFor();
    await settle(page);
    await app.screenshot('walk-demo-4-search');

    // Open a card, Esc closes it and gives the focus back to the card.
    await match.click();
    await detail.waitFor();
    expect(await detail.locator('h2').first().textContent()).toContain(target);
    await detail.getByTestId('section-identity').waitFor();
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-demo-5-detail');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focusedTestId(page)).testId).toBe('user-card');

    // The keyboard: Esc clears the search, Ctrl+L the lookup box, Ctrl+K search,
    // arrows between cards, Enter opens, Esc closes.
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Escape');
    await expect.poll(() => resultCount(page)).toBe(DEMO_USERS);
    await page.keyboard.press('Control+L');
    expect((await focusedTestId(page)).id).toBe('rc-lookup');
    await page.keyboard.press('Control+K');
    expect((await focusedTestId(page)).id).toBe('rc-search');
    const cols = Number(await page.getByTestId('user-grid').getAttribute('aria-colcount'));
    expect(cols).toBeGreaterThan(1);
    await page.getByTestId('user-card').first().focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await focusedTestId(page)).index).toBe('1');
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focusedTestId(page)).index).toBe(String(1 + cols));
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await focusedTestId(page)).index).toBe(String(cols));
    const focusedUser = await page
      .locator(`[data-testid="user-card"][data-index="${cols}"]`)
      .getAttribute('data-user-id');
    await page.keyboard.press('Enter');
    await detail.waitFor();
    expect(await detail.getAttribute('data-user-id')).toBe(focusedUser);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    await expect.poll(async () => (await focusedTestId(page)).index).toBe(String(cols));
    // The grid went to fewer columns while the panel was open, and the cards
    // are drawn by position: once it has its columns back, the next card
    // focused keeps the focus. (Found and focused in one task: a locator
    // resolved before the grid's last reflow would focus the element that
    // now shows another card.)
    await expect
      .poll(() => page.getByTestId('user-grid').getAttribute('aria-colcount'))
      .toBe(String(cols));
    await page.evaluate((index) => {
      document
        .querySelector<HTMLElement>(`[data-testid="user-card"][data-index="${index}"]`)
        ?.focus();
    }, cols + 1);
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    expect((await focusedTestId(page)).index).toBe(String(cols + 1));

    // The grid in the dark theme (the window follows the OS).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await settle(page);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
    expect((r! + g! + b!) / 3).toBeLessThan(80);
    expect(await axeSerious(page)).toEqual([]);
    await app.screenshot('walk-demo-6-grid-dark');

    expect(networkTouched).toEqual([]);
    await expectCleanPage(app);
  });
});
