// Cached users: upsert counts, chunked batches that yield and cancel on chunk
// boundaries, gone users after a full sync, bot owner names filled at read
// time, and a crash (SIGKILL) in the middle of a batch. Real SQLite.
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { createUsersRepo } from '@core/store/users-repo';
import type { BatchRecord, UserWrite } from '@core/store/users-rows';
import { RollcallFailure } from '@shared/errors';
import type { DirectoryUser } from '@shared/model';
import {
  addConnectionRow,
  makeBot,
  makeUser,
  openTestCache,
  runTsChild,
  searchQuery,
  tempDir,
  testClock,
} from './cache-fixtures';

function setup() {
  const clock = testClock();
  const cache = openTestCache({ now: clock.now });
  addConnectionRow(cache, 'conn-a');
  addConnectionRow(cache, 'conn-b', 'openwebui');
  const users = createUsersRepo(cache, { now: clock.now });
  const write = (user: DirectoryUser, raw: unknown = { id: user.userId }): UserWrite => ({
    user,
    raw: raw as UserWrite['raw'],
    fetchedAt: clock.now(),
  });
  return { clock, cache, users, write };
}

async function failureOf(promise: Promise<unknown> | (() => unknown)): Promise<RollcallFailure> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown;
    throw thrown;
  }
  throw new Error('expected a RollcallFailure');
}

function seenAt(
  cache: ReturnType<typeof setup>['cache'],
  userId: string,
): { seen_at: number; gone_at: number | null; fetched_at: number } {
  return cache.db
    .prepare(
      `SELECT s.seen_at, u.gone_at, s.fetched_at FROM users u JOIN user_seen s USING (row_id)
       WHERE u.connection_id = ? AND u.user_id = ?`,
    )
    .get('conn-a', userId) as { seen_at: number; gone_at: number | null; fetched_at: number };
}

