/**
 * What the end-to-end walks share: seeded fake servers whose "now" is the
 * real clock (so presence reads "Active now", not "a year ago"), the page
 * checks every walk ends with (no page error, no CSP violation, no console
 * error, axe with no serious or critical finding), a recorder of what a
 * progress bar showed, and the one way a walk adds a connection through the
 * window's own dialog.
 *
 * Runs in Node (the e2e harness), driving Debian's Chromium.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import type { AppUnderTest } from './harness';

/**
 * Gives `expect.poll` the patience of Playwright's own waits (vitest's
 * default is one second): on a loaded 2-core CI machine a sync or a search
 * may take longer to show, and a walk must wait for it, not fail.
 */
export function patientPolls(): void {
  vi.setConfig({ expect: { poll: { timeout: 15_000, interval: 50 } } });
}

/** A fake Zulip of `count` users whose presence is relative to the real clock. */
export function startLiveZulip(seed: number, count: number): Promise<ZulipFake> {
  const now = Date.now();
  return startZulipFake({
    seed,
    directory: generateZulipDirectory({ seed, count, nowMs: now }),
    now: () => Date.now(),
  });
}

/** A fake Open WebUI of `count` users whose presence is relative to the real clock. */
export function startLiveOpenWebUI(seed: number, count: number): Promise<OpenWebUIFake> {
  const now = Date.now();
  return startOpenWebUIFake({
    seed,
    directory: generateOpenWebUIDirectory({ seed, count, nowMs: now }),
    now: () => Date.now(),
  });
}

