// The in-memory search index (search-index.ts) answers exactly as the rules
// of search-text.ts say: the same total and the same page in the same
// order as the reference `searchRows`, through any sequence of adds,
// updates, gone marks and removals; and, behind the users repository, the
// same as the SQL search, kept in step with every kind of write, rebuilt
// when another program writes to the file.
import { DatabaseSync } from '@photostructure/sqlite';
import fc from 'fast-check';
import { codePointSortKey, createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { compareCodePoints, searchRowOf, searchRows } from '@core/search/search-text';
import { facetsOfRows } from '@core/search/facets';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';
import { deleteConnectionUsers } from '@core/store/users-gone';
import {
  DEFAULT_SEARCH_SPEC,
  OPENWEBUI_ROLES,
  ZULIP_ROLES,
  type DirectoryUser,
  type OpenWebUIRole,
  type Role,
  type SearchQuery,
  type ZulipRole,
} from '@shared/model';
import {
  addConnectionRow,
  field,
  makeUser,
  openTestCache,
  recordedBackground,
  searchQuery,
} from './cache-fixtures';
import {
  choiceFieldOf,
  groupsFilter,
  groupsOf,
  keyedPart,
  profileFieldFilter,
  withKeysAlone,
} from './filter-arbitraries';

const DAY = 86_400_000;
const ALL: SearchQuery = {
  ...DEFAULT_SEARCH_SPEC,
  connectionIds: [],
  roles: [],
  offset: 0,
  limit: 1000,
};

// Few distinct values, so pieces repeat (the accelerator tracks a piece
// once 8 rows share it), names tie and every script and trap shows up.
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
  'Straße',
  'O"Neil',
  'x:y',
  'Ødegård',
  '😀',
  '\uffff',
  'ﬁ',
  'Ab',
  'ab',
  'mar',
  'maria',
  // Relevance tiers and folding (issue 17): separators, apostrophes, kana.
  'Jean-Luc',
  'O’Connor',
  'Johannesburg',
  'Hannover',
  'かすみ',
  'かず',
  'u3',
  // GLOB's wildcards, which the SQL search must take literally.
  'Star*Light',
  'Q?[x]',
];
const TERMS = [
  '',
  'a',
  'an',
  'ann',
  'anna',
  'müll',
  'mull',
  'ss',
  'σ',
  'ив',
  'петр',
  '小',
  '王小',
  '"',
  ':',
  '*',
  '?',
  '[x',
  'r*l',
  'example',
  'example.com',
  '@example.org',
  'corp.example',
  '.com',
  '1',
  '12',
  '123',
  'member',
  'bot',
  '😀',
  '\uffff',
  'fi',
  'platform',
  'plat',
  'zürich',
  'xyz',
  'mar',
  'ria',
  'a b',
  'jeanluc',
  'jean-l',
  "o'connor",
  'hann',
  'johannesburg',
  'かず',
  'かす',
  'u3',
  'u3@example.com',
  '3001',
  '2002',
  '4930555',
  'anna maria',
  'ab ab',
];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'пример.рф'];
const FIELD_TEXTS = [
  '',
  'Platform',
  'Zürich',
  '北京',
  'Platform Engineering',
  'she/her',
  '+49 30 5550 1234',
];

const zulipRole = fc.constantFrom<ZulipRole>(...ZULIP_ROLES);
const owuiRole = fc.constantFrom<OpenWebUIRole>(...OPENWEBUI_ROLES);
const time = fc.option(
  fc.integer({ min: 0, max: 4 }).map((d) => d * DAY),
  { nil: null },
);
const person = fc.record({
  openwebui: fc.boolean(),
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
  lastActiveAt: time,
  joinedAt: time,
  domain: fc.constantFrom(...DOMAINS),
  fieldText: fc.constantFrom(...FIELD_TEXTS),
  idNumber: fc.integer({ min: 1, max: 400 }),
  keys: keyedPart,
});
type Person = typeof person extends fc.Arbitrary<infer P> ? P : never;

