// `npm test`: prepares what the suite needs, then runs all of it: typecheck,
// lint, build, and the core, renderer and e2e projects of vitest, the last
// three inside a private D-Bus session with its own unlocked gnome-keyring.
// Extra arguments go to vitest (e.g. `npm test -- --project core`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureSystemPackages } from './system-deps.mjs';

const root = resolve(import.meta.dirname, '../..');
process.chdir(root);
// `--vitest-only` skips typecheck, lint and build: for a quick loop on a few
// test files while developing (`npm test -- --vitest-only --project core x`).
const vitestOnly = process.argv.includes('--vitest-only');
const vitestArgs = process.argv.slice(2).filter((a) => a !== '--vitest-only');
const timings = [];

function step(name, cmd, args, options = {}) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  timings.push(`${name}: ${seconds}s`);
  if (r.status !== 0) {
    console.error(`\n✖ ${name} failed (exit ${r.status ?? r.signal}) after ${seconds}s`);
    process.exit(r.status ?? 1);
  }
}

if (!ensureSystemPackages()) process.exit(1);

if (!existsSync(join(root, 'node_modules/.package-lock.json'))) {
  step('install npm packages', 'npm', ['ci']);
}
// keytar is compiled at install; if libsecret was missing then, build it now.
if (!existsSync(join(root, 'node_modules/keytar/build/Release/keytar.node'))) {
  step('build keytar', 'npm', ['rebuild', 'keytar'], {
    env: {
      ...process.env,
      npm_config_nodedir:
        process.env.npm_config_nodedir ??
        (existsSync('/usr/include/node/node_api.h') ? '/usr' : ''),
    },
  });
}

if (!vitestOnly) {
  step('typecheck', 'npm', ['run', '--silent', 'typecheck']);
  step('lint', 'npm', ['run', '--silent', 'lint']);
  step('build', 'npm', ['run', '--silent', 'build']);
}

const vitest = [
  join(root, 'node_modules/.bin/vitest'),
  'run',
  '--config',
  'test/vitest.config.mts',
  ...vitestArgs,
];
if (process.platform === 'linux') {
  // A private keyring: temporary HOME and XDG folders, no DISPLAY (a locked
  // keyring would otherwise open a password prompt and hang).
  const home = mkdtempSync(join(tmpdir(), 'rollcall-test-home-'));
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: runtime,
    npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.DBUS_SESSION_BUS_ADDRESS;
  try {
    step(
      'vitest (core, renderer, e2e, security) in a private keyring',
      'dbus-run-session',
      [
        '--',
        process.execPath,
        join(root, 'test/support/with-keyring.mjs'),
        process.execPath,
        ...vitest,
      ],
      { env },
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
} else {
  console.log('Not Linux: keychain tests are skipped (they need a private gnome-keyring).');
  step('vitest (core, renderer, e2e, security)', process.execPath, vitest);
}

console.log(`\n✔ all tests passed\n  ${timings.join('\n  ')}`);
