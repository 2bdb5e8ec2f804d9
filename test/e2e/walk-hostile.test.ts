/**
 * Walk 5, a hostile profile: a Zulip user whose long-text field's
 * `rendered_value` carries an `onerror` image, a `javascript:` link and a
 * script, whose link field is a `javascript:` URL and whose name is HTML.
 * Opened by lookup and from the grid, with every link in the card clicked:
 * nothing runs, no handler or `javascript:` href reaches the DOM, the
 * window never navigates, and only http(s) URLs reach shell:open-external.
 * Screenshots: walk-hostile-*.
 *
 * Runs in Node, driving Debian's Chromium over the real core and HTTP.
 */
import type { Browser, Page } from 'playwright-core';
import type { ZulipFake } from '../fakes/zulip-fake';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import {
  addConnection,
  axeSerious,
  expectCleanPage,
  patientPolls,
  guardLiveDom,
  liveDomBad,
  settle,
  startLiveZulip,
  syncAndWait,
  watchCsp,
} from './walk-helpers';

const HOSTILE_HTML =
  '<img src=x onerror="window.__pwned=1"><a href="javascript:window.__pwned=2">x</a><script>window.__pwned=3</script>';
const HOSTILE_LINK = 'javascript:window.__pwned=4';
const HOSTILE_NAME = 'Mallory <img src=x onerror="window.__pwned=5"> Payload';

/** Everything in the page that would mean the server's HTML got through. */
async function damage(page: Page): Promise<{
  pwned: unknown;
  handlers: number;
  scriptHrefs: string[];
  injectedScripts: number;
  injectedImages: string[];
}> {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      handlers: all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
      scriptHrefs: all
        .flatMap((el) =>
          ['href', 'src', 'action', 'formaction', 'xlink:href'].map((n) => el.getAttribute(n)),
        )
        .filter((v): v is string => v !== null && /^\s*(javascript|data|vbscript):/i.test(v)),
      injectedScripts: document.querySelectorAll('#root script, body script:not([src])').length,
      injectedImages: [...document.querySelectorAll('img')]
        .map((i) => i.getAttribute('src') ?? '')
        .filter((src) => src === 'x' || src.endsWith('/x')),
    };
  });
}

