// Runs the benchmarks' TypeScript in plain Node (no vitest, so no test
// runner's workers or reporters share the machine with what is measured):
// Vite's module runner with the project's aliases, plus `__dirname` and
// `__filename` for modules that use them (test/e2e/harness.ts does).
//
// As a library: `importTs(file)` loads one module.
// As a script: `node ts-runner.mjs <suite.ts> <args.json> <result.json>` calls the
// suite's `main(args)` and writes what it returns to result.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer, createServerModuleRunner } from 'vite';

const root = resolve(import.meta.dirname, '../..');

/** Gives repository modules the CommonJS path globals, as vitest does. */
const pathGlobals = {
  name: 'rollcall-bench-path-globals',
  enforce: 'pre',
  transform(code, id) {
    const file = id.split('?')[0];
    if (!file.startsWith(root) || file.includes('/node_modules/')) return null;
    if (!/\b__(dirname|filename)\b/.test(code)) return null;
    const head = `const __dirname = ${JSON.stringify(dirname(file))}; const __filename = ${JSON.stringify(file)};\n`;
    return { code: head + code, map: null };
  },
};

let runnerPromise = null;

function runner() {
  runnerPromise ??= (async () => {
    const server = await createServer({
      configFile: false,
      logLevel: 'silent',
      root,
      plugins: [pathGlobals],
      server: { middlewareMode: true, hmr: false, watch: null, ws: false },
      optimizeDeps: { noDiscovery: true, include: [] },
      resolve: {
        alias: {
          '@shared': resolve(root, 'src-main/shared'),
          '@core': resolve(root, 'src-main/core'),
        },
      },
    });
    return createServerModuleRunner(server.environments.ssr, { hmr: false });
  })();
  return runnerPromise;
}

/** Loads one TypeScript module of the repository. */
export async function importTs(file) {
  return (await runner()).import(resolve(root, file));
}

const isScript =
  process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (isScript) {
  const [file, argsFile, resultFile] = process.argv.slice(2);
  if (!file || !argsFile || !resultFile) {
    console.error('usage: node ts-runner.mjs <suite.ts> <args.json> <result.json>');
    process.exit(2);
  }
  const args = JSON.parse(readFileSync(argsFile, 'utf8'));
  const module = await importTs(file);
  const result = await module.main(args);
  writeFileSync(resultFile, JSON.stringify(result, null, 2));
  // Playwright, fakes and SQLite handles are closed by the suite; leave at once either way.
  process.exit(0);
}
