#!/usr/bin/env node
// @ts-check
/**
 * `npm start` (and `npm run preview`): makes sure the Electron binary is
 * there, then hands over to electron-vite.
 *
 * Electron's npm package has no install script, so on its own `npm install` never
 * fetches the binary, and electron-vite only says "Electron uninstall" when
 * it is missing. Here, a missing binary is downloaded with Electron's own
 * installer (it honours ELECTRON_MIRROR and the download cache); when that
 * cannot happen, the admin reads one plain sentence saying what is missing
 * and what fixes it, with no stack trace.
 *
 * `npm install` fetches the binary first, while the admin expects a
 * download: the project's postinstall runs this file as `install-electron`,
 * which runs Electron's installer (the package's `install-electron` bin)
 * with its output captured. When that fails, the install still succeeds
 * and the admin reads one sentence (the installer's reason, no stack
 * trace) saying that `npm start` will try again, so a machine that cannot
 * reach the download server still installs. ELECTRON_SKIP_BINARY_DOWNLOAD, the
 * variable Electron's own packages honour, skips that download.
 *
 * Runs in plain Node before anything is built: no TypeScript, no electron.
 * `ELECTRON_EXEC_PATH` (electron-vite's own variable) points at another
 * Electron executable; the launch test uses it for a stub.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const projectRoot = resolve(import.meta.dirname, '../..');

const command = process.argv[2] ?? 'dev';
/** At install time a missing binary is worth a note, never a failed install. */
const installing = command === 'install-electron';
/** Electron's own installer (the `install-electron` bin), as a module path from the project. */
const installer = 'electron/install.js';

/** Prints the one sentence for a launch that cannot go on, and exits. */
function stop(sentence) {
  if (installing) {
    console.warn(`\nRollcall: ${sentence}\n`);
    process.exit(0);
  }
  console.error(`\nRollcall cannot start: ${sentence}\n`);
  process.exit(1);
}

/** The Electron package's folder and version, or null when it is not installed at all. */
function electronPackage() {
  try {
    const manifest = require.resolve('electron/package.json', { paths: [projectRoot] });
    const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
    return { dir: dirname(manifest), version: String(version) };
  } catch {
    return null;
  }
}

/** The installed binary's path, or null: path.txt names it and the file is there. */
function installedBinary(dir) {
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** The installer's file, or null when it is not there. */
function installerFile() {
  try {
    return require.resolve(installer, { paths: [projectRoot] });
  } catch {
    return null;
  }
}

/** Runs Electron's own installer; resolves with its exit code and what it printed. */
function runElectronInstaller(file) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => done({ code: 1, output: String(error) }));
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

/** The installer's reason in a few words: the first line of its error, without a stack. */
function reasonOf(output) {
  const line =
    output
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('at ')) ?? '';
  if (
    /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|ECONNRESET/i.test(line)
  ) {
    return 'the download server could not be reached (no network connection, or it is blocked here)';
  }
  const short = line.replace(/^(\w*Error):\s*/, '');
  return short ? short.slice(0, 200) : 'the installer stopped without saying why';
}

/** Electron's installer, run once; resolves with null when the binary is there after it, else the reason. */
async function download(pkg) {
  const file = installerFile();
  if (!file)
    return `Electron's installer ${installer} is not in node_modules (run \`npm install\` here again)`;
  const mirror = process.env.ELECTRON_MIRROR;
  console.log(
    `Electron ${pkg.version} is not downloaded yet: fetching it once (about 100 MB) with ${installer}${mirror ? ` from ${mirror}` : ''}…`,
  );
  const { code, output } = await runElectronInstaller(file);
  if (code === 0 && installedBinary(pkg.dir)) {
    console.log(`Electron ${pkg.version} is installed.`);
    return null;
  }
  return reasonOf(output);
}

async function ensureElectron() {
  const override = process.env.ELECTRON_EXEC_PATH;
  if (override) {
    if (installing) return; // Another Electron is named: nothing to fetch.
    try {
      accessSync(override, constants.X_OK);
    } catch {
      stop(
        `ELECTRON_EXEC_PATH is set to ${override}, which is not an executable file. Point it at an Electron binary, or unset it to use the one in node_modules.`,
      );
    }
    return;
  }
  const pkg = electronPackage();
  if (!pkg) {
    if (installing) process.exit(0); // An install without dev dependencies: nothing to fetch.
    stop('the electron package is not installed. Run `npm install` in this folder first.');
  }
  if (installedBinary(pkg.dir)) return;
  if (installing && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    stop(
      `ELECTRON_SKIP_BINARY_DOWNLOAD is set, so the Electron ${pkg.version} binary was not downloaded; \`npm start\` will fetch it.`,
    );
  }
  const reason = await download(pkg);
  if (reason === null) return;
  if (installing) {
    stop(
      `the Electron ${pkg.version} binary was not downloaded now: ${reason}. ` +
        'The install itself is complete: `npm start` will try the download again and say why if it still cannot, ' +
        'or fetch it alone later with `npx install-electron`; behind a mirror, set ELECTRON_MIRROR first.',
    );
  }
  stop(
    `the Electron ${pkg.version} binary is missing and downloading it failed: ${reason}. ` +
      'Connect to the internet and run `npm start` again (or fetch it alone with `npx install-electron`); ' +
      'behind a mirror, set ELECTRON_MIRROR first, e.g. `ELECTRON_MIRROR=https://your-mirror/electron/ npm start`.',
  );
}

/** Hands over to electron-vite (`dev` by default, or the command given) and mirrors its exit. */
function runElectronVite(command) {
  const bin = join(
    dirname(require.resolve('electron-vite/package.json', { paths: [projectRoot] })),
    'bin/electron-vite.js',
  );
  const child = spawn(process.execPath, [bin, command], { stdio: 'inherit', cwd: projectRoot });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (command !== 'dev' && command !== 'preview' && !installing) {
  stop(`unknown command "${command}": use dev, preview or install-electron.`);
}
await ensureElectron();
if (!installing) runElectronVite(command);
