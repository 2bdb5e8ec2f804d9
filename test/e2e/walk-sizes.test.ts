/**
 * Walk 6, the window at every size: the main screens (grid, detail open,
 * the connection dialog, a lookup error, sync summaries, a sync error,
 * "More filters" open with a group and a profile field set, offline) at 1024×700, 1280×800, 1440×900 and 1920×1080, light and dark.
 * Each screen at each size is photographed (test/e2e/screenshots/sizes-*)
 * and its geometry checked in the DOM: no control covered by another
 * element, no text clipped without a title carrying it whole, no cut
 * placeholder, nothing wider than the window, the result count and the
 * search box in view (unless a dialog or an overlay's backdrop is up), and
 * axe finds nothing serious.
 *
 * One page per theme, resized; each screen starts from a reload. To walk a
 * new screen, add an entry to SCREENS.
 *
 * Runs in Node, driving Debian's Chromium over the scripted gallery server.
 */
import type { Browser, Page } from 'playwright-core';
import { err, ok, rollcallError } from '@shared/errors';
import type { SyncProgress, SyncSummary } from '@shared/model';
import { connection, owuiConnection, owuiDirectory, zulipDirectory } from '../renderer/fixtures';
import { ScriptedServer } from './gallery-script';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import { axeSerious, dismissToasts, patientPolls, settle } from './walk-helpers';

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What one screen needs: the server it runs against, and how to reach it from a fresh page. */
interface Screen {
  name: string;
  /** Changes the scripted server before the page reloads (offline, failing sync...). */
  prepare?(server: ScriptedServer): void;
  enter(page: Page, app: AppUnderTest, server: ScriptedServer): Promise<void>;
  /** What else must hold at a size, beyond the geometry every screen is checked for. */
  atSize?(page: Page, width: number): Promise<string[]>;
}

function summaryOf(total: number): SyncSummary {
  return {
    added: 12,
    updated: 31,
    unchanged: total - 46,
    gone: 3,
    total,
    startedAt: Date.now() - 4200,
    finishedAt: Date.now(),
    unreadable: 0,
    unreadableReason: null,
  };
}

function done(connectionId: string, summary: SyncSummary): SyncProgress {
  return {
    connectionId,
    phase: 'done',
    done: summary.total,
    total: summary.total,
    message: '',
    retryAfterSeconds: null,
    summary,
    error: null,
    at: Date.now(),
  };
}

