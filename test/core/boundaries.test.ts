// The import boundaries of DESIGN.md, enforced by the lint config and
// proven here: the real tree is clean, and planted violations are caught.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: resolve(root, 'test/lint/eslint.config.mjs'),
});

async function boundaryErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ["import { app } from 'electron';", 'src-main/shared/planted.ts'],
    ["import { readFileSync } from 'node:fs';", 'src-main/shared/planted.ts'],
    ["import path from 'path';", 'src-main/shared/planted.ts'],
    ["export * from 'node:os';", 'src-main/shared/planted.ts'],
    ["import { ipcRenderer } from 'electron';", 'src-renderer/src/planted.tsx'],
    ["import { createHash } from 'node:crypto';", 'src-renderer/src/planted.ts'],
    ["const fs = require('fs');", 'src-renderer/src/planted.ts'],
    ["const m = await import('node:child_process');", 'src-renderer/src/planted.ts'],
    ["import { net } from 'electron';", 'src-main/core/planted.ts'],
    ["import type { App } from 'electron';", 'src-main/core/planted.ts'],
    ["const e = require('electron');", 'src-main/core/planted.ts'],
    ["const e = await import('electron/main');", 'src-main/core/planted.ts'],
    ["import { ipcMain } from 'electron';", 'src-main/main/window.ts'],
    ["import { ipcRenderer } from 'electron';", 'src-main/preload/other.ts'],
  ])('catches %s in %s', async (code, file) => {
    expect(await boundaryErrors(code, file)).not.toEqual([]);
  });

  it.each([
    ["import { readFileSync } from 'node:fs';", 'src-main/core/fine.ts'],
    ["import { app } from 'electron';", 'src-main/main/fine.ts'],
    ["import { ipcMain } from 'electron';", 'src-main/main/ipc.ts'],
    ["import { ipcRenderer } from 'electron';", 'src-main/preload/index.ts'],
    ["import { z } from 'zod';", 'src-main/shared/fine.ts'],
  ])('allows %s in %s', async (code, file) => {
    expect(await boundaryErrors(code, file)).toEqual([]);
  });

  it('finds no violation in the real tree', async () => {
    const results = await eslint.lintFiles(['src-main', 'src-renderer']);
    const violations = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
        .map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    expect(violations).toEqual([]);
    expect(results.length).toBeGreaterThan(10);
  });
});
