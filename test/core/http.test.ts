// The HTTP client against real servers on 127.0.0.1: every failure mode maps
// to its code and a message, 429s are waited out (for real once), redirects
// never carry credentials to another origin (asserted at the second server),
// and the body cap and timeout hold while streaming.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { net } from 'electron';
import {
  createHttpClient,
  DIRECTORY_MAX_BYTES,
  LIST_MAX_BYTES,
  type HttpClient,
} from '@core/net/http';
import {
  INTERACTIVE_WAIT_SECONDS,
  interactiveWaitBudget,
  retryAfterSeconds,
} from '@core/net/rate-limit';
import { networkError, serverMessageOf } from '@core/net/http-errors';
import {
  fetchOverNetRequest,
  type NetClientRequest,
  type NetRequestOptions,
} from '@core/net/net-request';
import { rollcallError } from '@shared/errors';
import { sendJson, startFakeServer, type FakeControls, type Router } from '../fakes/fake-http';
import {
  emulatedNetRequest,
  emulatedRequests,
  netFetchLike,
} from '../fakes/electron-net-emulation';
import { failureOf, nodeFetch, recordingSleep, testClient } from '../fakes/test-client';

const SECRET = 'sk-THIS-IS-THE-SECRET-0123456789';
const bearer = { kind: 'bearer' as const, token: SECRET };

/** A server answering {"ok":true,...} on every path, recording requests. */
const okRouter: Router = (_req, res, url) => {
  sendJson(res, 200, JSON.stringify({ ok: true, path: url.pathname }));
};

let main: FakeControls;
let other: FakeControls;

beforeEach(async () => {
  main = await startFakeServer(okRouter);
  other = await startFakeServer(okRouter);
});
afterEach(async () => {
  await main.close();
  await other.close();
});

describe('a normal answer', () => {
  it('parses JSON and sends Accept, User-Agent and the credentials', async () => {
    const http = testClient({ userAgent: 'Rollcall/test' });
    const res = await http.getJson({ url: `${main.url}/api/v1/users/me`, credentials: bearer });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, path: '/api/v1/users/me' });
    const seen = main.requests[0]?.headers;
    expect(seen?.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen?.accept).toBe('application/json');
    expect(seen?.['user-agent']).toBe('Rollcall/test');
  });

  it('encodes Basic credentials as UTF-8', async () => {
    const http = testClient();
    await http.getJson({
      url: `${main.url}/x`,
      credentials: { kind: 'basic', username: 'zoë@example.com', password: 'k3y' },
    });
    const header = String(main.requests[0]?.headers.authorization);
    expect(Buffer.from(header.replace('Basic ', ''), 'base64').toString('utf8')).toBe(
      'zoë@example.com:k3y',
    );
  });
});

describe('requests Rollcall never makes', () => {
  it.each(['not a url', 'file:///etc/passwd', 'ftp://example.com/'])(
    '%s is INVALID_INPUT, with no request',
    async (url) => {
      const error = await failureOf(testClient().getJson({ url }));
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'baseUrl' });
    },
  );
});

describe('large JSON bodies', () => {
  it('read the same parsed whole (the sync worker) as in slices (main), and fail alike', async () => {
    const members = Array.from({ length: 6000 }, (_, i) => ({
      user_id: i,
      full_name: `Zoë ${i} 王小明 ${'x'.repeat(i % 90)}`,
      email: `user${i}@example.org`,
      profile_data: { '1': { value: `line\n${i}`, rendered_value: null } },
    }));
    // A key JSON.parse keeps as an own property: both must.
    const text = JSON.stringify({ result: 'success', members }).replace(
      '"members":[',
      '"__proto__":{"polluted":true},"members":[',
    );
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const clients = {
      slices: testClient(),
      whole: testClient({ slicedParseMinBytes: DIRECTORY_MAX_BYTES }),
    };
    main.setMode({ kind: 'status', status: 200, body: text, contentType: 'application/json' });
    const read = async (client: HttpClient): Promise<unknown> =>
      (await client.getJson({ url: main.url, maxBytes: LIST_MAX_BYTES })).json;
    const expected = JSON.parse(text) as unknown;
    for (const client of [clients.slices, clients.whole]) {
      const json = (await read(client)) as object;
      expect(json).toEqual(expected);
      expect(Object.hasOwn(json, '__proto__')).toBe(true);
    }
    main.setMode({
      kind: 'status',
      status: 200,
      body: text.slice(0, -2),
      contentType: 'application/json',
    });
    const failures = await Promise.all(
      [clients.slices, clients.whole].map((c) =>
        failureOf(c.getJson({ url: main.url, maxBytes: LIST_MAX_BYTES })),
      ),
    );
    expect(failures[0]).toMatchObject({ code: 'BAD_RESPONSE' });
    expect(failures[1]).toEqual(failures[0]);
  });
});

