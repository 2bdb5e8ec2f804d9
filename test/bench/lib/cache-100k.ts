/**
 * A user-data folder whose cache holds a synced Zulip directory, filled the
 * way the app fills it: `directory:sync` against the fake server. The sync
 * suite leaves a 100 000-user one behind; a suite run on its own (or the
 * window's small-directory baseline) makes its own here.
 *
 * Runs in Node (bench processes).
 */
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { databasePath } from '@core/store/db';
import { addConnection, openBenchCore } from './bench-core';
import { startFakeProcess } from './fake-process';
import type { SuiteArgs } from './figures';

/** Syncs `count` seeded Zulip users into a new user-data folder under the scratch space. */
export async function makeZulipCache(args: SuiteArgs, count: number): Promise<string> {
  const fake = await startFakeProcess(args.workDir, {
    kind: 'zulip',
    count,
    seed: args.seed,
    sampleIds: 0,
  });
  const userDataDir = mkdtempSync(join(args.workDir, `cache-zulip-${count}-`));
  try {
    const bench = await openBenchCore({ workDir: args.workDir, userDataDir });
    const id = await addConnection(bench, fake.target, `Zulip ${count}`);
    await bench.call('directory:sync', { connectionId: id });
    await bench.close();
  } finally {
    await fake.close();
  }
  return userDataDir;
}

/** The 100 000-user cache the sync suite left (or one kept from an earlier run), or a new one. */
export async function cache100k(args: SuiteArgs, log: string[]): Promise<string> {
  if (args.cache100k && existsSync(databasePath(args.cache100k))) return args.cache100k;
  // A cache kept from an earlier run (`--keep`): copied, so this run cannot change it.
  const kept = process.env.ROLLCALL_BENCH_CACHE_100K;
  if (kept && existsSync(databasePath(kept))) {
    const dir = mkdtempSync(join(args.workDir, 'cache-zulip-100000-kept-'));
    cpSync(kept, dir, { recursive: true });
    log.push(`100 000-user cache copied from ROLLCALL_BENCH_CACHE_100K (${kept})`);
    return dir;
  }
  const t0 = performance.now();
  const dir = await makeZulipCache(args, 100_000);
  log.push(
    `filled a 100 000-user cache (no sync suite ran first): ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  return dir;
}
