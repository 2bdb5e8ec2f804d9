// `npm start`, as a new user runs it, on a copy of the project so the
// suite's own build in out/ is never touched. With a stub Electron (through
// electron-vite's ELECTRON_EXEC_PATH) it must build main and preload, start
// the dev server, launch "Electron" on the project with ELECTRON_RENDERER_URL
// set, and that URL must serve the window, which renders under the dev CSP.
// Without a binary, `npm install` (the postinstall) must fetch it with
// Electron's own installer, from a local mirror here, and `npm start` then
// launch it. With the download refused, both must end quickly with one plain
// sentence: what is missing and what fixes it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
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
 * Electron's installer. electron-vite and the `.bin` commands are copied
 * too, so both find the copy's Electron and never install into the project.
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
    if (['electron', 'electron-vite', '.vite', '.bin'].includes(entry)) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  // The commands keep their relative links (`../electron/install.js`), so
  // `install-electron` runs the copy's installer, never the project's.
  const bin = join(ROOT, 'node_modules/.bin');
  mkdirSync(join(modules, '.bin'));
  for (const entry of readdirSync(bin)) {
    symlinkSync(readlinkSync(join(bin, entry)), join(modules, '.bin', entry));
  }
  // electron-vite finds Electron from its own folder, so it is copied beside it.
  cpSync(join(ROOT, 'node_modules/electron-vite'), join(modules, 'electron-vite'), {
    recursive: true,
  });
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

/**
 * The stub Electron: records how it was launched, then stays up (as the app
 * would) until npm start is stopped.
 */
function writeStubElectron(file: string, record: string): void {
  writeFileSync(
    file,
    `#!${process.execPath}
require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({
  argv: process.argv.slice(2), cwd: process.cwd(), env: process.env,
}));
setInterval(() => {}, 1000);
process.on('SIGTERM', () => process.exit(0));
`,
  );
  chmodSync(file, 0o755);
}

/** Starts `server` on a free loopback port; resolves with its base URL, as ELECTRON_MIRROR takes it. */
async function listenLocally(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
}

