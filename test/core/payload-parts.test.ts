// Large payloads (issue 13): a member whose name is megabytes long is kept
// whole, stored in parts written a few at a time, hashed in slices, and
// read back whole and identical; the detail gets a preview; an unchanged
// one re-syncs as unchanged without writing its parts again; parts nobody
// points to are swept; ordinary payloads are stored and hashed as before.
import { createHash } from 'node:crypto';
import { readPayloadText } from '@core/store/payload-parts';
import { createUsersRepo } from '@core/store/users-repo';
import type { UserWrite } from '@core/store/users-rows';
import type { DirectoryUser, JsonValue } from '@shared/model';
import { addConnectionRow, makeUser, openTestCache, testClock } from './cache-fixtures';

/** Three megabytes of text with escapes, multi-byte characters and surrogate pairs. */
const HUGE_NAME = `${'Ada "the" \\ Lovelace\n é中😀'.repeat(120_000)}\ud800end`;

function setup() {
  const clock = testClock();
  const cache = openTestCache({ now: clock.now });
  addConnectionRow(cache, 'conn-a');
  const users = createUsersRepo(cache, { now: clock.now });
  const write = (user: DirectoryUser, raw: JsonValue): UserWrite => ({
    user,
    raw,
    fetchedAt: clock.now(),
  });
  const payloadRow = (userId: string) =>
    cache.db
      .prepare(
        `SELECT p.raw_json, p.raw_parts, u.content_hash FROM user_payloads p
         JOIN users u ON u.row_id = p.row_id WHERE u.connection_id = 'conn-a' AND u.user_id = ?`,
      )
      .get(userId) as { raw_json: string; raw_parts: string | null; content_hash: string };
  const partCount = () =>
    Number((cache.db.prepare('SELECT count(*) AS n FROM payload_parts').get() as { n: number }).n);
  return { clock, cache, users, write, payloadRow, partCount };
}

