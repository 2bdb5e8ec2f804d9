// Parsing large JSON in slices (json-slices.ts) gives exactly what
// JSON.parse gives: the same values, keys in the same order, `__proto__`
// as an own key, the same refusals of malformed text and invalid UTF-8;
// and it lets the event loop run while it works.
import fc from 'fast-check';
import {
  JsonSliceError,
  jsonTextPieces,
  parseJsonInSlices,
  stringifyJsonInSlices,
} from '@core/net/json-slices';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** JSON.parse as http.ts did it: decode (fatal), then parse. */
function reference(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; kind: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, kind: 'utf8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, kind: 'syntax' };
  }
}

async function sliced(
  bytes: Uint8Array,
  leafBytes: number,
): Promise<{ ok: true; value: unknown } | { ok: false; kind: string }> {
  try {
    return { ok: true, value: await parseJsonInSlices(bytes, { leafBytes }) };
  } catch (thrown) {
    if (thrown instanceof JsonSliceError) return { ok: false, kind: thrown.kind };
    throw thrown;
  }
}

/** Serializes with whitespace between tokens, as servers may. */
function spaced(value: unknown, space: string): string {
  return JSON.stringify(value, null, space).replace(/,\n/g, ' ,\n\t');
}

/** Key order matters: compare the serializations, which follow own-key order. */
const sameAs = (a: unknown, b: unknown): void => expect(JSON.stringify(a)).toBe(JSON.stringify(b));

describe('parsing JSON in slices', () => {
  it('gives what JSON.parse gives for any JSON, however small the slices', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 5 }),
        fc.constantFrom('', ' ', '\t', '  '),
        fc.integer({ min: 16, max: 200 }),
        async (value, space, leafBytes) => {
          const text = spaced(value, space);
          const expected = reference(encode(text));
          const actual = await sliced(encode(text), leafBytes);
          expect(actual.ok).toBe(true);
          if (expected.ok && actual.ok) sameAs(actual.value, expected.value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps key order, duplicate keys (last wins, first place) and __proto__ as JSON.parse does', async () => {
    const texts = [
      '{"b":1,"2":[1,2,3,4,5,6,7,8],"a":{"x":"yyyyyyyyyyyyyyyy"},"b":"again","__proto__":{"polluted":true},"1":null}',
      '{"pad":"pppppppppppppppppppp","__proto__":{"p":1},"z":[{"__proto__":{"q":2}}],"pad2":"pppppppppppppppp"}',
    ];
    for (const text of texts) {
      for (const leafBytes of [16, 24, 40, 1 << 20]) {
        const expected = JSON.parse(text) as Record<string, unknown>;
        const actual = (await parseJsonInSlices(encode(text), { leafBytes })) as Record<
          string,
          unknown
        >;
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
        sameAs(actual, expected);
        expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
        expect(Object.prototype.hasOwnProperty.call(actual, '__proto__')).toBe(true);
        expect(({} as { polluted?: boolean; p?: number }).p).toBeUndefined();
      }
    }
  });

  it('refuses what JSON.parse refuses, with the same kind of error', async () => {
    const bad = [
      '',
      ' ',
      '[1,2,]',
      '[1 2]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '[1,2',
      '{"a":[1,2}',
      '[1,2]]',
      '[1,2] x',
      '"unterminated',
      '[tru]',
      '{"a":1}{"b":2}',
      '[01]',
      '["\\x"]',
      '{"k":}',
      '[,1]',
    ];
    for (const text of bad) {
      for (const leafBytes of [16, 1 << 20]) {
        const expected = reference(encode(text));
        expect(expected.ok).toBe(false);
        const actual = await sliced(encode(text), leafBytes);
        expect({ text, ...actual }).toEqual({ text, ok: false, kind: 'syntax' });
      }
    }
  });

  it('agrees with JSON.parse on randomly damaged documents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 4 }),
        fc.nat(),
        fc.constantFrom('delete', 'insert', 'replace'),
        fc.constantFrom(',', ']', '}', '[', '{', '"', ':', ' ', 'x', '\\', '1'),
        async (value, at, how, ch) => {
          const text = JSON.stringify({ data: value, pad: [1, 2, 3] });
          const i = at % text.length;
          const damaged =
            how === 'delete'
              ? text.slice(0, i) + text.slice(i + 1)
              : how === 'insert'
                ? text.slice(0, i) + ch + text.slice(i)
                : text.slice(0, i) + ch + text.slice(i + 1);
          const expected = reference(encode(damaged));
          const actual = await sliced(encode(damaged), 16);
          expect(actual.ok).toBe(expected.ok);
          if (expected.ok && actual.ok) sameAs(actual.value, expected.value);
          if (!expected.ok && !actual.ok) expect(actual.kind).toBe(expected.kind);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports invalid UTF-8 anywhere as UTF-8, as decoding first would', async () => {
    const good = encode('{"members":[{"name":"Zoë"},{"name":"Ann"}],"x":"y"}');
    for (const at of [1, 14, 22, good.length - 2]) {
      const bytes = new Uint8Array(good);
      bytes[at] = 0xff;
      expect(reference(bytes)).toMatchObject({ ok: false, kind: 'utf8' });
      expect(await sliced(bytes, 16)).toMatchObject({ ok: false, kind: 'utf8' });
    }
  });

  it('drops a byte order mark at the start only, as TextDecoder does', async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encode('["\uFEFFa", 1]')]);
    sameAs(await parseJsonInSlices(withBom, { leafBytes: 16 }), ['\uFEFFa', 1]);
  });

  it('yields to the event loop while parsing a large document', async () => {
    const members = Array.from({ length: 20_000 }, (_, i) => ({
      user_id: i,
      full_name: `Person ${i} Ünïcode`,
      email: `p${i}@example.com`,
      profile_data: { '1': { value: 'x'.repeat(40) } },
    }));
    const bytes = encode(JSON.stringify({ result: 'success', members }));
    expect(bytes.length).toBeGreaterThan(2_000_000);
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const parsed = await parseJsonInSlices(bytes, { budgetMs: 1 });
    clearInterval(timer);
    sameAs(parsed, JSON.parse(new TextDecoder().decode(bytes)));
    expect(turns).toBeGreaterThan(2);
  });

  it('parses one long string a slice at a time, never cutting an escape or a character (issue 13)', async () => {
    // Escapes, 2-, 3- and 4-byte characters, escaped surrogate pairs and a
    // lone surrogate, at every offset against the slice size.
    const unit = String.raw`ab\\\"\n\u00e9é中😀\ud83d\ude00\udc00x`;
    const body = `{"full_name":"${unit.repeat(3000)}","id":1}`;
    const expected = JSON.parse(body) as { full_name: string };
    const jsonParse = JSON.parse;
    for (const leafBytes of [16, 17, 23, 64]) {
      let parses = 0;
      const spy = vi.spyOn(JSON, 'parse').mockImplementation((text: string) => {
        parses++;
        return jsonParse(text) as unknown;
      });
      let actual: unknown;
      try {
        actual = await parseJsonInSlices(encode(body), { leafBytes });
      } finally {
        spy.mockRestore();
      }
      sameAs(actual, expected);
      expect((actual as { full_name: string }).full_name).toBe(expected.full_name);
      // One JSON.parse per slice, not one for the whole string.
      expect(parses).toBeGreaterThan(encode(body).length / leafBytes / 2);
    }
  });

  it('refuses a long string with a bad escape or a raw control character, as JSON.parse does', async () => {
    const a = 'a'.repeat(100);
    const texts = [
      String.raw`["${a}\x${a}"]`,
      String.raw`["${a}\u12"]`,
      `["${a}\u0001${a}"]`,
      String.raw`["${a}\"]`,
      String.raw`"${a}\u00"`,
    ];
    for (const text of texts) {
      const expected = reference(encode(text));
      expect(expected.ok).toBe(false);
      expect(await sliced(encode(text), 16)).toEqual({ ok: false, kind: 'syntax' });
    }
  });

  it('parses a hostile, deeply nested document without splitting it a million times', async () => {
    const depth = 300_000;
    const text = '['.repeat(depth) + ']'.repeat(depth);
    const expected = reference(encode(text));
    const actual = await sliced(encode(text), 1024);
    expect(actual.ok).toBe(expected.ok);
  });
});

