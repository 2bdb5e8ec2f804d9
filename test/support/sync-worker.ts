/**
 * Starts the sync worker from its source (services/sync-worker.ts) through
 * sync-worker-boot.mjs, for tests and benches that open core in plain Node;
 * give it to `openCore` as `startSyncWorker`.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const root = resolve(__dirname, '../..');

/**
 * A sync worker running the TypeScript source. `dieAtIndexMessage` (tests):
 * it exits abruptly instead of handing over that batch of index changes.
 */
export function startSourceSyncWorker(options: { dieAtIndexMessage?: number } = {}): Worker {
  return new Worker(resolve(root, 'test/support/sync-worker-boot.mjs'), {
    workerData: { entry: resolve(root, 'src-main/core/services/sync-worker.ts'), ...options },
  });
}