describe('a payload too large to write in one go (issue 13)', () => {
  it('is stored in parts and reads back whole and identical; the detail gets its preview', async () => {
    const { cache, users, write, payloadRow, partCount } = setup();
    const raw = { user_id: 7, full_name: HUGE_NAME, profile_data: { '1': { value: HUGE_NAME } } };
    const counts = await users.upsertBatch([
      write(makeUser({ userId: '6', name: 'Before' }), { user_id: 6 }),
      write(makeUser({ userId: '7', name: 'Ada' }), raw),
      write(makeUser({ userId: '8', name: 'After' }), { user_id: 8 }),
    ]);
    expect(counts).toEqual({ added: 3, updated: 0, unchanged: 0 });
    const row = payloadRow('7');
    expect(row.raw_parts).not.toBeNull();
    expect(partCount()).toBeGreaterThan(10);
    expect(await readPayloadText(cache.db, row.raw_parts as string)).toBe(JSON.stringify(raw));

    // The row and the detail hold the preview: every string cut, and marked.
    expect(row.raw_json.length).toBeLessThan(400_000);
    const detail = users.get('conn-a', '7');
    const name = (detail?.raw as { full_name: string }).full_name;
    expect(name.length).toBe(128 * 1024);
    expect(name.endsWith('…')).toBe(true);
    expect(HUGE_NAME.startsWith(name.slice(0, -1))).toBe(true);
    expect(detail?.user.name).toBe('Ada');
    // Ordinary payloads beside it are stored whole, as before.
    expect(payloadRow('6')).toMatchObject({ raw_json: '{"user_id":6}', raw_parts: null });
  });

  it('counts an unchanged one unchanged, without writing its parts again', async () => {
    const { clock, users, write, payloadRow, partCount } = setup();
    const raw = { user_id: 7, full_name: HUGE_NAME };
    await users.upsertBatch([write(makeUser({ userId: '7', name: 'Ada' }), raw)]);
    const before = payloadRow('7');
    const parts = partCount();
    clock.advance(60_000);
    const again = await users.upsertBatch([
      write(makeUser({ userId: '7', name: 'Ada' }), { user_id: 7, full_name: `${HUGE_NAME}` }),
    ]);
    expect(again).toEqual({ added: 0, updated: 0, unchanged: 1 });
    expect(payloadRow('7')).toEqual(before);
    expect(partCount()).toBe(parts);
  });

  it('stays in parts when a sync knew it by its digest but its row changed meanwhile', async () => {
    const { clock, users, write, payloadRow, partCount } = setup();
    const raw = { user_id: 7, full_name: HUGE_NAME };
    const whole = (): UserWrite => ({
      ...write(makeUser({ userId: '7', name: 'Ada' }), raw),
      source: 'digest-7',
    });
    await users.upsertBatch([whole()]);
    const before = payloadRow('7');
    const parts = partCount();
    // Marked gone after the sync read the digests: the known member is derived and written.
    users.markGone('conn-a', '7', clock.now());
    clock.advance(60_000);
    const counts = await users.upsertBatch([
      {
        known: true,
        connectionId: 'conn-a',
        userId: '7',
        source: 'digest-7',
        fetchedAt: clock.now(),
        derive: whole,
      },
    ]);
    // Through the parts path: the same content, so nothing is written again.
    expect(counts).toEqual({ added: 0, updated: 0, unchanged: 1 });
    expect(payloadRow('7')).toEqual(before);
    expect(partCount()).toBe(parts);
    expect(users.get('conn-a', '7')?.goneAt).toBeNull();
  });

  it('replaces its parts when it changes, and sweeps the old ones and those of a purged user', async () => {
    const { cache, clock, users, write, payloadRow, partCount } = setup();
    await users.upsertBatch([write(makeUser({ userId: '7', name: 'Ada' }), { n: HUGE_NAME })]);
    const first = payloadRow('7').raw_parts as string;
    const changed = { n: `${HUGE_NAME}!` };
    clock.advance(1000);
    expect(
      await users.upsertBatch([write(makeUser({ userId: '7', name: 'Ada' }), changed)]),
    ).toEqual({ added: 0, updated: 1, unchanged: 0 });
    const second = payloadRow('7').raw_parts as string;
    expect(second).not.toBe(first);
    expect(await readPayloadText(cache.db, second)).toBe(JSON.stringify(changed));
    expect(await readPayloadText(cache.db, first)).toBe('');
    const ids = cache.db.prepare('SELECT DISTINCT payload_id FROM payload_parts').all();
    expect(ids).toEqual([{ payload_id: second }]);

    // Back to an ordinary payload: the parts go too.
    clock.advance(1000);
    await users.upsertBatch([write(makeUser({ userId: '7', name: 'Ada' }), { n: 'short' })]);
    expect(payloadRow('7')).toMatchObject({ raw_json: '{"n":"short"}', raw_parts: null });
    expect(partCount()).toBe(0);

    // A purged user's parts go with it.
    await users.upsertBatch([write(makeUser({ userId: '8', name: 'Bo' }), { n: HUGE_NAME })]);
    expect(partCount()).toBeGreaterThan(0);
    users.markGone('conn-a', '8', clock.now());
    await users.purgeGone('conn-a');
    expect(partCount()).toBe(0);
  });

  it('is derived again from its preview, and still re-syncs as unchanged afterwards', async () => {
    const { cache, clock, users, write, payloadRow, partCount } = setup();
    const raw = { user_id: 7, full_name: HUGE_NAME };
    await users.upsertBatch([write(makeUser({ userId: '7', name: 'Ada' }), raw)]);
    const before = payloadRow('7');
    cache.db.exec('UPDATE users SET derived_version = 0');
    const seen: unknown[] = [];
    let derived: DirectoryUser | null = null;
    const counts = await users.rederive((row) => {
      seen.push(row.raw());
      derived = row.stored();
      return derived;
    });
    expect(counts).toMatchObject({ rederived: 1, skipped: 0 });
    const name = (seen[0] as { full_name: string }).full_name;
    expect(name.length).toBe(128 * 1024);
    const after = payloadRow('7');
    expect(after.raw_parts).toBe(before.raw_parts);
    expect(after.raw_json === before.raw_json).toBe(true);
    // The rederived row's hash is the one a sync of that user and payload computes.
    clock.advance(1000);
    expect(await users.upsertBatch([write(derived as unknown as DirectoryUser, raw)])).toEqual({
      added: 0,
      updated: 0,
      unchanged: 1,
    });
    expect(await readPayloadText(cache.db, before.raw_parts as string)).toBe(JSON.stringify(raw));
    expect(partCount()).toBeGreaterThan(0);
  });

  it('sweeps parts a write left behind when it failed before its row committed', async () => {
    const { cache, users, write, partCount } = setup();
    cache.db
      .prepare("INSERT INTO payload_parts (payload_id, seq, part) VALUES ('dead.beef', 0, 'x')")
      .run();
    await users.upsertBatch([write(makeUser({ userId: '1', name: 'Ada' }), { id: 1 })]);
    expect(partCount()).toBe(0);
  });

  it('hashes an ordinary payload as before, so an unchanged user stays unchanged after the upgrade', async () => {
    const { users, write, payloadRow } = setup();
    const user = makeUser({ userId: '1', name: 'Ada' });
    const raw = { id: 1, full_name: 'Ada', big: 'x'.repeat(200_000) };
    await users.upsertBatch([write(user, raw)]);
    const stored = payloadRow('1');
    expect(stored.raw_parts).toBeNull();
    const expected = createHash('sha256')
      .update(JSON.stringify(user))
      .update('\n')
      .update(JSON.stringify(raw))
      .digest('hex');
    expect(stored.content_hash).toBe(expected);
  });
});