describe('answers that are not the API', () => {
  it('an HTML 200 is NOT_AN_API with the URL, never parsed', async () => {
    main.setMode({ kind: 'html' });
    const error = await failureOf(
      testClient().getJson({
        url: `${main.url}/api/users/1`,
        urlHint: 'Use the address you open it at.',
      }),
    );
    expect(error.code).toBe('NOT_AN_API');
    expect(error.url).toBe(`${main.url}/api/users/1`);
    expect(error.message).toContain('a web page');
    expect(error.message).toContain('Use the address you open it at.');
  });

  it('text/plain is NOT_AN_API too', async () => {
    main.setMode({
      kind: 'status',
      status: 200,
      body: '{"looks":"like json"}',
      contentType: 'text/plain',
    });
    expect((await failureOf(testClient().getJson({ url: main.url }))).code).toBe('NOT_AN_API');
  });

  it('truncated JSON is BAD_RESPONSE', async () => {
    main.setMode({ kind: 'truncated' });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/cut off or malformed/);
  });

  it('a 404 web page is NOT_AN_API; a JSON 404 is NOT_FOUND', async () => {
    main.setMode(
      { kind: 'status', status: 404, body: '<!doctype html><p>nope', contentType: 'text/html' },
      { times: 1 },
    );
    expect((await failureOf(testClient().getJson({ url: main.url }))).code).toBe('NOT_AN_API');
    main.setMode({ kind: 'status', status: 404, body: '{"detail":"Not Found"}' }, { times: 1 });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.serverMessage).toBe('Not Found');
  });
});

describe('statuses', () => {
  it.each([
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [400, 'INVALID_INPUT'],
    [422, 'INVALID_INPUT'],
    [500, 'SERVER_ERROR'],
    [502, 'SERVER_ERROR'],
    [503, 'SERVER_ERROR'],
    [504, 'TIMEOUT'],
    [418, 'BAD_RESPONSE'],
  ])('%i → %s, with the status and the server’s words', async (status, code) => {
    main.setMode({ kind: 'status', status, body: JSON.stringify({ msg: `words for ${status}` }) });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.serverMessage).toBe(`words for ${status}`);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it('a proxy’s HTML 502 is SERVER_ERROR without a server message', async () => {
    main.setMode({
      kind: 'status',
      status: 502,
      body: '<html><body>Bad Gateway</body></html>',
      contentType: 'text/html',
    });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.serverMessage).toBeUndefined();
  });

  it('lets a provider put it in its own words', async () => {
    main.setMode({
      kind: 'status',
      status: 400,
      body: '{"result":"error","msg":"No such user","code":"BAD_REQUEST"}',
    });
    const error = await failureOf(
      testClient().getJson({
        url: main.url,
        describeError: (info) =>
          info.serverMessage === 'No such user'
            ? rollcallError('NOT_FOUND', 'Nobody by that ID.', { status: info.status })
            : undefined,
      }),
    );
    expect(error).toEqual({ code: 'NOT_FOUND', message: 'Nobody by that ID.', status: 400 });
  });
});

