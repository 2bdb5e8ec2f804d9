// Avatar bytes: data: URLs decoded without a request, server pictures with
// the connection's credentials, everything else without, raster images only
// (checked by their bytes), under a size cap, and typed errors otherwise.
import {
  fetchAvatar,
  decodeDataUrl,
  mayCarryCredentials,
  sniffImageType,
  AVATAR_MAX_BYTES,
} from '@core/net/avatar-fetch';
import type { FetchLike } from '@core/deps';
import { createHttpClient } from '@core/net/http';
import { OPENWEBUI_AVATAR_PATHS } from '@core/providers/openwebui';
import { ZULIP_AVATAR_PATHS } from '@core/providers/zulip';
import { syntheticPng } from '@core/services/synthetic/pictures';
import { sendBytes, startFakeServer, type FakeControls } from '../fakes/fake-http';
import {
  avifClaiming,
  bmpClaiming,
  gifClaiming,
  icoClaiming,
  jpegClaiming,
  pngClaiming,
  webpVp8Claiming,
} from '../fakes/image-headers';
import { failureOf, testClient } from '../fakes/test-client';

const PNG = syntheticPng([10, 20, 30], 8);
const JPEG = jpegClaiming(2, 2);
const GIF = gifClaiming([1, 1]);
const WEBP = webpVp8Claiming(2, 2);
const AVIF = avifClaiming(2, 2);
const BMP = bmpClaiming(2, 2);
const ICO = icoClaiming(2, 2);
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
const basic = { kind: 'basic' as const, username: 'admin@example.com', password: 'K3Y-0123456789' };

describe('sniffing', () => {
  it.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['GIF', GIF, 'image/gif'],
    ['WebP', WEBP, 'image/webp'],
    ['AVIF', AVIF, 'image/avif'],
    ['BMP', BMP, 'image/bmp'],
    ['ICO', ICO, 'image/x-icon'],
    ['SVG', SVG, null],
    ['HTML', new TextEncoder().encode('<!doctype html><p>'), null],
    ['nothing', new Uint8Array(), null],
  ])('%s', (_name, bytes, type) => {
    expect(sniffImageType(bytes)).toBe(type);
  });
});

describe('data: URLs', () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('decodes base64 pictures, typed by their bytes', () => {
    expect(decodeDataUrl(`data:image/png;base64,${b64(PNG)}`)).toEqual({
      contentType: 'image/png',
      bytes: PNG,
    });
    // A server that mislabels a GIF still gets it shown, as what it is.
    expect(decodeDataUrl(`data:image/png;base64,${b64(GIF)}`).contentType).toBe('image/gif');
  });

  it('decodes percent-encoded ones and tolerates line breaks in base64', () => {
    const encoded = [...JPEG].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    expect(decodeDataUrl(`data:image/jpeg,${encoded}`).contentType).toBe('image/jpeg');
    const wrapped = b64(PNG).replace(/(.{20})/g, '$1\n');
    expect(decodeDataUrl(`data:image/png;base64,${wrapped}`).bytes).toEqual(PNG);
  });

  it.each([
    [`data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`, /SVG/],
    ['data:text/html,<script>alert(1)</script>', /not an image/],
    ['data:image/png;base64,@@@', /broken base64/],
    ['data:image/png,%zz', /broken escapes/],
    ['data:image/png;base64,', /empty/],
    ['not a data url', /malformed/],
  ])('refuses %s', async (url, message) => {
    const error = await failureOf(() => decodeDataUrl(url));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(message);
  });

  it('refuses one over the cap before decoding it', async () => {
    const error = await failureOf(() =>
      decodeDataUrl(`data:image/png;base64,${'A'.repeat(8 * 1024 * 1024)}`, 5 * 1024 * 1024),
    );
    expect(error.code).toBe('TOO_LARGE');
  });
});

