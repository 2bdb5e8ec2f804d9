// Errors that used to mislead (issue 13, class 8), through the providers and
// the connection test: the other product answering says which product it is
// (not "rejected the credentials"); a redirect to another origin that
// answers 200 fails the connection test naming that origin, since the key
// was never checked; and a lookup never sits on a long rate-limit wait.
import { createOpenWebUIProvider } from '@core/providers/openwebui';
import { createZulipProvider } from '@core/providers/zulip';
import type { ProviderSession } from '@core/providers/types';
import { INTERACTIVE_WAIT_SECONDS } from '@core/net/rate-limit';
import { sendJson, startFakeServer, type FakeControls } from '../fakes/fake-http';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { collect, failureOf, testClient } from '../fakes/test-client';
import { openTestCore } from './core-fixture';

let zulip: ZulipFake;
let owui: OpenWebUIFake;
/** Answers every path 200 without looking at any key: the other origin of a redirect. */
let elsewhere: FakeControls;
/** Redirects every path to `elsewhere`. */
let front: FakeControls;

beforeAll(async () => {
  zulip = await startZulipFake({ seed: 3, count: 40 });
  owui = await startOpenWebUIFake({ seed: 3, count: 40 });
  elsewhere = await startFakeServer((_req, res, url) => {
    const zulipShaped = url.pathname === '/api/v1/users/me';
    sendJson(
      res,
      200,
      JSON.stringify(
        zulipShaped
          ? { result: 'success', msg: '', user_id: 9, full_name: 'Mallory', role: 100 }
          : { id: 'm', role: 'admin', name: 'Mallory', email: 'm@example.com' },
      ),
    );
  });
  front = await startFakeServer(() => undefined);
  front.setMode({ kind: 'redirect', to: elsewhere.url, status: 302 });
});
afterAll(async () => {
  await Promise.all([zulip.close(), owui.close(), elsewhere.close(), front.close()]);
});
beforeEach(() => {
  zulip.setRateLimit(null);
  elsewhere.requests.length = 0;
});

const zulipProvider = () => createZulipProvider({ http: testClient() });
const owuiProvider = () => createOpenWebUIProvider({ http: testClient() });

function zulipSessionAt(baseUrl: string): ProviderSession {
  return { connectionId: 'z', baseUrl, loginEmail: zulip.admin.email, secret: zulip.admin.apiKey };
}
function owuiSessionAt(baseUrl: string): ProviderSession {
  return { connectionId: 'o', baseUrl, loginEmail: null, secret: owui.adminKey };
}

