// A member's source digest (providers/source-digest.ts) is written from its
// parts so its payload is serialized once. It must stay the digest of
// `[DERIVATION_VERSION, ...inputs, redacted payload]` as one JSON text,
// which is what caches already hold: a digest that changed would make the
// first re-sync after an upgrade derive every user again. The payload it
// hands on is the one the cache stores: redacted, and its JSON.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { JsonValue } from '@shared/model';
import { memberSource } from '@core/providers/source-digest';
import { DERIVATION_VERSION } from '@core/store/derivation';
import { redactPayload } from '@core/store/redact-payload';

/** The digest as one JSON text, the way every earlier version wrote it. */
function wholeDigest(inputs: readonly unknown[], raw: JsonValue): string {
  return createHash('sha256')
    .update(JSON.stringify([DERIVATION_VERSION, ...inputs, redactPayload(raw)]))
    .digest('base64');
}

const inputs = fc.array(
  fc.oneof(fc.string(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown>),
  { minLength: 1, maxLength: 6 },
);

describe('member source digest', () => {
  it('is the digest of the whole JSON text, whatever the payload', () => {
    fc.assert(
      fc.property(inputs, fc.jsonValue() as fc.Arbitrary<JsonValue>, (parts, raw) => {
        expect(memberSource(parts, raw).digest).toBe(wholeDigest(parts, raw));
      }),
    );
  });

  it('hands on the payload redacted, with its JSON', () => {
    let deep: JsonValue = { password: 'deep secret' };
    for (let i = 0; i < 80; i++) deep = { next: deep };
    const raw: JsonValue = {
      user_id: 7,
      full_name: 'Zoë Ødegård',
      api_key: 'abcd1234',
      ['__proto__']: { polluted: true },
      nested: [{ token: 't0k3n', ok: false }],
      deep,
    };
    const parts = ['zulip', 'conn-1', 'https://chat.example.com', '', null, null];
    const { digest, payload } = memberSource(parts, raw);
    expect(payload.json).toBe(JSON.stringify(redactPayload(raw)));
    expect(JSON.parse(payload.json)).toEqual(JSON.parse(JSON.stringify(payload.value)));
    expect(payload.json).not.toContain('abcd1234');
    expect(payload.json).not.toContain('t0k3n');
    expect(payload.json).not.toContain('deep secret');
    expect(payload.json).toContain('Zoë Ødegård');
    expect(digest).toBe(wholeDigest(parts, raw));
  });
});