describe('users repository', () => {
  it('counts added, updated and unchanged, and still marks unchanged users as seen', async () => {
    const { clock, cache, users, write } = setup();
    const first = await users.upsertBatch([
      write(makeUser({ userId: '1', name: 'Ada' })),
      write(makeUser({ userId: '2', name: 'Grace' })),
      write(makeUser({ userId: '3', name: 'Linus' })),
    ]);
    expect(first).toEqual({ added: 3, updated: 0, unchanged: 0 });
    const before = seenAt(cache, '1');

    clock.advance(60_000);
    users.markGone('conn-a', '1', clock.now());
    clock.advance(60_000);
    const second = await users.upsertBatch([
      write(makeUser({ userId: '1', name: 'Ada' })), // same content
      write(makeUser({ userId: '2', name: 'Grace Hopper' })), // renamed
      write(makeUser({ userId: '3', name: 'Linus' }), { id: '3', extra: true }), // raw changed
      write(makeUser({ userId: '4', name: 'Margaret' })),
    ]);
    expect(second).toEqual({ added: 1, updated: 2, unchanged: 1 });
    const after = seenAt(cache, '1');
    expect(after.seen_at).toBe(before.seen_at + 120_000);
    expect(after.fetched_at).toBe(before.fetched_at + 120_000);
    expect(after.gone_at).toBeNull();
    expect(users.get('conn-a', '2')?.user.name).toBe('Grace Hopper');
    expect(users.get('conn-a', '3')?.raw).toEqual({ id: '3', extra: true });
    expect(users.count('conn-a')).toBe(4);
    cache.close();
  });

  it('counts a change for the saved index only when an unchanged user was gone, and reads a repeated user twice', async () => {
    const { clock, cache, users, write } = setup();
    const seq = (): number =>
      (cache.db.prepare('SELECT seq FROM users_changes WHERE id = 1').get() as { seq: number }).seq;
    const ids = ['1', '2', '3', '4', '5'];
    await users.upsertBatch(ids.map((id) => write(makeUser({ userId: id }))));
    users.markGone('conn-a', '2', clock.now());
    const before = seq();
    clock.advance(1000);
    // Seen again unchanged: only user 2's "no longer gone" is a change.
    expect(await users.upsertBatch(ids.map((id) => write(makeUser({ userId: id }))))).toEqual({
      added: 0,
      updated: 0,
      unchanged: 5,
    });
    expect(seq()).toBe(before + 1);
    expect(seenAt(cache, '2').gone_at).toBeNull();
    expect(seenAt(cache, '4').seen_at).toBe(clock.now());
    // The same new user twice in one batch: added, then found unchanged.
    expect(
      await users.upsertBatch([
        write(makeUser({ userId: '6' })),
        write(makeUser({ userId: '6' })),
        write(makeUser({ userId: '6', name: 'Renamed' })),
      ]),
    ).toEqual({ added: 1, updated: 1, unchanged: 1 });
    expect(users.get('conn-a', '6')?.user.name).toBe('Renamed');
    cache.close();
  });

  it('upserts one user and returns what it did', () => {
    const { cache, users, write } = setup();
    expect(users.upsert(write(makeUser({ userId: '9' })))).toBe('added');
    expect(users.upsert(write(makeUser({ userId: '9' })))).toBe('unchanged');
    expect(users.upsert(write(makeUser({ userId: '9', role: 'guest' })))).toBe('updated');
    expect(users.getSummary('conn-a', '9')?.role).toBe('guest');
    cache.close();
  });

  it('gets a user record as written, with fetch time and gone time', () => {
    const { clock, cache, users, write } = setup();
    const user = makeUser({
      userId: '5',
      name: 'Zoë Müller',
      groups: [{ id: 'g1', name: 'Design' }],
    });
    users.upsert({ user, raw: { id: 5, nested: { a: [1, 2] } }, fetchedAt: 1234.4 });
    expect(users.get('conn-a', '5')).toEqual({
      user,
      raw: { id: 5, nested: { a: [1, 2] } },
      fetchedAt: 1234,
      goneAt: null,
    });
    expect(users.markGone('conn-a', '5', clock.now())).toBe(true);
    expect(users.markGone('conn-a', '5', clock.now() + 5)).toBe(false); // already gone: time kept
    expect(users.get('conn-a', '5')?.goneAt).toBe(clock.now());
    expect(users.getSummary('conn-a', '5')?.gone).toBe(true);
    expect(users.get('conn-a', 'nobody')).toBeNull();
    expect(users.get('conn-b', '5')).toBeNull();
    void write;
    cache.close();
  });

  it("fills a bot's owner name at read time, from the owner's current row", async () => {
    const { cache, users, write } = setup();
    await users.upsertBatch([
      write(makeBot('100', '1', 2)),
      write(makeUser({ userId: '1', name: 'Owner One' })),
    ]);
    const bot = users.getSummary('conn-a', '100');
    expect(bot).toMatchObject({
      isBot: true,
      botOwnerId: '1',
      botOwnerName: 'Owner One',
      botTypeLabel: 'Incoming webhook',
    });
    users.upsert(write(makeUser({ userId: '1', name: 'Owner Renamed' })));
    expect(users.getSummary('conn-a', '100')?.botOwnerName).toBe('Owner Renamed');
    // The stored summary itself never carries the name.
    const stored = cache.db
      .prepare("SELECT summary_json FROM users WHERE user_id = '100'")
      .get() as {
      summary_json: string;
    };
    expect(JSON.parse(stored.summary_json).botOwnerName).toBeNull();
    // An owner that is not cached leaves the name null.
    users.upsert(write(makeBot('101', '999')));
    expect(users.getSummary('conn-a', '101')?.botOwnerName).toBeNull();
    cache.close();
  });

  it('checks every record before writing any: a bad one at the end loses nothing and writes nothing', async () => {
    const { cache, users, write } = setup();
    users.upsert(write(makeUser({ userId: '1', name: 'Kept' })));
    const good = Array.from({ length: 50 }, (_, i) => write(makeUser({ userId: String(100 + i) })));
    const bad = write(makeUser({ userId: '200', role: 'emperor' as never }));
    const failure = await failureOf(users.upsertBatch([...good, bad], { maxChunkRows: 10 }));
    expect(failure.error.code).toBe('INVALID_INPUT');
    expect(failure.error.message).toBe('User 200 has an unknown role.');
    expect(users.count()).toBe(1);
    expect(users.get('conn-a', '1')?.user.name).toBe('Kept');

    const orphan = await failureOf(
      users.upsertBatch([write(makeUser({ userId: '1', connectionId: 'conn-zz' }))]),
    );
    expect(orphan.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'There is no connection conn-zz to store users under.',
    });
    const wrongKind = await failureOf(
      users.upsertBatch([write(makeUser({ userId: '1', connectionId: 'conn-b' }))]),
    );
    expect(wrongKind.error.message).toBe(
      'User 1 is a zulip user, but connection conn-b is openwebui.',
    );
    const noTime = await failureOf(
      users.upsertBatch([{ ...write(makeUser({ userId: '3' })), fetchedAt: Number.NaN }]),
    );
    expect(noTime.error.message).toBe('User 3 has no fetch time.');
    expect(users.count()).toBe(1);
    cache.close();
  });

  it('writes in chunks and lets the event loop run between them', async () => {
    const { cache, users, write } = setup();
    const records = Array.from({ length: 250 }, (_, i) => write(makeUser({ userId: String(i) })));
    const chunks: number[] = [];
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    let ticksAtChunk: number[] = [];
    await users.upsertBatch(records, {
      maxChunkRows: 50,
      chunkBudgetMs: 60_000,
      onChunk: (r) => {
        chunks.push(r.rows);
        ticksAtChunk.push(ticks);
        expect(users.count()).toBe(r.done); // committed: visible right away
      },
    });
    clearInterval(ticker);
    expect(chunks).toEqual([50, 50, 50, 50, 50]);
    // Timers ran between chunks: the count grew while the batch was under way.
    expect(ticksAtChunk[ticksAtChunk.length - 1]).toBeGreaterThan(ticksAtChunk[0] as number);
    ticksAtChunk = [];
    cache.close();
  });

  it('also ends a chunk when its time budget is spent', async () => {
    const { cache, users, write } = setup();
    const records = Array.from({ length: 40 }, (_, i) => write(makeUser({ userId: String(i) })));
    const rows: number[] = [];
    await users.upsertBatch(records, {
      maxChunkRows: 1000,
      chunkBudgetMs: 0,
      onChunk: (r) => rows.push(r.rows),
    });
    expect(rows).toEqual(Array.from({ length: 40 }, () => 1));
    expect(users.count()).toBe(40);
    cache.close();
  });

  it('stops on cancel between chunks, keeping whole chunks only', async () => {
    const { cache, users, write } = setup();
    const records = Array.from({ length: 100 }, (_, i) => write(makeUser({ userId: String(i) })));
    const controller = new AbortController();
    const failure = await failureOf(
      users.upsertBatch(records, {
        signal: controller.signal,
        maxChunkRows: 30,
        chunkBudgetMs: 60_000,
        onChunk: (r) => {
          if (r.done >= 60) controller.abort();
        },
      }),
    );
    expect(failure.error.code).toBe('CANCELLED');
    expect(users.count()).toBe(60);
    const ids = (
      cache.db.prepare('SELECT user_id FROM users ORDER BY CAST(user_id AS INTEGER)').all() as {
        user_id: string;
      }[]
    ).map((r) => Number(r.user_id));
    expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => i));
    cache.close();
  });

  it('reads a row without a user_seen row by its own times, for the detail view and for gone', async () => {
    const { clock, cache, users, write } = setup();
    await users.upsertBatch(['1', '2', '3'].map((id) => write(makeUser({ userId: id }))));
    const writtenAt = clock.now();
    // Rows some other program left without their user_seen row; '3' it marked seen later.
    cache.db.exec(`DELETE FROM user_seen WHERE row_id IN
      (SELECT row_id FROM users WHERE user_id IN ('2', '3'))`);
    clock.advance(3_600_000);
    const syncStarted = clock.now();
    cache.db.prepare(`UPDATE users SET seen_at = ? WHERE user_id = '3'`).run(syncStarted + 1000);
    expect(users.get('conn-a', '2')?.fetchedAt).toBe(writtenAt);
    await users.upsertBatch([write(makeUser({ userId: '1' }))]);
    expect(await users.markMissingAsGone('conn-a', syncStarted, clock.now())).toBe(1);
    expect(users.get('conn-a', '2')?.goneAt).toBe(clock.now());
    expect(users.get('conn-a', '1')?.goneAt).toBeNull();
    expect(users.get('conn-a', '3')?.goneAt).toBeNull();
  });

  it('marks as gone only the users a completed sync did not see, and purges them on request', async () => {
    const { clock, cache, users, write } = setup();
    await users.upsertBatch(['1', '2', '3', '4'].map((id) => write(makeUser({ userId: id }))));
    await users.upsertBatch([
      write(makeUser({ userId: 'b1', connectionId: 'conn-b', kind: 'openwebui' })),
    ]);
    clock.advance(3_600_000);
    const syncStarted = clock.now();
    clock.advance(1000);
    await users.upsertBatch(['1', '3'].map((id) => write(makeUser({ userId: id }))));
    clock.advance(1000);
    const gone = await users.markMissingAsGone('conn-a', syncStarted, clock.now());
    expect(gone).toBe(2);
    expect(users.get('conn-a', '2')?.goneAt).toBe(clock.now());
    expect(users.get('conn-a', '4')?.goneAt).toBe(clock.now());
    expect(users.get('conn-a', '1')?.goneAt).toBeNull();
    expect(users.get('conn-a', '3')?.goneAt).toBeNull();
    expect(users.get('conn-b', 'b1')?.goneAt).toBeNull(); // another connection is untouched
    expect(await users.markMissingAsGone('conn-a', syncStarted, clock.now() + 1)).toBe(0); // no double marking
    expect(users.count('conn-a')).toBe(2);
    expect(users.count('conn-a', { includeGone: true })).toBe(4);
    expect(users.countsByConnection()).toEqual(
      new Map([
        ['conn-a', 2],
        ['conn-b', 1],
      ]),
    );

    expect(await users.purgeGone('conn-a')).toBe(2);
    expect(users.count('conn-a', { includeGone: true })).toBe(2);
    expect(users.get('conn-a', '2')).toBeNull();
    // Their "seen" rows went with them: one per user left.
    expect(cache.db.prepare('SELECT count(*) AS n FROM user_seen').get()).toEqual({ n: 3 });
    cache.close();
  });

  it('counts the users still on their server, per connection and in all, as the gone mark says', async () => {
    const { clock, cache, users, write } = setup();
    addConnectionRow(cache, 'conn-c');
    await users.upsertBatch([
      ...['1', '2', '3', '4', '5'].map((id) => write(makeUser({ userId: id }))),
      ...['b1', 'b2'].map((id) =>
        write(makeUser({ userId: id, connectionId: 'conn-b', kind: 'openwebui' })),
      ),
      write(makeUser({ userId: 'c1', connectionId: 'conn-c' })),
    ]);
    clock.advance(1000);
    users.markGone('conn-a', '2', clock.now());
    users.markGone('conn-a', '5', clock.now());
    users.markGone('conn-c', 'c1', clock.now()); // every user of conn-c is gone
    // What each count must say: the rows whose gone mark is not set.
    const notGone = (connectionId?: string): number =>
      Number(
        (
          cache.db
            .prepare(
              `SELECT count(*) AS n FROM users WHERE gone_at IS NULL ${connectionId ? 'AND connection_id = ?' : ''}`,
            )
            .get(...(connectionId ? [connectionId] : [])) as { n: number }
        ).n,
      );
    expect([notGone('conn-a'), notGone('conn-b'), notGone('conn-c'), notGone()]).toEqual([
      3, 2, 0, 5,
    ]);
    expect(users.count('conn-a')).toBe(3);
    expect(users.count('conn-b')).toBe(2);
    expect(users.count('conn-c')).toBe(0);
    expect(users.count('conn-missing')).toBe(0);
    expect(users.count()).toBe(5);
    expect(users.count('conn-a', { includeGone: true })).toBe(5);
    expect(users.count(undefined, { includeGone: true })).toBe(8);
    // A connection without a user on its server is not listed, as before.
    expect(users.countsByConnection()).toEqual(
      new Map([
        ['conn-a', 3],
        ['conn-b', 2],
      ]),
    );
    cache.close();
  });

  it('iterates every summary with its search columns, in chunks', async () => {
    const { cache, users, write } = setup();
    await users.upsertBatch(
      Array.from({ length: 25 }, (_, i) =>
        write(makeUser({ userId: String(i), name: `Ünïcode ${i}` })),
      ),
    );
    await users.upsertBatch([
      write(makeUser({ userId: 'x', connectionId: 'conn-b', kind: 'openwebui', role: 'pending' })),
    ]);
    const sizes: number[] = [];
    const seen: string[] = [];
    for await (const chunk of users.iterateSummaries({
      connectionIds: ['conn-a'],
      chunkSize: 10,
    })) {
      sizes.push(chunk.length);
      for (const { summary, row } of chunk) {
        expect(row.userId).toBe(summary.userId);
        expect(row.sortName).toBe(`unicode ${summary.userId}`);
        expect(row.searchText).toContain('unicode');
        seen.push(summary.userId);
      }
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(25);
    let all = 0;
    for await (const chunk of users.iterateSummaries()) all += chunk.length;
    expect(all).toBe(26);
    cache.close();
  });

  it('refuses to write to a cache opened read-only', () => {
    const dir = tempDir();
    const cache = openTestCache({ dir });
    addConnectionRow(cache, 'conn-a');
    cache.db.exec('PRAGMA user_version = 999');
    cache.close();
    const ro = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
    const users = createUsersRepo(ro, { now: Date.now });
    expect(() => users.markGone('conn-a', '1', 1)).toThrow(/read-only/);
    expect(users.count()).toBe(0); // reading works
    ro.close();
  });
});

