// Search over the cache: folding, substrings in any script, AND of terms,
// short terms, FTS syntax taken literally, filters, sorts with NULLs last,
// paging, and a property test holding the SQL search to the reference
// search of search-text.ts. Real SQLite with its FTS5 trigram index.
import fc from 'fast-check';
import {
  buildHaystack,
  compareCodePoints,
  foldText,
  searchRowOf,
  searchRows,
  searchTerms,
} from '@core/search/search-text';
import { facetsOfRows } from '@core/search/facets';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';
import type { DirectoryUser, OpenWebUIRole, Role, SearchQuery, ZulipRole } from '@shared/model';
import { DEFAULT_SEARCH_SPEC, OPENWEBUI_ROLES, ZULIP_ROLES } from '@shared/model';
import { addConnectionRow, field, makeBot, makeUser, openTestCache } from './cache-fixtures';
import {
  choiceFieldOf,
  groupsFilter,
  groupsOf,
  keyedPart,
  naiveKeysMatch,
  profileFieldFilter,
  withKeysAlone,
} from './filter-arbitraries';

const ALL: SearchQuery = { ...DEFAULT_SEARCH_SPEC, offset: 0, limit: 1000 };

function ids(users: UsersRepo, query: Partial<SearchQuery>): string[] {
  return users.search({ ...ALL, ...query }).items.map((u) => u.userId);
}

const DAY = 86_400_000;

