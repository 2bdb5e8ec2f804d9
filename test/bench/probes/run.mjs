// Runs one probe of this folder in plain Node through the bench's module
// runner (../ts-runner.mjs: the project's aliases and path globals) and
// prints what its `main(args)` returns as JSON.
// Usage: node test/bench/probes/run.mjs <probe.ts> ['<json args>']
import { resolve } from 'node:path';
import { importTs } from '../ts-runner.mjs';

const [file, json] = process.argv.slice(2);
if (!file) {
  console.error("usage: node test/bench/probes/run.mjs <probe.ts> ['<json args>']");
  process.exit(2);
}
const probe = await importTs(resolve(file));
const result = await probe.main(json ? JSON.parse(json) : {});
process.stdout.write(`${JSON.stringify({ result }, null, 1)}\n`);
process.exit(0);
