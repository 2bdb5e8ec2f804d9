// Checkpoints off the main thread (wal-checkpointer.ts): the main
// connection stops checkpointing, a pool connection on a worker thread
// copies the WAL into the file, a bulk writer's pauses let the WAL start
// over, and closing hands checkpoints back to SQLite. Real SQLite files.
import { statSync } from 'node:fs';
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath, openDatabase } from '@core/store/db';
import type { SqliteDb } from '@core/store/sqlite-helpers';
import { silentLogger } from '@core/log';
import { createUsersRepo } from '@core/store/users-repo';
import type { UserWrite } from '@core/store/users-rows';
import {
  SETTLE_EVERY_MS,
  startWalCheckpointer,
  type WalCheckpointer,
} from '@core/store/wal-checkpointer';
import { addConnectionRow, makeUser, openTestCache, tempDir } from './cache-fixtures';

const pragma = (db: SqliteDb, name: string): unknown =>
  Object.values(db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];

function writes(from: number, count: number): UserWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    user: makeUser({ userId: String(from + i), name: `Person ${from + i}`, bio: 'x'.repeat(2000) }),
    raw: { padding: 'p'.repeat(4000) },
    fetchedAt: 1,
  }));
}

/** A cache with one connection and its checkpointer, whose timer never fires in a test. */
async function checkpointedCache(): Promise<{
  cache: ReturnType<typeof openTestCache>;
  checkpointer: WalCheckpointer;
}> {
  const cache = openTestCache();
  addConnectionRow(cache, 'conn-a');
  const checkpointer = await startWalCheckpointer(cache, {
    log: silentLogger,
    intervalMs: 60_000,
  });
  if (!checkpointer) throw new Error('no checkpointer');
  return { cache, checkpointer };
}

describe('the WAL checkpointer', () => {
  it('takes checkpoints off the main connection and copies the WAL from a worker thread', async () => {
    const { cache, checkpointer } = await checkpointedCache();
    expect(pragma(cache.db, 'wal_autocheckpoint')).toBe(0);
    const users = createUsersRepo(cache, { now: () => 1 });
    const fileBefore = statSync(cache.path).size;
    // Well past SQLite's own 1 000-page threshold: the committing thread would have copied it.
    await users.upsertBatch(writes(0, 1500));
    expect(statSync(`${cache.path}-wal`).size).toBeGreaterThan(8 * 1024 * 1024);
    expect(statSync(cache.path).size).toBe(fileBefore);

    const result = await checkpointer.checkpoint();
    expect(result.busy).toBe(0);
    expect(result.log).toBeGreaterThan(1000);
    expect(result.checkpointed).toBe(result.log);
    expect(statSync(cache.path).size).toBeGreaterThan(fileBefore);

    // Everything was copied: the next write starts the WAL over.
    await users.upsertBatch(writes(5000, 1));
    const next = await checkpointer.checkpoint();
    expect(next.log).toBeLessThan(result.log / 10);
    expect(checkpointer.stats().checkpoints).toBe(2);

    await checkpointer.close();
    expect(pragma(cache.db, 'wal_autocheckpoint')).toBe(1000);
    expect(users.count()).toBe(1501);
    cache.close();
    const check = new DatabaseSync(databasePath(cache.dir), { readOnly: true });
    expect(check.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    check.close();
  });

  it('makes a bulk writer wait for a checkpoint now and then, so the WAL stays small', async () => {
    const { cache, checkpointer } = await checkpointedCache();
    const users = createUsersRepo(cache, {
      now: () => 1,
      betweenChunks: checkpointer.betweenWrites,
    });
    // Chunks of 50 rows, slowed so the writer passes several settle points.
    let chunks = 0;
    await users.upsertBatch(writes(0, 1500), {
      maxChunkRows: 50,
      onChunk: () => {
        chunks++;
        const until = performance.now() + SETTLE_EVERY_MS / 5;
        while (performance.now() < until) {
          // Stand-in for a slow machine: time passes between chunks.
        }
      },
    });
    expect(chunks).toBeGreaterThanOrEqual(30);
    expect(checkpointer.stats().checkpoints).toBeGreaterThanOrEqual(3);
    // The WAL restarted along the way instead of holding all 1 500 rows.
    const tail = await checkpointer.checkpoint();
    expect(tail.log).toBeLessThan(1500);
    await checkpointer.close();
    cache.close();
  });

  it('checkpoints a writer’s batch while it works on, and the next batch starts the WAL over', async () => {
    const { cache, checkpointer } = await checkpointedCache();
    const users = createUsersRepo(cache, { now: () => 1 });
    const fileBefore = statSync(cache.path).size;
    const walSizes: number[] = [];
    for (let batch = 0; batch < 4; batch++) {
      await checkpointer.beforeWrite();
      await users.upsertBatch(writes(batch * 600, 600), { maxChunkRows: 600 });
      walSizes.push(statSync(`${cache.path}-wal`).size);
      checkpointer.wrote();
    }
    await checkpointer.beforeWrite();
    expect(checkpointer.stats().checkpoints).toBe(4);
    // Copied into the file as it went, with nothing left behind.
    expect(statSync(cache.path).size).toBeGreaterThan(fileBefore + 8 * 1024 * 1024);
    expect(checkpointer.stats().last).toMatchObject({ busy: 0 });
    expect(checkpointer.stats().last?.checkpointed).toBe(checkpointer.stats().last?.log);
    // Each batch wrote over the one before: the WAL holds one batch, not four.
    const [first, ...rest] = walSizes as [number, ...number[]];
    for (const size of rest) expect(size).toBeLessThan(first * 1.5);
    await checkpointer.close();
    expect(users.count()).toBe(2400);
    cache.close();
  });

  it('leaves SQLite to checkpoint a temporary or read-only cache', async () => {
    const memory = openDatabase(':memory:', { log: silentLogger, now: Date.now });
    expect(await startWalCheckpointer(memory, { log: silentLogger })).toBeNull();
    memory.close();
    const dir = tempDir();
    const cache = openTestCache({ dir });
    cache.db.exec('PRAGMA user_version = 999');
    cache.close();
    const readOnly = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
    expect(readOnly.readOnly).toBe(true);
    expect(await startWalCheckpointer(readOnly, { log: silentLogger })).toBeNull();
    readOnly.close();
  });

  it('checkpoints on its own timer after the main connection writes', async () => {
    const cache = openTestCache();
    addConnectionRow(cache, 'conn-a');
    const checkpointer = await startWalCheckpointer(cache, { log: silentLogger, intervalMs: 20 });
    if (!checkpointer) throw new Error('no checkpointer');
    createUsersRepo(cache, { now: () => 1 }).upsert(writes(0, 1)[0] as UserWrite);
    const deadline = Date.now() + 10_000;
    while (checkpointer.stats().checkpoints === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(checkpointer.stats().checkpoints).toBeGreaterThan(0);
    expect(checkpointer.stats().last?.busy).toBe(0);
    // Nothing new written: the timer does not checkpoint again and again.
    const count = checkpointer.stats().checkpoints;
    await new Promise((r) => setTimeout(r, 200));
    expect(checkpointer.stats().checkpoints).toBe(count);
    await checkpointer.close();
    cache.close();
  });
});