describe('reading back what an older version stored', () => {
  /** Sets a column of one user's row (users or user_payloads) to raw SQL. */
  function setColumn(
    cache: ReturnType<typeof setup>['cache'],
    table: 'users' | 'user_payloads',
    column: string,
    sql: string,
    userId: string,
  ): void {
    const where =
      table === 'users'
        ? 'connection_id = ? AND user_id = ?'
        : 'row_id = (SELECT row_id FROM users WHERE connection_id = ? AND user_id = ?)';
    cache.db.prepare(`UPDATE ${table} SET ${column} = ${sql} WHERE ${where}`).run('conn-a', userId);
  }

  it('gives a card the defaults of the fields its JSON lacks or holds in an older shape, never undefined', async () => {
    const { cache, users, write } = setup();
    const full = makeUser({
      userId: '1',
      name: 'Ada Lovelace',
      presence: { lastActiveAt: 5, idle: false },
      status: { emoji: '🌴', message: 'away', expiresAt: null },
      groups: [{ id: 'g', name: 'Analysts' }],
      profileFields: [
        {
          fieldId: '1',
          name: 'Team',
          type: 'short_text',
          order: 1,
          displayInSummary: true,
          value: 'Engines',
          text: 'Engines',
          renderedHtml: null,
          url: null,
          userIds: null,
        },
      ],
    });
    await users.upsertBatch([write(full)]);
    const fresh = users.getSummary('conn-a', '1')!;
    // As a version before these fields would have stored it, with one more in a shape that changed.
    setColumn(
      cache,
      'users',
      'summary_json',
      `json_set(json_remove(summary_json, '$.status', '$.summaryFields', '$.avatarKey', '$.timezone'),
        '$.groups', json('[1, "Analysts", null]'), '$.presence', 'online')`,
      '1',
    );
    const card = users.getSummary('conn-a', '1')!;
    expect(card).toEqual({
      ...fresh,
      status: null,
      summaryFields: [],
      avatarKey: null,
      timezone: null,
      presence: null,
      groups: ['Analysts'],
    });
    expect(Object.values(card)).not.toContain(undefined);
    // The same card comes back from a search and from the iteration an index loads from.
    expect(users.search(searchQuery()).items).toEqual([card]);
    for await (const chunk of users.iterateSummaries()) expect(chunk[0]?.summary).toEqual(card);
    cache.close();
  });

  it('shows what the columns hold when a card is not JSON at all, and logs it once', async () => {
    const { clock, cache, write } = setup();
    const lines: string[] = [];
    const { createLogger } = await import('@core/log');
    const users = createUsersRepo(cache, {
      now: clock.now,
      log: createLogger((l) => lines.push(l)),
    });
    await users.upsertBatch([
      write(makeUser({ userId: '1', name: 'Grace Hopper', role: 'administrator' })),
      write(makeUser({ userId: '2', name: 'Alan Turing' })),
    ]);
    setColumn(cache, 'users', 'summary_json', `'{not json'`, '1');
    setColumn(cache, 'users', 'summary_json', `'[]'`, '2');
    expect(users.getSummary('conn-a', '1')).toMatchObject({
      connectionId: 'conn-a',
      userId: '1',
      kind: 'zulip',
      name: 'Grace Hopper',
      role: 'administrator',
      isBot: false,
      deactivated: false,
      groups: [],
      email: null,
    });
    expect(users.search(searchQuery()).items.map((c) => c.name)).toEqual([
      'Alan Turing',
      'Grace Hopper',
    ]);
    expect(lines.filter((l) => l.includes('a cached card is unreadable'))).toHaveLength(1);
    cache.close();
  });

  it('gives a user the defaults of the fields its JSON lacks, and says to sync again when it is not a user', async () => {
    const { cache, users, write } = setup();
    const user = makeUser({
      userId: '1',
      bio: 'Poet of science',
      bot: null,
      extra: { info: { desk: 4 } },
    });
    users.upsert(write(user, { id: '1', name: 'Ada' }));
    users.upsert(write(makeUser({ userId: '2' })));
    setColumn(
      cache,
      'user_payloads',
      'user_json',
      `json_set(json_remove(user_json, '$.bio', '$.dateOfBirth', '$.name'), '$.avatar', json('{"kind":"hologram"}'))`,
      '1',
    );
    const record = users.get('conn-a', '1')!;
    expect(record.user).toEqual({
      ...user,
      bio: null,
      dateOfBirth: null,
      avatar: { kind: 'none' },
      // Kept in a column too: read from there.
      name: user.name,
    });
    expect(record.raw).toEqual({ id: '1', name: 'Ada' });

    setColumn(cache, 'user_payloads', 'user_json', `'"a string"'`, '2');
    const failure = await failureOf(() => users.get('conn-a', '2'));
    expect(failure.error).toMatchObject({
      code: 'CACHE_UNAVAILABLE',
      message: 'This cached user is unreadable. Sync the connection to fetch it again.',
    });
    // Only that user: the others, and every card, still read.
    expect(users.get('conn-a', '1')).not.toBeNull();
    expect(users.getSummary('conn-a', '2')?.userId).toBe('2');
    cache.close();
  });
});

