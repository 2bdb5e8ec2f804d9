// Server URLs and user references as admins type them: what is accepted,
// how it is normalized, and the INVALID_INPUT (with the field) for the rest.
import { RollcallFailure } from '@shared/errors';
import {
  directUserId,
  isLoopbackHost,
  parseOpenWebUIUserRef,
  parseServerUrl,
  parseZulipUserRef,
} from '../../src-main/shared/server-url';

function failureOf(run: () => unknown): RollcallFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof RollcallFailure) return error;
    throw error;
  }
  throw new Error('expected a RollcallFailure');
}

describe('parseServerUrl', () => {
  it.each([
    ['chat.example.com', 'https://chat.example.com', false],
    ['  https://chat.example.com/  ', 'https://chat.example.com', false],
    ['HTTPS://Chat.Example.COM', 'https://chat.example.com', false],
    ['https://example.com/zulip', 'https://example.com/zulip', false],
    ['https://example.com/zulip///', 'https://example.com/zulip', false],
    ['https://example.com/zulip/api/v1', 'https://example.com/zulip', false],
    ['https://chat.example.com/api/v1/', 'https://chat.example.com', false],
    ['https://chat.example.com/json', 'https://chat.example.com', false],
    ['https://chat.example.com/api', 'https://chat.example.com', false],
    ['https://chat.example.com/#narrow/stream/1-general', 'https://chat.example.com', false],
    ['https://chat.example.com/?models=gpt-4o', 'https://chat.example.com', false],
    ['https://chat.example.com:443/', 'https://chat.example.com', false],
    ['chat.example.com:8443/owui', 'https://chat.example.com:8443/owui', false],
    ['localhost:9991', 'https://localhost:9991', false],
    ['http://localhost:9991', 'http://localhost:9991', false],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080', false],
    ['http://127.45.6.7', 'http://127.45.6.7', false],
    ['http://[::1]:3000', 'http://[::1]:3000', false],
    ['http://chat.example.com', 'http://chat.example.com', true],
    ['http://10.0.0.5:3000', 'http://10.0.0.5:3000', true],
    ['https://bücher.example', 'https://xn--bcher-kva.example', false],
  ])('%s → %s (insecure http: %s)', (input, baseUrl, insecureHttp) => {
    expect(parseServerUrl(input)).toEqual({ baseUrl, insecureHttp });
  });

  it.each([
    ['', /Enter the server URL/],
    ['   ', /Enter the server URL/],
    ['ftp://files.example.com', /not ftp:/],
    ['file:///etc/passwd', /not file:/],
    ['javascript:alert(1)', /not javascript:/],
    ['mailto:admin@example.com', /not mailto:/],
    ['https://admin:hunter2@chat.example.com', /Remove the user name and password/],
    ['admin:hunter2@chat.example.com', /Remove the user name and password/],
    ['https://chat example.com', /cannot contain spaces/],
    ['https://', /not a valid URL/],
    ['https://exa[mple.com', /not a valid URL/],
  ])('refuses %j', (input, message) => {
    const failure = failureOf(() => parseServerUrl(input));
    expect(failure.error.code).toBe('INVALID_INPUT');
    expect(failure.error.field).toBe('baseUrl');
    expect(failure.error.message).toMatch(message);
  });

  it('never echoes a password it refused', () => {
    const failure = failureOf(() => parseServerUrl('https://admin:s3cr3t-pass@chat.example.com'));
    expect(JSON.stringify(failure.error)).not.toContain('s3cr3t-pass');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'app.localhost',
    '127.0.0.1',
    '127.255.0.9',
    '[::1]',
    '::1',
    '[::ffff:7f00:1]',
  ])('%s is this machine', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['example.com', '10.0.0.1', '128.0.0.1', '[::2]', 'localhost.example.com', '0.0.0.0'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});

describe('Zulip user references', () => {
  it.each([
    ['42', { kind: 'zulip-id', userId: 42 }],
    [' 0042 ', { kind: 'zulip-id', userId: 42 }],
    ['#7', { kind: 'zulip-id', userId: 7 }],
    ['zoe.muller@example.com', { kind: 'zulip-email', email: 'zoe.muller@example.com' }],
    ['user9@zulip.example.com', { kind: 'zulip-email', email: 'user9@zulip.example.com' }],
    ['a+b@example.com', { kind: 'zulip-email', email: 'a+b@example.com' }],
  ])('%j', (input, ref) => {
    expect(parseZulipUserRef(input)).toEqual(ref);
  });

  it.each([
    '',
    '0',
    '-3',
    '1.5',
    '12345678901234567',
    'zoe',
    'zoe@',
    '@example.com',
    'a b@example.com',
    'a@b@c',
    '../etc@x/y',
  ])('refuses %j before any request', (input) => {
    const failure = failureOf(() => parseZulipUserRef(input));
    expect(failure.error.code).toBe('INVALID_INPUT');
    expect(failure.error.field).toBe('ref');
  });
});

describe('Open WebUI user references', () => {
  it.each([
    [
      '7d1e4a90-3c2b-4f6e-8a57-b91c0d2e6f13',
      { kind: 'openwebui-id', userId: '7d1e4a90-3c2b-4f6e-8a57-b91c0d2e6f13' },
    ],
    ['  admin_1  ', { kind: 'openwebui-id', userId: 'admin_1' }],
    ['Zoe@Example.com', { kind: 'openwebui-email', email: 'Zoe@Example.com' }],
    [
      'shared-3f2c9a7e-1111-4222-8333-944455556666',
      { kind: 'openwebui-shared-chat', chatId: '3f2c9a7e-1111-4222-8333-944455556666' },
    ],
  ])('%j', (input, ref) => {
    expect(parseOpenWebUIUserRef(input)).toEqual(ref);
  });

  it.each([
    '',
    'shared-',
    'shared-../x',
    '../admin',
    'a/b',
    'a b',
    'a?b',
    'a#b',
    '-leading',
    'x'.repeat(201),
  ])('refuses %j before any request', (input) => {
    const failure = failureOf(() => parseOpenWebUIUserRef(input));
    expect(failure.error.code).toBe('INVALID_INPUT');
    expect(failure.error.field).toBe('ref');
  });

  it('names the user ID a reference points at directly, if any', () => {
    expect(directUserId(parseZulipUserRef('42'))).toBe('42');
    expect(directUserId(parseZulipUserRef('a@b.c'))).toBeNull();
    expect(directUserId(parseOpenWebUIUserRef('abc'))).toBe('abc');
    expect(directUserId(parseOpenWebUIUserRef('shared-abc'))).toBeNull();
  });
});
