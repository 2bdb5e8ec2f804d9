// Runs one TypeScript child of a core test in a plain Node process (vitest
// runs TS, plain node does not): loads the module through Vite's module
// runner with the project's aliases and calls its `main(args)`, printing what
// it returns as one JSON line. Usage: node run-ts.mjs <file.ts> ['<json args>']
import { resolve } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';

const root = resolve(import.meta.dirname, '../../..');
const [file, json] = process.argv.slice(2);
if (!file) {
  console.error('usage: node run-ts.mjs <file.ts> [json-args]');
  process.exit(2);
}
const server = await createServer({
  configFile: false,
  logLevel: 'silent',
  root,
  server: { middlewareMode: true, hmr: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  resolve: {
    alias: {
      '@shared': resolve(root, 'src-main/shared'),
      '@core': resolve(root, 'src-main/core'),
    },
  },
});
// The runner stays open, so the module's own dynamic imports (keytar) work.
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
const module = await runner.import(resolve(file));
const result = await module.main(json ? JSON.parse(json) : {});
process.stdout.write(`${JSON.stringify({ result })}\n`); // synchronous on a pipe
// A native call that never returns (a frozen keyring) keeps even process.exit
// waiting for it; a module that may leave one behind asks for a hard exit.
if (module.exitHard === true) process.kill(process.pid, 'SIGKILL');
process.exit(0);
