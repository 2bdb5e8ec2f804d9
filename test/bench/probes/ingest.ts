// Probe: upsert N normalized synthetic Zulip users into an empty cache, then
// again into the full one (a re-sync), as the app does (search index kept in
// step, checkpoints on a worker thread), reporting users/s, chunk times and
// the longest the event loop was held. Run:
//   node test/bench/probes/run.mjs test/bench/probes/ingest.ts '{"count":100000}'
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { createSearchIndex } from '@core/search/search-index';
import { createUsersRepo } from '@core/store/users-repo';
import { startWalCheckpointer } from '@core/store/wal-checkpointer';
import { loopWatch, pct, zulipWrites } from './probe-data';

export async function main(args: {
  count?: number;
  chunkBudgetMs?: number;
  /** Indexes of the users table to drop first, to see what each costs a write. */
  dropIndexes?: string[];
  noCheckpoint?: boolean;
  /** Keep the in-memory search index in step, as the app does (default true). */
  index?: boolean;
  /** Checkpoint from a worker thread, as the app does (default true). */
  checkpointer?: boolean;
  /** Where to put the cache (default the OS temp folder; /dev/shm takes the disk out). */
  dir?: string;
}): Promise<unknown> {
  const count = args.count ?? 100_000;
  const { writes, normalizeMs, generateMs } = zulipWrites(count);
  const dir = mkdtempSync(join(args.dir ?? tmpdir(), 'rollcall-probe-'));
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  cache.db
    .prepare(
      `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
       VALUES ('conn-z', 'zulip', 'Z', 'https://chat.example.com', 'a@example.com', 0, 1, 1)`,
    )
    .run();
  for (const name of args.dropIndexes ?? []) {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not an index name: ${name}`);
    cache.db.exec(`DROP INDEX ${name}`);
  }
  if (args.noCheckpoint) cache.db.exec('PRAGMA wal_autocheckpoint = 0');
  const checkpointer =
    args.checkpointer === false ? null : await startWalCheckpointer(cache, { log: silentLogger });
  const index = args.index === false ? null : createSearchIndex();
  const users = createUsersRepo(cache, {
    now: Date.now,
    index,
    ...(checkpointer ? { betweenChunks: checkpointer.betweenWrites } : {}),
  });
  await users.buildSearchIndex();
  const out: Record<string, unknown> = {
    count,
    generateMs: Math.round(generateMs),
    normalizeUsPerUser: +((normalizeMs * 1000) / count).toFixed(1),
  };
  for (const pass of ['empty', 'full']) {
    const chunks: number[] = [];
    const commits: number[] = [];
    const indexing: number[] = [];
    // The slowest chunks, with the CPU time this process spent since the
    // previous chunk (wall >> CPU: the thread waited; CPU ≈ wall: it worked).
    const slowest: {
      ms: number;
      cpuMs: number;
      rows: number;
      commitMs: number;
      indexMs: number;
    }[] = [];
    let cpuMark = process.cpuUsage();
    const watch = loopWatch();
    const t = performance.now();
    // As runSync does: pages of 2000.
    for (let i = 0; i < writes.length; i += 2000) {
      await users.upsertBatch(writes.slice(i, i + 2000), {
        seenAt: pass === 'empty' ? 10 : 20,
        ...(args.chunkBudgetMs ? { chunkBudgetMs: args.chunkBudgetMs } : {}),
        onChunk: (c) => {
          const cpu = process.cpuUsage(cpuMark);
          cpuMark = process.cpuUsage();
          slowest.push({
            ms: +c.ms.toFixed(1),
            cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(1),
            rows: c.rows,
            commitMs: +(c.commitMs ?? 0).toFixed(1),
            indexMs: +(c.indexMs ?? 0).toFixed(1),
          });
          slowest.sort((a, b) => b.ms - a.ms);
          slowest.length = Math.min(slowest.length, 5);
          chunks.push(c.ms);
          commits.push(c.commitMs ?? 0);
          indexing.push(c.indexMs ?? 0);
        },
      });
      await new Promise((r) => setImmediate(r));
    }
    const ms = performance.now() - t;
    const loop = watch.stop();
    const walMB = statSync(`${databasePath(dir)}-wal`).size / 1e6;
    out[pass] = {
      walMB: Math.round(walMB),
      seconds: +(ms / 1000).toFixed(1),
      usersPerSecond: Math.round(count / (ms / 1000)),
      usPerUser: Math.round((ms * 1000) / count),
      chunks: chunks.length,
      chunkP50: +pct(chunks, 50).toFixed(1),
      chunkP95: +pct(chunks, 95).toFixed(1),
      chunkP99: +pct(chunks, 99).toFixed(1),
      chunkMax: +Math.max(...chunks).toFixed(1),
      commitP50: +pct(commits, 50).toFixed(1),
      commitP95: +pct(commits, 95).toFixed(1),
      commitMax: +Math.max(...commits).toFixed(1),
      indexP95: +pct(indexing, 95).toFixed(1),
      indexMax: +Math.max(...indexing).toFixed(1),
      loopMaxGapMs: +loop.maxGapMs.toFixed(1),
      loopHistMaxMs: +loop.histMaxMs.toFixed(1),
      slowest,
    };
  }
  out.fileMB = Math.round(statSync(databasePath(dir)).size / 1e6);
  out.indexStats = index?.stats() ?? null;
  await checkpointer?.close();
  cache.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
