import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(__dirname, '..');
const alias = {
  '@shared': resolve(root, 'src-main/shared'),
  '@core': resolve(root, 'src-main/core'),
  '@renderer': resolve(root, 'src-renderer/src'),
};

/**
 * Four projects: core (plain Node, the real keychain and SQLite), renderer
 * (jsdom, Testing Library), e2e (Debian's Chromium over the real core) and
 * security (the hostile-server, leak, crash and keychain-fault suite of
 * SECURITY.md, in Node and Chromium). `npm test` runs them all; `npx vitest --config test/vitest.config.ts
 * --project core` runs one.
 */
export default defineConfig({
  root,
  resolve: { alias },
  test: {
    globals: true,
    reporters: ['default'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'core',
          root,
          globals: true,
          environment: 'node',
          include: ['test/core/**/*.test.ts'],
          // Bounds on a hang, not expectations of speed (a 10 000-user sync
          // twice over takes seconds on a quiet machine, a minute at load 12).
          testTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'renderer',
          root,
          globals: true,
          environment: 'jsdom',
          include: ['test/renderer/**/*.test.{ts,tsx}'],
          setupFiles: ['test/renderer/setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          root,
          globals: true,
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          // Bounds on a hang, not expectations of speed: a walk at load 8 on
          // two cores takes several times what it takes on a quiet machine.
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Issue 8: hostile servers, leaks, crashes, keychain faults, the
          // Electron checklist and Electronegativity (see SECURITY.md).
          name: 'security',
          root,
          globals: true,
          environment: 'node',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          // Bounds on a hang (see e2e): the crash and hostile runs do minutes
          // of work when the machine is loaded.
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
