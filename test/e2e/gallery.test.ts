/**
 * The visual gallery: every screen an admin meets, in light and dark, in
 * real Chromium under the production CSP, answered by a scripted server
 * built from realistic fixtures (see gallery-script.ts). Each scene saves a
 * screenshot to test/e2e/screenshots/gallery-<scene>-<scheme>.png, and the
 * main screens are checked with axe-core for serious or critical issues.
 * The page must log no console error (CSP violations would show there).
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import type { ActionPlan, ActionRunSummary } from '@shared/actions';
import { contract } from '@shared/contract';
import { ok, rollcallError, err, type Result } from '@shared/errors';
import { DEFAULT_SEARCH_SPEC, type SyncProgress } from '@shared/model';
import {
  auditEntry,
  guestPlan,
  progress as actionProgress,
  summaryOf,
  zulipAvailability,
} from '../renderer/action-fixtures';
import {
  cardVariants,
  connection,
  owuiConnection,
  owuiDirectory,
  zulipDirectory,
} from '../renderer/fixtures';
import { launchChromium, openApp, type AppUnderTest } from './harness';
import { ScriptedServer } from './gallery-script';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fullServer(overrides: { offline?: boolean } = {}): ScriptedServer {
  const now = Date.now();
  const zulip = zulipDirectory(now);
  const owui = owuiDirectory(now);
  return new ScriptedServer({
    connections: [
      connection({ userCount: zulip.length, lastSyncAt: now - 3 * 60_000 }),
      owuiConnection(
        overrides.offline
          ? {
              lastSyncAt: now - 3 * DAY,
              userCount: owui.length,
              reachability: {
                state: 'offline',
                since: now - 2 * HOUR - 14 * 60_000,
                error: rollcallError(
                  'OFFLINE',
                  'The server cannot be reached. Check the URL and your network connection.',
                ),
              },
            }
          : { lastSyncAt: now - 26 * 60_000, userCount: owui.length },
      ),
    ],
    records: [...zulip, ...owui],
  });
}

async function axeSerious(page: Page): Promise<string[]> {
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

function progress(
  connectionId: string,
  phase: SyncProgress['phase'],
  done: number,
  total: number | null,
): SyncProgress {
  return {
    connectionId,
    phase,
    done,
    total,
    message: '',
    retryAfterSeconds: null,
    summary: null,
    error: null,
    at: Date.now(),
  };
}

describe.each(['light', 'dark'] as const)('gallery (%s)', (scheme) => {
  let browser: Browser;
  let app: AppUnderTest | undefined;
  const shot = (name: string) => app!.screenshot(`gallery-${name}-${scheme}`);
  const open = async (server: ScriptedServer, viewport?: { width: number; height: number }) => {
    app = await openApp({
      browser,
      colorScheme: scheme,
      viewport,
      scripted: { dispatch: server.dispatch, serveAvatar: server.serveAvatar },
    });
    return app.page;
  };
  /** Waits for whole cards: while the search text changes the grid draws lighter ones (UserGrid `lite`). */
  const typed = (page: Page) => page.locator('.card-badges').first().waitFor();
  /** Waits until every visible avatar that exists has painted, so shots are stable. */
  const settle = async (page: Page) => {
    await page.waitForFunction(() =>
      [...document.querySelectorAll('img.avatar-img')].every(
        (i) => (i as HTMLImageElement).complete,
      ),
    );
    await page.waitForTimeout(150);
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(async () => {
    if (app) {
      expect(app.pageErrors).toEqual([]);
      expect(app.consoleLines.filter((l) => l.type === 'error')).toEqual([]);
      await app.close();
      app = undefined;
    }
  });

  it('first run, then the demo directory in one click', async () => {
    const server = new ScriptedServer();
    const page = await open(server);
    await page.getByRole('button', { name: /Explore a demo directory/ }).waitFor();
    await shot('first-run');
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole('button', { name: /Explore a demo directory/ }).click();
    await page.getByTestId('user-card').first().waitFor();
    await page.getByTestId('demo-banner').waitFor();
    await settle(page);
    await shot('demo-cards');
  });

  it('the full grid, searched, filtered and emptied', async () => {
    const server = fullServer();
    const page = await open(server);
    await page.getByTestId('user-card').first().waitFor();
    await settle(page);
    await shot('grid');
    expect(await axeSerious(page)).toEqual([]);

    // Keyboard: focus a card, move right; the focus ring is visible.
    await page.getByTestId('user-card').first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await shot('keyboard-focus');

    await page.getByTestId('accounts-bots').click();
    await page.getByTestId('result-count').filter({ hasText: /of/ }).waitFor();
    await settle(page);
    await shot('bots');
    await page.getByTestId('accounts-all').click();

    await page.getByTestId('status-deactivated').click();
    await page.getByText('Prospero Milan').waitFor();
    await settle(page);
    await shot('deactivated-and-gone');
    await page.getByTestId('status-all').click();

    await page.getByTestId('filter-role').click();
    await page.getByRole('checkbox', { name: 'Owner' }).check();
    await page.getByRole('checkbox', { name: 'Administrator' }).check();
    await page.getByTestId('result-count').filter({ hasText: /of/ }).waitFor();
    await settle(page);
    await shot('role-filter');
    await page.keyboard.press('Escape');
    await page.getByTestId('clear-filters').click();

    await page.getByTestId('about-button').click();
    await page.getByTestId('app-version').waitFor();
    await shot('about');
    await page.keyboard.press('Escape');

    await page.keyboard.press('Control+K');
    await page.keyboard.type('engineering');
    await page.getByTestId('result-count').filter({ hasText: /of/ }).waitFor();
    await typed(page);
    await settle(page);
    await shot('search');

    // While the index loads, an answer listed by name says so; once core says
    // the index is ready, the window asks again and the note goes.
    let asked = 0;
    let indexReady = false;
    server.overrides['users:search'] = async (arg) => {
      asked++;
      const answer = await server.plain('users:search', arg);
      return answer.ok && !indexReady
        ? ok({ ...(answer.value as object), rankedByName: true })
        : answer;
    };
    await page.getByTestId('search-input').fill('a');
    await page.getByTestId('ranking-note').waitFor();
    await typed(page);
    await settle(page);
    await shot('search-index-loading');
    indexReady = true;
    const before = asked;
    app!.emit('directory:search-ready', null);
    await page.getByTestId('ranking-note').waitFor({ state: 'detached' });
    expect(asked).toBeGreaterThan(before);
    delete server.overrides['users:search'];

    await page.getByTestId('search-input').fill('zzzz-nobody');
    await page.getByTestId('empty-results').waitFor();
    await shot('empty-search');
  });

  it('the table view: sorted from a header, columns chosen, a range selected', async () => {
    const server = fullServer();
    const page = await open(server, { width: 1280, height: 800 });
    await page.getByTestId('user-card').first().waitFor();
    await page.getByTestId('view-table').click();
    const rows = page.getByTestId('table-row');
    await rows.first().waitFor();
    await settle(page);
    await shot('table');
    expect(await axeSerious(page)).toEqual([]);

    await page.getByTestId('sort-by-lastActive').click();
    await page.getByTestId('column-lastActive').and(page.locator('[aria-sort]')).waitFor();
    await page.getByTestId('column-chooser').click();
    await page.getByTestId('show-column-groups').waitFor();
    await shot('table-columns');
    await page.keyboard.press('Escape');

    await rows.nth(1).click({ modifiers: ['Control'] });
    await rows.nth(3).click({ modifiers: ['Control'] });
    await rows.nth(8).click({ modifiers: ['Shift'] });
    await page.getByTestId('selection-bar').waitFor();
    await settle(page);
    await shot('table-selection');
  });

  it('the detail panel of a Zulip user with all 8 field types', async () => {
    const server = fullServer();
    const page = await open(server, { width: 1440, height: 900 });
    await page.getByTestId('search-input').fill('Cordelia');
    await page.locator('[data-user-id="12"]').click();
    await page.getByTestId('section-fields').waitFor();
    await settle(page);
    await shot('detail-zulip');
    expect(await axeSerious(page)).toEqual([]);
    await page.getByTestId('section-fields').scrollIntoViewIfNeeded();
    await shot('detail-zulip-fields');
    await page.getByTestId('raw-tab').click();
    await page.getByTestId('json-tree').waitFor();
    await shot('detail-raw-json');
  });

  it('the detail panel of an Open WebUI admin with groups and status', async () => {
    const server = fullServer();
    const page = await open(server, { width: 1440, height: 900 });
    const admin = cardVariants(server.now).owuiAdmin;
    await page.getByTestId('search-input').fill('Alex Admin');
    await page.locator(`[data-user-id="${admin.user.userId}"]`).click();
    await page.getByTestId('section-groups').waitFor();
    await settle(page);
    await shot('detail-openwebui');
  });

  it('the add-connection dialog: field errors, then a passing test', async () => {
    const server = fullServer();
    const page = await open(server);
    await page.getByTestId('user-card').first().waitFor();
    await page.getByTestId('add-connection').click();
    await page.getByTestId('add-zulip').click();
    await page.getByTestId('field-url').fill('http://chat example');
    await page.getByTestId('field-email').fill('iago-at-acme');
    await page.getByTestId('save-connection').click();
    await page.getByText('That does not look like an email address.').waitFor();
    await shot('dialog-errors');
    expect(await axeSerious(page)).toEqual([]);

    await page.getByTestId('field-url').fill('https://chat.acme.example');
    await page.getByTestId('field-email').fill('iago@acme.example');
    await page.getByTestId('field-key').fill('gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv');
    await page.getByTestId('test-connection').click();
    await page.getByTestId('test-result').waitFor();
    await shot('dialog-test-ok');
  });

  it('lookup errors in words, with the server text and the wait', async () => {
    const server = fullServer();
    const page = await open(server);
    await page.getByTestId('user-card').first().waitFor();
    await page.keyboard.press('Control+L');
    await page.keyboard.type('9999');
    await page.keyboard.press('Enter');
    await page.getByTestId('lookup-error').waitFor();
    await settle(page);
    await shot('lookup-not-found');

    server.overrides['users:lookup'] = () =>
      err(
        rollcallError('RATE_LIMITED', 'The server is rate limiting requests. Try again shortly.', {
          status: 429,
          retryAfterSeconds: 29,
          serverMessage: 'API usage exceeded rate limit',
        }),
      );
    await page.getByTestId('lookup-input').fill('iago@acme.example');
    await page.keyboard.press('Enter');
    await page.getByTestId('retry-wait').waitFor();
    await shot('lookup-rate-limited');

    // A copy from 3 days ago shows the presence it had then, not "Active now".
    const copiedAt = Date.now() - 3 * DAY;
    const stale = cardVariants(copiedAt).zulipGuest;
    server.overrides['users:lookup'] = () =>
      ok({
        ...stale,
        fetchedAt: copiedAt,
        source: 'cache',
        stale: rollcallError(
          'OFFLINE',
          'The server cannot be reached. Check the URL and your network connection.',
        ),
        refreshing: false,
      });
    await page.getByTestId('lookup-input').fill('31');
    await page.keyboard.press('Enter');
    await page.getByTestId('stale-notice').waitFor();
    await settle(page);
    await shot('lookup-offline-cached');
  });

  it('an offline connection: banner, and cached cards still open', async () => {
    const server = fullServer({ offline: true });
    server.overrides['connections:test'] = () =>
      ok({ ok: false, at: Date.now(), who: null, error: rollcallError('OFFLINE') });
    const page = await open(server);
    await page.getByTestId('offline-banner').waitFor();
    await page.locator('[data-connection-id="lab-openwebui"] .conn-select').click();
    await page.getByTestId('user-card').first().waitFor();
    await settle(page);
    await shot('offline');
    expect(await axeSerious(page)).toEqual([]);
    await page.getByTestId('user-card').first().click();
    await page.getByTestId('detail-panel').waitFor();
    await settle(page);
    await shot('offline-card-open');
  });

  it('a sync in progress, then its summary', async () => {
    const server = fullServer();
    const hold = server.holdSync();
    const page = await open(server);
    await page.locator('[data-connection-id="acme-zulip"] .conn-select').click();
    await page.getByTestId('sync-button').click();
    app!.emit('directory:sync-progress', progress('acme-zulip', 'fetching', 120, 256));
    await page.getByTestId('sync-progress-text').filter({ hasText: '120 of 256' }).waitFor();
    await settle(page);
    await shot('sync-progress');
    expect(await axeSerious(page)).toEqual([]);

    // The counts of the directory the grid shows, so the picture tells one story.
    const total = zulipDirectory(server.now).length;
    const summary = {
      added: 12,
      updated: 34,
      unchanged: total - 12 - 34,
      gone: 3,
      total,
      startedAt: Date.now() - 4200,
      finishedAt: Date.now(),
      unreadable: 0,
      unreadableReason: null,
    };
    app!.emit('directory:sync-progress', {
      ...progress('acme-zulip', 'done', total, total),
      summary,
    });
    hold.resolve(ok(summary));
    await page.getByTestId('sync-summary').waitFor();
    await shot('sync-summary');
  });
  it('acting on users: selection, menu, preview, confirmation, progress, results, audit', async () => {
    const server = fullServer();
    const members = server.dir
      .search({
        ...DEFAULT_SEARCH_SPEC,
        connectionIds: ['acme-zulip'],
        roles: ['member'],
        offset: 0,
        limit: 60,
      })
      .items.slice(0, 60);
    const changes = members.slice(0, 42).map((u) => ({
      userId: u.userId,
      name: u.name,
      email: u.email,
      before: { role: 'member' as const, state: 'active' as const },
      expected: { role: 'guest' as const, state: 'active' as const },
    }));
    const guest: ActionPlan = {
      ...guestPlan(0),
      title: 'Make 42 users Guests',
      targetDescription: '45 selected users',
      changes,
      skipped: [
        ...members.slice(42, 44).map((u) => ({
          userId: u.userId,
          name: u.name,
          code: 'already' as const,
          reason: 'Already a Guest.',
        })),
        {
          userId: '8',
          name: 'Iago Ortiz',
          code: 'self' as const,
          reason: 'The key’s own account: Rollcall does not demote it.',
        },
      ],
    };
    const deletion: ActionPlan = {
      ...guest,
      planId: 'plan-2',
      action: { kind: 'delete' },
      title: 'Delete 42 users',
      changes: changes.map((c) => ({ ...c, expected: { ...c.expected, state: 'gone' as const } })),
      reversible: false,
      undoNote: 'The server keeps no copy of a deleted user: their chats and files go with them.',
      confirmation: { kind: 'count', expected: '42', prompt: 'Type 42 to delete 42 users.' },
    };
    let finish: (r: Result<ActionRunSummary>) => void = () => undefined;
    server.overrides['actions:available'] = () =>
      ok([
        ...zulipAvailability(),
        {
          action: { kind: 'delete' },
          label: 'Delete…',
          allowed: true,
          reason: null,
          reversible: false,
        },
      ]);
    server.overrides['actions:plan'] = (arg) =>
      ok(contract['actions:plan'].arg.parse(arg).action.kind === 'delete' ? deletion : guest);
    server.overrides['actions:run'] = () => new Promise((resolve) => (finish = resolve));
    server.overrides['audit:list'] = () =>
      ok({
        total: 130,
        entries: Array.from({ length: 50 }, (_, i) =>
          auditEntry(130 - i, {
            userName: members[i % members.length]!.name,
            outcome: i % 7 === 3 ? 'failed' : 'applied',
            message: i % 7 === 3 ? 'The server refused: this user is the last owner.' : null,
          }),
        ),
      });

    for (const size of [
      { width: 1280, height: 800 },
      { width: 1024, height: 700 },
    ]) {
      const page = await open(server, size);
      const tag = `${size.width}`;
      await page.locator('[data-connection-id="acme-zulip"] .conn-select').click();
      const cards = page.getByTestId('user-card');
      await cards.nth(1).waitFor();
      await cards.nth(1).click({ modifiers: ['Control'] });
      await cards.nth(3).click({ modifiers: ['Control'] });
      await cards.nth(6).click({ modifiers: ['Shift'] });
      await page.getByTestId('selection-bar').waitFor();
      await page.getByTestId('user-grid').evaluate((g) => g.scrollTo({ top: 0 }));
      await settle(page);
      await shot(`actions-selection-${tag}`);

      await page.getByTestId('act-on-selection').click();
      await page.getByTestId('act-set-role:owner').waitFor();
      await shot(`actions-menu-${tag}`);
      await page.getByTestId('act-set-role:guest').click();
      await page.getByTestId('action-preview').waitFor();
      await page.getByTestId('skip-already').click();
      await shot(`actions-preview-${tag}`);
      expect(await axeSerious(page)).toEqual([]);
      await page.getByTestId('run-action').click();
      app!.emit(
        'actions:progress',
        actionProgress({
          planId: guest.planId,
          total: 42,
          done: 17,
          phase: 'waiting',
          waitSeconds: 23,
        }),
      );
      await page.getByTestId('action-progress-text').filter({ hasText: 'Waiting' }).waitFor();
      await shot(`actions-progress-${tag}`);
      expect(await axeSerious(page)).toEqual([]);
      const results = changes.map((c, i) => ({
        userId: c.userId,
        name: c.name,
        outcome: i === 5 || i === 9 ? ('failed' as const) : ('applied' as const),
        before: c.before,
        after: i === 5 || i === 9 ? null : c.expected,
        error:
          i === 5 || i === 9
            ? rollcallError(
                'FORBIDDEN',
                'The server refused: only owners may change the role of an administrator.',
              )
            : null,
        at: Date.now(),
      }));
      finish(ok({ ...summaryOf(results), planId: guest.planId, title: guest.title }));
      await page.getByTestId('action-results').waitFor();
      await shot(`actions-results-${tag}`);
      expect(await axeSerious(page)).toEqual([]);
      await page.getByTestId('close-results').click();

      await page.getByTestId('act-on-results').click();
      await page.getByTestId('act-delete').click();
      await page.getByTestId('confirm-input').fill('4');
      await shot(`actions-confirm-${tag}`);
      await page.keyboard.press('Escape');

      await page.getByTestId('open-audit').click();
      await page.getByTestId('audit-row').first().waitFor();
      await shot(`actions-audit-${tag}`);
      expect(await axeSerious(page)).toEqual([]);
      expect(app!.pageErrors).toEqual([]);
      expect(app!.consoleLines.filter((l) => l.type === 'error')).toEqual([]);
      await app!.close();
      app = undefined;
    }
  });
});