/** The screens walked, in order. Each starts from a reloaded page showing the grid. */
const SCREENS: Screen[] = [
  { name: 'grid', enter: async () => {} },
  {
    name: 'table',
    enter: async (page) => {
      await page.getByTestId('view-table').click();
      const rows = page.getByTestId('table-row');
      await rows.nth(3).click({ modifiers: ['Control'] });
      await rows.nth(5).click({ modifiers: ['Shift'] });
      await page.getByTestId('selection-count').waitFor();
    },
    // From 1280 px the default columns share the width: the last one is in
    // view, not behind a sideways scroll. At 1024 they scroll, each at its
    // narrowest, and the names stay in view beside the last column.
    atSize: async (page, width) => {
      if (width < 1280) {
        const table = page.getByTestId('user-table');
        const gaps = await table.evaluate(async (el) => {
          const settle = async (): Promise<void> => {
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            // The shadow fades: read it once its transition has ended.
            const fading = el.parentElement!.getAnimations({ subtree: true });
            await Promise.all(fading.map((a) => a.finished.catch(() => null)));
          };
          // The right edge's shadow: there while columns are out of view, gone at the end.
          const hint = (): string => getComputedStyle(el.parentElement!, '::after').opacity;
          await settle();
          const hintAtStart = hint();
          el.scrollLeft = el.scrollWidth;
          await settle();
          const hintAtEnd = hint();
          const left = el.getBoundingClientRect().left;
          const heads = el.querySelectorAll('[role="columnheader"]');
          const name = el.querySelector('[role="row"][data-index] [role="gridcell"]');
          const out = {
            hintAtStart,
            hintAtEnd,
            scrolled: el.scrollLeft,
            nameHead: Math.round((heads[0]?.getBoundingClientRect().left ?? NaN) - left),
            nameCell: Math.round((name?.getBoundingClientRect().left ?? NaN) - left),
            last: Math.round(
              (heads[heads.length - 1]?.getBoundingClientRect().right ?? NaN) -
                (left + el.clientWidth),
            ),
          };
          el.scrollLeft = 0;
          return out;
        });
        const problems: string[] = [];
        if (gaps.scrolled <= 0) problems.push('the table did not scroll sideways');
        if (gaps.nameHead !== 0 || gaps.nameCell !== 0)
          problems.push(
            `scrolled sideways, the name column is ${gaps.nameHead}/${gaps.nameCell} px from the table's left edge`,
          );
        if (Math.abs(gaps.last) > 1)
          problems.push(`scrolled to the end, the last column ends ${gaps.last} px from the edge`);
        if (gaps.hintAtStart !== '1' || gaps.hintAtEnd !== '0')
          problems.push(
            `the right edge's shadow has opacity ${gaps.hintAtStart} with columns out of view and ${gaps.hintAtEnd} at the end (want 1 and 0)`,
          );
        return problems;
      }
      const past = await page.getByTestId('user-table').evaluate((table) => {
        const heads = table.querySelectorAll('[role="columnheader"]');
        const last = heads[heads.length - 1]?.getBoundingClientRect();
        const edge = table.getBoundingClientRect().left + table.clientWidth;
        return last ? Math.round(last.right - edge) : null;
      });
      // Read once the shadow has faded: the window may have just grown from 1024 px.
      const hint = await page.getByTestId('user-table').evaluate(async (el) => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const fading = el.parentElement!.getAnimations({ subtree: true });
        await Promise.all(fading.map((a) => a.finished.catch(() => null)));
        return getComputedStyle(el.parentElement!, '::after').opacity;
      });
      const problems =
        past !== null && past <= 1 ? [] : [`the last column ends ${past} px past the table's edge`];
      if (hint !== '0')
        problems.push(`nothing to scroll, yet the right edge's shadow shows (${hint})`);
      return problems;
    },
  },
  {
    name: 'detail',
    enter: async (page) => {
      await page.getByTestId('search-input').fill('Cordelia');
      await page.locator('[data-testid="user-card"][data-user-id="12"]').click();
      await page.getByTestId('section-fields').waitFor();
    },
  },
  {
    name: 'dialog-errors',
    enter: async (page) => {
      await page.getByTestId('add-connection').click();
      await page.getByTestId('add-zulip').click();
      await page.getByTestId('field-url').fill('http://chat example');
      await page.getByTestId('field-email').fill('iago-at-acme');
      await page.getByTestId('save-connection').click();
      await page.getByText('That does not look like an email address.').waitFor();
    },
  },
  {
    name: 'dialog-test-ok',
    enter: async (page) => {
      await page.getByTestId('add-connection').click();
      await page.getByTestId('add-zulip').click();
      await page.getByTestId('field-url').fill('https://chat.acme.example');
      await page.getByTestId('field-email').fill('iago@acme.example');
      await page.getByTestId('field-key').fill('gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv');
      await page.getByTestId('test-connection').click();
      await page.getByTestId('test-result').waitFor();
    },
  },
  {
    name: 'lookup-error',
    prepare: (server) => {
      server.overrides['users:lookup'] = () =>
        err(
          rollcallError(
            'RATE_LIMITED',
            'The server is rate limiting requests. Try again shortly.',
            { status: 429, retryAfterSeconds: 29, serverMessage: 'API usage exceeded rate limit' },
          ),
        );
    },
    enter: async (page) => {
      await page.keyboard.press('Control+L');
      await page.keyboard.type('iago@acme.example');
      await page.keyboard.press('Enter');
      await page.getByTestId('retry-wait').waitFor();
    },
  },
  {
    name: 'sync-summaries',
    enter: async (page, app) => {
      app.emit('directory:sync-progress', done('acme-zulip', summaryOf(240)));
      app.emit('directory:sync-progress', done('lab-openwebui', summaryOf(120)));
      await expect.poll(() => page.getByTestId('sync-summary').count()).toBe(2);
    },
  },
  {
    name: 'sync-error',
    prepare: (server) => {
      server.overrides['directory:sync'] = () =>
        err(
          rollcallError('SERVER_ERROR', 'The server had an internal error (HTTP 502).', {
            status: 502,
            serverMessage: 'Bad gateway',
          }),
        );
    },
    enter: async (page) => {
      await page.locator('[data-connection-id="acme-zulip"] .conn-select').click();
      await page.getByTestId('sync-button').click();
      await page.getByTestId('sync-error').waitFor();
    },
  },
  {
    // Issue 16: groups and a Zulip profile field under "More filters", both set, the popover open.
    name: 'more-filters',
    prepare: (server) => {
      const names = ['Engineering', 'Release managers', 'Berlin office', 'Moderators', 'On call'];
      for (const r of [...server.dir.all()]) {
        if (r.user.kind !== 'zulip') continue;
        const n = Number(r.user.userId);
        const groups = names
          .map((name, i) => ({ id: String(40 + i), name }))
          .filter((_, i) => (n + i) % (i + 2) === 0);
        server.dir.put({ ...r, user: { ...r.user, groups } });
      }
    },
    enter: async (page) => {
      await page.getByTestId('filter-more').click();
      await page.getByRole('checkbox', { name: /^Release managers/ }).check();
      await page.getByRole('combobox', { name: 'Field', exact: true }).selectOption('Team');
      await page.getByRole('combobox', { name: 'Is', exact: true }).selectOption('Engineering');
      await page.getByTestId('chip-profile-field').waitFor();
    },
  },
  {
    name: 'offline',
    prepare: (server) => {
      const now = Date.now();
      server.connections = server.connections.map((c) =>
        c.kind === 'openwebui'
          ? {
              ...c,
              lastSyncAt: now - 3 * DAY,
              reachability: {
                state: 'offline',
                since: now - 2 * HOUR - 14 * MINUTE,
                error: rollcallError(
                  'OFFLINE',
                  'The server cannot be reached. Check the URL and your network connection.',
                ),
              },
            }
          : c,
      );
      server.overrides['connections:test'] = () =>
        ok({ ok: false, at: Date.now(), who: null, error: rollcallError('OFFLINE') });
    },
    enter: async (page) => {
      await page.getByTestId('offline-banner').waitFor();
    },
  },
];