describe('a crash in the middle of a batch', () => {
  it('leaves an intact database holding every user committed before the SIGKILL', async () => {
    const dir = tempDir();
    const setupCache = openTestCache({ dir });
    addConnectionRow(setupCache, 'conn-a');
    setupCache.close();

    const chunkRows = 1500;
    let committed = 0;
    const outcome = await runTsChild<unknown>(
      'children/upsert-until-killed.ts',
      { dir, count: 30_000, chunkRows },
      {
        onLine: (line, kill) => {
          const m = /^committed (\d+)$/.exec(line);
          if (!m) return;
          committed = Number(m[1]);
          if (committed >= 2 * chunkRows) kill('SIGKILL');
        },
      },
    );
    expect(outcome.signal).toBe('SIGKILL');
    expect(outcome.result).toBeNull(); // it never finished
    expect(committed).toBeGreaterThanOrEqual(2 * chunkRows);

    // The raw file first, as any SQLite would see it after the crash.
    const raw = new DatabaseSync(databasePath(dir));
    expect(raw.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    raw.close();

    const cache = openTestCache({ dir });
    expect(cache.notices).toEqual([]);
    const users = createUsersRepo(cache, { now: Date.now });
    const count = users.count();
    expect(count).toBeGreaterThanOrEqual(committed);
    expect(count).toBeLessThan(30_000);
    expect(count % chunkRows).toBe(0); // whole chunks only
    for (let i = 0; i < committed; i += 997) {
      expect(users.get('conn-a', String(i))?.user.email).toBe(`crash${i}@example.com`);
    }
    expect(users.search(searchQuery({ text: 'crash2999@' })).total).toBe(1);
    cache.close();
  });
});

describe('users a sync found unchanged by their source digest', () => {
  it('marks seen the rows whose digest still holds, in order, and writes in full those changed meanwhile', async () => {
    const { clock, cache, users, write } = setup();
    const ids = ['1', '2', '3', '4', '5'];
    const withSource = (id: string): UserWrite => ({
      ...write(makeUser({ userId: id })),
      source: `digest-${id}`,
    });
    await users.upsertBatch(ids.map(withSource));
    // A lookup's write has no digest: never known.
    users.upsert(write(makeUser({ userId: '6', name: 'Looked Up' })), clock.now());
    const known = users.knownSources('conn-a');
    expect([...known].sort()).toEqual(ids.map((id) => [id, `digest-${id}`]));

    // After the digests were read: 2 is rewritten by a lookup (its digest
    // cleared), 3 is marked gone, 4 is derived by an older version.
    users.upsert(write(makeUser({ userId: '2', name: 'Renamed' })), clock.now());
    users.markGone('conn-a', '3', clock.now());
    cache.db.prepare("UPDATE users SET derived_version = 1 WHERE user_id = '4'").run();
    clock.advance(60_000);
    const derived: string[] = [];
    const records: BatchRecord[] = [...known].map(([userId, source]) => ({
      known: true,
      connectionId: 'conn-a',
      userId,
      source,
      fetchedAt: clock.now(),
      derive: () => {
        derived.push(userId);
        return withSource(userId);
      },
    }));
    const counts = await users.upsertBatch(records, { seenAt: clock.now() });
    // Only the rows changed meanwhile are derived and written in full.
    expect(derived.sort()).toEqual(['2', '3', '4']);
    expect(counts).toEqual({ added: 0, updated: 2, unchanged: 3 });
    for (const id of ids) {
      expect(seenAt(cache, id), id).toMatchObject({ seen_at: clock.now(), gone_at: null });
    }
    expect(seenAt(cache, '1').fetched_at).toBe(clock.now());
    expect(users.get('conn-a', '2')?.user.name).toBe('User 2');
    expect([...users.knownSources('conn-a')].sort()).toEqual(ids.map((id) => [id, `digest-${id}`]));
  });

  it('keeps the digest of a user a sync finds unchanged by content, so the next sync knows it', async () => {
    const { users, write } = setup();
    const user = makeUser({ userId: '1' });
    await users.upsertBatch([write(user)]);
    expect(users.knownSources('conn-a').size).toBe(0);
    // The same content, now with a digest (say the first sync of this version).
    await users.upsertBatch([{ ...write(user), source: 'digest-1' }]);
    expect(users.knownSources('conn-a').get('1')).toBe('digest-1');
  });
});
