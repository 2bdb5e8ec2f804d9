// `npm run bench`: the benchmark harness. Loads the runner (orchestrate.ts)
// through Vite's module runner, so it works from a fresh clone after `npm ci`
// with nothing compiled first. Options: `npm run bench -- --help`.
import { importTs } from './ts-runner.mjs';

const { main } = await importTs('test/bench/orchestrate.ts');
process.exitCode = await main(process.argv.slice(2));
process.exit();
