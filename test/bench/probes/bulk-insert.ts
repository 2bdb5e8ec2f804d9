// Probe: N normalized synthetic Zulip users written into an empty cache as the
// sync worker writes them (batches of 8 000, no index on this thread), with
// their rows inserted by the write pool on a libuv thread (users-bulk-insert.ts)
// and without it, alternately, `rounds` times. Between two batches the thread
// does `workUs` µs of work per user, as it fetches and normalizes the next
// page in a sync. Per mode: seconds of each round, and how long the end waited
// for the pool (`settleMs`).
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/bulk-insert.ts '{"count":100000}'
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@core/log';
import { databasePath, openDatabase } from '@core/store/db';
import { openBulkInserter } from '@core/store/users-bulk-insert';
import { createUsersRepo } from '@core/store/users-repo';
import { collectGarbage } from '../lib/sampling';
import { zulipWrites } from './probe-data';

/** About `us` µs of allocating work, as deriving a page allocates (JSON round trips). */
function work(us: number): void {
  const until = performance.now() + us / 1000;
  const o = { a: 'x'.repeat(200), b: [1, 2, 3], c: { d: 'y'.repeat(100) } };
  while (performance.now() < until) {
    for (let i = 0; i < 20; i++) JSON.parse(JSON.stringify(o));
  }
}

async function once(
  writes: ReturnType<typeof zulipWrites>['writes'],
  pooled: boolean,
  workUs: number,
): Promise<{ seconds: number; settleMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-probe-'));
  const path = databasePath(dir);
  const cache = openDatabase(path, { log: silentLogger, now: Date.now });
  cache.db.exec('PRAGMA synchronous = NORMAL');
  cache.db.exec('PRAGMA cache_size = -65536');
  cache.db
    .prepare(
      `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
       VALUES ('conn-z', 'zulip', 'Z', 'https://chat.example.com', 'a@example.com', 0, 1, 1)`,
    )
    .run();
  const bulk = pooled
    ? await openBulkInserter(path, {
        log: silentLogger,
        cacheKib: 65_536,
        autocheckpointPages: 4000,
      })
    : null;
  if (pooled && !bulk) throw new Error('the bindings give no pool');
  const users = createUsersRepo(cache, { now: Date.now, bulk, relayIndex: () => {} });
  collectGarbage();
  const started = performance.now();
  for (let i = 0; i < writes.length; i += 8000) {
    const batch = writes.slice(i, i + 8000);
    work(batch.length * workUs);
    await users.upsertBatch(batch, {
      seenAt: 10,
      maxChunkRows: 8000,
      chunkBudgetMs: 2000,
      pooled,
    });
  }
  const settling = performance.now();
  await users.settleWrites();
  const ended = performance.now();
  await bulk?.close();
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    seconds: +((ended - started) / 1000).toFixed(2),
    settleMs: Math.round(ended - settling),
  };
}

export async function main(args: {
  count?: number;
  rounds?: number;
  workUs?: number;
}): Promise<unknown> {
  const count = args.count ?? 100_000;
  const workUs = args.workUs ?? 40;
  const { writes } = zulipWrites(count);
  const out: Record<'pool' | 'thread', { seconds: number; settleMs: number }[]> = {
    pool: [],
    thread: [],
  };
  for (let r = 0; r < (args.rounds ?? 2); r++) {
    out.thread.push(await once(writes, false, workUs));
    out.pool.push(await once(writes, true, workUs));
  }
  return { count, workUs, ...out };
}