describe('walk: a hostile Zulip profile', () => {
  let browser: Browser;
  let zulip: ZulipFake;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    [browser, zulip] = await Promise.all([launchChromium(), startLiveZulip(43, 60)]);
  });
  afterAll(async () => {
    await browser.close();
    await zulip.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('shows script, handlers and javascript: links as inert text, opened by lookup and from the grid', async () => {
    const victim = zulip.directory.members.find(
      (m) => m.is_active && !m.is_bot && m.role === 400 && m.user_id !== zulip.admin.userId,
    )!;
    const handle = 'mallory-payload';
    zulip.putUser({
      ...victim,
      full_name: HOSTILE_NAME,
      profile_data: {
        ...victim.profile_data,
        '2': { value: 'Hello [x](javascript:window.__pwned=2)', rendered_value: HOSTILE_HTML },
        '5': { value: HOSTILE_LINK },
        '6': { value: `[${zulip.admin.userId}]` },
        '7': { value: handle },
      },
    });

    app = await openApp({ browser, viewport: { width: 1440, height: 900 } });
    const { page } = app;
    await watchCsp(page);
    await guardLiveDom(page);
    const startUrl = page.url();
    const connectionId = await addConnection(app, 'zulip', {
      url: zulip.url,
      label: 'Acme Chat',
      email: zulip.admin.email,
      key: zulip.admin.apiKey,
    });

    // By lookup: straight from the server.
    await page.keyboard.press('Control+L');
    await page.keyboard.type(String(victim.user_id));
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('detail-panel');
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(victim.user_id));
    const fields = detail.getByTestId('section-fields');
    await fields.waitFor();

    // Fetched from the server, so now cached: counted in the sidebar and shown in the grid.
    const row = page.locator(
      `[data-testid="connection-row"][data-connection-id="${connectionId}"]`,
    );
    await expect.poll(() => row.locator('.conn-count').textContent()).toBe('1');
    await page.locator(`[data-testid="user-card"][data-user-id="${victim.user_id}"]`).waitFor();
    expect(await page.getByTestId('empty-directory').count()).toBe(0);
    // The manager is not cached yet: said so, by ID.
    const managerCell = fields.locator('[data-field-type="person"] button.person-link');
    await expect.poll(() => managerCell.textContent()).toContain(String(zulip.admin.userId));

    // The name is text, not markup.
    expect(await detail.locator('h2').first().textContent()).toBe(HOSTILE_NAME);
    // The long text keeps only its harmless part: the link's words, without an href.
    const rendered = fields.locator('[data-field-type="long_text"] .rendered');
    expect(await rendered.textContent()).toBe('x');
    expect(await rendered.locator('img, script').count()).toBe(0);
    expect(await rendered.locator('a').getAttribute('href')).toBeNull();
    // The link field is not a link at all.
    const linkCell = fields.locator('[data-field-type="link"] dd');
    expect(await linkCell.textContent()).toBe(HOSTILE_LINK);
    expect(await linkCell.locator('a').count()).toBe(0);
    expect(await damage(page)).toEqual({
      pwned: undefined,
      handlers: 0,
      scriptHrefs: [],
      injectedScripts: 0,
      injectedImages: [],
    });
    await settle(page);
    expect(await axeSerious(page)).toEqual([]);
    await fields.scrollIntoViewIfNeeded();
    await app.screenshot('walk-hostile-1-lookup');

    // Click every link in the card, and the rendered text itself.
    const clickEverything = async (): Promise<number> => {
      const links = detail.locator('a');
      const n = await links.count();
      for (let i = 0; i < n; i++) await links.nth(i).click();
      await rendered.click();
      await rendered.locator('a').click();
      return n;
    };
    expect(await clickEverything()).toBeGreaterThan(0);
    await expect.poll(() => app!.openedExternal).toContain(`https://github.com/${handle}`);
    expect(page.url()).toBe(startUrl);

    // From the grid after a sync, and in the raw JSON.
    await syncAndWait(page, connectionId);
    await page.keyboard.press('Control+K');
    await page.keyboard.type('Mallory');
    const card = page.locator(`[data-testid="user-card"][data-user-id="${victim.user_id}"]`);
    await card.waitFor();
    expect(await card.locator('.card-name-text').textContent()).toBe(HOSTILE_NAME);
    await card.click();
    await expect.poll(() => detail.getAttribute('data-user-id')).toBe(String(victim.user_id));
    await fields.waitFor();
    // Synced since: the manager's name is known now.
    const admin = zulip.userById(zulip.admin.userId)!;
    await expect.poll(() => managerCell.textContent()).toBe(admin.full_name);
    await clickEverything();
    await detail.getByTestId('raw-tab').click();
    const tree = detail.getByTestId('json-tree');
    await tree.waitFor();
    await detail.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => tree.textContent()).toContain('onerror');
    expect(await tree.locator('img, script, a').count()).toBe(0);
    await settle(page);
    await app.screenshot('walk-hostile-2-raw');

    expect(await damage(page)).toEqual({
      pwned: undefined,
      handlers: 0,
      scriptHrefs: [],
      injectedScripts: 0,
      injectedImages: [],
    });
    expect(page.url()).toBe(startUrl);
    // Only http(s) ever reached main, and main opened only http(s).
    const asked = app.calls
      .filter((c) => c.channel === 'shell:open-external')
      .map((c) => (c.arg as { url: string }).url);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((u) => /^https?:\/\//.test(u))).toBe(true);
    expect(app.openedExternal.every((u) => /^https?:\/\//.test(u))).toBe(true);
    // Nothing hostile ever entered the live document, not even for one render.
    expect(await liveDomBad(page)).toEqual([]);
    // Chromium fires the <img onerror> of the sanitizer's inert parse document
    // (DOMParser, inside DOMPurify) and the CSP refuses it: reported as blocked
    // inline handlers from the app's own bundle, never run (window.__pwned
    // stays unset, and no handler reached the live DOM above). Nothing else.
    await expectCleanPage(app, {
      csp: [/^script-src-attr inline at \S+\/assets\/index-[\w-]+\.js:\d+$/],
      console: [
        /^Executing inline event handler violates the following Content Security Policy directive/,
      ],
    });
  });
});