describe('the network failing', () => {
  it('a server that never answers times out', async () => {
    main.setMode({ kind: 'timeout' });
    const started = Date.now();
    const error = await failureOf(testClient({ timeoutMs: 300 }).getJson({ url: main.url }));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(error.message).toMatch(/did not answer within 0\.3 s/);
  });

  it('the timeout covers the body: a trickled body times out', async () => {
    main.setMode({ kind: 'trickle', intervalMs: 20 });
    const error = await failureOf(testClient({ timeoutMs: 400 }).getJson({ url: main.url }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/did not finish/);
  });

  it('a reset connection is OFFLINE', async () => {
    main.setMode({ kind: 'reset' });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe('OFFLINE');
  });

  it('a connection dropped mid-body is OFFLINE', async () => {
    main.setMode({ kind: 'reset-mid-body' });
    const error = await failureOf(testClient().getJson({ url: main.url }));
    expect(error.code).toBe('OFFLINE');
    expect(error.message).toMatch(/dropped while it was answering/);
  });

  it('a stopped server refuses the connection: OFFLINE, and back when it starts again', async () => {
    const http = testClient();
    await main.stop();
    const error = await failureOf(http.getJson({ url: `${main.url}/api` }));
    expect(error.code).toBe('OFFLINE');
    expect(error.message).toMatch(/refused the connection/);
    await main.start();
    expect((await http.getJson({ url: `${main.url}/api` })).status).toBe(200);
  });

  it('an unknown host name is OFFLINE with a DNS message', async () => {
    const error = await failureOf(
      testClient().getJson({ url: 'https://no-such-host.invalid/api' }),
    );
    expect(error.code).toBe('OFFLINE');
    expect(error.message).toMatch(/no-such-host\.invalid could not be found/);
  });
});

describe('TLS', () => {
  let dir: string;
  let server: HttpsServer;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => {
        sendJson(res, 200, '{}');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a self-signed certificate is TLS', async () => {
    const error = await failureOf(testClient().getJson({ url: `https://127.0.0.1:${port}/` }));
    expect(error.code).toBe('TLS');
    expect(error.message).toMatch(/certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  });

  it('https to a plain-http port is TLS', async () => {
    const error = await failureOf(testClient().getJson({ url: `https://127.0.0.1:${main.port}/` }));
    expect(error.code).toBe('TLS');
  });
});

describe('body size', () => {
  it('a streamed body over the cap is TOO_LARGE', async () => {
    main.setMode({ kind: 'huge', bytes: 5 * 1024 * 1024 });
    const error = await failureOf(testClient().getJson({ url: main.url, maxBytes: 1024 * 1024 }));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/more than 1 MB/);
  });

  it('a declared Content-Length over the cap is refused before reading', async () => {
    main.setMode({ kind: 'huge', bytes: 80 * 1024 * 1024, declareLength: true });
    const error = await failureOf(
      testClient().getJson({ url: main.url, maxBytes: 2 * 1024 * 1024 }),
    );
    expect(error.code).toBe('TOO_LARGE');
  });

  it('a gzip bomb with a small Content-Length cannot exceed the cap', async () => {
    main.setMode({ kind: 'gzip-bomb', bytes: 100 * 1024 * 1024 });
    // The fake builds its bomb on the first request; measure after that.
    await failureOf(testClient().getJson({ url: main.url, maxBytes: 1024 }));
    const before = process.memoryUsage().rss;
    const error = await failureOf(
      testClient().getJson({ url: main.url, maxBytes: 2 * 1024 * 1024 }),
    );
    expect(error.code).toBe('TOO_LARGE');
    // Inflating all of it would take 100 MB more.
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * 1024 * 1024);
  });
});

