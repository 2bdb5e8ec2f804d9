/**
 * The renderer's JavaScript, gzipped: every .js file the build wrote under
 * out/renderer, against React + React DOM alone built the same way (the
 * least any React window weighs).
 *
 * Runs in Node (a bench child process, started by run.mjs).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import { figure, statsOf, type SuiteArgs, type SuiteResult } from '../lib/figures';

const ROOT = resolve(__dirname, '../../..');
const RENDERER_DIR = join(ROOT, 'out/renderer');

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return /\.(m?js)$/.test(name) ? [path] : [];
  });
}

const gzip = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).byteLength;

/** React + React DOM alone, production build, minified, as chunks of code. */
async function reactOnly(): Promise<{ raw: number; gz: number }> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    mode: 'production',
    root: ROOT,
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rolldownOptions: { input: join(ROOT, 'test/bench/lib/react-only-entry.ts') },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
  const bytes = chunks.map((c) => (c.type === 'chunk' ? Buffer.from(c.code) : Buffer.alloc(0)));
  return {
    raw: bytes.reduce((n, b) => n + b.byteLength, 0),
    gz: bytes.reduce((n, b) => n + gzip(b), 0),
  };
}

/** The suite. */
export async function main(_args: SuiteArgs): Promise<SuiteResult> {
  const t0 = performance.now();
  const start = loadavg();
  const files = jsFiles(RENDERER_DIR);
  if (files.length === 0) throw new Error(`no JavaScript under ${RENDERER_DIR}: run npm run build`);
  const sizes = files.map((f) => {
    const bytes = readFileSync(f);
    return { file: relative(ROOT, f), raw: bytes.byteLength, gz: gzip(bytes) };
  });
  const kib = (n: number): number => n / 1024;
  const app = sizes.reduce((n, s) => n + s.gz, 0);
  const react = await reactOnly();
  const builtAt = new Date(statSync(join(RENDERER_DIR, 'index.html')).mtimeMs).toISOString();
  return {
    suite: 'bundle',
    figures: [
      figure({
        id: 'bundle.renderer-js',
        group: 'Renderer bundle',
        name: `JS of out/renderer, gzip -9 (${files.length} file${files.length === 1 ? '' : 's'})`,
        unit: 'KiB',
        stats: statsOf([kib(app)]),
        baseline: {
          name: 'react + react-dom alone, same build, gzip -9',
          stats: statsOf([kib(react.gz)]),
        },
        target: null,
        extra: {
          rawKiB: kib(sizes.reduce((n, s) => n + s.raw, 0)),
          baselineRawKiB: kib(react.raw),
          files: sizes.map((s) => `${s.file} ${kib(s.gz).toFixed(1)} KiB`).join(', '),
          builtAt,
        },
      }),
    ],
    elapsedMs: performance.now() - t0,
    load: { start, end: loadavg() },
    log: [`bundle: measured the build of ${builtAt}`],
  };
}
