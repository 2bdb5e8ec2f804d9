// Digests of texts in one call (text-digest.ts) must be the digests a Hash
// object fed the same text gives: caches hold source digests, content
// hashes and Gravatar keys made that way, and a digest that changed would
// make the first sync after an upgrade write every user again.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { streamedDigest, textDigest } from '@core/text-digest';

/** Texts whose UTF-8 is easy to get wrong: lone and paired surrogates, NUL, long runs. */
const awkward = [
  '',
  'abc',
  'Zoë Ødegård',
  '👩‍💻 dev',
  '\uD800',
  'a\uDC00b',
  '\uDBFF\uDFFF',
  'nul\u0000inside',
  'x'.repeat(200_000),
  '{"user_id":7}\n{"full_name":"Ada"}',
];

describe('text digests', () => {
  it('match the known answers of SHA-256 and MD5', () => {
    expect(textDigest('sha256', 'abc', 'hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(textDigest('sha256', 'abc', 'base64')).toBe(
      'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
    );
    expect(textDigest('md5', 'abc', 'hex')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('are the digests a Hash object gives for the same text', () => {
    for (const text of awkward) {
      for (const [algorithm, encoding] of [
        ['sha256', 'hex'],
        ['sha256', 'base64'],
        ['md5', 'hex'],
      ] as const) {
        expect(textDigest(algorithm, text, encoding)).toBe(
          streamedDigest(algorithm, text, encoding),
        );
      }
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(textDigest('sha256', text, 'base64')).toBe(streamedDigest('sha256', text, 'base64'));
      }),
    );
  });

  it('are the digests of the same JSON fed to a Hash object in pieces, as syncs did', () => {
    // JSON.stringify writes lone surrogates as escapes, so joining its texts
    // never pairs two halves that the pieces hashed apart.
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const head = JSON.stringify([17, a]);
        const json = JSON.stringify(b);
        const pieces = createHash('sha256')
          .update(head.slice(0, -1))
          .update(',')
          .update(json)
          .update(']')
          .digest('base64');
        expect(textDigest('sha256', `${head.slice(0, -1)},${json}]`, 'base64')).toBe(pieces);
      }),
    );
  });
});
