// The SQL search that answers until the in-memory index is ready
// (store/users-search-sql.ts): one scan counts the matches and names them,
// with a first page's facet counts (store/users-facets-sql.ts); relevance is ranked by SQL for at most a few thousand matches, and more
// are listed by name (exact total) so no first page costs a full ranking.
import { afterEach, describe, expect, it } from 'vitest';
import { createSearchIndex } from '@core/search/search-index';
import { facetsOfRows } from '@core/search/facets';
import { searchRowOf } from '@core/search/search-text';
import { createUsersRepo } from '@core/store/users-repo';
import { globIsFaster, NUL_SQL } from '@core/store/users-search-where';
import type { DirectoryUser } from '@shared/model';
import {
  addConnectionRow,
  makeUser,
  openTestCache,
  recordedBackground,
  searchQuery,
} from './cache-fixtures';

const opened: ReturnType<typeof openTestCache>[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

/** `count` users "User 00000"…, members, and Zoe (a guest) whose email's local part is "user". */
async function directory(count: number) {
  const cache = openTestCache();
  opened.push(cache);
  addConnectionRow(cache, 'conn-a', 'zulip');
  const users: DirectoryUser[] = Array.from({ length: count }, (_, i) =>
    makeUser({ userId: String(i).padStart(5, '0') }),
  );
  users.push(makeUser({ userId: '99999', name: 'Zoe', email: 'user@example.com', role: 'guest' }));
  const sql = createUsersRepo(cache, { now: () => 1 });
  await sql.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
  const indexed = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
  await indexed.buildSearchIndex();
  return { sql, indexed };
}

describe('the SQL search until the index is ready', () => {
  it('ranks up to 2 000 matches as the index does: the exact email first', async () => {
    const { sql, indexed } = await directory(300);
    const q = searchQuery({ text: 'user', sort: 'relevance', limit: 20 });
    const bySql = sql.search(q);
    expect(bySql.items[0]?.name).toBe('Zoe');
    expect(bySql).toEqual(indexed.search(q));
    expect((await sql.searchAsync(q)).items.map((u) => u.userId)).toEqual(
      bySql.items.map((u) => u.userId),
    );
  });

  it('lists more matches than it ranks by name, with the exact total', async () => {
    const { sql, indexed } = await directory(2_100);
    const q = searchQuery({ text: 'user', sort: 'relevance', limit: 20 });
    const bySql = sql.search(q);
    expect(bySql.total).toBe(2_101);
    expect(bySql.items.map((u) => u.name)).toEqual(
      sql.search({ ...q, sort: 'name' }).items.map((u) => u.name),
    );
    expect(bySql.items[0]?.name).toBe('User 00000');
    // The answer says so, for the window to tell the admin; one asked by name has nothing to say.
    expect(bySql.rankedByName).toBe(true);
    expect((await sql.searchAsync(q)).rankedByName).toBe(true);
    expect(sql.search({ ...q, sort: 'name' }).rankedByName).toBeUndefined();
    // The index, once ready, ranks them all: Zoe first.
    expect(indexed.search(q).items[0]?.name).toBe('Zoe');
    expect(indexed.search(q).rankedByName).toBeUndefined();
    // A filter that leaves few matches is ranked again.
    const guests = sql.search({ ...q, roles: ['guest'] });
    expect(guests).toEqual({ total: 1, items: [expect.objectContaining({ name: 'Zoe' })] });
    // A dozen matches among 2 101: the index sorts them rather than walking every slot.
    for (const few of [
      { text: '0001', sort: 'name' as const },
      { text: '0001', sort: 'name' as const, direction: 'desc' as const, offset: 2 },
      { text: '0001', sort: 'relevance' as const },
      { text: '0001 user', sort: 'relevance' as const, limit: 3 },
    ]) {
      const fq = searchQuery(few);
      expect(indexed.search(fq).total).toBeGreaterThan(5);
      expect(indexed.search(fq)).toEqual(sql.search(fq));
    }
  });

  it('calls back when the index starts answering, so SQL answers can be asked again', async () => {
    const cache = openTestCache();
    opened.push(cache);
    addConnectionRow(cache, 'conn-a', 'zulip');
    let ready = 0;
    const users = createUsersRepo(cache, {
      now: () => 1,
      index: createSearchIndex(),
      onSearchReady: () => ready++,
    });
    await users.upsertBatch([{ user: makeUser({ userId: '1' }), raw: {}, fetchedAt: 1 }]);
    expect(ready).toBe(0);
    await users.buildSearchIndex();
    expect(ready).toBe(1);
    // Asked again while it answers: nothing is built, and nothing to say.
    await users.buildSearchIndex();
    expect(ready).toBe(1);
  });

  it('pages few matches in their sort order from the row IDs of the one scan', async () => {
    const { sql, indexed } = await directory(400);
    for (const q of [
      searchQuery({ text: '0001', sort: 'name', direction: 'desc', limit: 5 }),
      searchQuery({ text: 'user 003', sort: 'joined', offset: 3, limit: 4 }),
      searchQuery({ roles: ['guest'] }),
      searchQuery({ text: 'nobody' }),
    ]) {
      expect(sql.search(q)).toEqual(indexed.search(q));
      expect(await sql.searchAsync(q)).toEqual(sql.search(q));
    }
  });

  it("counts a first page's facets in the scan that finds its matches", async () => {
    // Each facet leaves its own choice out: the roles count every role
    // among the active humans, the status counts the guests of both states.
    const cache = openTestCache();
    opened.push(cache);
    addConnectionRow(cache, 'conn-a', 'zulip');
    const people = Array.from({ length: 60 }, (_, i) =>
      makeUser({
        userId: String(i + 1),
        name: `Person ${i}`,
        role: (['member', 'guest', 'admin'] as const)[i % 3],
        isBot: i % 7 === 0,
        deactivated: i % 5 === 0,
      }),
    );
    const background = await recordedBackground(cache);
    const { reads } = background;
    const sql = createUsersRepo(cache, { now: () => 1, backgroundRead: background.read });
    await sql.upsertBatch(people.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    const rows = people.map((u) => searchRowOf(u, false));
    for (const q of [
      searchQuery({ text: 'person', facets: true }),
      searchQuery({ text: 'person 1', roles: ['guest'], status: 'active', facets: true }),
      searchQuery({ accounts: 'humans', status: 'deactivated', sort: 'joined', facets: true }),
      searchQuery({ facets: true }),
    ]) {
      reads.length = 0;
      const answer = await sql.searchAsync(q);
      expect(answer.facets, JSON.stringify(q)).toEqual(facetsOfRows(rows, q));
      expect(sql.search(q), JSON.stringify(q)).toEqual(answer);
      // One statement counted the matches and the three facets, in one scan
      // (the number of users, which a page in its sort order reads, aside).
      const counts = reads.filter(
        (r) => /count\(/.test(r) && !/^SELECT count\(\*\) AS n FROM users$/.test(r),
      );
      expect(counts, JSON.stringify(q)).toHaveLength(1);
    }
    await background.close();
  });

  it('reads a first page among many matches from the first rows of its order: the page the index gives', async () => {
    // 3 000 users: names, join and activity times repeat (ties at every
    // bound), a tenth have no join time and a sixth no activity; "an" is in
    // about a third of the names, "ann" in a twentieth.
    const cache = openTestCache();
    opened.push(cache);
    addConnectionRow(cache, 'conn-a', 'zulip');
    addConnectionRow(cache, 'conn-b', 'zulip');
    const first = ['Anna', 'Bo', 'Chen', 'Dana', 'Eve', 'Fox', 'Gus', 'Hana', 'Ivo'];
    const last = ['Berg', 'Ng', 'Ortiz', 'Quinn', 'Stanley', 'Tran', 'Ueda'];
    const users: DirectoryUser[] = Array.from({ length: 3_000 }, (_, i) =>
      makeUser({
        userId: String(i),
        connectionId: i % 3 === 0 ? 'conn-b' : 'conn-a',
        name: `${first[(i * 7) % first.length]} ${last[(i * 5) % last.length]}`,
        joinedAt: i % 10 === 0 ? null : Date.UTC(2024, 0, 1 + ((i * 13) % 40)),
        presence: i % 6 === 0 ? null : { lastActiveAt: 1_000 * ((i * 11) % 90), idle: false },
        role: i % 17 === 0 ? 'guest' : 'member',
      }),
    );
    const sql = createUsersRepo(cache, { now: () => 1 });
    await sql.upsertBatch(users.map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    const indexed = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
    await indexed.buildSearchIndex();
    const queries = [];
    for (const sort of ['name', 'joined', 'lastActive', 'relevance', 'role'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        for (const page of [
          { offset: 0, limit: 7 },
          { offset: 40, limit: 9 },
        ]) {
          queries.push(searchQuery({ text: 'an', sort, direction, ...page }));
          queries.push(searchQuery({ sort, direction, ...page }));
          queries.push(searchQuery({ text: 'ann', sort, direction, ...page, limit: 5 }));
          queries.push(searchQuery({ roles: ['guest'], sort, direction, ...page }));
        }
      }
    }
    // A page past the matches that hold no join time (the bound runs out).
    queries.push(searchQuery({ sort: 'joined', offset: 2_690, limit: 20 }));
    queries.push(searchQuery({ text: 'an', sort: 'lastActive', offset: 830, limit: 20 }));
    for (const q of queries) {
      const expected = indexed.search(q);
      expect(expected.items.length).toBeGreaterThan(0);
      expect(sql.search(q), JSON.stringify(q)).toEqual(expected);
      expect(await sql.searchAsync(q), JSON.stringify(q)).toEqual(expected);
    }
  });

  it('tests a term by GLOB only where that is faster, with the same matches either way', async () => {
    // SQLite finds a GLOB's first character by strcspn() only when it is ASCII and no wildcard.
    for (const t of ['anna', 'mü', '42', '.com', 'x*']) expect(globIsFaster(t), t).toBe(true);
    for (const t of ['и', 'иван', '王', '佐藤', 'über', '*x', '?', '[x']) {
      expect(globIsFaster(t), t).toBe(false);
    }
    const cache = openTestCache();
    opened.push(cache);
    addConnectionRow(cache, 'conn-a', 'zulip');
    const sql = createUsersRepo(cache, { now: () => 1 });
    const names = ['Иван Петров', 'Anna Иванова', '王小明', 'Über Müller', 'Anna Smith', 'Mark'];
    await sql.upsertBatch(
      names.map((name, i) => ({
        user: makeUser({ userId: String(i + 1), name }),
        raw: {},
        fetchedAt: 1,
      })),
    );
    const indexed = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
    await indexed.buildSearchIndex();
    for (const text of ['иван', 'anna иван', 'иван anna', '王', '王 小', 'über mü', 'ann ов']) {
      for (const sort of ['name', 'relevance'] as const) {
        const q = searchQuery({ text, sort, facets: true });
        expect(sql.search(q).items.length, text).toBeGreaterThan(0);
        expect(sql.search(q), text).toEqual(indexed.search(q));
        expect(await sql.searchAsync(q), text).toEqual(indexed.search(q));
      }
    }
  });

  it('finds wildcards literally and text past a NUL, as the index does', async () => {
    const cache = openTestCache();
    opened.push(cache);
    addConnectionRow(cache, 'conn-a', 'zulip');
    const sql = createUsersRepo(cache, { now: () => 1 });
    const write = (names: string[], from: number) =>
      sql.upsertBatch(
        names.map((name, i) => ({
          user: makeUser({ userId: String(from + i), name }),
          raw: {},
          fetchedAt: 1,
        })),
      );
    await write(['Star*Light', 'Q?[x] Mark', 'Plain Mark', 'Starlight Plain', 'X'], 1);
    const texts = [
      '*',
      'r*l',
      '?',
      '[x',
      'x]',
      '[x]',
      'q?[',
      'mark',
      'star',
      'zed',
      'x\u0000zed',
      'x\u0000zq',
    ];
    const sameAsIndex = async (): Promise<void> => {
      const indexed = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
      await indexed.buildSearchIndex();
      for (const text of texts) {
        for (const sort of ['name', 'relevance'] as const) {
          const q = searchQuery({ text, sort, facets: true });
          expect(sql.search(q), text).toEqual(indexed.search(q));
        }
      }
    };
    await sameAsIndex();
    const names = (text: string) => sql.search(searchQuery({ text })).items.map((u) => u.name);
    expect(names('*')).toEqual(['Star*Light']);
    expect(names('[x]')).toEqual(['Q?[x] Mark']);
    expect(names('?')).toEqual(['Q?[x] Mark']);

    expect(cache.db.prepare(NUL_SQL).get()).toBeUndefined();
    // Another program wrote a NUL into a haystack (Rollcall's own writes
    // cannot: the binding ends a string at its first NUL). What follows the
    // NUL is found, as the index finds it, and so is a term holding a NUL.
    cache.db
      .prepare(
        "UPDATE users SET search_text = search_text || char(10) || 'x' || char(0) || 'zed' WHERE user_id = '1'",
      )
      .run();
    const nuls = cache.db
      .prepare('SELECT count(*) AS n FROM users WHERE instr(search_text, char(0)) > 0')
      .get() as { n: number };
    expect(nuls.n).toBe(1);
    // Found by the partial index users_nul (migration 14), not by a scan.
    const plan = cache.db.prepare(`EXPLAIN QUERY PLAN ${NUL_SQL}`).all() as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual(['SCAN users USING INDEX users_nul']);
    expect(cache.db.prepare(NUL_SQL).get()).toEqual({ nul: 1 });
    expect(names('zed')).toEqual(['Star*Light']);
    expect(names('x\u0000zed')).toEqual(['Star*Light']);
    expect(names('x\u0000zq')).toEqual([]);
    await sameAsIndex();
  });
});