describe('fetching', () => {
  let server: FakeControls;
  let other: FakeControls;
  let answer: { type: string; body: Uint8Array; status?: number };

  beforeEach(async () => {
    answer = { type: 'image/png', body: PNG };
    const router = (_req: unknown, res: Parameters<typeof sendBytes>[0]) =>
      sendBytes(res, answer.status ?? 200, answer.type, answer.body);
    server = await startFakeServer(router);
    other = await startFakeServer(router);
  });
  afterEach(async () => {
    await server.close();
    await other.close();
  });

  const options = () => ({
    http: testClient(),
    baseUrl: `${server.url}/zulip`,
    avatarPaths: ZULIP_AVATAR_PATHS,
    credentials: basic,
  });

  it('a picture on the server goes with the credentials', async () => {
    const picture = await fetchAvatar(
      { kind: 'server', url: `${server.url}/zulip/user_avatars/1.png` },
      options(),
    );
    expect(picture).toEqual({ contentType: 'image/png', bytes: PNG });
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('admin@example.com:K3Y-0123456789').toString('base64')}`,
    );
  });

  it('an external picture (Gravatar, a CDN) goes without', async () => {
    await fetchAvatar({ kind: 'external', url: `${other.url}/avatar/abc?d=identicon` }, options());
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('a "server" picture on another origin still goes without: the origin decides', async () => {
    await fetchAvatar({ kind: 'server', url: `${other.url}/a.png` }, options());
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('a server picture redirected elsewhere leaves the credentials behind', async () => {
    server.setMode({ kind: 'redirect', to: `${other.url}/face.png`, exact: true }, { times: 1 });
    await fetchAvatar({ kind: 'server', url: `${server.url}/zulip/avatar/5` }, options());
    expect(server.requests[0]?.headers.authorization).toMatch(/^Basic /);
    expect(other.requests[0]?.path).toBe('/face.png');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('a server picture redirected on its own origin leaves the credentials behind', async () => {
    server.setMode(
      { kind: 'redirect', to: `${server.url}/zulip/api/v1/users`, exact: true },
      { times: 1 },
    );
    await fetchAvatar({ kind: 'server', url: `${server.url}/zulip/avatar/5` }, options());
    expect(server.requests[0]?.headers.authorization).toMatch(/^Basic /);
    expect(server.requests[1]?.path).toBe('/zulip/api/v1/users');
    expect(server.requests[1]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['an API route', '/zulip/api/v1/users'],
    ['a path outside the base path', '/other-app/user_avatars/1.png'],
    ['dot segments out of the picture folder', '/zulip/user_avatars/../api/v1/users'],
    ['encoded dot segments', '/zulip/user_avatars/%2e%2e/api/v1/users'],
    ['an encoded slash', '/zulip/avatar/5%2f..%2f..%2fapi'],
  ])('a "server" picture at %s goes without', async (_what, path) => {
    await fetchAvatar({ kind: 'server', url: `${server.url}${path}` }, options());
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('an inline picture makes no request at all', async () => {
    const noFetch: FetchLike = () => Promise.reject(new Error('no request expected'));
    const picture = await fetchAvatar(
      { kind: 'inline', dataUrl: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` },
      {
        http: createHttpClient({ fetch: noFetch }),
        baseUrl: server.url,
        avatarPaths: ZULIP_AVATAR_PATHS,
        credentials: basic,
      },
    );
    expect(picture.contentType).toBe('image/png');
  });

  it('no picture is NOT_FOUND', async () => {
    expect((await failureOf(fetchAvatar({ kind: 'none' }, options()))).code).toBe('NOT_FOUND');
  });

  it.each([
    ['an SVG', 'image/svg+xml', SVG, /SVG/],
    ['a web page', 'text/html', new TextEncoder().encode('<!doctype html>'), /text\/html/],
    [
      'HTML labelled image/png',
      'image/png',
      new TextEncoder().encode('<!doctype html>'),
      /not an image its bytes show/,
    ],
    ['JSON', 'application/json', new TextEncoder().encode('{}'), /application\/json/],
  ])('refuses %s', async (_what, type, body, message) => {
    answer = { type, body };
    const error = await failureOf(
      fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options()),
    );
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(message);
  });

  it('accepts untyped bytes that are a picture, typed by sniffing', async () => {
    answer = { type: 'application/octet-stream', body: JPEG };
    expect(
      (await fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options())).contentType,
    ).toBe('image/jpeg');
  });

  it('a picture over the cap is TOO_LARGE', async () => {
    answer = { type: 'image/png', body: new Uint8Array(AVATAR_MAX_BYTES + 1) };
    expect(
      (await failureOf(fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options()))).code,
    ).toBe('TOO_LARGE');
    other.setMode({ kind: 'huge', bytes: 20 * 1024 * 1024, contentType: 'image/png' });
    expect(
      (await failureOf(fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options()))).code,
    ).toBe('TOO_LARGE');
  });

  it('a picture whose header claims 16000×16000 pixels is TOO_LARGE, typed or not', async () => {
    for (const type of ['image/png', 'application/octet-stream']) {
      answer = { type, body: pngClaiming(16000, 16000) };
      const error = await failureOf(
        fetchAvatar({ kind: 'server', url: `${server.url}/zulip/user_avatars/1.png` }, options()),
      );
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toMatch(/16000×16000 pixels/);
    }
  });

  it('a gone picture is NOT_FOUND; an unreachable host is OFFLINE', async () => {
    answer = { type: 'text/plain', body: new TextEncoder().encode('gone'), status: 404 };
    expect(
      (await failureOf(fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options()))).code,
    ).toBe('NOT_FOUND');
    await other.stop();
    expect(
      (await failureOf(fetchAvatar({ kind: 'external', url: `${other.url}/x` }, options()))).code,
    ).toBe('OFFLINE');
  });

  it('refuses addresses it never fetches', async () => {
    const error = await failureOf(
      fetchAvatar({ kind: 'external', url: 'file:///etc/passwd' }, options()),
    );
    expect(error.code).toBe('BAD_RESPONSE');
  });
});

