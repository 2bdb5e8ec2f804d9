import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY, DEV_CONTENT_SECURITY_POLICY } from './src-main/shared/csp';

const root = __dirname;
const alias = { '@shared': resolve(root, 'src-main/shared') };

/**
 * Writes the CSP meta tag into index.html from the one constant in
 * src-main/shared/csp.ts: the strict policy for builds, the relaxed one only
 * for the dev server (Vite's hot reload needs an inline preamble).
 */
function cspMetaTag(): Plugin {
  return {
    name: 'rollcall-csp-meta',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        const policy = ctx.server ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY;
        if (!html.includes('%ROLLCALL_CSP%'))
          throw new Error('index.html lost its CSP placeholder');
        return html.replace('%ROLLCALL_CSP%', policy);
      },
    },
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: resolve(root, 'out/main'),
      lib: {
        entry: {
          index: resolve(root, 'src-main/main/index.ts'),
          // The sync worker thread's own entry (out/main/sync-worker.js, started by index.js).
          'sync-worker': resolve(root, 'src-main/core/services/sync-worker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload is one CommonJS file: bundle zod and the bridge in.
      externalizeDeps: false,
      lib: { entry: resolve(root, 'src-main/preload/index.ts') },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    resolve: { alias },
    plugins: [react(), cspMetaTag()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
      sourcemap: false,
      minify: true,
    },
  },
});
