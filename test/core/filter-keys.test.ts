// The group and profile-field filters' data (search/filter-keys.ts): what
// the cache stores reads back, anything else reads as nothing (never a
// throw), and the index's filter bitset, kept between keystrokes, follows
// every change to the rows (issue 16).
import {
  fieldsOf,
  filterJsonAndKeysOf,
  groupIdsOf,
  parseFilterJson,
  NO_FILTER_KEYS,
} from '@core/search/filter-keys';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf, searchRows } from '@core/search/search-text';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { field, makeUser } from './cache-fixtures';

const ALL: SearchQuery = { ...DEFAULT_SEARCH_SPEC, offset: 0, limit: 100 };

describe('filter keys', () => {
  it('read back what the cache stores, text folded', () => {
    const user = makeUser({
      userId: '1',
      groups: [
        { id: '7', name: 'Ops' },
        { id: '7', name: 'Ops again' },
      ],
      profileFields: [field('City', 'Zürich'), { ...field('Empty', '', true, 2) }],
    });
    const keys = parseFilterJson(filterJsonAndKeysOf(user).json);
    expect(keys).toEqual({ groups: 1, packed: ['7', '1', 'Zürich', 'zurich'] });
    expect(groupIdsOf(keys!)).toEqual(['7']);
    expect(fieldsOf(keys!)).toEqual([['1', 'Zürich', 'zurich']]);
  });

  it('a write makes the same keys as reading back the JSON it stores', () => {
    const users = [
      makeUser({ userId: '1' }),
      makeUser({
        userId: '2',
        groups: [
          { id: '7', name: 'Ops' },
          { id: '7', name: 'Ops again' },
          { id: '__proto__', name: 'constructor' },
        ],
        profileFields: [field('City', 'Zürich'), field('Empty', '', true, 2)],
      }),
      makeUser({ userId: '3', profileFields: [field('Lone', '\ud800 x', false, 3)] }),
    ];
    for (const user of users) {
      const made = filterJsonAndKeysOf(user);
      expect(made.json).toBe(JSON.stringify(JSON.parse(made.json)));
      expect(made.keys).toEqual(parseFilterJson(made.json));
    }
    expect(filterJsonAndKeysOf(users[0]!).keys).toBe(NO_FILTER_KEYS);
  });

  it('read anything else as no keys at all (null), never throwing', () => {
    for (const bad of [
      '{',
      '[]',
      'null',
      '{"g":{},"f":[]}',
      '{"g":[[1,"x"]],"f":[]}',
      '{"g":[],"f":[["1","a"]]}',
    ]) {
      expect(parseFilterJson(bad), bad).toBeNull();
    }
    expect(parseFilterJson('')).toBe(NO_FILTER_KEYS);
  });
});

describe('the index with group and field filters set', () => {
  it('answers as the reference after every change, though it keeps the filter between keystrokes', () => {
    const index = createSearchIndex();
    const rows = new Map<number, IndexedRow>();
    const put = (rowId: number, groups: string[], city: string): void => {
      const user = makeUser({
        userId: String(rowId),
        name: `Person ${rowId}`,
        groups: groups.map((id) => ({ id, name: `G${id}` })),
        profileFields: city ? [field('City', city)] : [],
      });
      const row = { ...searchRowOf(user), rowId };
      rows.set(rowId, row);
      index.upsert([row]);
    };
    const queries: SearchQuery[] = [
      { ...ALL, groups: [{ connectionId: 'conn-a', groupId: '1' }] },
      { ...ALL, groups: [{ connectionId: 'conn-a', groupId: '1' }], text: 'person 2' },
      {
        ...ALL,
        profileField: { connectionId: 'conn-a', fieldId: '1', match: 'text', value: 'BER' },
      },
    ];
    // There and back: each check starts with the filter the last one ended with (the kept one).
    const check = (): void => {
      for (const q of [...queries, ...[...queries].reverse()]) {
        const expected = searchRows([...rows.values()], q);
        expect({ q, ids: index.search(q).rowIds }).toEqual({
          q,
          ids: expected.items.map((r) => r.rowId),
        });
      }
    };
    put(1, ['1'], 'Berlin');
    put(2, ['2'], 'Bern');
    put(3, [], '');
    check();
    put(2, ['1', '2'], 'Paris'); // Joins the group, leaves the city.
    check();
    index.remove([1]);
    rows.delete(1);
    check();
    put(4, ['1'], 'Berlin');
    check();
    index.clear();
    rows.clear();
    check();
  });
});
