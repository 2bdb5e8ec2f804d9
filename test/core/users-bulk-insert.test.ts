// New users written by the bindings' connection pool on a libuv thread
// (users-bulk-insert.ts), as the sync worker does: rows identical to the
// ordinary path's, the index told the same in the same order, every other
// write waiting for a chunk under way, and a chunk the pool rolled back
// written again the ordinary way with counts that say so.
import { openBulkInserter, type BulkInserter } from '@core/store/users-bulk-insert';
import { createUsersRepo } from '@core/store/users-repo';
import type { IndexChange } from '@core/store/users-index-sync';
import type { UserWrite } from '@core/store/users-rows';
import { silentLogger, type Logger } from '@core/log';
import type { DirectoryUser } from '@shared/model';
import { addConnectionRow, field, makeUser, openTestCache, testClock } from './cache-fixtures';

const opened: { close(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** A varied user: non-ASCII, quotes and escapes, groups, fields, bots, deactivated ones. */
function variedUser(k: number): DirectoryUser {
  return makeUser({
    userId: String(1000 + k),
    name: k % 3 === 0 ? `Zoë "Z" O’Brien ${k}` : `Ιωάννα 中文 \\ ${k}`,
    email: `u${k}@example.com`,
    deliveryEmail: k % 4 === 0 ? `real${k}@example.org` : null,
    role: k % 7 === 0 ? 'admin' : 'member',
    isBot: k % 11 === 0,
    bot: k % 11 === 0 ? { type: 1, typeLabel: 'Generic bot', ownerId: '1001' } : null,
    deactivated: k % 13 === 0,
    presence: k % 2 === 0 ? { lastActiveAt: Date.UTC(2026, 5, 1) + k, idle: false } : null,
    groups: [{ id: String(k % 5), name: `Team ${k % 5}` }],
    profileFields: [field('Phone', `+49 30 ${k}`, true, 1), field('Bio', `line\n${k}`, false, 2)],
  });
}

async function setup(options: { bulk: boolean; wrap?: (real: BulkInserter) => BulkInserter }) {
  const clock = testClock();
  const cache = openTestCache({ now: clock.now });
  opened.push(cache);
  addConnectionRow(cache, 'conn-a');
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
  let bulk: BulkInserter | null = null;
  if (options.bulk) {
    const real = await openBulkInserter(cache.path, {
      log,
      cacheKib: 8192,
      autocheckpointPages: 1000,
    });
    if (!real) throw new Error('the bindings give no pool');
    opened.push({ close: () => real.close() });
    bulk = options.wrap ? options.wrap(real) : real;
  }
  const changes: IndexChange[] = [];
  const users = createUsersRepo(cache, {
    now: clock.now,
    log,
    bulk,
    relayIndex: (c) => changes.push(...c),
  });
  const write = (user: DirectoryUser): UserWrite => ({
    user,
    raw: { user_id: Number(user.userId), full_name: user.name, note: 'é "q" \\' },
    fetchedAt: clock.now() - Number(user.userId),
    source: `digest-${user.userId}`,
  });
  const rows = (sql: string): unknown[] => cache.db.prepare(sql).all();
  const dump = () => ({
    users: rows('SELECT * FROM users ORDER BY row_id'),
    seen: rows('SELECT * FROM user_seen ORDER BY row_id'),
    payloads: rows('SELECT * FROM user_payloads ORDER BY row_id'),
  });
  return { clock, cache, users, write, changes, warnings, dump };
}

/** Counts the chunks that went to the pool. */
function counting(real: BulkInserter, calls: { n: number }): BulkInserter {
  return {
    insertNew: (...args) => {
      calls.n++;
      return real.insertNew(...args);
    },
    close: () => real.close(),
  };
}

describe('new users written by the connection pool', () => {
  it('stores exactly what the ordinary path stores, and tells the index the same, in order', async () => {
    const calls = { n: 0 };
    const pooled = await setup({ bulk: true, wrap: (real) => counting(real, calls) });
    const plain = await setup({ bulk: false });
    const batch = Array.from({ length: 1200 }, (_, k) => variedUser(k));
    const at = pooled.clock.now();
    const a = await pooled.users.upsertBatch(batch.map(pooled.write), {
      maxChunkRows: 500,
      seenAt: at,
      pooled: true,
    });
    const aAgain = await pooled.users.settleWrites();
    const b = await plain.users.upsertBatch(batch.map(plain.write), {
      maxChunkRows: 500,
      seenAt: at,
    });
    expect(calls.n).toBe(3);
    expect(a).toEqual({ added: 1200, updated: 0, unchanged: 0 });
    expect(aAgain).toEqual({ added: 0, updated: 0, unchanged: 0 });
    expect(b).toEqual(a);
    expect(pooled.dump()).toEqual(plain.dump());
    expect(pooled.changes).toEqual(plain.changes);
    expect(pooled.changes).toHaveLength(1200);
    expect(pooled.warnings).toEqual([]);
    // And a second sync of the same users finds them unchanged, as after the ordinary path.
    expect(
      await pooled.users.upsertBatch(batch.map(pooled.write), { seenAt: at + 1, pooled: true }),
    ).toEqual({
      added: 0,
      updated: 0,
      unchanged: 1200,
    });
    expect(calls.n).toBe(3);
  });

  it('keeps the chunk under way ahead of every other write', async () => {
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const t = await setup({
      bulk: true,
      wrap: (real) => ({
        insertNew: async (...args) => {
          await gate;
          return real.insertNew(...args);
        },
        close: () => real.close(),
      }),
    });
    const at = t.clock.now();
    const batch = Array.from({ length: 300 }, (_, k) => t.write(variedUser(k)));
    // Resolves while the pool has not written the chunk: the sync goes on meanwhile.
    expect(await t.users.upsertBatch(batch, { seenAt: at, pooled: true })).toMatchObject({
      added: 300,
    });
    expect(t.users.count()).toBe(0);
    // Who the server no longer lists is only known once that chunk is in.
    let goneMarked: number | null = null;
    const gone = t.users.markMissingAsGone('conn-a', at, at + 5).then((n) => (goneMarked = n));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(goneMarked).toBeNull();
    open();
    await gone;
    expect(goneMarked).toBe(0);
    expect(t.users.count()).toBe(300);
    expect(t.changes).toHaveLength(300);
  });

  it('writes a chunk the pool rolled back the ordinary way, and the counts say what it found', async () => {
    const plainWrites: (() => void)[] = [];
    const t = await setup({
      bulk: true,
      wrap: (real) => ({
        insertNew: (...args) => {
          // A lookup adds one of the chunk's users just before the pool writes it.
          plainWrites.shift()?.();
          return real.insertNew(...args);
        },
        close: () => real.close(),
      }),
    });
    const lookup = createUsersRepo(t.cache, { now: t.clock.now });
    const batch = Array.from({ length: 100 }, (_, k) => variedUser(k));
    plainWrites.push(() =>
      lookup.upsert(t.write({ ...(batch[40] as DirectoryUser), name: 'Old' })),
    );
    const at = t.clock.now();
    const counts = await t.users.upsertBatch(batch.map(t.write), { seenAt: at, pooled: true });
    expect(counts).toEqual({ added: 100, updated: 0, unchanged: 0 });
    expect(await t.users.settleWrites()).toEqual({ added: -1, updated: 1, unchanged: 0 });
    expect(t.warnings).toEqual(['a chunk of new users is written again on the sync thread']);
    expect(t.users.count()).toBe(100);
    // The sync's copy wins: it was written after the lookup's.
    expect(t.users.get('conn-a', (batch[40] as DirectoryUser).userId)?.user.name).toBe(
      (batch[40] as DirectoryUser).name,
    );
    expect(
      Number(
        (t.cache.db.prepare('SELECT count(*) AS n FROM user_payloads').get() as { n: number }).n,
      ),
    ).toBe(100);
  });

  it('leaves users the cache holds, small runs and batches that do not ask to the ordinary path', async () => {
    const calls = { n: 0 };
    const t = await setup({ bulk: true, wrap: (real) => counting(real, calls) });
    const batch = Array.from({ length: 200 }, (_, k) => variedUser(k));
    const at = t.clock.now();
    // Only when the batch asks for it.
    await t.users.upsertBatch(batch.slice(0, 50).map(t.write), { seenAt: at });
    expect(calls.n).toBe(0);
    await t.users.upsertBatch(batch.slice(50, 100).map(t.write), { seenAt: at, pooled: true });
    await t.users.settleWrites();
    expect(calls.n).toBe(1);
    // 100 cached (one changed) then 100 new: the new run goes to the pool, after the rest.
    const again = batch.map((u, k) => t.write(k === 5 ? { ...u, name: 'Renamed' } : u));
    const counts = await t.users.upsertBatch(again, { seenAt: at + 1, pooled: true });
    expect(await t.users.settleWrites()).toEqual({ added: 0, updated: 0, unchanged: 0 });
    expect(counts).toEqual({ added: 100, updated: 1, unchanged: 99 });
    expect(calls.n).toBe(2);
    // Fewer new users than a chunk is worth are written here.
    await t.users.upsertBatch([t.write(variedUser(500))], { seenAt: at + 2, pooled: true });
    expect(calls.n).toBe(2);
    expect(t.users.count()).toBe(201);
  });
});