describe('the other product answering', () => {
  it('a Zulip connection pointed at Open WebUI says Open WebUI answered, not a bad key', async () => {
    for (const run of [
      () => zulipProvider().testConnection(zulipSessionAt(owui.url)),
      () => zulipProvider().fetchUser(zulipSessionAt(owui.url), { kind: 'zulip-id', userId: 8 }),
      // The directory sync and a lookup by email (issue 13): not "a web page".
      () => collect(zulipProvider().fetchDirectory(zulipSessionAt(owui.url))),
      () =>
        zulipProvider().fetchUser(zulipSessionAt(owui.url), {
          kind: 'zulip-email',
          email: 'someone@example.com',
        }),
    ]) {
      const error = await failureOf(run);
      expect(error.code).toBe('NOT_AN_API');
      expect(error.field).toBe('kind');
      expect(error.message).toMatch(/This looks like an Open WebUI server, not Zulip/);
      expect(error.message).toMatch(/Choose Open WebUI for this connection/);
      expect(error.message).not.toMatch(/rejected|invalid/i);
    }
  });

  it('an Open WebUI connection pointed at Zulip says Zulip answered, not a bad key', async () => {
    for (const run of [
      () => owuiProvider().testConnection(owuiSessionAt(zulip.url)),
      () =>
        owuiProvider().fetchUser(owuiSessionAt(zulip.url), { kind: 'openwebui-id', userId: 'x' }),
      () => collect(owuiProvider().fetchDirectory(owuiSessionAt(zulip.url))),
      () =>
        owuiProvider().fetchUser(owuiSessionAt(zulip.url), {
          kind: 'openwebui-shared-chat',
          chatId: 'abc',
        }),
    ]) {
      const error = await failureOf(run);
      expect(error.code).toBe('NOT_AN_API');
      expect(error.field).toBe('kind');
      expect(error.message).toMatch(/This looks like a Zulip server, not Open WebUI/);
      expect(error.message).toMatch(/Choose Zulip for this connection/);
      expect(error.message).not.toMatch(/invalid, expired or revoked/);
    }
  });

  it('each product’s own refusals keep their own words', async () => {
    const zulipError = await failureOf(
      zulipProvider().testConnection({ ...zulipSessionAt(zulip.url), secret: 'x'.repeat(32) }),
    );
    expect(zulipError.code).toBe('UNAUTHORIZED');
    const owuiError = await failureOf(
      owuiProvider().testConnection({ ...owuiSessionAt(owui.url), secret: owui.revokedKey }),
    );
    expect(owuiError.code).toBe('UNAUTHORIZED');
  });

  it('the connection test of the dialog puts it on the kind', async () => {
    const t = await openTestCore();
    try {
      const result = await t.call('connections:test', {
        draft: {
          kind: 'openwebui',
          label: 'wrong kind',
          baseUrl: zulip.url,
          secret: owui.adminKey,
        },
      });
      expect(result.ok).toBe(false);
      expect(result.error).toMatchObject({ code: 'NOT_AN_API', field: 'kind' });
      expect(result.error?.message).toMatch(/Choose Zulip/);
    } finally {
      await t.close();
    }
  });
});

describe('a connection test redirected to another origin', () => {
  it.each([
    ['Zulip', () => zulipProvider().testConnection(zulipSessionAt(front.url))],
    ['Open WebUI', () => owuiProvider().testConnection(owuiSessionAt(front.url))],
  ])('%s: fails naming the origin, since the key was never checked', async (_name, run) => {
    const error = await failureOf(run);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.field).toBe('baseUrl');
    expect(error.message).toContain(`to another origin, ${elsewhere.url}`);
    expect(error.message).toMatch(/key was not sent there and could not be checked/);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('through the core, the test does not pass', async () => {
    const t = await openTestCore();
    try {
      const result = await t.call('connections:test', {
        draft: { kind: 'openwebui', label: 'moved', baseUrl: front.url, secret: owui.adminKey },
      });
      expect(result.ok).toBe(false);
      expect(result.who).toBeNull();
      expect(result.error).toMatchObject({ code: 'UNAUTHORIZED', field: 'baseUrl' });
    } finally {
      await t.close();
    }
  });
});

describe('a lookup under a rate limit', () => {
  it('fails at once with RATE_LIMITED and when to retry, rather than waiting minutes', async () => {
    zulip.setRateLimit({ limit: 1, windowSeconds: 90 });
    const http = testClient();
    const provider = createZulipProvider({ http });
    const session = zulipSessionAt(zulip.url);
    await provider.testConnection(session);
    const error = await failureOf(provider.fetchUser(session, { kind: 'zulip-id', userId: 8 }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBeGreaterThan(INTERACTIVE_WAIT_SECONDS);
    expect(error.message).toMatch(/Try again after that/);
    expect(http.waits).toEqual([]);
  });

  it('a connection test is bounded the same way; a sync still waits, as its progress shows', async () => {
    zulip.setRateLimit({ limit: 1, windowSeconds: 90 });
    const http = testClient({ maxRetries: 1 });
    const provider = createZulipProvider({ http });
    const session = zulipSessionAt(zulip.url);
    await provider.testConnection(session);
    expect((await failureOf(provider.testConnection(session))).code).toBe('RATE_LIMITED');
    expect(http.waits).toEqual([]);
    const waits: number[] = [];
    const sync = provider.fetchDirectory(session, { onWait: (s) => waits.push(s) });
    expect((await failureOf(sync.next())).code).toBe('RATE_LIMITED');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(INTERACTIVE_WAIT_SECONDS);
  });
});
