/**
 * `npm run bench`: builds the window if its build is missing or older than
 * its sources, runs each suite in a fresh Node process of its own (sync →
 * search → scale (300 000 users, its own cache) → window → bundle; the sync
 * suite's 100 000-user cache feeds search and window), then prints the markdown table and writes every figure to
 * test/bench/results/. A suite that fails is reported and the others still
 * run; the exit code says whether every suite ran.
 *
 * Runs in Node (loaded by run.mjs).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { SuiteArgs, SuiteResult } from './lib/figures';
import { markdownReport, type RunMeta } from './report';

const ROOT = resolve(__dirname, '../..');
const BENCH = join(ROOT, 'test/bench');
const RESULTS = join(BENCH, 'results');
const SUITES = ['sync', 'search', 'scale', 'window', 'bundle'] as const;
type SuiteName = (typeof SUITES)[number];

const USAGE = `Usage: npm run bench -- [options]
  --quick            fewer runs and smaller budgets (about a third of the time)
  --suite=a,b        only these suites (${SUITES.join(', ')})
  --filter=REGEX     only the parts whose name matches (scenarios like zulip-100000,
                     search classes like one-char)
  --build            rebuild the window first even if the build looks fresh
  --no-build         never build (measure out/ as it is)
  --keep             keep the scratch folder (caches, recorded answers) and print it
  --help`;

interface Options {
  quick: boolean;
  suites: SuiteName[];
  filter: string | null;
  build: 'auto' | 'always' | 'never';
  keep: boolean;
}

function parse(argv: string[]): Options | string {
  const o: Options = {
    quick: false,
    suites: [...SUITES],
    filter: null,
    build: 'auto',
    keep: false,
  };
  for (const a of argv) {
    const [key, value] = a.split(/=(.*)/s) as [string, string | undefined];
    if (key === '--quick') o.quick = true;
    else if (key === '--build') o.build = 'always';
    else if (key === '--no-build') o.build = 'never';
    else if (key === '--keep') o.keep = true;
    else if (key === '--filter' && value) o.filter = value;
    else if (key === '--suite' && value) {
      const names = value.split(',').map((s) => s.trim());
      const unknown = names.filter((n) => !(SUITES as readonly string[]).includes(n));
      if (unknown.length > 0) return `Unknown suite ${unknown.join(', ')}.\n\n${USAGE}`;
      o.suites = SUITES.filter((s) => names.includes(s));
    } else return a === '--help' ? USAGE : `Unknown option ${a}.\n\n${USAGE}`;
  }
  return o;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(path) : s.mtimeMs);
  }
  return newest;
}

/** Builds the window when asked, or when out/ is missing or older than its sources. */
function ensureBuild(mode: Options['build']): string | null {
  const built = join(ROOT, 'out/renderer/index.html');
  const sources = Math.max(
    newestMtime(join(ROOT, 'src-renderer')),
    newestMtime(join(ROOT, 'src-main/shared')),
  );
  const stale = !existsSync(built) || statSync(built).mtimeMs < sources;
  if (mode === 'never')
    return stale ? 'the build in out/ is missing or older than its sources (--no-build)' : null;
  if (mode === 'auto' && !stale) return null;
  console.error('[bench] building the window (electron-vite build)…');
  execFileSync(join(ROOT, 'node_modules/.bin/electron-vite'), ['build'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
  return null;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/** Runs one suite in its own process; resolves with its result or the reason it failed. */
function runSuite(name: SuiteName, args: SuiteArgs): Promise<SuiteResult | string> {
  const dir = mkdtempSync(join(args.workDir, `suite-${name}-`));
  const argsFile = join(dir, 'args.json');
  const resultFile = join(dir, 'result.json');
  writeFileSync(argsFile, JSON.stringify(args));
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        // Extra Node flags for the suite processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
        // to profile what a figure measures (NODE_OPTIONS refuses --cpu-prof).
        ...(process.env.ROLLCALL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        join(BENCH, 'ts-runner.mjs'),
        join(BENCH, `suites/${name}.ts`),
        argsFile,
        resultFile,
      ],
      { cwd: ROOT, stdio: ['ignore', 2, 2] },
    );
    child.once('exit', (code, signal) => {
      if (code === 0 && existsSync(resultFile)) {
        done(JSON.parse(readFileSync(resultFile, 'utf8')) as SuiteResult);
      } else {
        done(`${name} exited with ${signal ?? code}; its output is above`);
      }
    });
  });
}

/** Runs the benchmarks; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const options = parse(argv);
  if (typeof options === 'string') {
    if (options === USAGE) {
      console.log(USAGE);
      return 0;
    }
    console.error(options);
    return 2;
  }
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();
  const failures: string[] = [];
  const warnings: string[] = [];
  if (options.suites.includes('window') || options.suites.includes('bundle')) {
    const problem = ensureBuild(options.build);
    if (problem) warnings.push(problem);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
  const args: SuiteArgs = {
    quick: options.quick,
    workDir,
    seed: 1,
    cache100k: null,
    filter: options.filter,
  };
  const suites: SuiteResult[] = [];
  try {
    for (const name of options.suites) {
      console.error(`[bench] ${name}…`);
      const s0 = performance.now();
      const result = await runSuite(name, args);
      if (typeof result === 'string') failures.push(result);
      else {
        suites.push(result);
        failures.push(...(result.failures ?? []));
        const cache = (result as SuiteResult & { cache100k?: string | null }).cache100k;
        if (cache) args.cache100k = cache;
      }
      console.error(`[bench] ${name} took ${((performance.now() - s0) / 1000).toFixed(0)} s`);
    }
  } finally {
    if (options.keep) console.error(`[bench] scratch kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }

  const meta: RunMeta = {
    startedAt,
    elapsedMs: performance.now() - t0,
    quick: options.quick,
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: totalmem() / 2 ** 30,
    load: { start: loadStart, end: loadavg() },
    git: {
      commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
      changedFiles: git(['status', '--porcelain', '--', 'src-main', 'src-renderer'])
        .split('\n')
        .filter(Boolean).length,
    },
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
  const report = markdownReport(meta, suites, failures, warnings);
  console.log(report);
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const json = JSON.stringify(
    {
      meta,
      figures: suites.flatMap((s) => s.figures),
      suites,
      failures,
      warnings,
      markdown: report,
    },
    null,
    2,
  );
  writeFileSync(join(RESULTS, `bench-${stamp}.json`), json);
  writeFileSync(join(RESULTS, 'latest.json'), json);
  writeFileSync(join(RESULTS, 'latest.md'), `${report}\n`);
  console.error(
    `[bench] figures written to ${join('test/bench/results', `bench-${stamp}.json`)} (and latest.json, latest.md)`,
  );
  return failures.length === 0 ? 0 : 1;
}
