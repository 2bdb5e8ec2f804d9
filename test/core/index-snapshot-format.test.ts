// Issue 17: the saved index's body (search/index-snapshot-format.ts) carries
// the exact keys of the relevance order packed (search/exact-keys.ts). Read
// back, they rank exactly as the index that wrote them, also once loaded
// slots are rewritten or removed; a body whose packed keys do not add up
// is refused, never trusted.
import { decodeIndexState, encodeIndexState } from '@core/search/index-snapshot-format';
import type { IndexState } from '@core/search/index-state';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import type { SearchQuery } from '@shared/model';
import { makeUser, searchQuery } from './cache-fixtures';

const NAMES = ['Anna Berg', 'Иван Петров', '王 小明', 'Zoë Müller', 'anna berg', 'Ab Cd'];

function rowOf(i: number, name = `${NAMES[i % NAMES.length]} ${i % 7}`): IndexedRow {
  const user = makeUser({
    userId: String(100 + i),
    connectionId: 'conn-a',
    name,
    email: `u${i % 50}@example.org`,
  });
  return { ...searchRowOf(user), rowId: i + 1 };
}

const TEXTS = ['anna berg 3', 'annaberg3', '105', 'u7@example.org', 'u7', 'иван', '王 小明 2', 'a'];
const QUERIES: SearchQuery[] = TEXTS.map((text) =>
  searchQuery({ text, sort: 'relevance', limit: 500, connectionIds: [], roles: [] }),
);

/** Runs a generator to its end. */
function run<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** The body bytes of a state, as one aligned buffer. */
function bodyOf(state: IndexState): Uint8Array {
  const parts = run(encodeIndexState(state));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function loaded(body: Uint8Array): ReturnType<typeof createSearchIndex> {
  const index = createSearchIndex();
  run(index.importState(run(decodeIndexState(body))));
  return index;
}

function expectSame(a: ReturnType<typeof createSearchIndex>, b: typeof a): void {
  for (const q of QUERIES) expect({ q, ...a.search(q) }).toEqual({ q, ...b.search(q) });
}

describe('the packed exact keys of a saved index', () => {
  it('rank exactly as the index that wrote them, before and after writes to loaded slots', () => {
    const rows = Array.from({ length: 1200 }, (_, i) => rowOf(i));
    const built = createSearchIndex();
    built.upsert(rows);
    const index = loaded(bodyOf(run(built.exportState())));
    expectSame(index, built);
    // Exact keys find someone: tier 1 (the ID) and tier 2 (the address) come first.
    expect(index.search(QUERIES[2] as SearchQuery).rowIds[0]).toBe(6);
    // Rewrite and remove loaded slots, add new ones: the same writes to both.
    // Row 25 was "Anna Berg 3" (tier 3 for "anna berg 3"); renamed, it is tier 4 and
    // sorts first by name: a stale key would keep it in tier 3, ahead of the rest.
    const writes = [
      rowOf(4, 'Anna Berg 3'),
      rowOf(5, 'Renamed Person'),
      rowOf(24, 'Anna 3 Berg'),
      rowOf(1300, 'Anna Berg 3'),
    ];
    for (const target of [built, index]) {
      target.upsert(writes);
      target.remove([3, 7, 1300]);
      target.upsert([rowOf(1300, 'Annaberg 3')]);
    }
    expectSame(index, built);
    // And saved again from the loaded index, it still answers the same.
    expectSame(loaded(bodyOf(run(index.exportState()))), built);
  });

  const damages: [string, (state: IndexState) => void][] = [
    ['a key of no units', (s) => void (s.starts.keys.keyLengths[0] = 0)],
    [
      'key lengths that do not add up to the units',
      (s) => void (s.starts.keys.keyLengths[1] = (s.starts.keys.keyLengths[1] as number) + 1),
    ],
    [
      'keys on a slot no one holds',
      (s) => {
        const { keyCounts } = s.starts.keys;
        keyCounts[keyCounts.length - 1] = (keyCounts[keyCounts.length - 1] as number) + 1;
      },
    ],
    ['fewer key counts than slots', (s) => void (s.starts.keys.keyCounts = new Int32Array(3))],
  ];
  for (const [kind, damage] of damages) {
    it(`are refused with ${kind}`, () => {
      const index = createSearchIndex();
      index.upsert(Array.from({ length: 40 }, (_, i) => rowOf(i)));
      index.remove([40]);
      const state = run(index.exportState());
      // Sound as written.
      expect(() => run(decodeIndexState(bodyOf(state)))).not.toThrow();
      damage(state);
      expect(() => run(decodeIndexState(bodyOf(state)))).toThrow(/search index snapshot/);
    });
  }
});
