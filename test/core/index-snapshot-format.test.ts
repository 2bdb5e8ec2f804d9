// Issue 17: the saved index's body (search/index-snapshot-format.ts) carries
// the exact keys of the relevance order packed (search/exact-keys.ts). Read
// back, they rank exactly as the index that wrote them, also once loaded
// slots are rewritten or removed; a body whose packed keys do not add up,
// or whose table of them does not find them, is refused, never trusted. The group and field filter keys travel as a
// table of distinct sets: read back, they filter as the index that wrote
// them, and slots with the same keys share one set.
import { copyUnitByUnit, createExactKeys, unitCopier } from '@core/search/exact-keys';
import { decodeIndexState, encodeIndexState } from '@core/search/index-snapshot-format';
import { encodeFilterKeys, NO_FILTER_KEYS } from '@core/search/filter-keys';
import type { IndexState } from '@core/search/index-state';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { BodyReader, BodyWriter, ITEMS_PER_STEP } from '@core/search/snapshot-body';
import type { Posting } from '@core/search/postings';
import type { SearchQuery } from '@shared/model';
import { field, makeUser, searchQuery } from './cache-fixtures';

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
  it('are copied unit for unit, whatever the script, as the copy in script does', () => {
    // Built by concatenation, as the index's keys are; an astral letter (two
    // units), a lone surrogate, an empty key, and offsets between calls.
    const batches = [
      ['id:' + 42, 'Zoë ' + 'Müller', ''],
      ['王 小明', '\u{1D4D0}nna', 'a\uD800b'],
      [],
      ['иван'.repeat(3)],
    ];
    const total = batches.flat().reduce((n, k) => n + k.length, 0);
    const native = new Uint16Array(total + 2).fill(0xffff);
    const script = new Uint16Array(total + 2).fill(0xffff);
    const copyNative = unitCopier(native);
    const copyScript = copyUnitByUnit(script);
    let a = 1;
    let b = 1;
    for (const keys of batches) {
      a = copyNative(keys, a);
      b = copyScript(keys, b);
      expect(a).toBe(b);
    }
    expect(a).toBe(total + 1);
    expect([...native]).toEqual([...script]);
    // Nothing written outside the keys' units.
    expect([native[0], native[total + 1]]).toEqual([0xffff, 0xffff]);
    expect(String.fromCharCode(...script.subarray(1, total + 1))).toBe(batches.flat().join(''));
  });

  it('are packed a bounded number of units a step, however few the slots', () => {
    // 64 slots of 4 000 units each: far fewer slots than a step of slots,
    // and a quarter of a million units, which a step must not copy at once.
    const keys = createExactKeys();
    const keyOf = (slot: number): string => String.fromCharCode(0x61 + (slot % 26)).repeat(4000);
    for (let slot = 0; slot < 64; slot++) keys.add(slot, [keyOf(slot), `id:${slot}`]);
    const steps = keys.packed(64);
    let yields = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) yields++;
    const packed = next.value;
    const all = Array.from({ length: 64 }, (_, slot) => [keyOf(slot), `id:${slot}`]).flat();
    const { buffer, byteOffset, byteLength } = packed.keyUnits;
    expect(Buffer.from(buffer, byteOffset, byteLength).toString('utf16le')).toBe(all.join(''));
    expect([...packed.keyLengths]).toEqual(all.map((k) => k.length));
    // A step copies at most 16 384 units and one slot's keys (4 005): 256 320 units take 13 steps or more.
    expect(yields).toBeGreaterThanOrEqual(12);
  });

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
    [
      'a table made by another hash (its cells moved along by one)',
      (s) => {
        const t = s.starts.keys.table;
        const moved = t.slice();
        t.set(moved.subarray(1));
        t[t.length - 1] = moved[0] as number;
      },
    ],
    ['a table with a cell past the keys', (s) => void s.starts.keys.table.fill(1 << 20, 0, 1)],
    ['a chain that loops', (s) => void (s.starts.keys.next[5] = 5)],
    [
      'a cell emptied, its keys on no chain',
      (s) => {
        const t = s.starts.keys.table;
        t[t.indexOf(s.starts.keys.next.length)] = 0;
      },
    ],
    [
      'a key on two chains',
      (s) => {
        // The last key's chain gains the first key, already on a chain of its own.
        const { table, next } = s.starts.keys;
        const last = next.length - 1;
        expect(table.includes(last + 1)).toBe(true);
        let c = last;
        while ((next[c] as number) >= 0) c = next[c] as number;
        if (c !== 0) next[c] = 0;
        else next[last] = -1;
      },
    ],
    ['a table of the wrong size', (s) => void (s.starts.keys.table = new Int32Array(8))],
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