/** The version of the electron package the project installed. */
function electronVersion(): string {
  const manifest = readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** Reads the stub's record once it has been written in full, or null. */
function readRecord(record: string): Launched | null {
  try {
    return JSON.parse(readFileSync(record, 'utf8')) as Launched;
  } catch {
    return null;
  }
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

/**
 * Waits until the stub Electron has recorded its launch (or npm start
 * ended), and checks it was launched on the project folder, as `electron .`.
 */
async function launchedOnProject(
  started: Started,
  record: string,
  project: string,
): Promise<Launched | null> {
  // The stub writes its record in one call; poll until it parses.
  await expect
    .poll(() => readRecord(record) !== null || started.child.exitCode !== null, {
      timeout: 240_000,
    })
    .toBe(true);
  const launched = readRecord(record);
  expect(launched, started.output()).not.toBeNull();
  expect(launched?.argv[0]).toBe('.');
  expect(launched?.cwd).toBe(project);
  return launched;
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
    writeStubElectron(stub, record);

    const started = npmStart(project, userEnv({ ELECTRON_EXEC_PATH: stub }));
    let app: AppUnderTest | null = null;
    try {
      const launched = await launchedOnProject(started, record, project);
      if (!launched) return;
      // With the dev server's URL.
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

  describe('without an Electron binary, where a mirror serves it', () => {
    let serving: Server;
    let mirror = '';
    const requested: string[] = [];
    const record = join(tempDir('rollcall-downloaded-'), 'launched.json');
    beforeAll(async () => {
      // Electron's release layout for this version and machine, holding the
      // stub as the executable and its version file, as a real release zip does.
      const version = electronVersion();
      const zipName = `electron-v${version}-${process.platform}-${process.arch}.zip`;
      const content = tempDir('rollcall-release-');
      writeStubElectron(join(content, 'electron'), record);
      writeFileSync(join(content, 'version'), `v${version}`);
      const zipFile = join(tempDir('rollcall-zip-'), zipName);
      execFileSync('zip', ['-q', '-X', zipFile, 'electron', 'version'], { cwd: content });
      const zip = readFileSync(zipFile);
      const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
      serving = createServer((req, res) => {
        requested.push(req.url ?? '');
        if (req.url === `/v${version}/${zipName}`) {
          res.writeHead(200, { 'Content-Type': 'application/zip' }).end(zip);
        } else if (req.url === `/v${version}/SHASUMS256.txt`) {
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end(sums);
        } else {
          res.writeHead(404).end('Not Found');
        }
      });
      mirror = await listenLocally(serving);
    });
    afterAll(() => new Promise<void>((done) => serving.close(() => done())));

    it('is fetched by npm install, and npm start then launches it', async () => {
      const project = projectCopy();
      // The stub is not Electron's real build, so its checksum comes from the mirror.
      const env = userEnv({
        ELECTRON_MIRROR: mirror,
        electron_use_remote_checksums: '1',
        electron_config_cache: tempDir('rollcall-cache-'),
      });
      const projectsOwn = join(ROOT, 'node_modules/electron/path.txt');
      const projectHadBinary = existsSync(projectsOwn);
      const installed = npmStart(project, env, 'postinstall');
      const installCode = await installed.exited;
      expect(installCode, installed.output()).toBe(0);
      expect(
        requested.some((url) => url.endsWith('.zip')),
        requested.join(' '),
      ).toBe(true);
      expect(readFileSync(join(project, 'node_modules/electron/path.txt'), 'utf8')).toBe(
        process.platform === 'win32' ? 'electron.exe' : 'electron',
      );
      expect(installed.output()).not.toContain('Rollcall:');
      // The copy's installer ran, not the project's own.
      expect(existsSync(projectsOwn)).toBe(projectHadBinary);

      // npm start finds the downloaded binary and launches it on the project,
      // with no ELECTRON_EXEC_PATH and no second download.
      const downloads = requested.length;
      const started = npmStart(project, env);
      try {
        await launchedOnProject(started, record, project);
        expect(started.output()).not.toMatch(
          /Electron uninstall|Rollcall cannot start|fetching it/,
        );
        expect(requested.length).toBe(downloads);
      } finally {
        await stopGroup(started);
      }
    });

    it('is fetched by npm start itself when the postinstall never ran, then launched', async () => {
      // As after `npm install --ignore-scripts`: no binary, and npm start is the first to look.
      const project = projectCopy();
      rmSync(record, { force: true });
      const downloads = requested.filter((url) => url.endsWith('.zip')).length;
      const started = npmStart(
        project,
        userEnv({
          ELECTRON_MIRROR: mirror,
          electron_use_remote_checksums: '1',
          electron_config_cache: tempDir('rollcall-cache-'),
        }),
      );
      try {
        await launchedOnProject(started, record, project);
        expect(requested.filter((url) => url.endsWith('.zip')).length).toBe(downloads + 1);
        expect(started.output()).toContain(`Electron ${electronVersion()} is installed.`);
        expect(started.output()).not.toMatch(/Electron uninstall|Rollcall cannot start/);
        expect(existsSync(join(project, 'node_modules/electron/path.txt'))).toBe(true);
      } finally {
        await stopGroup(started);
      }
    });
  });

  describe('without an Electron binary, where it cannot be downloaded', () => {
    let refusing: Server;
    const requestsTo: string[] = [];
    let mirror = '';
    beforeAll(async () => {
      // A mirror that refuses every download, as a blocked network would.
      refusing = createServer((req, res) => {
        requestsTo.push(req.url ?? '');
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('Forbidden');
      });
      mirror = await listenLocally(refusing);
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
      const version = electronVersion();
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

    it('is tried by npm install, which still succeeds and says npm start will try again', async () => {
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
      // Electron's own installer ran and asked the mirror; one sentence gives
      // its reason and what that means for the admin, with no stack trace.
      expect(output).toMatch(
        /Rollcall: the Electron [\d.]+ binary was not downloaded now: [^\n]*403[^\n]*\. The install itself is complete: `npm start` will try the download again/,
      );
      expect(output).not.toMatch(/^\s+at /m);
      expect(existsSync(join(project, 'node_modules/electron/path.txt'))).toBe(false);
    });

    it('is not tried by npm install when ELECTRON_SKIP_BINARY_DOWNLOAD is set, which says so', async () => {
      const project = projectCopy();
      const asked = requestsTo.length;
      const started = npmStart(
        project,
        userEnv({
          ELECTRON_MIRROR: mirror,
          ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
          electron_config_cache: tempDir('rollcall-cache-'),
        }),
        'postinstall',
      );
      const code = await started.exited;
      expect(code, started.output()).toBe(0);
      expect(started.output()).toContain(
        'Rollcall: ELECTRON_SKIP_BINARY_DOWNLOAD is set, so the Electron',
      );
      expect(requestsTo.length).toBe(asked);
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
