// The group and profile-field filters' data (search/filter-keys.ts): what
// the cache stores reads back, anything else reads as nothing (never a
// throw), and the index's filter bitset, kept between keystrokes, follows
// every change to the rows (issue 16).
import {
  encodeFilterKeys,
  fieldMatches,
  fieldsOf,
  filterJsonAndKeysOf,
  groupIdsOf,
  inAnyGroup,
  isFilterKeys,
  parseFilterJson,
  NO_FILTER_KEYS,
  type FieldTest,
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
    expect(keys).toBe(encodeFilterKeys(['7'], [['1', 'Zürich', 'zurich']]));
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

describe('filter keys as one string', () => {
  const text = (fieldId: string, needle: string): FieldTest => ({
    connectionId: 'c',
    fieldId,
    choice: false,
    needle,
  });
  const choice = (fieldId: string, needle: string): FieldTest => ({
    ...text(fieldId, needle),
    choice: true,
  });

  it('read back every entry, whatever units it holds and however long it is', () => {
    const long = 'x'.repeat(0x8000 + 5);
    const odd = ['', '\0', '\ud800', '\uffff', '\u8000\u0001', long, '😀 Smile'];
    const groups = ['7', ...odd];
    const fields: [string, string, string][] = odd.map((t, i) => [String(i), t, `${t}!`]);
    const keys = encodeFilterKeys(groups, fields);
    expect(isFilterKeys(keys)).toBe(true);
    expect(groupIdsOf(keys)).toEqual(groups);
    expect(fieldsOf(keys)).toEqual(fields);
    expect(encodeFilterKeys([], [])).toBe(NO_FILTER_KEYS);
    expect(groupIdsOf(NO_FILTER_KEYS)).toEqual([]);
    expect(fieldsOf(NO_FILTER_KEYS)).toEqual([]);
  });

  it('match a group or a field value within its own entry, never across two', () => {
    const keys = encodeFilterKeys(
      ['1', '23'],
      [
        ['4', 'ab', 'ab'],
        ['5', 'cd', 'cd'],
        ['45', 'Berlin', 'berlin'],
      ],
    );
    expect(inAnyGroup(keys, new Set(['23']))).toBe(true);
    expect(inAnyGroup(keys, new Set(['2', '3', '12', '4']))).toBe(false);
    expect(inAnyGroup(NO_FILTER_KEYS, new Set(['']))).toBe(false);
    expect(fieldMatches('c', keys, text('4', 'b'))).toBe(true);
    expect(fieldMatches('c', keys, text('4', ''))).toBe(true);
    // "bc" spans the end of field 4's text and the start of field 5's.
    expect(fieldMatches('c', keys, text('4', 'bc'))).toBe(false);
    expect(fieldMatches('c', keys, text('5', 'bc'))).toBe(false);
    expect(fieldMatches('c', keys, text('5', 'd'))).toBe(true);
    // A field ID is matched whole: "4" is not "45", and a group ID is not a field ID.
    expect(fieldMatches('c', keys, text('4', 'berl'))).toBe(false);
    expect(fieldMatches('c', keys, text('45', 'berl'))).toBe(true);
    expect(fieldMatches('c', keys, text('1', ''))).toBe(false);
    expect(fieldMatches('c', keys, choice('45', 'Berlin'))).toBe(true);
    expect(fieldMatches('c', keys, choice('45', 'Berli'))).toBe(false);
    expect(fieldMatches('c', keys, choice('4', 'abcd'))).toBe(false);
    expect(fieldMatches('other', keys, text('4', 'b'))).toBe(false);
  });

  it('refuse a string that is not what the encoder writes', () => {
    const unit = String.fromCharCode;
    for (const bad of [
      unit(0), // a count and no entry
      unit(3) + unit(1) + '1', // three group IDs announced, one there
      unit(0) + unit(1) + 'a' + unit(1) + 'b', // a field that is not a triple
      unit(1) + unit(2) + 'a', // a length past the end
      unit(1) + unit(0x8001), // a long length cut short
    ]) {
      expect(isFilterKeys(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isFilterKeys(unit(1) + unit(1) + 'a')).toBe(true);
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