describe('the filter keys of a saved index', () => {
  /** Users in a few shared groups and fields, some unique values, some with none. */
  function keyedRow(i: number): IndexedRow {
    const user = makeUser({
      userId: String(500 + i),
      connectionId: i % 5 === 0 ? 'conn-b' : 'conn-a',
      name: `Person ${i}`,
      groups: i % 4 === 0 ? [] : [{ id: String(i % 3), name: `Group ${i % 3}` }],
      profileFields:
        i % 6 === 0
          ? []
          : [
              field('City', ['Zürich', 'Berlin', 'Łódź'][i % 3] as string),
              field('Phone', `+49 30 ${i}`, true, 2),
            ],
    });
    return { ...searchRowOf(user), rowId: i + 1 };
  }
  const FILTERED: SearchQuery[] = [
    searchQuery({ groups: [{ connectionId: 'conn-a', groupId: '1' }] }),
    searchQuery({ groups: [{ connectionId: 'conn-b', groupId: '2' }], text: 'person' }),
    searchQuery({
      profileField: { connectionId: 'conn-a', fieldId: '1', match: 'text', value: 'lodz' },
    }),
    searchQuery({
      profileField: { connectionId: 'conn-a', fieldId: '2', match: 'text', value: '30 17' },
    }),
    searchQuery({
      profileField: { connectionId: 'conn-a', fieldId: '1', match: 'choice', value: 'Berlin' },
    }),
  ];

  it('filter as the index that wrote them, and slots with the same keys share one set', () => {
    const built = createSearchIndex();
    built.upsert(Array.from({ length: 300 }, (_, i) => keyedRow(i)));
    built.remove([10, 11]);
    const state = run(built.exportState());
    const decoded = run(decodeIndexState(bodyOf(state)));
    expect(decoded.columns.filterKeys).toEqual(state.columns.filterKeys);
    const index = createSearchIndex();
    run(index.importState(decoded));
    for (const q of FILTERED) {
      const answer = index.search(q);
      expect(answer).toEqual(built.search(q));
      // Each filter picks some of the users, never all or none.
      expect(answer.total).toBeGreaterThan(0);
      expect(answer.total).toBeLessThan(298);
    }
    // Users 1 and 7: group 1, Zürich; their phones differ. Users 18 and 30: no field, group 0.
    const keys = decoded.columns.filterKeys;
    expect(keys[18]).toBe(keys[30]);
    expect(keys[18]).toBe(encodeFilterKeys(['0'], []));
    expect(keys[1]).not.toBe(keys[7]);
    expect(keys[0]).toBe(NO_FILTER_KEYS);
    // Saved again from the loaded index (its slots share sets), it reads back the same.
    expect(run(decodeIndexState(bodyOf(run(index.exportState())))).columns.filterKeys).toEqual(
      state.columns.filterKeys,
    );
  });

  it('keep sets apart that differ only in how many of their strings are groups', () => {
    const index = createSearchIndex();
    index.upsert(Array.from({ length: 40 }, (_, i) => keyedRow(i)));
    const state = run(index.exportState());
    const asGroups = encodeFilterKeys(['1', '2', '3'], []);
    const asField = encodeFilterKeys([], [['1', '2', '3']]);
    const longer = encodeFilterKeys(['1', '2', '3'], [['4', '5', '6']]);
    const crafted = [asGroups, asField, longer];
    const keys = state.columns.filterKeys;
    for (let s = 0; s < 40; s++) keys[s] = crafted[s % 3] as string;
    const decoded = run(decodeIndexState(bodyOf(state))).columns.filterKeys;
    expect(decoded.slice(0, 40)).toEqual(keys.slice(0, 40));
    // Equal content, distinct objects on the way in: one set each on the way out.
    expect(decoded[0]).toBe(decoded[3]);
    expect(decoded[1]).toBe(decoded[37]);
    expect(decoded[0]).not.toBe(decoded[1]);
    expect(decoded[2]).not.toBe(decoded[0]);
  });

  /** Entries as `encodeFilterKeys` writes them, under any group count. */
  const entries = (groups: number, ...texts: string[]): string =>
    String.fromCharCode(groups) + texts.map((t) => String.fromCharCode(t.length) + t).join('');
  const shapes: [string, string][] = [
    ['more group IDs than keys', entries(3, '1')],
    ['a field that is not a triple', entries(1, '1', '2', 'a')],
    ['a length past the end', entries(1, '12').slice(0, -1)],
    ['a count and nothing else', entries(0)],
  ];
  for (const [kind, bad] of shapes) {
    it(`are refused with ${kind}`, () => {
      const index = createSearchIndex();
      index.upsert(Array.from({ length: 40 }, (_, i) => keyedRow(i)));
      const state = run(index.exportState());
      expect(() => run(decodeIndexState(bodyOf(state)))).not.toThrow();
      state.columns.filterKeys[3] = bad;
      expect(() => run(decodeIndexState(bodyOf(state)))).toThrow(/search index snapshot/);
    });
  }
});