/** A small directory over two connections with every feature search looks at. */
async function directory() {
  const cache = openTestCache();
  addConnectionRow(cache, 'conn-a', 'zulip');
  addConnectionRow(cache, 'conn-b', 'openwebui');
  const users = createUsersRepo(cache, { now: () => 1 });
  const list: DirectoryUser[] = [
    makeUser({
      userId: '1001',
      name: 'Zoë Müller',
      email: 'zoe@mueller.example.org',
      role: 'owner',
      presence: { lastActiveAt: 5 * DAY, idle: false },
      joinedAt: 1 * DAY,
      groups: [{ id: 'g1', name: 'Backend' }],
      profileFields: [
        field('Team', 'Platform Engineering'),
        field('Pronouns', 'she/her', false, 2),
      ],
    }),
    makeUser({
      userId: '1002',
      name: 'Иван Петров',
      email: 'ivan@example.ru',
      role: 'administrator',
      presence: { lastActiveAt: 9 * DAY, idle: true },
      joinedAt: 2 * DAY,
      profileFields: [field('City', 'Санкт-Петербург')],
    }),
    makeUser({
      userId: '1003',
      name: '王小明',
      email: 'xiaoming@example.cn',
      role: 'member',
      presence: null,
      joinedAt: null,
      groups: [{ id: 'g2', name: '设计团队' }],
    }),
    makeUser({
      userId: '1004',
      name: 'Ødegård Åsa',
      email: 'asa@example.no',
      role: 'guest',
      deactivated: true,
      presence: { lastActiveAt: 1 * DAY, idle: false },
      joinedAt: 3 * DAY,
    }),
    makeUser({
      userId: '1005',
      name: 'Quote "Mark" *Star*: AND NEAR(x)',
      email: null,
      role: 'moderator',
    }),
    makeBot('1006', '1001', 3),
    makeUser({
      userId: 'owui-7f3a',
      connectionId: 'conn-b',
      kind: 'openwebui',
      name: 'Ada Lovelace',
      email: 'ada@analytical.example.com',
      role: 'admin',
      presence: { lastActiveAt: 7 * DAY, idle: false },
      joinedAt: 4 * DAY,
    }),
    makeUser({
      userId: 'owui-9c1d',
      connectionId: 'conn-b',
      kind: 'openwebui',
      name: 'Straße Σίσυφος',
      email: 'sisyphus@example.gr',
      role: 'pending',
      presence: null,
      joinedAt: 4 * DAY,
    }),
  ];
  await users.upsertBatch(list.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
  return { cache, users, list };
}

describe('folding and terms', () => {
  it('folds diacritics, case and compatibility forms to one form', () => {
    expect(foldText('Zoë Müller')).toBe('zoe muller');
    expect(foldText('ÅSA Ødegård')).toBe('asa odegard');
    expect(foldText('Straße')).toBe('strasse');
    expect(foldText('Łukasz Żółć')).toBe('lukasz zolc');
    expect(foldText('ﬁle ①')).toBe('file 1');
    expect(foldText('İstanbul')).toBe('istanbul');
  });

  it('meets Greek final sigma and sigma on one form, whatever the case', () => {
    expect(foldText('ΣΊΣΥΦΟΣ')).toBe(foldText('σίσυφος'));
    expect(foldText('Σίσυφος')).toContain(foldText('ΣΥΦΟΣ').slice(0, 3));
    expect(buildHaystack(makeUser({ userId: '1', name: 'Σίσυφος' }))).toContain(
      searchTerms('ΣΙΣ')[0],
    );
  });

  it('is idempotent for every code point', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const once = foldText(String.fromCodePoint(cp));
      if (foldText(once) !== once)
        throw new Error(`fold is not idempotent at U+${cp.toString(16)}`);
    }
  });

  it('splits a query on whitespace after folding, dropping empty terms', () => {
    expect(searchTerms('  Zoë\tMÜLLER \n ')).toEqual(['zoe', 'muller']);
    expect(searchTerms('')).toEqual([]);
    expect(searchTerms('\u0301')).toEqual([]);
  });

  it('builds the haystack from the listed fields, one per line', () => {
    const user = makeBot('55', '1', 4);
    user.username = 'HelperBot';
    user.deliveryEmail = 'Real@Example.com';
    user.groups = [{ id: 'g', name: 'Ops' }];
    user.profileFields = [field('Team', 'Infra')];
    expect(buildHaystack(user).split('\n')).toEqual([
      'bot 55',
      'bot55',
      'helperbot',
      'user55@example.com',
      'real@example.com',
      '55',
      'member',
      'embedded bot',
      'ops',
      'infra',
    ]);
    // A field equal to an earlier one (after folding) is not repeated.
    const same = makeUser({ userId: '9', email: 'A@x.org', deliveryEmail: 'a@X.org' });
    expect(buildHaystack(same).split('\n')).toEqual(['user 9', 'user9', 'a@x.org', '9', 'member']);
  });

  it('compares by code point, as SQLite does, not by UTF-16 unit', () => {
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0); // U+FFFF < U+1F600
    expect('\uffff' < '😀').toBe(false); // the UTF-16 order that must not be used
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('b', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});

describe('searching the cache', () => {
  it('finds "müll" in "Zoë Müller", with or without the umlaut, in any case', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: 'müll' })).toEqual(['1001']);
    expect(ids(users, { text: 'MULL' })).toEqual(['1001']);
    expect(ids(users, { text: 'zoe' })).toEqual(['1001']);
    cache.close();
  });

  it('finds a user by an ID fragment, an email domain and a profile field value', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: '002' })).toEqual(['1002']);
    expect(ids(users, { text: '7f3' })).toEqual(['owui-7f3a']);
    expect(ids(users, { text: 'example.ru' })).toEqual(['1002']);
    expect(ids(users, { text: 'analytical.example' })).toEqual(['owui-7f3a']);
    expect(ids(users, { text: 'engineering' })).toEqual(['1001']);
    expect(ids(users, { text: 'she/her' })).toEqual(['1001']); // a field not in the summary still counts
    expect(ids(users, { text: 'backend' })).toEqual(['1001']); // a group
    expect(ids(users, { text: 'outgoing webhook' })).toEqual(['1006']); // the bot type label
    cache.close();
  });

  it('finds CJK and Cyrillic substrings', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: '小明' })).toEqual(['1003']);
    expect(ids(users, { text: '王小明' })).toEqual(['1003']);
    expect(ids(users, { text: '设计团' })).toEqual(['1003']);
    expect(ids(users, { text: 'петр' })).toEqual(['1002']);
    expect(ids(users, { text: 'ПЕТЕРБУРГ' })).toEqual(['1002']);
    expect(ids(users, { text: 'сисуф' })).toEqual([]); // Cyrillic is not Greek
    expect(ids(users, { text: 'σισυ' })).toEqual(['owui-9c1d']);
    expect(ids(users, { text: 'strasse' })).toEqual(['owui-9c1d']);
    cache.close();
  });

  it('needs every term (AND), in any order, each anywhere', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: 'müller platform' })).toEqual(['1001']);
    expect(ids(users, { text: 'platform müller' })).toEqual(['1001']);
    expect(ids(users, { text: 'müller petrov' })).toEqual([]);
    expect(ids(users, { text: 'example.org zoe' })).toEqual(['1001']);
    cache.close();
  });

  it('matches terms of one and two characters by substring too', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: '王' })).toEqual(['1003']);
    expect(ids(users, { text: 'ø' })).toEqual(expect.arrayContaining(['1004']));
    expect(ids(users, { text: 'q' }).sort()).toEqual(['1005']);
    expect(ids(users, { text: 'ив' })).toEqual(['1002']);
    expect(ids(users, { text: 'zo mü' })).toEqual(['1001']);
    expect(ids(users, { text: '小明 wa' })).toEqual([]); // 'wa' is not in the haystack
    cache.close();
  });

  it('takes FTS syntax literally', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { text: '"mark"' })).toEqual(['1005']);
    expect(ids(users, { text: '"' })).toEqual(['1005']);
    expect(ids(users, { text: '*star*:' })).toEqual(['1005']);
    expect(ids(users, { text: 'AND' })).toEqual(expect.arrayContaining(['1005']));
    expect(ids(users, { text: 'near(x)' })).toEqual(['1005']);
    expect(ids(users, { text: 'NEAR(' })).toEqual(['1005']);
    expect(ids(users, { text: ':' })).toEqual(['1005']);
    expect(ids(users, { text: 'zoe OR ivan' })).toEqual([]);
    expect(ids(users, { text: 'mül*' })).toEqual([]);
    expect(ids(users, { text: '^zoe' })).toEqual([]);
    expect(ids(users, { text: 'NOT' })).toEqual([]);
    cache.close();
  });

  it('filters by connection, role, account kind and status (gone counts as deactivated)', async () => {
    const { cache, users } = await directory();
    users.markGone('conn-a', '1003', 99);
    expect(ids(users, { connectionIds: ['conn-b'] })).toEqual(['owui-7f3a', 'owui-9c1d']);
    expect(ids(users, { roles: ['owner', 'admin'] })).toEqual(['owui-7f3a', '1001']);
    expect(ids(users, { accounts: 'bots' })).toEqual(['1006']);
    expect(ids(users, { accounts: 'humans' })).not.toContain('1006');
    expect(ids(users, { status: 'deactivated' }).sort()).toEqual(['1003', '1004']);
    expect(ids(users, { status: 'active' })).not.toContain('1003');
    expect(ids(users, { status: 'active' })).not.toContain('1004');
    expect(users.search({ ...ALL, text: '小明' }).items[0]?.gone).toBe(true);
    expect(
      ids(users, {
        text: 'example',
        connectionIds: ['conn-a'],
        accounts: 'humans',
        status: 'active',
      }).sort(),
    ).toEqual(['1001', '1002']);
    cache.close();
  });

  it('sorts by name both ways, ties broken by connection and ID', async () => {
    const { cache, users } = await directory();
    const asc = ids(users, { sort: 'name' });
    // Code point order: Latin, then Greek (σ), then Cyrillic, then CJK.
    expect(asc).toEqual(['owui-7f3a', '1006', '1004', '1005', 'owui-9c1d', '1001', '1002', '1003']);
    expect(ids(users, { sort: 'name', direction: 'desc' })).toEqual([...asc].reverse());
    cache.close();
  });

  it('sorts by role, most privileged first, names ascending within a role', async () => {
    const { cache, users } = await directory();
    expect(ids(users, { sort: 'role' })).toEqual([
      '1001', // owner
      'owui-7f3a', // admin (rank 1), "ada" before "ivan"
      '1002', // administrator (rank 1)
      '1005', // moderator
      '1006', // member, "bot 1006"
      '1003', // member, "王小明"
      '1004', // guest
      'owui-9c1d', // pending
    ]);
    expect(ids(users, { sort: 'role', direction: 'desc' })).toEqual([
      'owui-9c1d',
      '1004',
      '1006',
      '1003',
      '1005',
      'owui-7f3a',
      '1002',
      '1001',
    ]);
    cache.close();
  });

  it('sorts by last active and joined with users lacking a value last, in both directions', async () => {
    const { cache, users } = await directory();
    const nulls = ['1006', '1005', 'owui-9c1d', '1003']; // no presence: by name
    expect(ids(users, { sort: 'lastActive' })).toEqual([
      '1004',
      '1001',
      'owui-7f3a',
      '1002',
      ...nulls,
    ]);
    expect(ids(users, { sort: 'lastActive', direction: 'desc' })).toEqual([
      '1002',
      'owui-7f3a',
      '1001',
      '1004',
      ...nulls,
    ]);
    // joined: 1003 has none; the bot and 1005 share the fixture's default (2024), two share day 4.
    expect(ids(users, { sort: 'joined', direction: 'desc' })).toEqual([
      '1006',
      '1005',
      'owui-7f3a',
      'owui-9c1d',
      '1004',
      '1002',
      '1001',
      '1003',
    ]);
    expect(ids(users, { sort: 'joined' }).at(-1)).toBe('1003');
    cache.close();
  });

  it('pages: total counts every match, items are the window asked for', async () => {
    const { cache, users } = await directory();
    const all = ids(users, {});
    const page = users.search({ ...ALL, offset: 2, limit: 3 });
    expect(page.total).toBe(8);
    expect(page.items.map((u) => u.userId)).toEqual(all.slice(2, 5));
    expect(users.search({ ...ALL, offset: 100 })).toEqual({ total: 8, items: [] });
    expect(users.search({ ...ALL, text: 'nobody-here' })).toEqual({ total: 0, items: [] });
    cache.close();
  });

  it('streams every match in order for exports', async () => {
    const { cache, users } = await directory();
    const spec = { ...ALL, sort: 'role' as const, text: 'e' };
    const streamed: string[] = [];
    for await (const chunk of users.searchAll(spec, { chunkSize: 3 })) {
      expect(chunk.length).toBeLessThanOrEqual(3);
      streamed.push(...chunk.map((u) => u.userId));
    }
    expect(streamed).toEqual(ids(users, spec));
    cache.close();
  });

  it('returns summaries with the bot owner name filled in', async () => {
    const { cache, users } = await directory();
    const bot = users.search({ ...ALL, accounts: 'bots' }).items[0];
    expect(bot).toMatchObject({
      userId: '1006',
      botOwnerId: '1001',
      botOwnerName: 'Zoë Müller',
      gone: false,
    });
    cache.close();
  });
});

