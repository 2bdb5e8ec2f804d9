// Runs the sync worker's TypeScript source in a worker thread of plain Node
// (vitest, the bench): the bench's module runner (../bench/ts-runner.mjs,
// the project's aliases) loads the entry named in workerData. Electron runs
// the built out/main/sync-worker.js instead.
//
// `dieAtIndexMessage: n` (tests): the worker exits abruptly instead of
// announcing the chunk of index changes that holds its n-th message on the
// index port, i.e. right after a commit main never hears of, as a crash
// would.
import { parentPort, workerData } from 'node:worker_threads';
import { importTs } from '../bench/ts-runner.mjs';

const dieAt = workerData.dieAtIndexMessage;
if (parentPort && typeof dieAt === 'number') {
  const post = parentPort.postMessage.bind(parentPort);
  let seen = 0;
  parentPort.postMessage = (message, transfer) => {
    if (message?.t === 'index' && (seen += message.messages) >= dieAt) process.exit(70);
    post(message, transfer);
  };
}
await importTs(workerData.entry);