describe('the texts of a saved index', () => {
  it('read back exactly, past a step of strings, in any mix of Latin-1 and wider text', () => {
    // Wider than a step (4 096 strings): Latin-1 and UTF-16 runs in each step, in every order.
    const names = [
      'Zoë Müller',
      'Иван',
      '王小明',
      '',
      'a',
      'Ab\u00ff',
      '😀 Smile',
      'Ōno',
      'x\ud800y',
    ];
    const rows = Array.from({ length: 4500 }, (_, i) =>
      rowOf(i, `${names[(i * 7) % names.length]} ${i % 3 === 0 ? 'Ærø' : 'Berg'} ${i}`),
    );
    const built = createSearchIndex();
    built.upsert(rows);
    const state = run(built.exportState());
    const c = run(decodeIndexState(bodyOf(state))).columns;
    expect(c.hay).toEqual(state.columns.hay);
    expect(c.nameKey).toEqual(state.columns.nameKey);
    expect(c.userKey).toEqual(state.columns.userKey);
    expect(c.hay.some((h) => /[\u0100-\uffff]/.test(h))).toBe(true);
    expect(c.hay.some((h) => !/[\u0100-\uffff]/.test(h))).toBe(true);
  });
});

describe('writing a saved index body in steps', () => {
  /** Runs a writer's generator to its end, counting its yields. */
  function stepsOf(g: Generator<void>): number {
    let steps = 0;
    while (!g.next().done) steps++;
    return steps;
  }

  it('zeroes and fills the strings buffer a quarter of a megabyte a step, and reads back the same strings', () => {
    // 40 strings of 32 768 Latin-1 characters: 1.25 MB, so at least 5 steps to zero it.
    const list = Array.from({ length: 40 }, (_, i) =>
      String.fromCharCode(97 + (i % 26)).repeat(32_768),
    );
    list.push('Ødegård', '王小明', '');
    const writer = new BodyWriter();
    expect(stepsOf(writer.strings(list))).toBeGreaterThanOrEqual(5);
    const joined = new Uint8Array(writer.bytes);
    let at = 0;
    for (const part of writer.parts) {
      joined.set(part, at);
      at += part.byteLength;
    }
    const read = new BodyReader(joined).strings(list.length);
    let r = read.next();
    while (!r.done) r = read.next();
    expect(r.value).toEqual(list);
  });

  it('sizes the postings of many keys in steps before copying them', () => {
    const keys = 3 * ITEMS_PER_STEP;
    const list = Array.from({ length: keys }, (_, i) => ({
      count: 1,
      list: Int32Array.of(i),
      bits: null,
    }));
    const writer = new BodyWriter();
    // Sized in 3 steps and 1 after; copied ITEMS_PER_STEP postings a step (3).
    expect(
      stepsOf(
        writer.postings(
          Float64Array.from(list, (_, i) => i),
          list as unknown as Posting[],
        ),
      ),
    ).toBe(3 + 1 + 3);
  });
});