describe('the SQL search and the reference search agree', () => {
  // Groups and profile field values (filter-keys.ts) ride along, in the filters too.
  const NAME_PARTS = [
    'Zoë',
    'Müller',
    'ANNA',
    'anna',
    'Иван',
    'Пётр',
    '王',
    '小明',
    'Σίσυφος',
    'ΣΑΣ',
    'Straße',
    'strasse',
    'O"Neil',
    'a*b',
    'x:y',
    'NEAR',
    'and',
    'Ødegård',
    '😀',
    'ﬁ',
    'Ab',
    'ab',
    'Jean-Luc',
    'O’Connor',
    'Johannesburg',
    'Hannover',
    'かず',
    'u3',
  ];
  const TERMS = [
    '',
    'a',
    'an',
    'ann',
    'müll',
    'mull',
    'ss',
    'σ',
    'σας',
    'ив',
    'пётр',
    'петр',
    '小',
    '王小',
    '"',
    '*',
    ':',
    'and',
    'near',
    'example',
    '.com',
    '1',
    '12',
    'member',
    'pending',
    'bot',
    '😀',
    'fi',
    'od',
    'xyz',
    'hann',
    'jeanluc',
    "o'connor",
    'u3',
    'u3@example.com',
    '37',
    '74',
    'anna',
    'zoe muller',
    '4930555',
  ];
  const zulipRole = fc.constantFrom<ZulipRole>(...ZULIP_ROLES);
  const owuiRole = fc.constantFrom<OpenWebUIRole>(...OPENWEBUI_ROLES);
  const time = fc.option(
    fc.integer({ min: 0, max: 5 }).map((d) => d * DAY),
    { nil: null },
  );
  const person = fc.record({
    openwebui: fc.boolean(),
    // Often one of a few names, so ties (and their tie-breakers) are common.
    name: fc.oneof(
      fc.constantFrom('Anna', 'anna', 'Zoë Müller'),
      fc
        .array(fc.constantFrom(...NAME_PARTS), { minLength: 1, maxLength: 3 })
        .map((p) => p.join(' ')),
    ),
    zRole: zulipRole,
    oRole: owuiRole,
    isBot: fc.boolean(),
    deactivated: fc.boolean(),
    gone: fc.boolean(),
    lastActiveAt: time,
    joinedAt: time,
    domain: fc.constantFrom('example.com', 'mail.example.org', 'пример.рф'),
    fieldText: fc.constantFrom('', 'Platform', 'Zürich', '北京', '+49 30 5550 1234'),
    keys: keyedPart,
  });
  // Filters are often left empty, so results are large enough for order and ties to matter.
  const query = fc.record({
    text: fc.oneof(
      fc.constant(''),
      fc.array(fc.constantFrom(...TERMS), { maxLength: 3 }).map((t) => t.join(' ')),
    ),
    connectionIds: fc.oneof(fc.constant([]), fc.subarray(['conn-a', 'conn-b'])),
    roles: fc.oneof(
      fc.constant([]),
      fc.subarray<Role>(['owner', 'member', 'guest', 'admin', 'user', 'pending']),
    ),
    accounts: fc.constantFrom('all', 'humans', 'bots'),
    status: fc.constantFrom('all', 'active', 'deactivated'),
    // Day bounds meet the day-valued times exactly, so both sides of each bound are tried.
    activity: fc.constantFrom('all', 'all', 'inactiveSince', 'never'),
    activeBefore: fc.integer({ min: 0, max: 5 }).map((d) => d * DAY),
    joinedAfter: fc.option(
      fc.integer({ min: 0, max: 5 }).map((d) => d * DAY),
      { nil: null },
    ),
    joinedBefore: fc.option(
      fc.integer({ min: 0, max: 5 }).map((d) => d * DAY),
      { nil: null },
    ),
    groups: groupsFilter,
    profileField: profileFieldFilter,
    facets: fc.boolean(),
    sort: fc.constantFrom('name', 'role', 'lastActive', 'joined', 'relevance', 'relevance'),
    direction: fc.constantFrom('asc', 'desc'),
    offset: fc.integer({ min: 0, max: 6 }),
    limit: fc.integer({ min: 1, max: 40 }),
  }) as fc.Arbitrary<SearchQuery>;

  it('on random directories and random queries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(person, { minLength: 1, maxLength: 30 }),
        fc.array(query, { minLength: 1, maxLength: 8 }),
        async (people, queries) => {
          const cache = openTestCache();
          try {
            addConnectionRow(cache, 'conn-a', 'zulip');
            addConnectionRow(cache, 'conn-b', 'openwebui');
            const users = createUsersRepo(cache, { now: () => 1 });
            const built = people.map((p, i) => {
              const user = makeUser({
                userId: String(i * 37),
                connectionId: p.openwebui ? 'conn-b' : 'conn-a',
                kind: p.openwebui ? 'openwebui' : 'zulip',
                name: p.name,
                email: `u${i}@${p.domain}`,
                role: p.openwebui ? p.oRole : p.zRole,
                isBot: !p.openwebui && p.isBot,
                bot:
                  !p.openwebui && p.isBot
                    ? { type: 1, typeLabel: 'Generic bot', ownerId: '0' }
                    : null,
                deactivated: p.deactivated,
                presence:
                  p.lastActiveAt === null ? null : { lastActiveAt: p.lastActiveAt, idle: false },
                joinedAt: p.joinedAt,
                profileFields: [
                  ...(p.fieldText ? [field('F', p.fieldText)] : []),
                  ...choiceFieldOf(p.keys),
                ],
                groups: groupsOf(p.keys),
              });
              return { user, gone: p.gone };
            });
            await users.upsertBatch(built.map(({ user }) => ({ user, raw: {}, fetchedAt: 1 })));
            for (const b of built)
              if (b.gone) users.markGone(b.user.connectionId, b.user.userId, 2);
            const rows = built.map(({ user, gone }) => searchRowOf(user, gone));
            for (const q of queries.flatMap(withKeysAlone)) {
              const expected = searchRows(rows, q);
              const actual = users.search(q);
              expect(actual.total).toBe(expected.total);
              expect(actual.items.map((u) => `${u.connectionId}/${u.userId}`)).toEqual(
                expected.items.map((r) => `${r.connectionId}/${r.userId}`),
              );
              expect(actual.facets).toEqual(q.facets ? facetsOfRows(rows, q) : undefined);
              // The reference's group and field filters, held to a naive statement of them.
              const naive = rows.filter((_, i) => naiveKeysMatch(built[i]!.user, q));
              const plain = { ...q, groups: [], profileField: null };
              expect(expected.total).toBe(searchRows(naive, plain).total);
            }
          } finally {
            cache.close();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
