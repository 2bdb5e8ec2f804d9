// `npm start`, as a new user runs it, on a copy of the project so the
// suite's own build in out/ is never touched. With a stub Electron (through
// electron-vite's ELECTRON_EXEC_PATH) it must build main and preload, start
// the dev server, launch "Electron" on the project with ELECTRON_RENDERER_URL
// set, and that URL must serve the window, which renders under the dev CSP.
// Without a binary, and with the download refused, it must end quickly with
// one plain sentence: what is missing and what fixes it.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { DEV_CONTENT_SECURITY_POLICY } from '@shared/csp';
import { launchChromium, openApp, ROOT, type AppUnderTest } from './harness';
import { cspViolations, patientPolls, watchCsp } from './walk-helpers';

const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A copy of the project's sources with node_modules as links to the real
 * packages, except `electron`, which is copied without its binary (no
 * path.txt, no dist/): a fresh `npm install` on a machine that never ran
 * Electron's installer.
 */
function projectCopy(): string {
  const dir = tempDir('rollcall-launch-');
  for (const file of [
    'package.json',
    'tsconfig.json',
    'electron.vite.config.ts',
    'test/tsconfig.json', // the root tsconfig references it
  ]) {
    cpSync(join(ROOT, file), join(dir, file));
  }
  for (const folder of ['src-main', 'src-renderer']) {
    cpSync(join(ROOT, folder), join(dir, folder), {
      recursive: true,
      filter: (src) => !src.endsWith('.tsbuildinfo'),
    });
  }
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === 'electron' || entry === '.vite') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  const electron = join(ROOT, 'node_modules/electron');
  cpSync(electron, join(modules, 'electron'), {
    recursive: true,
    filter: (src) => src !== join(electron, 'dist') && src !== join(electron, 'path.txt'),
  });
  return dir;
}