function userOf(p: Person, i: number): DirectoryUser {
  return makeUser({
    // Unique per row (as (connection, user ID) is in the cache), with varied digits.
    userId: p.openwebui ? `owui-${p.idNumber}-${i}` : String(i * 1000 + p.idNumber),
    connectionId: p.openwebui ? 'conn-b' : 'conn-a',
    kind: p.openwebui ? 'openwebui' : 'zulip',
    name: p.name,
    email: `u${i}@${p.domain}`,
    role: p.openwebui ? p.oRole : p.zRole,
    isBot: !p.openwebui && p.isBot,
    bot: !p.openwebui && p.isBot ? { type: 1, typeLabel: 'Generic bot', ownerId: '0' } : null,
    deactivated: p.deactivated,
    presence: p.lastActiveAt === null ? null : { lastActiveAt: p.lastActiveAt, idle: false },
    joinedAt: p.joinedAt,
    profileFields: [...(p.fieldText ? [field('F', p.fieldText)] : []), ...choiceFieldOf(p.keys)],
    groups: groupsOf(p.keys),
  });
}

const query = fc.record({
  text: fc.oneof(
    fc.constant(''),
    fc.array(fc.constantFrom(...TERMS), { maxLength: 3 }).map((t) => t.join(' ')),
  ),
  connectionIds: fc.oneof(fc.constant([]), fc.subarray(['conn-a', 'conn-b', 'conn-x'])),
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
  sort: fc.constantFrom('name', 'role', 'lastActive', 'joined', 'relevance', 'relevance'),
  direction: fc.constantFrom('asc', 'desc'),
  offset: fc.integer({ min: 0, max: 30 }),
  limit: fc.integer({ min: 1, max: 60 }),
}) as fc.Arbitrary<SearchQuery>;

/** One change to the directory, applied to the index and to the reference rows alike. */
const operation = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), who: person }),
  fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), who: person }),
  fc.record({ kind: fc.constant('gone' as const), pick: fc.nat(), gone: fc.boolean() }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  // Part of a merge of the sort orders (one order a step), left under way by later writes.
  fc.record({ kind: fc.constant('merge' as const), steps: fc.integer({ min: 1, max: 3 }) }),
);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

/** The reference: rows by row ID, searched with `searchRows`. */
function expectSame(
  index: ReturnType<typeof createSearchIndex>,
  rows: IndexedRow[],
  q: SearchQuery,
): void {
  const expected = searchRows(rows, q);
  const actual = index.search(q);
  expect({ query: q, total: actual.total, ids: actual.rowIds }).toEqual({
    query: q,
    total: expected.total,
    ids: expected.items.map((r) => r.rowId),
  });
  // The facet counts, with the page when asked: each choice counted with its own filter left out.
  const page = index.search({ ...q, facets: true });
  expect({ query: q, total: page.total, facets: page.facets }).toEqual({
    query: q,
    total: expected.total,
    facets: facetsOfRows(rows, q),
  });
  expect(index.search({ ...q, facets: false }).facets).toBeUndefined();
}

