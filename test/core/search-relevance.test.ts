// The right person first (issue 17): the relevance order of relevance.ts
// (exact ID, exact email, whole name, name-word prefix, word prefix,
// substring; ties by name) and the folding gaps it closed (apostrophes,
// separators in names, formatted numbers, marks of scripts other than
// Latin, Greek and Cyrillic). Every case is asked of the reference search,
// the in-memory index and the SQL search, which must agree.
import {
  compactOf,
  exactKeysOf,
  rankNameOf,
  rankQueryOf,
  relevanceTier,
  startsAWord,
  type RankFields,
} from '@core/search/relevance';
import { createSearchIndex } from '@core/search/search-index';
import fc from 'fast-check';
import {
  foldText,
  pageByRelevance,
  searchRowOf,
  searchRows,
  sortByRelevance,
} from '@core/search/search-text';
import { createUsersRepo } from '@core/store/users-repo';
import { DEFAULT_SEARCH_SPEC, type DirectoryUser, type SearchQuery } from '@shared/model';
import { addConnectionRow, field, makeUser, openTestCache } from './cache-fixtures';

/** The names of the first `limit` matches, the same from all three searches. */
async function namesFound(
  users: DirectoryUser[],
  text: string,
  sort: SearchQuery['sort'] = 'relevance',
  limit = 60,
): Promise<string[]> {
  const query: SearchQuery = { ...DEFAULT_SEARCH_SPEC, text, sort, offset: 0, limit };
  const rows = users.map((u, i) => ({ ...searchRowOf(u), rowId: i + 1 }));
  const reference = searchRows(rows, query).items.map((r) => r.rowId);
  const index = createSearchIndex();
  index.upsert(rows);
  expect(index.search(query).rowIds).toEqual(reference);
  const cache = openTestCache();
  try {
    addConnectionRow(cache, 'conn-a', 'zulip');
    const repo = createUsersRepo(cache, { now: () => 1 });
    await repo.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    const byId = new Map(users.map((u, i) => [u.userId, i + 1]));
    expect(repo.search(query).items.map((s) => byId.get(s.userId))).toEqual(reference);
  } finally {
    cache.close();
  }
  return reference.map((id) => (users[id - 1] as DirectoryUser).name);
}

describe('relevance: the right person first', () => {
  it('puts the owner of an exact user ID first, before IDs that only contain it', async () => {
    const users = [
      makeUser({ userId: '51230', name: 'Aaron Able' }),
      makeUser({ userId: '1234', name: 'Bea Brook' }),
      makeUser({ userId: '4123', name: 'Cy Cole' }),
      makeUser({ userId: '123', name: 'Zed Zane' }),
    ];
    const found = await namesFound(users, '123');
    expect(found[0]).toBe('Zed Zane');
    expect(found).toHaveLength(4);
  });

  it('puts the owner of an exact email, or its local part, first', async () => {
    const users = [
      makeUser({ userId: '1', name: 'Ann Smith', email: 'ann.smith@example.com' }),
      makeUser({ userId: '2', name: 'Anna Ames', email: 'anna@example.com' }),
      makeUser({ userId: '3', name: 'Zara Xu', email: 'ann@example.com' }),
    ];
    expect((await namesFound(users, 'ann@example.com'))[0]).toBe('Zara Xu');
    expect((await namesFound(users, 'ANN')).slice(0, 2)).toEqual(['Zara Xu', 'Ann Smith']);
  });

  it('ranks a whole-name match, then name-word prefixes, then other fields, then substrings', async () => {
    const users = [
      makeUser({ userId: '1', name: 'Aaron Johannesburg' }),
      makeUser({ userId: '2', name: 'Aaron Hannover' }),
      makeUser({ userId: '3', name: 'Bob Smith', groups: [{ id: 'g', name: 'Annual review' }] }),
      makeUser({ userId: '4', name: 'Zoe Annable' }),
      makeUser({ userId: '5', name: 'Ann' }),
    ];
    expect(await namesFound(users, 'ann')).toEqual([
      'Ann',
      'Zoe Annable',
      'Bob Smith',
      'Aaron Hannover',
      'Aaron Johannesburg',
    ]);
    // Sort by name stays what it was.
    expect(await namesFound(users, 'ann', 'name')).toEqual([
      'Aaron Hannover',
      'Aaron Johannesburg',
      'Ann',
      'Bob Smith',
      'Zoe Annable',
    ]);
  });

  it('needs every term to start a name word for the name tier, and ties go by name', async () => {
    const users = [
      makeUser({ userId: '1', name: 'Maria Anna' }),
      makeUser({ userId: '2', name: 'Anna Mariana' }),
      makeUser({ userId: '3', name: 'Anna Maria' }),
      makeUser({ userId: '4', name: 'Hanna Amaria' }),
    ];
    expect(await namesFound(users, 'anna maria')).toEqual([
      'Anna Maria',
      'Anna Mariana',
      'Maria Anna',
      'Hanna Amaria',
    ]);
  });

  it('keeps a name word that only shares the first three letters of a longer term out of the name tier', async () => {
    // "Annick" starts with "ann", as "anna" does, but "anna" starts no word of it.
    const users = [
      makeUser({ userId: '1', name: 'Annick Berg', email: 'joanna@example.org' }),
      makeUser({ userId: '2', name: 'Zed Anna', email: 'z@example.org' }),
      makeUser({ userId: '3', name: 'Bob Smith', email: 'anna.smith@example.org' }),
      makeUser({ userId: '4', name: 'Annabel Stone', email: 'as@example.org' }),
    ];
    expect(await namesFound(users, 'anna')).toEqual([
      'Annabel Stone',
      'Zed Anna',
      'Bob Smith',
      'Annick Berg',
    ]);
  });

  it('orders a domain typed with its "@" by name, a page at a time', async () => {
    // A term led by a separator starts no word: every match is a substring
    // match, and the index stops its walk at the page's end.
    const users = Array.from({ length: 90 }, (_, i) =>
      makeUser({
        userId: String(100 + i),
        name: `${['Zoe', 'Ann', 'Mia', 'Bo'][i % 4]} ${String.fromCharCode(65 + ((i * 7) % 26))}${i}`,
        email: `p${i}@${i % 3 === 0 ? 'corp.' : ''}example.org`,
        profileFields: i % 10 === 0 ? [field('Alias', `ann${i}@example.org`)] : [],
      }),
    );
    users.push(makeUser({ userId: '999', name: 'Ann Other', email: 'ann@example.net' }));
    const holders = users.filter(
      (u) => u.email?.includes('@example.org') || u.profileFields.length > 0,
    ).length;
    expect(holders).toBe(63);
    expect(await namesFound(users, '@example.org', 'relevance', 40)).toHaveLength(40);
    const all = await namesFound(users, '@example.org', 'relevance', 200);
    expect(all).toHaveLength(holders);
    expect(all).not.toContain('Ann Other');
    // With a second term that does start words, the "@" term still keeps every row out of tier 5.
    const mixed = await namesFound(users, 'ann @example.org', 'relevance', 10);
    expect(mixed).toHaveLength(10);
  });

  it('orders by name when no text is typed', async () => {
    const users = [
      makeUser({ userId: '1', name: 'Cy' }),
      makeUser({ userId: '2', name: 'Ab' }),
      makeUser({ userId: '3', name: 'Bo' }),
    ];
    expect(await namesFound(users, '')).toEqual(['Ab', 'Bo', 'Cy']);
  });
});