describe('which picture URLs get the key', () => {
  const OWUI = 'https://owui.example/chat/';
  it.each([
    ['/chat/api/v1/users/u-1/profile/image', true],
    ['/chat/api/v1/users/e19f7b26-4a3c-4d58-9e02-6b7c1a8d5f30/profile/image?v=2', true],
    ['/chat/user.png', true],
    ['/chat/api/v1/auths/api_key', false],
    ['/chat/api/v1/users/', false],
    ['/chat/api/v1/users/u-1/profile/image/', false],
    ['/chat/api/v1/users/u-1/profile/image/../../../../auths/api_key', false],
    ['/chat/api/v1/users/%2e%2e/profile/image', false],
    ['/chat/api/v1/users/.%2E/profile/image', false],
    ['/chat/api/v1/users/x%2f..%2f..%2fauths/profile/image', false],
    ['/chat/api/v1/users/x%5C..%5Cauths/profile/image', false],
    ['/chat/api/v1/users/x%00/profile/image', false],
    ['/chat/..\\other-app/user.png', false],
    ['/chat/../other-app/user.png', false],
    ['/chat/%2e%2e/other-app/user.png', false],
    ['/chat//api/v1/users/u-1/profile/image', false],
    ['/chatroom/user.png', false],
    ['/user.png', false],
    ['/other-app/api/v1/users/u-1/profile/image', false],
  ])('Open WebUI at https://owui.example/chat/: %s → %s', (path, keyed) => {
    expect(mayCarryCredentials(`https://owui.example${path}`, OWUI, OPENWEBUI_AVATAR_PATHS)).toBe(
      keyed,
    );
  });

  it.each([
    ['https://other.example/chat/user.png'],
    ['http://owui.example/chat/user.png'],
    ['https://owui.example:8443/chat/user.png'],
    ['https://admin:pw@owui.example/chat/user.png'],
    ['not a url'],
  ])('Open WebUI never for another origin or a URL with a login: %s', (url) => {
    expect(mayCarryCredentials(url, OWUI, OPENWEBUI_AVATAR_PATHS)).toBe(false);
  });

  it.each([
    ['/user_avatars/2/4f8a.png?version=3', true],
    ['/user_avatars/2/4f8a-medium.png', true],
    ['/avatar/7', true],
    ['/avatar/7/medium', true],
    ['/avatar/iago@zulip.example', true],
    ['/user_avatars', false],
    ['/user_avatars/', false],
    ['/user_avatars/../api/v1/users', false],
    ['/user_avatars/%2e%2e/api/v1/users', false],
    ['/avatar/7/../../api/v1/users/me', false],
    ['/avatar/7/full', false],
    ['/avatar/', false],
    ['/api/v1/users', false],
    ['/json/users', false],
  ])('Zulip at its root: %s → %s', (path, keyed) => {
    expect(
      mayCarryCredentials(
        `https://zulip.example${path}`,
        'https://zulip.example',
        ZULIP_AVATAR_PATHS,
      ),
    ).toBe(keyed);
  });
});
