// Before the e2e project: the window must be built and Chromium present.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export default function setup(): void {
  const root = resolve(__dirname, '../..');
  if (!existsSync('/usr/bin/chromium')) {
    throw new Error(
      'Debian Chromium is missing: run `sudo apt-get install -y chromium` (npm test does it as root).',
    );
  }
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('electron-vite build failed');
  }
}