/** Axe's serious and critical findings on the page as it is now, one line each. */
export async function axeSerious(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 4)
          .join(' | ')}`,
    );
}

/**
 * Starts counting the page's Content-Security-Policy violations. Chromium
 * also logs each one as a console error, which `expectCleanPage` checks;
 * this catches the ones a report-only path would not log.
 */
export async function watchCsp(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __cspViolations?: string[] };
    if (w.__cspViolations) return;
    const seen: string[] = [];
    w.__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(
        `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`.trim(),
      );
    });
  });
}

/** The CSP violations counted since `watchCsp`. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(
    () => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [],
  );
}

/** What a walk expects to see in the console or as CSP reports (anything else fails it). */
export interface Expected {
  console?: RegExp[];
  csp?: RegExp[];
}

/**
 * What every walk ends with: no uncaught error in the page, no CSP
 * violation, and no console error except those a walk expects.
 */
export async function expectCleanPage(app: AppUnderTest, expected: Expected = {}): Promise<void> {
  const allowed = (list: RegExp[] | undefined, text: string): boolean =>
    (list ?? []).some((re) => re.test(text));
  expect(app.pageErrors).toEqual([]);
  expect((await cspViolations(app.page)).filter((v) => !allowed(expected.csp, v))).toEqual([]);
  const errors = app.consoleLines
    .filter((l) => l.type === 'error' || /Content.Security.Policy/i.test(l.text))
    .map((l) => l.text)
    .filter((text) => !allowed(expected.console, text));
  expect(errors).toEqual([]);
}

/**
 * Records, from now on, every element that ever enters the live document
 * with an event-handler attribute, a script-like URL or as a script/iframe/
 * object: even one that a later render removes again.
 */
export async function guardLiveDom(page: Page): Promise<void> {
  await page.evaluate(() => {
    const bad: string[] = [];
    (window as unknown as { __liveDomBad: string[] }).__liveDomBad = bad;
    const check = (el: Element): void => {
      if (/^(script|iframe|object|embed|frame)$/i.test(el.tagName) && !el.closest('head')) {
        bad.push(`<${el.tagName.toLowerCase()}>`);
      }
      for (const a of [...el.attributes]) {
        if (/^on/i.test(a.name)) bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
        if (/^\s*(javascript|vbscript|data):/i.test(a.value) && /href|src|action/i.test(a.name)) {
          bad.push(`${el.tagName.toLowerCase()}[${a.name}=${a.value}]`);
        }
      }
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes' && r.target instanceof Element) check(r.target);
        for (const n of r.addedNodes) {
          if (n instanceof Element) {
            check(n);
            n.querySelectorAll('*').forEach(check);
          }
        }
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
}

/** What `guardLiveDom` caught. */
export function liveDomBad(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __liveDomBad?: string[] }).__liveDomBad ?? []);
}

/**
 * Waits until every image in the DOM has loaded or failed, and every loaded
 * avatar has finished fading in, so a screenshot is stable.
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img')].every((i) => {
      const img = i as HTMLImageElement;
      if (!img.complete) return false;
      if (!img.classList.contains('avatar-img') || img.naturalWidth === 0) return true;
      return img.classList.contains('is-loaded') && getComputedStyle(img).opacity === '1';
    }),
  );
  // Two frames, so what just loaded is painted.
  await page.evaluate(
    () =>
      new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
  );
}

/**
 * Closes every toast, so a screenshot shows the window rather than a passing
 * notice. A toast also goes by itself after 5 s, so one counted a moment ago
 * may be gone before a click reaches it (and a click would then wait for it
 * in vain): press whatever buttons are there, in the page, until none is left.
 */
export async function dismissToasts(page: Page): Promise<void> {
  const buttons = page.getByTestId('toasts').getByRole('button', { name: 'Dismiss notice' });
  await expect
    .poll(async () => {
      await buttons.evaluateAll((els) => els.forEach((b) => (b as HTMLButtonElement).click()));
      return buttons.count();
    })
    .toBe(0);
}

/** The number the result count shows ("1,234 users" → 1234; "12 of 2,000 users" → 12). */
export async function resultCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('result-count').textContent()) ?? '';
  const m = /^\s*([\d,]+)/.exec(text);
  return m ? Number(m[1]!.replace(/,/g, '')) : NaN;
}

/** One thing the sync bar showed (`recordProgress`): its text, its value, and the result count then. */
type ProgressSeen = { text: string; now: number | null; shown: number | null };

/**
 * Records every text and value a sync's progress bar shows, from now on,
 * and the result count beside each (`shown`: null while the grid shows no
 * count), with a MutationObserver in the page: a walk asserts the bar moved,
 * and what the grid showed meanwhile, without racing a fast sync with polls.
 */
export async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: ProgressSeen[] = [];
    (window as unknown as { __progressSeen: typeof seen }).__progressSeen = seen;
    const read = (): void => {
      const text = document.querySelector('[data-testid="sync-progress-text"]')?.textContent;
      const bar = document.querySelector('.sync-notice [role="progressbar"]');
      const now = bar?.getAttribute('aria-valuenow');
      if (!text) return;
      const count = /^\s*([\d,]+)/.exec(
        document.querySelector('[data-testid="result-count"]')?.textContent ?? '',
      );
      const last = seen[seen.length - 1];
      const entry = {
        text,
        now: now === null || now === undefined ? null : Number(now),
        shown: count ? Number(count[1]!.replace(/,/g, '')) : null,
      };
      if (!last || last.text !== entry.text || last.now !== entry.now || last.shown !== entry.shown)
        seen.push(entry);
    };
    new MutationObserver(read).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
    read();
  });
}

/**
 * Waits until the sync bar shows at least `minDone` and its fill has
 * caught up with the value it announces (the fill slides to each new width,
 * so while a sync moves it trails a little), so a screenshot shows the bar
 * and the text agreeing.
 */
export async function waitForSteadyBar(page: Page, minDone: number): Promise<void> {
  await page.waitForFunction(
    (min) => {
      const bar = document.querySelector('.sync-notice [role="progressbar"]');
      const fill = bar?.querySelector('.progress-fill');
      const now = Number(bar?.getAttribute('aria-valuenow'));
      const max = Number(bar?.getAttribute('aria-valuemax'));
      if (!bar || !fill || !(now >= min) || !(max > 0)) return false;
      const shown = fill.getBoundingClientRect().width / bar.getBoundingClientRect().width;
      return Math.abs(shown - now / max) < 0.06;
    },
    minDone,
    { polling: 'raf' },
  );
}

/** What `recordProgress` saw. */
export function progressSeen(page: Page): Promise<ProgressSeen[]> {
  return page.evaluate(
    () =>
      (
        window as unknown as {
          __progressSeen?: ProgressSeen[];
        }
      ).__progressSeen ?? [],
  );
}

/** The fields of the connection dialog as a walk fills them. */
export interface ConnectionFields {
  url: string;
  label?: string;
  email?: string;
  key: string;
}

/** Fills the open connection dialog. */
export async function fillConnection(page: Page, fields: ConnectionFields): Promise<void> {
  const dialog = page.getByTestId('connection-dialog');
  await dialog.getByTestId('field-url').fill(fields.url);
  if (fields.label !== undefined) await dialog.getByTestId('field-label').fill(fields.label);
  if (fields.email !== undefined) await dialog.getByTestId('field-email').fill(fields.email);
  await dialog.getByTestId('field-key').fill(fields.key);
}

/**
 * Opens "Add a … server" from wherever the window is (the first-run screen
 * or the sidebar's + menu).
 */
export async function openAddDialog(page: Page, kind: 'zulip' | 'openwebui'): Promise<void> {
  const firstRun = page.getByTestId(kind === 'zulip' ? 'first-add-zulip' : 'first-add-openwebui');
  const sidebarAdd = page.getByTestId('add-connection');
  // Until the connection list has loaded, the window shows neither: wait for one of them.
  await firstRun.or(sidebarAdd).first().waitFor();
  if (await firstRun.isVisible()) {
    await firstRun.click();
  } else {
    await sidebarAdd.click();
    await page.getByTestId(kind === 'zulip' ? 'add-zulip' : 'add-openwebui').click();
  }
  await page.getByTestId('connection-dialog').waitFor();
}

/**
 * Adds a connection through the dialog: fills it, saves (the save tests
 * first), waits for the dialog to close and the connection's row to show.
 * Returns the new connection's id.
 */
export async function addConnection(
  app: AppUnderTest,
  kind: 'zulip' | 'openwebui',
  fields: ConnectionFields,
): Promise<string> {
  const { page } = app;
  await openAddDialog(page, kind);
  await fillConnection(page, fields);
  await page.getByTestId('save-connection').click();
  await page.getByTestId('connection-dialog').waitFor({ state: 'detached' });
  const saved = [...app.calls].reverse().find((c) => c.channel === 'connections:save');
  const result = saved?.result as { ok: boolean; value?: { connection: { id: string } } };
  expect(result?.ok).toBe(true);
  const id = result.value!.connection.id;
  await page.locator(`[data-testid="connection-row"][data-connection-id="${id}"]`).waitFor();
  return id;
}

/** Selects one connection in the sidebar (the grid narrows to it). */
export async function selectConnection(page: Page, connectionId: string): Promise<void> {
  await page
    .locator(`[data-testid="connection-row"][data-connection-id="${connectionId}"] .conn-select`)
    .click();
  await expect
    .poll(() => page.locator('.conn.is-selected').getAttribute('data-connection-id'))
    .toBe(connectionId);
}

/** Starts a sync from the header and waits for its summary. */
export async function syncAndWait(page: Page, connectionId: string): Promise<void> {
  await selectConnection(page, connectionId);
  await page.getByTestId('sync-button').click();
  await page
    .locator(`[data-testid="sync-summary"][data-connection-id="${connectionId}"]`)
    .waitFor({ timeout: 60_000 });
}