/** What the stub Electron recorded about its launch. */
interface Launched {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start` (or another script) in a folder, in its own process group so all of it can be stopped. */
function npmStart(cwd: string, env: NodeJS.ProcessEnv, script = 'start'): Started {
  let output = '';
  const child = spawn('npm', ['run', script], { cwd, env, detached: true });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, output: () => output, exited };
}

function stopGroup(started: Started): Promise<number | null> {
  try {
    process.kill(-started.child.pid!, 'SIGTERM');
  } catch {
    // Already gone.
  }
  return started.exited;
}

/** The environment of a new user's shell: no test variables that would change what start does. */
function userEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'ELECTRON_RENDERER_URL') {
      delete env[key];
    }
  }
  if (!extra.ELECTRON_EXEC_PATH) delete env.ELECTRON_EXEC_PATH;
  return env;
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  let browser: Browser;
  beforeAll(async () => {
    patientPolls();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('builds main and preload, serves the window and launches Electron on the project', async () => {
    const project = projectCopy();
    const record = join(tempDir('rollcall-stub-'), 'launched.json');
    const stub = join(tempDir('rollcall-stub-bin-'), 'electron');
    // The stub Electron: records how it was launched, then stays up (as the
    // app would) until npm start is stopped.
    writeFileSync(
      stub,
      `#!${process.execPath}
require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({
  argv: process.argv.slice(2), cwd: process.cwd(), env: process.env,
}));
setInterval(() => {}, 1000);
process.on('SIGTERM', () => process.exit(0));
`,
    );
    chmodSync(stub, 0o755);

    const started = npmStart(project, userEnv({ ELECTRON_EXEC_PATH: stub }));
    let app: AppUnderTest | null = null;
    try {
      // The stub writes its record in one call; poll until it parses (or npm start ended).
      const readRecord = (): Launched | null => {
        try {
          return JSON.parse(readFileSync(record, 'utf8')) as Launched;
        } catch {
          return null;
        }
      };
      await expect
        .poll(() => readRecord() !== null || started.child.exitCode !== null, {
          timeout: 240_000,
        })
        .toBe(true);
      const launched = readRecord();
      expect(launched, started.output()).not.toBeNull();
      if (!launched) return;
      // Electron on the project folder, with the dev server's URL.
      expect(launched.argv[0]).toBe('.');
      expect(launched.cwd).toBe(project);
      const devUrl = launched.env.ELECTRON_RENDERER_URL ?? '';
      expect(devUrl).toMatch(/^http:\/\/(localhost|127\.0\.0\.1):\d+$/);
      // Main and preload were built into the copy, as package.json's "main" expects.
      expect(existsSync(join(project, 'out/main/index.js'))).toBe(true);
      expect(existsSync(join(project, 'out/preload/index.js'))).toBe(true);
      expect(started.output()).not.toMatch(/Electron uninstall|Rollcall cannot start/);

      // The URL serves the window's page, with the dev policy in its meta tag.
      const html = await (await fetch(`${devUrl}/`)).text();
      expect(html).toContain('<div id="root">');
      expect(html).toContain(DEV_CONTENT_SECURITY_POLICY);

      // It renders in Chromium over the real core, with no CSP violation.
      app = await openApp({ browser, pageUrl: `${devUrl}/` });
      await watchCsp(app.page);
      await app.page.getByTestId('app-version').waitFor();
      await expect
        .poll(() => app!.page.locator('#root').evaluate((el) => el.childElementCount))
        .toBeGreaterThan(0);
      expect(await cspViolations(app.page)).toEqual([]);
      expect(
        app.consoleLines.filter((l) => /Content.Security.Policy/i.test(l.text)).map((l) => l.text),
      ).toEqual([]);
      expect(app.pageErrors).toEqual([]);
    } finally {
      await app?.close();
      await stopGroup(started);
    }
  });

  describe('without an Electron binary, where it cannot be downloaded', () => {
    let refusing: Server;
    let mirror = '';
    beforeAll(async () => {
      // A mirror that refuses every download, as a blocked network would.
      refusing = createServer((_req, res) => {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('Forbidden');
      });
      await new Promise<void>((done) => refusing.listen(0, '127.0.0.1', done));
      const address = refusing.address();
      mirror = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    });
    afterAll(() => new Promise<void>((done) => refusing.close(() => done())));

    it('ends with one plain sentence: what is missing and the command that fixes it', async () => {
      const project = projectCopy();
      const started = npmStart(
        project,
        userEnv({ ELECTRON_MIRROR: mirror, electron_config_cache: tempDir('rollcall-cache-') }),
      );
      const code = await started.exited;
      const output = started.output();
      expect(code, output).not.toBe(0);
      const version = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
      expect(output).toContain(
        `Rollcall cannot start: the Electron ${version} binary is missing and downloading it failed`,
      );
      expect(output).toMatch(/403/);
      expect(output).toContain('run `npm start` again');
      expect(output).toContain('ELECTRON_MIRROR');
      // No stack trace, no electron-vite internals, and nothing was built.
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain('Electron uninstall');
      expect(existsSync(join(project, 'out'))).toBe(false);
      expect(existsSync(join(project, 'node_modules/electron/path.txt'))).toBe(false);
    });

    it('is tried by npm install, which still succeeds and says npm start will fetch it', async () => {
      const project = projectCopy();
      // The script npm runs after installing the project's packages.
      const started = npmStart(
        project,
        userEnv({ ELECTRON_MIRROR: mirror, electron_config_cache: tempDir('rollcall-cache-') }),
        'postinstall',
      );
      const code = await started.exited;
      const output = started.output();
      expect(code, output).toBe(0);
      // postinstall goes through the script that names Electron's installer.
      expect(output).toContain('fetching it once (about 100 MB) with electron/install.js');
      expect(output).toContain('Rollcall: the Electron binary was not fetched now');
      expect(output).toMatch(/403/);
      expect(output).toContain('run `npm start` again');
      expect(output).not.toMatch(/^\s+at /m);
      expect(existsSync(join(project, 'node_modules/electron/path.txt'))).toBe(false);
    });

    it('names a stub path that is not there, instead of launching nothing', async () => {
      const project = projectCopy();
      const started = npmStart(
        project,
        userEnv({ ELECTRON_EXEC_PATH: join(project, 'no-such-electron') }),
      );
      expect(await started.exited).not.toBe(0);
      expect(started.output()).toContain('ELECTRON_EXEC_PATH is set to');
      expect(started.output()).toContain('is not an executable file');
    });
  });
});