describe('folding gaps', () => {
  it('drops apostrophes of every kind, in names and in queries alike', async () => {
    const names = ['O’Connor', 'Oʼ Brien', 'D‘Arcy', 'L`Amour', 'N´Dour', "O'Hara"];
    const users = names.map((name, i) => makeUser({ userId: String(i + 1), name }));
    expect(await namesFound(users, "o'connor", 'name')).toEqual(['O’Connor']);
    expect(await namesFound(users, 'darcy', 'name')).toEqual(['D‘Arcy']);
    expect(await namesFound(users, "l'amour", 'name')).toEqual(['L`Amour']);
    expect(await namesFound(users, 'ndour', 'name')).toEqual(['N´Dour']);
    expect(await namesFound(users, 'o’hara', 'name')).toEqual(["O'Hara"]);
    expect(foldText('Oʼ Brien')).toBe('o brien');
  });

  it('finds a hyphenated name typed without its separator, and still with a space', async () => {
    const users = [
      makeUser({ userId: '1', name: 'Jean-Luc Picard' }),
      makeUser({ userId: '2', name: 'Jeanne Luce' }),
    ];
    expect(await namesFound(users, 'jeanluc', 'name')).toEqual(['Jean-Luc Picard']);
    expect(await namesFound(users, 'jean luc', 'name')).toEqual(['Jean-Luc Picard', 'Jeanne Luce']);
  });

  it('finds a formatted phone number from its digits typed together', async () => {
    const users = [
      makeUser({
        userId: '1',
        name: 'Phone Owner',
        profileFields: [field('Phone', '+49 (30) 5550-1234')],
      }),
      makeUser({ userId: '2', name: 'Other', profileFields: [field('Phone', '+49 40 1111 2222')] }),
    ];
    expect(await namesFound(users, '4930555', 'name')).toEqual(['Phone Owner']);
    expect(await namesFound(users, '5550-1234', 'name')).toEqual(['Phone Owner']);
  });

  it('keeps kana dakuten and Devanagari vowel signs: letters a reader tells apart stay apart', async () => {
    const users = [
      makeUser({ userId: '1', name: 'かすみ' }),
      makeUser({ userId: '2', name: 'かずみ' }),
      makeUser({ userId: '3', name: 'किरण' }),
      makeUser({ userId: '4', name: 'करण' }),
    ];
    expect(await namesFound(users, 'かず', 'name')).toEqual(['かずみ']);
    expect(await namesFound(users, 'かす', 'name')).toEqual(['かすみ']);
    expect(await namesFound(users, 'करण', 'name')).toEqual(['करण']);
    expect(await namesFound(users, 'किर', 'name')).toEqual(['किरण']);
    expect(foldText('が')).toBe('が');
    // Hangul stays in jamo: a syllable typed on the way to the next one finds it.
    expect(await namesFound([makeUser({ userId: '5', name: '박하은' })], '바', 'name')).toEqual([
      '박하은',
    ]);
    expect(foldText('किरण')).toBe('किरण');
  });

  it('still folds Latin, Greek and Cyrillic accents', async () => {
    expect(foldText('Zoë')).toBe('zoe');
    expect(foldText('Ångström')).toBe('angstrom');
    expect(foldText('Άλφα Пётр')).toBe('αλφα петр');
    const users = [makeUser({ userId: '1', name: 'Anders Ångström' })];
    expect(await namesFound(users, 'angstrom', 'name')).toEqual(['Anders Ångström']);
  });

  it('pages the relevance order: any page is that slice of the whole order', () => {
    const word = fc.constantFrom('ann', 'anna', 'mar', 'maria', 'jo', 'x');
    const row = fc.record({
      connectionId: fc.constantFrom('conn-a', 'conn-b'),
      userId: fc.constantFrom('1', '2', '3', 'anna', '12'),
      email: fc.option(fc.constantFrom('anna@x.org', 'mar@x.org', 'jo@x.org'), { nil: null }),
      deliveryEmail: fc.constant(null),
      sortName: fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
      searchText: fc.array(word, { maxLength: 4 }).map((w) => w.join('\n')),
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 40 }),
        fc.array(fc.constantFrom('ann', 'anna', 'mar', 'a', 'jo', '1', 'anna@x.org'), {
          maxLength: 2,
        }),
        fc.nat(45),
        fc.integer({ min: 1, max: 12 }),
        (rows, terms, offset, limit) => {
          const whole = sortByRelevance([...rows], terms);
          expect(pageByRelevance(rows, terms, offset, limit)).toEqual(
            whole.slice(offset, offset + limit),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('relevance tiers without the keys', () => {
  it('gives each row the tier of the first key it shares with the query, as the keys say', () => {
    // The tiers as first written: the row's exact keys made, then looked up.
    const tierByKeys = (row: RankFields, terms: string[]): number => {
      const q = rankQueryOf(terms);
      const keys = exactKeysOf(row);
      if (keys.includes(q.idKey)) return 1;
      if (keys.includes(q.emailKey)) return 2;
      if (q.nameKeys.some((k) => keys.includes(k))) return 3;
      const name = rankNameOf(row.sortName);
      if (q.terms.every((t) => startsAWord(name, t))) return 4;
      if (q.terms.every((t) => startsAWord(row.searchText, t))) return 5;
      return 6;
    };
    const compactByUnit = (text: string): string =>
      [...text]
        .filter(
          (c) =>
            !/^[\s\-_.,;:@+/\\()[\]{}<>"#!?&*=|~%$^\u00b7\u30fb\u3001\u3002\u2010\u2011\u2013\u2014]$/u.test(
              c,
            ),
        )
        .join('');
    const piece = fc.constantFrom(
      'jean',
      'luc',
      'Jean-Luc',
      'ann',
      'Ann',
      'anna',
      '12',
      '1',
      '-',
      ' ',
      '  ',
      '@',
      '.',
      'x.org',
      'é',
      'É',
      "o'c",
      '王',
      '\u{1F600}',
      '\n',
      'a@b',
      '@',
    );
    const text = fc.array(piece, { maxLength: 6 }).map((p) => p.join(''));
    const row = fc.record({
      userId: text,
      email: fc.option(text, { nil: null }),
      deliveryEmail: fc.option(text, { nil: null }),
      sortName: text.map((t) => foldText(t)),
      searchText: text.map((t) => foldText(t)),
    });
    const term = fc.constantFrom(
      'jean',
      'luc',
      'jeanluc',
      'jean-luc',
      'ann',
      'anna',
      '1',
      '12',
      'a@b',
      'a',
      '@x.org',
      'x.org',
      'e',
      '王',
      '-',
      'ann@x.org',
      'oc',
    );
    fc.assert(
      fc.property(row, fc.array(term, { minLength: 1, maxLength: 3 }), (r, terms) => {
        expect(relevanceTier(r, rankQueryOf(terms))).toBe(tierByKeys(r, terms));
        expect(compactOf(r.sortName)).toBe(compactByUnit(r.sortName));
      }),
      { numRuns: 3000 },
    );
    // Each branch is reached (a generator that missed one would prove nothing).
    const tiers = new Set<number>();
    fc.assert(
      fc.property(row, fc.array(term, { minLength: 1, maxLength: 3 }), (r, terms) => {
        tiers.add(tierByKeys(r, terms));
      }),
      { numRuns: 3000 },
    );
    expect([...tiers].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
