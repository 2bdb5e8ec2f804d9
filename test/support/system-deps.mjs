// The system packages the test suite needs, checked (and on Debian/Ubuntu as
// root, installed) before anything runs. Used by `npm test` and `.ci/run`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian/Ubuntu package names and how to tell each is present. */
export const SYSTEM_PACKAGES = [
  {
    pkg: 'libsecret-1-dev',
    present: () =>
      has('pkg-config', ['--exists', 'libsecret-1']) || existsSync('/usr/include/libsecret-1'),
  },
  { pkg: 'gnome-keyring', present: () => onPath('gnome-keyring-daemon') },
  { pkg: 'dbus-x11', present: () => onPath('dbus-launch') },
  { pkg: 'dbus', present: () => onPath('dbus-run-session') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  // The launch test packs a stub Electron release for its local mirror.
  { pkg: 'zip', present: () => onPath('zip') },
  // CJK names render as boxes in screenshots without a CJK font.
  {
    pkg: 'fonts-droid-fallback',
    present: () => existsSync('/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf'),
  },
  // Arabic, Hebrew, Devanagari and Thai names render as boxes without it
  // (a desktop has such fonts; a bare Debian does not).
  {
    pkg: 'fonts-noto-core',
    present: () => existsSync('/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf'),
  },
  // Emoji in statuses and names render as boxes in screenshots without it.
  {
    pkg: 'fonts-noto-color-emoji',
    present: () => existsSync('/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf'),
  },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function has(cmd, args) {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** The packages that are missing right now. */
export function missingPackages() {
  return SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
}

/**
 * Makes sure every package is there. Installs them on Debian/Ubuntu when run
 * as root; otherwise prints the one command to run and returns false.
 */
export function ensureSystemPackages() {
  if (process.platform !== 'linux') return true;
  const missing = missingPackages();
  if (missing.length === 0) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (isRoot && isDebian) {
    console.log(`Installing system packages the tests need: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
      stdio: 'inherit',
      env,
    });
    const still = missingPackages();
    if (still.length === 0) return true;
    console.error(`Still missing after apt-get: ${still.join(' ')}`);
    return false;
  }
  const cmd = isDebian
    ? `sudo apt-get install -y ${missing.join(' ')}`
    : `install the equivalents of: ${missing.join(' ')} (libsecret development files, gnome-keyring, dbus, chromium, zip)`;
  console.error(`The tests need system packages that are missing. Run:\n\n  ${cmd}\n`);
  return false;
}