describe('the in-memory index against the reference search', () => {
  it('agrees on random directories and queries, through adds, updates, gone marks, removals and merges in steps', () => {
    fc.assert(
      fc.property(
        fc.array(person, { minLength: 1, maxLength: 60 }),
        fc.array(operation, { maxLength: 25 }),
        fc.array(query, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (people, operations, queries, deferred) => {
          const index = createSearchIndex();
          const rows = new Map<number, IndexedRow>();
          let nextRowId = 1;
          const add = (p: Person): void => {
            const rowId = nextRowId++;
            const row = { ...searchRowOf(userOf(p, rowId)), rowId };
            rows.set(rowId, row);
            index.upsert([row], { deferOrder: deferred });
          };
          people.forEach(add);
          const apply = (op: Operation): void => {
            const ids = [...rows.keys()];
            const target =
              ids.length > 0 ? (ids[('pick' in op ? op.pick : 0) % ids.length] as number) : -1;
            if (op.kind === 'add') return add(op.who);
            if (op.kind === 'merge') {
              for (let k = 0; k < op.steps; k++) index.flushOrderStep();
              return;
            }
            if (target < 0) return;
            if (op.kind === 'update') {
              const old = rows.get(target) as IndexedRow;
              const row = { ...searchRowOf(userOf(op.who, target)), rowId: target, gone: old.gone };
              rows.set(target, row);
              index.upsert([row], { deferOrder: deferred });
            } else if (op.kind === 'gone') {
              rows.set(target, { ...(rows.get(target) as IndexedRow), gone: op.gone });
              index.setGone([target], op.gone);
            } else {
              rows.delete(target);
              index.remove([target]);
            }
          };
          operations.forEach(apply);
          expect(index.size).toBe(rows.size);
          for (const q of queries.flatMap(withKeysAlone)) expectSame(index, [...rows.values()], q);
          const spec = queries[0] as SearchQuery;
          expect(index.searchAll(spec)).toEqual(
            searchRows([...rows.values()], { ...spec, offset: 0, limit: 1_000_000 }).items.map(
              (r) => r.rowId,
            ),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('narrows by a term whose rarest posting became a bitset while the index was small', () => {
    const index = createSearchIndex();
    const rows = new Map<number, IndexedRow>();
    const add = (names: string[]): void => {
      const batch = names.map((name) => {
        const rowId = rows.size + 1 + (rows.size >= 5 ? 35 : 0);
        const row = { ...searchRowOf(makeUser({ userId: String(rowId), name })), rowId };
        rows.set(rowId, row);
        return row;
      });
      index.upsert(batch);
    };
    // 40 rows make "qqq" a bitset at the first capacity; 35 leave, so it holds 5.
    add(Array.from({ length: 40 }, (_, i) => `qqq ${i}`));
    const gone = [...rows.keys()].slice(5);
    index.remove(gone);
    for (const id of gone) rows.delete(id);
    // The index grows; "qqy" stays a list of 52 slots, more than "qqq" holds.
    add(Array.from({ length: 3000 }, (_, i) => `person ${i}`));
    add(Array.from({ length: 50 }, (_, i) => `qqy ${i}`));
    add(['qqqy a', 'qqqy b']);
    expectSame(index, [...rows.values()], { ...ALL, text: 'qqqy' });
  });

  it('keeps its orders exact when rows change or go while a merge is done one order at a time', () => {
    // A merge compares by the sort keys of the rows already in the orders:
    // one that changes or goes part-way ends the merge first, or the rows
    // merged after it land out of place for good.
    const people = fc.sample(person, { numRuns: 700, seed: 7 });
    const rowOf = (i: number, p: Person): IndexedRow => ({
      ...searchRowOf(userOf(p, i)),
      rowId: i,
    });
    for (const change of ['update', 'remove'] as const) {
      const index = createSearchIndex();
      const rows = new Map<number, IndexedRow>();
      const write = (list: IndexedRow[]): void => {
        for (const r of list) rows.set(r.rowId, r);
        index.upsert(list, { deferOrder: true });
      };
      write(people.slice(0, 400).map((p, i) => rowOf(i + 1, p)));
      index.flushOrder();
      write(people.slice(400, 600).map((p, i) => rowOf(i + 401, p)));
      expect(index.flushOrderStep()).toBe(false);
      expect(index.orderMerging).toBe(true);
      // Every other row already in the orders takes another's keys, or goes.
      const targets = [...rows.keys()].filter((id) => id <= 400 && id % 2 === 0);
      if (change === 'update') {
        write(targets.map((id, k) => rowOf(id, people[(k * 7 + 600) % 700] as Person)));
      } else {
        for (const id of targets) rows.delete(id);
        index.remove(targets);
      }
      while (!index.flushOrderStep()) expect(index.orderMerging).toBe(true);
      for (const sort of ['name', 'role', 'lastActive', 'joined'] as const) {
        for (const direction of ['asc', 'desc'] as const) {
          expectSame(index, [...rows.values()], { ...ALL, sort, direction, limit: 1000 });
        }
      }
    }
  });

  it('grows past its first capacity and keeps every order and count exact', () => {
    const index = createSearchIndex();
    const rows: IndexedRow[] = [];
    const rng = fc.sample(person, { numRuns: 3000, seed: 42 });
    rng.forEach((p, i) => rows.push({ ...searchRowOf(userOf(p, i + 1)), rowId: i + 1 }));
    for (let i = 0; i < rows.length; i += 700) index.upsert(rows.slice(i, i + 700));
    const queries: SearchQuery[] = [
      ALL,
      { ...ALL, text: 'example.com', limit: 50, offset: 900 },
      { ...ALL, text: 'an', sort: 'joined', direction: 'desc', limit: 20, offset: 500 },
      { ...ALL, text: 'mar ria', sort: 'role', direction: 'desc' },
      { ...ALL, roles: ['member', 'user'], status: 'active', sort: 'lastActive', limit: 30 },
      { ...ALL, text: '@example.org', accounts: 'humans', offset: 2990 },
    ];
    for (const q of queries) expectSame(index, rows, q);
    // Remove a third, and the answers follow.
    const removed = rows.filter((r) => r.rowId % 3 === 0);
    index.remove(removed.map((r) => r.rowId));
    const left = rows.filter((r) => r.rowId % 3 !== 0);
    for (const q of queries) expectSame(index, left, q);
  });

  it('answers the same for row IDs far apart and with room reserved ahead', () => {
    // Row IDs on both sides of the slot table's pages, and far beyond the
    // rows held; `reserve` sizes the columns before a bulk load.
    const ids = [1, 2, 4095, 4096, 4097, 8191, 70_000, 2 ** 31, 2 ** 40, 2 ** 53 - 1];
    const people = fc.sample(person, { numRuns: ids.length * 30, seed: 3 });
    const rows: IndexedRow[] = people.map((p, i) => ({
      ...searchRowOf(userOf(p, i + 1)),
      rowId: (ids[i % ids.length] as number) + Math.floor(i / ids.length) * 3,
    }));
    const reserved = createSearchIndex();
    // Made a column per step: a bulk load lets the loop turn between them.
    const steps = reserved.reserve(5000);
    let yields = 0;
    while (!steps.next().done) yields++;
    expect(yields).toBeGreaterThan(5);
    // Room already made: nothing to do.
    expect(reserved.reserve(5000).next().done).toBe(true);
    const grown = createSearchIndex();
    for (const index of [reserved, grown]) {
      for (let i = 0; i < rows.length; i += 40) index.upsert(rows.slice(i, i + 40));
      for (const r of rows) expect(index.has(r.rowId)).toBe(true);
      expect(index.has(3)).toBe(false);
    }
    const queries: SearchQuery[] = [
      ALL,
      { ...ALL, text: 'an', sort: 'joined', direction: 'desc', limit: 40, offset: 20 },
      { ...ALL, roles: ['member', 'user'], sort: 'role', limit: 50 },
    ];
    for (const index of [reserved, grown]) for (const q of queries) expectSame(index, rows, q);
    const left = rows.filter((_, i) => i % 4 !== 0);
    for (const index of [reserved, grown]) {
      index.remove(rows.filter((_, i) => i % 4 === 0).map((r) => r.rowId));
      expect(index.size).toBe(left.length);
      for (const q of queries) expectSame(index, left, q);
    }
  });

  it('finds rows written before a piece became common, and forgets rows that lost it', () => {
    const index = createSearchIndex();
    const rows: IndexedRow[] = [];
    const row = (id: number, email: string): IndexedRow => ({
      ...searchRowOf(makeUser({ userId: String(id), email, name: `Person ${id}` })),
      rowId: id,
    });
    // The first rows carry the domain before it is common (not yet tracked).
    for (let i = 1; i <= 40; i++) rows.push(row(i, `p${i}@team.example.io`));
    index.upsert(rows);
    expect(index.search({ ...ALL, text: 'team.example' }).total).toBe(40);
    // Half move to another domain: the tracked piece must not keep them.
    for (let i = 1; i <= 20; i++) rows[i - 1] = row(i, `p${i}@elsewhere.example.net`);
    index.upsert(rows.slice(0, 20));
    expectSame(index, rows, { ...ALL, text: 'team.example' });
    expectSame(index, rows, { ...ALL, text: 'elsewhere' });
    expectSame(index, rows, { ...ALL, text: '@team' });
    expect(index.search({ ...ALL, text: 'team.example' }).total).toBe(20);
    // Rows that keep every trigram of the term but lose the common piece
    // holding it must not be counted through that piece any more.
    for (let i = 21; i <= 30; i++) {
      rows[i - 1] = {
        ...searchRowOf(
          makeUser({
            userId: String(i),
            name: `Steam.x Person ${i}`,
            email: `m.example.io.${i}@x.org`,
          }),
        ),
        rowId: i,
      };
    }
    index.upsert(rows.slice(20, 30));
    expectSame(index, rows, { ...ALL, text: 'team.example' });
    expect(index.search({ ...ALL, text: 'team.example' }).total).toBe(10);
  });

  it('checks a long term whose every trigram a row holds, but apart', () => {
    const index = createSearchIndex();
    const rows = [
      { name: 'Annick Kenna', id: 1 }, // "ann" and "nna", never "anna"
      { name: 'Hanna Berg', id: 2 }, // "anna" in "hanna"
      { name: 'Exam Ampler', id: 3 }, // every trigram of "example"... but one
      { name: 'Example Person', id: 4 },
    ].map(({ name, id }) => ({
      ...searchRowOf(makeUser({ userId: String(id), name, email: null })),
      rowId: id,
    }));
    index.upsert(rows);
    expect(index.search({ ...ALL, text: 'anna' }).rowIds).toEqual([2]);
    expect(index.search({ ...ALL, text: 'xamp' }).rowIds).toEqual([4]);
    expectSame(index, rows, { ...ALL, text: 'example' });
  });

  it('orders by code point, as SQLite does, not by UTF-16 unit', () => {
    const names = ['\uffff', '😀', 'a', 'ab', '\ue000', 'Z'];
    const rows = names.map((name, i) => ({
      ...searchRowOf(makeUser({ userId: String(i + 1), name })),
      rowId: i + 1,
    }));
    const index = createSearchIndex();
    index.upsert(rows);
    const byName = index.search({ ...ALL }).rowIds.map((id) => rows[id - 1]?.sortName);
    expect(byName).toEqual([...rows.map((r) => r.sortName)].sort(compareCodePoints));
    expect(byName.indexOf('\uffff')).toBeLessThan(byName.indexOf('😀'));
    for (const [a, b] of [
      ['\uffff', '😀'],
      ['\ue000', '\ud800\udc00'],
      ['a', 'ab'],
    ] as const) {
      expect(codePointSortKey(a) < codePointSortKey(b)).toBe(compareCodePoints(a, b) < 0);
    }
  });

  it('forgets everything when cleared, and answers again once refilled', () => {
    const index = createSearchIndex();
    const rows = fc
      .sample(person, { numRuns: 1500, seed: 7 })
      .map((p, i) => ({ ...searchRowOf(userOf(p, i + 1)), rowId: i + 1 }));
    index.upsert(rows);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.search({ ...ALL, text: 'a' })).toEqual({ total: 0, rowIds: [] });
    expect(index.search(ALL)).toEqual({ total: 0, rowIds: [] });
    const again = rows.slice(0, 1100);
    index.upsert(again);
    for (const q of [ALL, { ...ALL, text: 'example.com' }, { ...ALL, sort: 'joined' as const }]) {
      expectSame(index, again, q);
    }
  });

  it('counts a term that no row has, or that holds a unit never seen, as no match', () => {
    const index = createSearchIndex();
    index.upsert([{ ...searchRowOf(makeUser({ userId: '1', name: 'Ann' })), rowId: 1 }]);
    for (const text of ['q', 'qq', 'qqq', 'annq', 'ⱥ', '🧿', 'ann qqq']) {
      expect(index.search({ ...ALL, text })).toEqual({ total: 0, rowIds: [] });
    }
    expect(index.search({ ...ALL, text: 'ann', offset: 5 })).toEqual({ total: 1, rowIds: [] });
  });
});

describe('the index behind the users repository', () => {
  /** A repository with an index, one without (SQL only) over the same cache. */
  async function pair(): Promise<{
    cache: ReturnType<typeof openTestCache>;
    indexed: UsersRepo;
    sql: UsersRepo;
  }> {
    const cache = openTestCache();
    addConnectionRow(cache, 'conn-a', 'zulip');
    addConnectionRow(cache, 'conn-b', 'openwebui');
    const indexed = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
    const sql = createUsersRepo(cache, { now: () => 1 });
    return { cache, indexed, sql };
  }

  const same = (a: UsersRepo, b: UsersRepo, q: SearchQuery): void => {
    const x = a.search(q);
    const y = b.search(q);
    expect({ q, total: x.total, items: x.items }).toEqual({ q, total: y.total, items: y.items });
  };

  it('answers as the SQL search does, summaries included, through every kind of write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(person, { minLength: 1, maxLength: 40 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (people, queries) => {
          const { cache, indexed, sql } = await pair();
          try {
            const users = people.map(userOf);
            const half = Math.ceil(users.length / 2);
            // Some rows exist before the index loads, some arrive after.
            await indexed.upsertBatch(
              users.slice(0, half).map((user) => ({ user, raw: {}, fetchedAt: 1 })),
            );
            expect(indexed.searchIndexState()).toBe('empty');
            await indexed.buildSearchIndex();
            expect(indexed.searchIndexState()).toBe('ready');
            await indexed.upsertBatch(
              users.slice(half).map((user) => ({ user, raw: {}, fetchedAt: 1 })),
              { maxChunkRows: 3 },
            );
            for (const q of queries) same(indexed, sql, q);
            // A lookup's single write, a rename, gone marks, a reconcile, a purge.
            const first = users[0] as DirectoryUser;
            indexed.upsert(
              { user: { ...first, name: 'Renamed Person' }, raw: {}, fetchedAt: 2 },
              5,
            );
            indexed.markGone(first.connectionId, first.userId, 6);
            await indexed.markMissingAsGone('conn-b', 3, 7);
            for (const q of queries) same(indexed, sql, q);
            // The gone user is listed again, unchanged: no longer gone.
            await indexed.upsertBatch([
              { user: { ...first, name: 'Renamed Person' }, raw: {}, fetchedAt: 2 },
            ]);
            for (const q of [...queries, searchQuery({ status: 'active' })]) same(indexed, sql, q);
            await indexed.purgeGone('conn-b');
            for (const q of queries) same(indexed, sql, q);
            // A removed connection's users leave the index too.
            await deleteConnectionUsers(cache.db, 'conn-a');
            for (const q of queries) same(indexed, sql, q);
          } finally {
            cache.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('serves from the index once built, and from SQL when another program wrote to the file', async () => {
    const { cache, indexed, sql } = await pair();
    const users = Array.from({ length: 30 }, (_, i) =>
      makeUser({ userId: String(i + 1), name: `Person ${i + 1}`, email: `p${i}@corp.example.net` }),
    );
    await indexed.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    await indexed.buildSearchIndex();
    same(indexed, sql, searchQuery({ text: 'corp' }));
    // Another connection (another Rollcall, a repair tool) renames someone.
    const other = new DatabaseSync(cache.path);
    other
      .prepare(
        "UPDATE users SET sort_name = 'aaa first', search_text = 'aaa first' WHERE user_id = '7'",
      )
      .run();
    other.close();
    const answer = indexed.search(searchQuery({ text: 'aaa' }));
    expect(answer.items.map((u) => u.userId)).toEqual(['7']); // the SQL answer, not the stale index
    expect(indexed.searchIndexState()).not.toBe('ready');
    await indexed.buildSearchIndex();
    expect(indexed.searchIndexState()).toBe('ready');
    same(indexed, sql, searchQuery({ text: 'aaa' }));
    same(indexed, sql, searchQuery({}));
    cache.close();
  });

  it('scans on the background connection while the index loads, with the same answers', async () => {
    const { cache, sql } = await pair();
    const background = await recordedBackground(cache);
    const { reads } = background;
    const indexed = createUsersRepo(cache, {
      now: () => 1,
      index: createSearchIndex(),
      backgroundRead: background.read,
    });
    const users = Array.from({ length: 80 }, (_, i) =>
      makeUser({ userId: String(i + 1), name: `Person ${i % 9}`, email: `p${i}@corp.example.net` }),
    );
    await indexed.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    const queries = [
      searchQuery({ text: 'corp person' }),
      searchQuery({ text: 'p1', sort: 'name', direction: 'desc', offset: 3, limit: 7 }),
      searchQuery({ text: 'nobody' }),
      searchQuery({}),
      searchQuery({ text: 'person', roles: ['member'], facets: true }),
    ];
    for (const q of queries) expect(await indexed.searchAsync(q)).toEqual(sql.search(q));
    expect(reads.length).toBeGreaterThan(0); // the scans ran there, not here
    // So did the check for a NUL in a haystack (users-search-where.ts), once: nothing was written between.
    expect(reads.filter((r) => r.includes('char(0)'))).toHaveLength(1);
    await indexed.buildSearchIndex();
    reads.length = 0;
    for (const q of queries) expect(await indexed.searchAsync(q)).toEqual(sql.search(q));
    expect(reads).toEqual([]); // the index answers once ready
    await background.close();
    cache.close();
  });

  it('keeps answering correctly while writes land during the build', async () => {
    const { cache, indexed, sql } = await pair();
    const users = Array.from({ length: 1200 }, (_, i) =>
      makeUser({ userId: String(i + 1), name: `Person ${i % 97}`, email: `p${i}@example.com` }),
    );
    await indexed.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    const build = indexed.buildSearchIndex({ budgetMs: 0.01 });
    // Meanwhile: renames of loaded and not-yet-loaded rows, a gone mark, new users.
    await indexed.upsertBatch(
      [3, 900, 1150].map((i) => ({
        user: { ...(users[i] as DirectoryUser), name: `Changed ${i}` },
        raw: {},
        fetchedAt: 2,
      })),
    );
    indexed.markGone('conn-a', '1100', 3);
    await indexed.upsertBatch([
      { user: makeUser({ userId: '5000', name: 'Late Arrival' }), raw: {}, fetchedAt: 3 },
    ]);
    await build;
    expect(indexed.searchIndexState()).toBe('ready');
    for (const q of [
      searchQuery({ text: 'changed' }),
      searchQuery({ text: 'late' }),
      searchQuery({ status: 'deactivated' }),
      searchQuery({ sort: 'name', direction: 'desc', offset: 1100 }),
      searchQuery({ text: 'person 1', sort: 'joined' }),
    ]) {
      same(indexed, sql, q);
    }
    // Exports walk the same order.
    const streamed: string[] = [];
    for await (const chunk of indexed.searchAll(
      { ...DEFAULT_SEARCH_SPEC, text: 'person' },
      { chunkSize: 100 },
    )) {
      streamed.push(...chunk.map((u) => u.userId));
    }
    expect(streamed).toEqual(
      sql
        .search(searchQuery({ text: 'person', limit: 1000 }))
        .items.map((u) => u.userId)
        .concat(
          sql
            .search(searchQuery({ text: 'person', limit: 1000, offset: 1000 }))
            .items.map((u) => u.userId),
        ),
    );
    cache.close();
  });
});
