// Every case of the hostile corpus through the real core: each case gets its
// own connection (its own world on the fake), a connection test, a lookup,
// a sync, a read of every cached user and of every picture. Each answer must
// be inert (safe URLs only, credentials redacted) or a clear error; nothing
// may throw past the dispatcher; no key may travel to another origin; and
// the cache must pass integrity_check after every case.
import { writeFileSync } from 'node:fs';
import { databasePath } from '@core/store/db';
import type { LookupResult, SyncSummary, UserRecord, UserSummary } from '@shared/model';
import { isRollcallError, type Result } from '@shared/errors';
import { openTestCore, type TestCore } from '../core/core-fixture';
import { HOSTILE_CASES } from '../fakes/hostile-corpus';
import { hostileBaseUrl, hostileUserId, type HostileCase } from '../fakes/hostile-world';
import { startHostileServers } from '../fakes/hostile-servers';
import type { OpenWebUIFake } from '../fakes/openwebui-fake';
import type { ZulipFake } from '../fakes/zulip-fake';
import { integrityCheck, unclearError, unsafePicture, unsafeUser } from './checks';
import { requestsCarrying, secretForms } from './leak-scan';

/** One case's outcome, for the failure list and the report. */
interface Outcome {
  id: string;
  problems: string[];
  lookup: string;
  sync: string;
  test: string;
  /** What the lookup showed: the error's words, or the user's name (cut short). */
  shown: string;
}

const OWN_KEY_OF_A_USER = 'sk-userOwnKeyShouldBeHidden123';

/** The most one card may weigh on a search page, however long the server's text (issue 13). */
const MAX_CARD_BYTES = 64 * 1024;

