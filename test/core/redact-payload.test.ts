import { REDACTED, redactPayload, redactUser } from '@core/store/redact-payload';
import type { DirectoryUser, JsonValue } from '@shared/model';

describe('payload redaction', () => {
  it("hides the credentials Open WebUI keeps in a user's settings", () => {
    const raw: JsonValue = {
      id: 'u1',
      name: 'Jane',
      settings: {
        ui: { models: ['gpt-4o'], chatBubble: true, notificationEnabled: false },
        directConnections: {
          OPENAI_API_BASE_URLS: ['https://api.example.com/v1'],
          OPENAI_API_KEYS: ['sk-live-1234567890abcdef'],
          OPENAI_API_CONFIGS: { '0': { key: 'sk-proj-abc', prefix_id: 'x' } },
        },
        tools: { servers: [{ url: 'https://tools', auth_type: 'bearer', key: 'tool-secret-1' }] },
        password: 'hunter2',
        apiKey: 'k-123',
        access_token: 'eyJhbGciOi.x.y',
      },
      oauth: { oidc: { sub: '00u1a2b3c4D5e6F7g8h9' } },
    };
    const text = JSON.stringify(redactPayload(raw));
    for (const secret of [
      'sk-live-1234567890abcdef',
      'sk-proj-abc',
      'tool-secret-1',
      'hunter2',
      'k-123',
      'eyJhbGciOi',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain(REDACTED);
    // What an admin needs stays.
    expect(text).toContain('00u1a2b3c4D5e6F7g8h9');
    expect(text).toContain('https://api.example.com/v1');
    expect(text).toContain('"chatBubble":true');
    expect(text).toContain('"prefix_id":"x"');
  });

  it('keeps keys that only look alike and empty or boolean values', () => {
    const out = redactPayload({
      monkey: 'banana',
      keyboard: 'qwerty',
      token_enabled: true,
      password: '',
      api_key: null,
    });
    expect(out).toEqual({
      monkey: 'banana',
      keyboard: 'qwerty',
      token_enabled: true,
      password: '',
      api_key: null,
    });
  });

  it('redacts extras of a normalized user', () => {
    const user = { extra: { settings: { secret: 's3cr3t-value' } } } as unknown as DirectoryUser;
    expect(JSON.stringify(redactUser(user))).not.toContain('s3cr3t-value');
  });

  it('keeps keys named like Object.prototype members, `__proto__` included (issue 13)', () => {
    const names = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
    const text = JSON.stringify(Object.fromEntries(names.map((n) => [n, { token: 't0k3n', n }])));
    const payload = JSON.parse(`{"info":${text},"__proto__":{"password":"pw-123"}}`) as JsonValue;
    const out = redactPayload(payload);
    expect(Object.keys(out as object).sort()).toEqual(['__proto__', 'info']);
    const info = (out as { info: { [key: string]: JsonValue } }).info;
    expect(Object.keys(info).sort()).toEqual([...names].sort());
    const round = JSON.stringify(structuredClone(out));
    expect(round).toContain('"__proto__":{"password":"[hidden by Rollcall]"}');
    expect(round).not.toMatch(/t0k3n|pw-123/);
  });

  it('copies only what holds a credential, and never changes what it was given', () => {
    const clean = JSON.parse(
      '{"id":"u1","tags":["a",{"b":1}],"settings":{"ui":{"x":true}}}',
    ) as JsonValue;
    expect(redactPayload(clean)).toBe(clean);
    const text =
      '{"id":"u2","tags":["a",{"b":1}],"ui":{"x":true},"deep":[{"n":1},{"token":"t-9"}]}';
    const mixed = JSON.parse(text) as { [key: string]: JsonValue };
    const out = redactPayload(mixed) as { [key: string]: JsonValue };
    expect(JSON.stringify(mixed)).toBe(text);
    expect(out).not.toBe(mixed);
    expect(JSON.stringify(out)).toBe(text.replace('"t-9"', JSON.stringify(REDACTED)));
    // Untouched branches are shared, changed ones copied.
    expect(out.ui).toBe(mixed.ui);
    expect(out.deep).not.toBe(mixed.deep);
    expect((out.deep as JsonValue[])[0]).toBe((mixed.deep as JsonValue[])[0]);
  });

  it('hides a credential the same way the thousandth time its key is met', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ [`k${i}`]: 'v', api_key: `s-${i}` }));
    const out = JSON.stringify(redactPayload(many));
    expect(out).not.toMatch(/s-\d/);
    expect(out.split(REDACTED)).toHaveLength(5001);
  });
});