describe('429 and Retry-After', () => {
  const limited = (retryAfter: string) =>
    ({
      kind: 'status',
      status: 429,
      body: JSON.stringify({
        result: 'error',
        msg: 'API usage exceeded rate limit',
        code: 'RATE_LIMIT_HIT',
        'retry-after': Number(retryAfter),
      }),
      headers: { 'Retry-After': retryAfter },
    }) as const;

  it('waits out Retry-After: 1.5 for real, reports the wait, and retries', async () => {
    main.setMode(limited('1.5'), { times: 1 });
    const waits: number[] = [];
    const http = createHttpClient({ fetch: nodeFetch });
    const res = await http.getJson({
      url: main.url,
      credentials: bearer,
      onWait: (s) => waits.push(s),
    });
    expect(res.status).toBe(200);
    expect(waits).toEqual([1.5]);
    expect(main.requests).toHaveLength(2);
    const gap = (main.requests[1]?.at ?? 0) - (main.requests[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1450);
    expect(main.requests[1]?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('gives up with RATE_LIMITED after the bound', async () => {
    main.setMode(limited('2.25'));
    const http = testClient({ maxRetries: 3 });
    const error = await failureOf(http.getJson({ url: main.url }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(2.25);
    expect(error.serverMessage).toBe('API usage exceeded rate limit');
    expect(error.message).toMatch(/after 3 waits/);
    expect(http.waits).toEqual([2250, 2250, 2250]);
    expect(main.requests).toHaveLength(4);
  });

  it('does not wait longer than its limit: RATE_LIMITED at once', async () => {
    main.setMode(limited('3600'));
    const http = testClient({ maxWaitSeconds: 120 });
    const error = await failureOf(http.getJson({ url: main.url }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(3600);
    expect(error.message).toMatch(/1 hour|60 minutes/);
    expect(http.waits).toEqual([]);
    expect(main.requests).toHaveLength(1);
  });

  it('a call’s wait budget: a wait that does not fit fails at once, saying when to retry', async () => {
    main.setMode(limited('45'));
    const http = testClient();
    const error = await failureOf(
      http.getJson({ url: main.url, waitBudget: interactiveWaitBudget() }),
    );
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterSeconds).toBe(45);
    expect(error.message).toMatch(/asks it to wait 45 seconds\. Try again after that/);
    expect(http.waits).toEqual([]);
    expect(main.requests).toHaveLength(1);
  });

  it('the budget is shared by a call’s requests and spent by each wait', async () => {
    main.setMode(limited('20'), { times: 1 });
    const http = testClient();
    const budget = interactiveWaitBudget();
    expect((await http.getJson({ url: main.url, waitBudget: budget })).status).toBe(200);
    expect(budget.seconds).toBe(INTERACTIVE_WAIT_SECONDS - 20);
    main.setMode(limited('20'), { times: 1 });
    const error = await failureOf(http.getJson({ url: main.url, waitBudget: budget }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 20 });
    expect(http.waits).toEqual([20_000]);
  });

  it('reads the wait from an HTTP date or from the body when there is no number', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:30 GMT', null, now)).toBe(30);
    expect(retryAfterSeconds(null, { 'retry-after': 28.7 }, now)).toBe(28.7);
    expect(retryAfterSeconds(null, {}, now)).toBeNull();
  });

  it('backs off exponentially when the server gives no wait', async () => {
    main.setMode({ kind: 'status', status: 429, body: '{}' });
    const http = testClient({ maxRetries: 3 });
    expect((await failureOf(http.getJson({ url: main.url }))).code).toBe('RATE_LIMITED');
    expect(http.waits).toEqual([1000, 2000, 4000]);
  });

  it('cancelling during a wait stops at once with CANCELLED', async () => {
    main.setMode(limited('30'));
    const controller = new AbortController();
    const http = createHttpClient({ fetch: nodeFetch });
    const started = Date.now();
    const pending = failureOf(
      http.getJson({
        url: main.url,
        signal: controller.signal,
        onWait: () => setTimeout(() => controller.abort(), 50),
      }),
    );
    const error = await pending;
    expect(error.code).toBe('CANCELLED');
    // Well inside the 30 s the server asked to wait (a bound, not a speed).
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('cancellation', () => {
  it('aborting a slow request is CANCELLED, not TIMEOUT', async () => {
    main.setMode({ kind: 'timeout' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failureOf(
      testClient().getJson({ url: main.url, signal: controller.signal }),
    );
    expect(error.code).toBe('CANCELLED');
  });

  it('an already-aborted signal makes no request', async () => {
    const error = await failureOf(
      testClient().getJson({ url: main.url, signal: AbortSignal.abort() }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(main.requests).toHaveLength(0);
  });
});

describe('redirects', () => {
  it('follows a same-origin redirect with the credentials', async () => {
    main.setMode({ kind: 'redirect', to: `${main.url}/moved`, exact: true }, { times: 1 });
    const res = await testClient().getJson({ url: `${main.url}/start`, credentials: bearer });
    expect(res.url).toBe(`${main.url}/moved`);
    expect(main.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/start', `Bearer ${SECRET}`],
      ['/moved', `Bearer ${SECRET}`],
    ]);
  });

  it('drops the credentials on a cross-origin hop (asserted at the second server)', async () => {
    main.setMode({ kind: 'redirect', to: other.url, status: 307 });
    const res = await testClient().getJson({ url: `${main.url}/api/v1/users/me` });
    expect(res.url).toBe(`${other.url}/api/v1/users/me`);
    await failureOf(
      testClient().getJson({ url: `${main.url}/api/v1/users/me`, credentials: bearer }),
    );
    expect(main.requests[1]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(other.requests).toHaveLength(2);
    expect(other.requests[1]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(other.requests[1]?.headers)).not.toContain(SECRET);
  });

  it('refuses a success from another origin: the key was never checked there', async () => {
    main.setMode({ kind: 'redirect', to: other.url, status: 302 });
    const error = await failureOf(
      testClient().getJson({ url: `${main.url}/api/v1/users/me`, credentials: bearer }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.field).toBe('baseUrl');
    expect(error.message).toContain(`another origin, ${other.url}`);
    expect(error.message).toMatch(/key was not sent there and could not be checked/);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('never sends them again after leaving, even back on the first origin', async () => {
    other.setMode({ kind: 'redirect', to: `${main.url}/back`, exact: true }, { times: 1 });
    main.setMode({ kind: 'redirect', to: `${other.url}/away`, exact: true }, { times: 1 });
    await failureOf(testClient().getJson({ url: `${main.url}/start`, credentials: bearer }));
    expect(main.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/start', `Bearer ${SECRET}`],
      ['/back', undefined],
    ]);
  });

  it('explains a 401 after credentials were left behind', async () => {
    other.setMode({ kind: 'status', status: 401, body: '{"detail":"Not authenticated"}' });
    main.setMode({ kind: 'redirect', to: other.url });
    const error = await failureOf(
      testClient().getJson({ url: `${main.url}/api/v1/auths/`, credentials: bearer }),
    );
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain('never sends the key across origins');
    expect(error.message).toContain(`Use ${other.url} as the server URL`);
  });

  it.each([
    ['a loop', { kind: 'redirect', to: '/loop', exact: true } as const, /in a loop/],
    ['a missing Location', { kind: 'status', status: 302, body: '' } as const, /no destination/],
    [
      'a file: URL',
      { kind: 'redirect', to: 'file:///etc/passwd', exact: true } as const,
      /file: address/,
    ],
    [
      'a data: URL',
      { kind: 'redirect', to: 'data:text/html,hi', exact: true } as const,
      /data: address/,
    ],
  ])('refuses %s', async (_what, mode, message) => {
    main.setMode(mode);
    const error = await failureOf(
      testClient().getJson({ url: `${main.url}/loop`, credentials: bearer }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(message);
  });

  it('refuses a redirect to an address with a user name and password, and never shows them', async () => {
    main.setMode({
      kind: 'redirect',
      to: other.url.replace('http://', 'http://alice:hunter2@'),
      exact: true,
    });
    const error = await failureOf(
      testClient().getJson({ url: `${main.url}/api/v1/users/me`, credentials: bearer }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(
      /redirected \(HTTP 302\) to an address with a user name or password/,
    );
    expect(error.message).not.toMatch(/cannot be reached/);
    expect(JSON.stringify(error)).not.toMatch(/alice|hunter2/);
    expect(other.requests).toHaveLength(0);
  });

  it('never requests a URL that carries a user name and password', async () => {
    const error = await failureOf(
      testClient().getBytes({
        url: other.url.replace('http://', 'http://alice:hunter2@'),
        accept: () => true,
      }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/user name or password/);
    expect(JSON.stringify(error)).not.toMatch(/alice|hunter2/);
    expect(other.requests).toHaveLength(0);
  });

  it('follows at most 5 redirects', async () => {
    let n = 0;
    const chain = await startFakeServer((_req, res) => {
      n += 1;
      res.writeHead(302, { Location: `/hop${n}` });
      res.end();
    });
    try {
      const error = await failureOf(testClient().getJson({ url: `${chain.url}/hop0` }));
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toMatch(/more than 5 times/);
      expect(chain.requests).toHaveLength(6);
    } finally {
      await chain.close();
    }
  });
});

describe('never a secret in an error', () => {
  it.each([
    { kind: 'status', status: 401, body: JSON.stringify({ detail: 'bad' }) },
    { kind: 'html' },
    { kind: 'truncated' },
    { kind: 'reset' },
  ] as const)('%o', async (mode) => {
    main.setMode(mode);
    const error = await failureOf(
      testClient().getJson({ url: `${main.url}/x`, credentials: bearer }),
    );
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });
});

describe('mapping thrown network errors', () => {
  const url = 'https://chat.example.com/api/v1/users';
  const nodeError = (code: string) =>
    Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(code), { code }),
    });

  it.each([
    ['ECONNREFUSED', 'OFFLINE', /refused the connection/],
    ['ENOTFOUND', 'OFFLINE', /could not be found/],
    ['EAI_AGAIN', 'OFFLINE', /could not be found/],
    ['ECONNRESET', 'OFFLINE', /cut off/],
    ['UND_ERR_SOCKET', 'OFFLINE', /cut off/],
    ['EHOSTUNREACH', 'OFFLINE', /cannot be reached from this network/],
    ['ETIMEDOUT', 'TIMEOUT', /did not answer in time/],
    ['UND_ERR_CONNECT_TIMEOUT', 'TIMEOUT', /did not answer in time/],
    ['CERT_HAS_EXPIRED', 'TLS', /certificate/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS', /certificate/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS', /certificate/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS', /certificate/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS', /certificate/],
  ])('Node %s → %s', (code, expected, message) => {
    const error = networkError(nodeError(code), url);
    expect(error.code).toBe(expected);
    expect(error.message).toMatch(message);
    expect(error.url).toBe(url);
  });

  it('looks inside AggregateError (IPv4 and IPv6 both refused)', () => {
    const cause = new AggregateError(
      [Object.assign(new Error('a'), { code: 'ECONNREFUSED' })],
      'all failed',
    );
    expect(networkError(Object.assign(new TypeError('fetch failed'), { cause }), url).code).toBe(
      'OFFLINE',
    );
  });

  it.each([
    ['net::ERR_CONNECTION_REFUSED', 'OFFLINE', /refused the connection/],
    ['net::ERR_NAME_NOT_RESOLVED', 'OFFLINE', /could not be found/],
    ['net::ERR_INTERNET_DISCONNECTED', 'OFFLINE', /This computer is offline/],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'TLS', /certificate/],
    ['net::ERR_CERT_DATE_INVALID', 'TLS', /certificate/],
    ['net::ERR_TIMED_OUT', 'TIMEOUT', /did not answer in time/],
    ['net::ERR_CONNECTION_TIMED_OUT', 'TIMEOUT', /did not answer in time/],
    ['net::ERR_PROXY_CONNECTION_FAILED', 'OFFLINE', /proxy/],
    ['net::ERR_ADDRESS_UNREACHABLE', 'OFFLINE', /ERR_ADDRESS_UNREACHABLE/],
  ])('Electron %s → %s', (text, expected, message) => {
    const error = networkError(new Error(text), url);
    expect(error.code).toBe(expected);
    expect(error.message).toMatch(message);
  });

  it('a port browsers block is INVALID_INPUT', () => {
    const error = networkError(
      Object.assign(new TypeError('fetch failed'), { cause: new Error('bad port') }),
      'http://example.com:6000/',
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/Port 6000 is blocked/);
  });
});

describe('server messages', () => {
  it.each([
    [{ result: 'error', msg: 'Invalid API key', code: 'INVALID_API_KEY' }, 'Invalid API key'],
    [{ detail: 'Not authenticated' }, 'Not authenticated'],
    [
      { detail: [{ loc: ['query', 'page'], msg: 'Input should be a valid integer' }] },
      'Input should be a valid integer',
    ],
    [{ error: { message: 'nested words' } }, 'nested words'],
    [{ unrelated: 1 }, undefined],
    [null, undefined],
  ])('%j → %j', (body, expected) => {
    expect(serverMessageOf(body)).toBe(expected);
  });
});

describe('over Electron’s network stack (net.request, emulated)', () => {
  // Compile-time: Electron's own net.request fits the adapter.
  const _fits: (request: typeof net.request) => (o: NetRequestOptions) => NetClientRequest = (r) =>
    r;
  void _fits;

  const electronClient = () =>
    createHttpClient({
      fetch: fetchOverNetRequest(emulatedNetRequest),
      sleep: recordingSleep().sleep,
    });

  it('gets JSON with the headers, no cookies and no cache', async () => {
    emulatedRequests.length = 0;
    const res = await electronClient().getJson({
      url: `${main.url}/api/v1/users/me`,
      credentials: bearer,
    });
    expect(res.json).toEqual({ ok: true, path: '/api/v1/users/me' });
    expect(main.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(emulatedRequests[0]?.options).toEqual({
      method: 'GET',
      url: `${main.url}/api/v1/users/me`,
      redirect: 'manual',
      credentials: 'omit',
      useSessionCookies: false,
      cache: 'no-store',
    });
  });

  it('turns redirects into 3xx answers, so credentials stay on their origin', async () => {
    main.setMode({ kind: 'redirect', to: other.url, status: 302 });
    const error = await failureOf(
      electronClient().getJson({ url: `${main.url}/api/v1/auths/`, credentials: bearer }),
    );
    expect(error.url).toBe(`${other.url}/api/v1/auths/`);
    expect(main.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('Electron’s net.fetch itself cannot: a redirect rejects, reported as such', async () => {
    main.setMode({ kind: 'redirect', to: other.url });
    const error = await failureOf(
      createHttpClient({ fetch: netFetchLike }).getJson({ url: main.url, credentials: bearer }),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/could not follow/);
    expect(other.requests).toHaveLength(0);
  });

  it('maps failures the same way: HTML, refused, cut off, too large, timeout, cancelled', async () => {
    main.setMode({ kind: 'html' }, { times: 1 });
    expect((await failureOf(electronClient().getJson({ url: main.url }))).code).toBe('NOT_AN_API');
    main.setMode({ kind: 'reset-mid-body' }, { times: 1 });
    expect((await failureOf(electronClient().getJson({ url: main.url }))).code).toBe('OFFLINE');
    main.setMode({ kind: 'huge', bytes: 5 * 1024 * 1024 }, { times: 1 });
    expect(
      (await failureOf(electronClient().getJson({ url: main.url, maxBytes: 1024 * 1024 }))).code,
    ).toBe('TOO_LARGE');
    main.setMode({ kind: 'timeout' }, { times: 1 });
    expect(
      (
        await failureOf(
          createHttpClient({
            fetch: fetchOverNetRequest(emulatedNetRequest),
            timeoutMs: 200,
          }).getJson({ url: main.url }),
        )
      ).code,
    ).toBe('TIMEOUT');
    main.setMode({ kind: 'slow', delayMs: 500 }, { times: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(
      (await failureOf(electronClient().getJson({ url: main.url, signal: controller.signal })))
        .code,
    ).toBe('CANCELLED');
    await main.stop();
    const refused = await failureOf(electronClient().getJson({ url: main.url }));
    expect(refused.code).toBe('OFFLINE');
    expect(refused.message).toMatch(/refused the connection/);
  });

  it('waits out a 429 the same way', async () => {
    main.setMode(
      { kind: 'status', status: 429, body: '{}', headers: { 'Retry-After': '1.5' } },
      { times: 1 },
    );
    const { sleep, waits } = recordingSleep();
    const res = await createHttpClient({
      fetch: fetchOverNetRequest(emulatedNetRequest),
      sleep,
    }).getJson({ url: main.url });
    expect(res.status).toBe(200);
    expect(waits).toEqual([1500]);
  });
});

describe('writes (the actions of issue 15)', () => {
  /** Echoes the method, content type and body it received. */
  const echo: Router = async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    sendJson(
      res,
      200,
      JSON.stringify({
        method: req.method,
        type: req.headers['content-type'] ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  };

  it.each([
    ['Node’s fetch', () => testClient()],
    [
      'Electron’s net.request',
      () =>
        createHttpClient({
          fetch: fetchOverNetRequest(emulatedNetRequest),
          sleep: recordingSleep().sleep,
        }),
    ],
  ])('sends the method and the body, form or JSON, over %s', async (_name, client) => {
    const server = await startFakeServer(echo);
    try {
      const form = await client().getJson({
        url: `${server.url}/api/v1/users/8`,
        method: 'PATCH',
        body: { kind: 'form', fields: { role: '400', note: 'a&b=c' } },
        credentials: bearer,
      });
      expect(form.json).toEqual({
        method: 'PATCH',
        type: 'application/x-www-form-urlencoded',
        body: 'role=400&note=a%26b%3Dc',
      });
      const json = await client().getJson({
        url: `${server.url}/api/v1/users/x/update`,
        method: 'POST',
        body: { kind: 'json', value: { role: 'pending', name: 'Zoë' } },
        credentials: bearer,
      });
      expect(json.json).toEqual({
        method: 'POST',
        type: 'application/json',
        body: '{"role":"pending","name":"Zoë"}',
      });
      const remove = await client().getJson({
        url: `${server.url}/api/v1/users/x`,
        method: 'DELETE',
        credentials: bearer,
      });
      expect(remove.json).toEqual({ method: 'DELETE', type: null, body: '' });
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${SECRET}`,
        `Bearer ${SECRET}`,
        `Bearer ${SECRET}`,
      ]);
    } finally {
      await server.close();
    }
  });

  it.each([301, 302, 303, 307, 308])(
    'a write answered with a redirect (%i) is refused, not sent on, even to its own origin',
    async (status) => {
      main.setMode(
        { kind: 'redirect', to: `${main.url}/elsewhere`, status, exact: true },
        { times: 1 },
      );
      const error = await failureOf(
        testClient().getJson({
          url: `${main.url}/api/v1/users/8`,
          method: 'PATCH',
          body: { kind: 'form', fields: { role: '600' } },
          credentials: bearer,
        }),
      );
      expect(error.code).toBe('BAD_RESPONSE');
      expect(error.message).toMatch(
        new RegExp(
          `answered a change with a redirect \\(HTTP ${status}\\)\\. Rollcall never sends a change on`,
        ),
      );
      expect(main.requests.map((r) => r.path)).toEqual(['/api/v1/users/8']);
    },
  );

  it('a 429 on a write is waited out and the write sent again, body and all', async () => {
    const server = await startFakeServer(echo);
    try {
      server.setMode(
        { kind: 'status', status: 429, body: '{}', headers: { 'Retry-After': '2' } },
        { times: 1, method: 'POST' },
      );
      const http = testClient();
      const res = await http.getJson({
        url: server.url,
        method: 'POST',
        body: { kind: 'json', value: { role: 'user' } },
      });
      expect(res.json).toEqual({
        method: 'POST',
        type: 'application/json',
        body: '{"role":"user"}',
      });
      expect(http.waits).toEqual([2000]);
      expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    } finally {
      await server.close();
    }
  });
});