describe('the hostile corpus against the real core', () => {
  let zulip: ZulipFake;
  let owui: OpenWebUIFake;
  let t: TestCore;
  const uncaught: string[] = [];
  const onUncaught = (e: unknown): void => {
    uncaught.push(String(e instanceof Error ? (e.stack ?? e.message) : e));
  };

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    ({ zulip, owui } = await startHostileServers());
    t = await openTestCore();
  });

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await t?.close();
    await zulip?.close();
    await owui?.close();
  });

  it('holds at least 100 cases covering every kind of hostility the issue lists', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(HOSTILE_CASES.map((c) => c.id)).size).toBe(HOSTILE_CASES.length);
    const titles = HOSTILE_CASES.map((c) => c.title).join('\n');
    for (const needle of [
      /script/,
      /javascript:/,
      /data:/,
      /file:/,
      /10 000-character name/,
      /right-to-left override/,
      /zero-width/,
      /NUL/,
      /invalid UTF-8/,
      /as a string/,
      /numbers where names/,
      /nested 100 000 levels/,
      /same user_id/,
      /100 MB body/,
      /1 byte a second/,
      /gzip bomb/,
      /labelled text\/plain/,
      /redirect to itself/,
      /redirect to file:\/\//,
      /redirect to another origin/,
    ]) {
      expect(titles, String(needle)).toMatch(needle);
    }
  });

  it('shows every answer inert or as a clear error, and keeps the cache sound', async () => {
    const outcomes: Outcome[] = [];
    // Slow cases (timeouts, waits) first, so they overlap with everything else.
    const queue = [...HOSTILE_CASES].sort(
      (a, b) => Number(Boolean(b.slow)) - Number(Boolean(a.slow)),
    );
    const workers = Array.from({ length: 12 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) outcomes.push(await runCase(c));
    });
    await Promise.all(workers);

    const failures = outcomes.filter((o) => o.problems.length > 0);
    expect(failures.map((f) => `${f.id}: ${f.problems.join(' | ')}`)).toEqual([]);
    expect(outcomes).toHaveLength(HOSTILE_CASES.length);

    // Nothing escaped the dispatcher, and core logged no unexpected failure.
    expect(uncaught).toEqual([]);
    expect(t.logLines.filter((l) => /failed unexpectedly/.test(l))).toEqual([]);

    // No key went to the other origin, in any form.
    const zulipKey = secretForms(zulip.admin.apiKey, zulip.admin.email);
    const owuiKey = secretForms(owui.adminKey);
    expect(requestsCarrying(owui.requests, zulipKey)).toEqual([]);
    expect(requestsCarrying(zulip.requests, owuiKey)).toEqual([]);
    // Nor to a path of the server's own origin that is not one of its pictures.
    const offPicture = (hit: string): boolean => /leak-target|api_key/.test(hit);
    expect(requestsCarrying(zulip.requests, zulipKey).filter(offPicture)).toEqual([]);
    expect(requestsCarrying(owui.requests, owuiKey).filter(offPicture)).toEqual([]);
    expect(zulip.requests.some((r) => r.path.includes('leak-target'))).toBe(true);
    expect(owui.requests.some((r) => r.path.includes('api_key'))).toBe(true);
    // ...and the other origin did receive requests (cross-origin redirects and pictures).
    expect(owui.requests.some((r) => r.path === '/user.png')).toBe(true);
    expect(zulip.requests.some((r) => r.path === '/user_avatars/7.png')).toBe(true);

    if (process.env.ROLLCALL_SECURITY_DUMP) {
      writeFileSync(process.env.ROLLCALL_SECURITY_DUMP, JSON.stringify(outcomes, null, 1));
    }
    console.log(
      `[security] hostile cases tried through core: ${outcomes.length} ` +
        `(${outcomes.filter((o) => o.lookup === 'user').length} lookups shown inert, ` +
        `${outcomes.filter((o) => o.lookup !== 'user').length} clear lookup errors, ` +
        `${outcomes.filter((o) => o.sync === 'ok').length} syncs completed, ` +
        `${outcomes.filter((o) => o.sync !== 'ok').length} clear sync errors)`,
    );
  });

  async function runCase(c: HostileCase): Promise<Outcome> {
    const problems: string[] = [];
    const fake = c.product === 'zulip' ? zulip : owui;
    const outcome: Outcome = { id: c.id, problems, lookup: '', sync: '', test: '', shown: '' };
    const saved = await t.result('connections:save', {
      draft: {
        kind: c.product,
        label: c.id,
        baseUrl: hostileBaseUrl(fake.url, c.id),
        ...(c.product === 'zulip'
          ? { loginEmail: zulip.admin.email, secret: zulip.admin.apiKey }
          : { secret: owui.adminKey }),
      },
      skipTest: true,
    });
    if (!saved.ok) {
      problems.push(`save failed: ${saved.error.code} ${saved.error.message}`);
      return outcome;
    }
    const connectionId = saved.value.connection.id;
    const userId = String(hostileUserId(c, 0, c.id));

    // The connection test.
    const tested = await t.result('connections:test', { id: connectionId });
    if (!tested.ok) problems.push(`test threw past its result: ${tested.error.code}`);
    else {
      const want = c.expect.test ?? 'ok';
      outcome.test = tested.value.ok ? 'ok' : (tested.value.error?.code ?? '?');
      if (want === 'ok' && !tested.value.ok) {
        problems.push(`test failed: ${tested.value.error?.code} ${tested.value.error?.message}`);
      }
      if (want !== 'ok') {
        if (tested.value.ok) problems.push('test passed, expected a failure');
        else check(`test error`, tested.value.error, want);
      }
      if (tested.value.who && typeof tested.value.who.name !== 'string')
        problems.push('owner name is not text');
    }

    // The lookup.
    const looked = await t.result('users:lookup', {
      connectionId,
      ref: userId,
      waitForNetwork: true,
    });
    const wantLookup = c.expect.lookup === 'user' ? 'ok' : c.expect.lookup;
    const gotLookup = expectResult('lookup', looked, wantLookup, (v: LookupResult) => {
      const unsafe = unsafeUser(v, [OWN_KEY_OF_A_USER]);
      if (unsafe) problems.push(`lookup result unsafe: ${unsafe}`);
      if (v.source !== 'network') problems.push(`lookup source ${v.source}`);
    });
    outcome.lookup = gotLookup === 'ok' ? 'user' : gotLookup;
    outcome.shown = (
      looked.ok ? JSON.stringify(looked.value.user.name) : looked.error.message
    ).slice(0, 160);

    // The sync (cancelled when the case would otherwise run for minutes).
    const syncing = t.result('directory:sync', { connectionId });
    if (c.expect.cancelSyncAfterMs !== undefined) {
      setTimeout(
        () => void t.result('directory:cancel-sync', { connectionId }),
        c.expect.cancelSyncAfterMs,
      );
    }
    outcome.sync = expectResult('sync', await syncing, c.expect.sync, (_: SyncSummary) => {});
    const progress = t
      .eventsOf('directory:sync-progress')
      .filter((p) => p.connectionId === connectionId);
    const last = progress.at(-1);
    if (!last || !['done', 'failed', 'cancelled'].includes(last.phase)) {
      problems.push(`the sync's last progress event is ${last?.phase ?? 'missing'}`);
    } else if (last.error) check('sync progress error', last.error, 'any');

    // Everything cached for the connection: safe to hand to the window.
    const found = await t.result('users:search', { connectionIds: [connectionId], limit: 1000 });
    if (!found.ok) problems.push(`search failed: ${found.error.code}`);
    const items: UserSummary[] = found.ok ? found.value.items : [];
    for (const item of items) {
      // Every text is cut to its cap: a card weighs the same whatever the server sent.
      const cardBytes = JSON.stringify(item).length;
      if (cardBytes > MAX_CARD_BYTES) problems.push(`card of ${item.userId}: ${cardBytes} bytes`);
      const got = await t.result('users:get', { connectionId, userId: item.userId });
      if (!got.ok) {
        problems.push(`cached user ${item.userId} unreadable: ${got.error.code}`);
        continue;
      }
      const unsafe = unsafeUser(got.value as UserRecord, [OWN_KEY_OF_A_USER]);
      if (unsafe) problems.push(`cached user ${item.userId}: ${unsafe}`);
      const picture = await t.core.serveAvatar(connectionId, item.userId);
      const bad = unsafePicture(picture);
      if (bad) problems.push(`picture of ${item.userId}: ${bad}`);
      if (item.userId === userId && c.expect.avatar) {
        const is = picture.status === 200 ? 'image' : 'none';
        if (is !== c.expect.avatar) problems.push(`picture is ${is}, expected ${c.expect.avatar}`);
      }
    }
    if (c.expect.lookup === 'user' && c.id !== 'zulip-duplicates-answers-other-id') {
      if (!items.some((i) => i.userId === userId))
        problems.push('the looked-up user is not cached');
    }

    const integrity = integrityCheck(databasePath(t.userDataDir));
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    return outcome;

    function check(what: string, error: unknown, codes: readonly string[] | 'any'): void {
      const unclear = unclearError(error);
      if (unclear) problems.push(`${what} unclear: ${unclear}`);
      else if (codes !== 'any' && isRollcallError(error) && !codes.includes(error.code)) {
        problems.push(`${what} ${error.code} (${error.message}), expected ${codes.join('/')}`);
      }
    }

    function expectResult<T>(
      what: string,
      result: Result<T>,
      want: 'ok' | readonly string[],
      onValue: (v: T) => void,
    ): string {
      if (result.ok) {
        if (want !== 'ok') problems.push(`${what} succeeded, expected ${want.join('/')}`);
        onValue(result.value);
        return 'ok';
      }
      check(what, result.error, want === 'ok' ? 'any' : want);
      if (want === 'ok')
        problems.push(`${what} failed: ${result.error.code} ${result.error.message}`);
      return result.error.code;
    }
  }
});
