// Runs the sync worker's TypeScript source in a worker thread of plain Node
// (vitest, the bench): the bench's module runner (../bench/ts-runner.mjs,
// the project's aliases) loads the entry named in workerData. Electron runs
// the built out/main/sync-worker.js instead.
import { workerData } from 'node:worker_threads';
import { importTs } from '../bench/ts-runner.mjs';

await importTs(workerData.entry);