describe('serializing JSON in slices', () => {
  it('gives a long string in pieces of bounded size, joined exactly as JSON.stringify (issue 13)', () => {
    // Surrogate pairs land on every slice boundary; a lone one is escaped as JSON.stringify does.
    const name = `${'x'.repeat(65_535)}😀${'é\n"'.repeat(40_000)}\ud800${'😀'.repeat(70_000)}`;
    const value = { full_name: name, nested: [{ deep: name }], n: 1 };
    const pieces = [...jsonTextPieces(value)];
    expect(pieces.join('')).toBe(JSON.stringify(value));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(6 * 65_537);
    expect(pieces.length).toBeGreaterThan(8);
  });

  it('gives what JSON.stringify gives for any JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        expect(await stringifyJsonInSlices(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('drops undefined members of objects and writes null for them in arrays, as JSON.stringify does', async () => {
    const value = { a: undefined, b: [undefined, 1, () => 2], c: { d: undefined, e: 'x' } };
    expect(await stringifyJsonInSlices(value)).toBe(JSON.stringify(value));
    const withToJson = { when: new Date(0), nested: { when: new Date(1) } };
    expect(await stringifyJsonInSlices(withToJson)).toBe(JSON.stringify(withToJson));
  });

  it('yields to the event loop while serializing a large value', async () => {
    const groupIdsByUser = Object.fromEntries(
      Array.from({ length: 100_000 }, (_, i) => [String(i), [String(i % 7), String(i % 13)]]),
    );
    const value = { kind: 'zulip', fetchedAt: 1, groupIdsByUser };
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const json = await stringifyJsonInSlices(value, { budgetMs: 1 });
    clearInterval(timer);
    expect(json).toBe(JSON.stringify(value));
    expect(turns).toBeGreaterThan(2);
  });
});