/** A fresh scripted server: both fixture connections, synced a moment ago. */
function freshServer(): ScriptedServer {
  const now = Date.now();
  const zulip = zulipDirectory(now);
  const owui = owuiDirectory(now);
  return new ScriptedServer({
    connections: [
      connection({ userCount: zulip.length, lastSyncAt: now - 3 * MINUTE }),
      owuiConnection({ userCount: owui.length, lastSyncAt: now - 26 * MINUTE }),
    ],
    records: [...zulip, ...owui],
  });
}

/**
 * What is wrong with the page's geometry as it is now, one line each. Runs
 * in the page.
 */
function geometryProblems(): string[] {
  const out: string[] = [];
  const root = document.documentElement;
  const vw = root.clientWidth;
  const vh = root.clientHeight;
  const name = (el: Element): string => {
    const id = el.getAttribute('data-testid');
    const label = el.getAttribute('aria-label');
    const text = (el.textContent ?? '').trim().slice(0, 40);
    const cls = typeof el.className === 'string' ? el.className.split(' ')[0] : '';
    return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls ? `.${cls}` : ''}${
      label ? ` "${label}"` : text ? ` "${text}"` : ''
    }`;
  };
  const shown = (el: Element): boolean => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  /** The part of the viewport an element's scrolling/clipping ancestors let it show in. */
  const clip = (el: Element) => {
    let box = { left: 0, top: 0, right: vw, bottom: vh };
    for (let p = el.parentElement; p; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') {
        const r = p.getBoundingClientRect();
        box = {
          left: Math.max(box.left, r.left),
          top: Math.max(box.top, r.top),
          right: Math.min(box.right, r.right),
          bottom: Math.min(box.bottom, r.bottom),
        };
      }
    }
    return box;
  };

  /** Visually hidden text (1 px, for screen readers) is not cut text. */
  const r0 = (el: Element): number => el.getBoundingClientRect().width;

  if (root.scrollWidth > vw + 1)
    out.push(`page wider than the window: ${root.scrollWidth} > ${vw}`);
  const modal = document.querySelector('[aria-modal="true"]');
  // An overlay's backdrop counts only where it is shown (narrow windows).
  const backdrop = [...document.querySelectorAll('[data-backdrop]')].find((b) => shown(b)) ?? null;

  // Controls covered by another element.
  const controls = document.querySelectorAll<HTMLElement>(
    'button, a[href], input:not([type="hidden"]), select, textarea, [role="tab"], [role="button"]',
  );
  for (const el of controls) {
    if (!shown(el) || el.closest('[inert]') || r0(el) <= 2) continue;
    if (modal && !modal.contains(el)) continue;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    const c = clip(el);
    if (x < c.left || x > c.right || y < c.top || y > c.bottom) continue; // scrolled out of view
    const hit = document.elementFromPoint(x, y);
    if (!hit || hit === el || el.contains(hit)) continue;
    // An open popover covers what lies under it until it closes.
    const popover = hit.closest('.popover');
    if (popover && !popover.contains(el)) continue;
    // Under an overlay's backdrop (the overlay itself included) is covered on purpose.
    if (backdrop && !backdrop.contains(el)) {
      const stack = document.elementsFromPoint(x, y);
      const under = stack.indexOf(backdrop);
      if (under >= 0 && under < stack.findIndex((e) => e === el || el.contains(e))) continue;
    }
    out.push(`${name(el)} is covered by ${name(hit)}`);
  }

  // Text cut without its whole text in a title.
  for (const el of document.querySelectorAll<HTMLElement>('body *')) {
    if (!shown(el) || r0(el) <= 2 || (modal && !modal.contains(el))) continue;
    const cs = getComputedStyle(el);
    const clipsX = cs.overflowX === 'hidden' || cs.overflowX === 'clip';
    if (!clipsX && cs.textOverflow !== 'ellipsis') continue;
    const ownText = [...el.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '',
    );
    if (!ownText && cs.textOverflow !== 'ellipsis') continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const text = (el.textContent ?? '').trim();
    if (!text) continue;
    const titled = el.closest<HTMLElement>('[title]');
    if (titled && titled.title.includes(text)) continue;
    const c = clip(el);
    const r = el.getBoundingClientRect();
    if (r.bottom < c.top || r.top > c.bottom) continue; // scrolled out of view
    out.push(`${name(el)} is cut (${el.clientWidth}px of ${el.scrollWidth}px) with no title`);
  }

  // Placeholders cut.
  const ctx = document.createElement('canvas').getContext('2d')!;
  for (const input of document.querySelectorAll<HTMLInputElement>('input[placeholder]')) {
    if (!shown(input) || input.value || (modal && !modal.contains(input))) continue;
    const cs = getComputedStyle(input);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const need = ctx.measureText(input.placeholder).width;
    const room = input.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (need > room + 1) out.push(`${name(input)} placeholder "${input.placeholder}" is cut`);
  }

  // The sort stays at the end of the filters' first row, however the filters wrap.
  const sort = document.querySelector('[data-testid="sort-key"]');
  const firstFilter = document.querySelector('.filters button, .filters [role="radiogroup"]');
  if (sort && firstFilter && shown(sort)) {
    const drop = sort.getBoundingClientRect().top - firstFilter.getBoundingClientRect().top;
    if (Math.abs(drop) > 6) out.push(`the sort sits ${Math.round(drop)}px below the first filter`);
  }

  // The result count and the search box in view, unless something is meant to cover them.
  if (!modal && !backdrop) {
    for (const id of ['result-count', 'search-input']) {
      const el = document.querySelector(`[data-testid="${id}"]`);
      if (!el || !shown(el)) {
        out.push(`${id} not shown`);
        continue;
      }
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (r.right > vw || r.bottom > vh || !hit || !(hit === el || el.contains(hit))) {
        out.push(`${id} not in view (${hit ? name(hit) : 'nothing'} at its centre)`);
      }
    }
  }
  return out;
}

describe.each(['light', 'dark'] as const)('walk: the window at every size (%s)', (scheme) => {
  let browser: Browser;
  let app: AppUnderTest | undefined;

  beforeAll(async () => {
    patientPolls();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await app?.close();
    await browser.close();
  });

  it.each(SCREENS.map((s) => [s.name, s] as const))('%s', async (_, screen) => {
    const server = freshServer();
    screen.prepare?.(server);
    // One page per theme and screen's server; resized, not reopened, between sizes.
    await app?.close();
    app = await openApp({
      browser,
      colorScheme: scheme,
      viewport: SIZES[0],
      scripted: { dispatch: server.dispatch, serveAvatar: server.serveAvatar },
    });
    const { page } = app;
    await page.getByTestId('user-card').first().waitFor();
    await screen.enter(page, app, server);
    await dismissToasts(page);
    const problems: string[] = [];
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await settle(page);
      await app.screenshot(`sizes-${screen.name}-${size.width}-${scheme}`);
      for (const p of await page.evaluate(geometryProblems)) problems.push(`${size.width}: ${p}`);
      for (const p of (await screen.atSize?.(page, size.width)) ?? []) {
        problems.push(`${size.width}: ${p}`);
      }
      // Axe once per screen (it is slow, and sizes change layout, not roles or names).
      if (size === SIZES[0]) {
        for (const p of await axeSerious(page)) problems.push(`${size.width}: axe ${p}`);
      }
    }
    expect(problems).toEqual([]);
    expect(app.pageErrors).toEqual([]);
    expect(app.consoleLines.filter((l) => l.type === 'error')).toEqual([]);
  });
});
