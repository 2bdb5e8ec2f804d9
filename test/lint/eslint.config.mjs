// The project's lint rules. Lives under test/ to keep the top level to what
// the product owner fixed; `npm run lint` points ESLint here. Patterns are
// relative to the repository root (the working directory).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const builtinPaths = builtinModules
  .filter((name) => !name.startsWith('_'))
  .map((name) => ({
    name,
    message: 'Node built-ins are not allowed here: this code also runs in the window.',
  }));

const nodeBuiltinPattern = {
  group: ['node:*'],
  message: 'Node built-ins are not allowed here: this code also runs in the window.',
};

const electronAnywhere = [{ name: 'electron', message: 'This code must not depend on Electron.' }];
const electronSubpaths = {
  group: ['electron/*'],
  message: 'This code must not depend on Electron.',
};

/** Catches `require('electron')` and `import('node:fs')`, which no-restricted-imports misses. */
const dynamicImportSyntax = (what) => [
  {
    selector: `CallExpression[callee.name='require'][arguments.0.value=${what}]`,
    message: 'Forbidden module here (require).',
  },
  {
    selector: `ImportExpression[source.value=${what}]`,
    message: 'Forbidden module here (dynamic import).',
  },
];

const ipcBan = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Use the contract: only src-main/main/ipc.ts and src-main/preload/index.ts touch IPC.',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'coverage/**',
      'node_modules/**',
      'test/e2e/screenshots/**',
      'test/bench/results/**',
      // Runs in a worktree of the commit that made the fixture, against that commit's code.
      'test/fixtures/caches/**/make-fixture.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts}'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  // Shared code and the window: no Electron, no Node.
  {
    files: ['src-main/shared/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...electronAnywhere, ...builtinPaths],
          patterns: [nodeBuiltinPattern, electronSubpaths],
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...dynamicImportSyntax('/^(electron|node:)/'),
        ...dynamicImportSyntax(
          `/^(${builtinModules
            .filter((n) => !n.startsWith('_'))
            .join('|')
            .replace(/\//g, '\\/')})$/`,
        ),
      ],
    },
  },
  // Core: Node is fine, Electron is not.
  {
    files: ['src-main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronAnywhere, patterns: [electronSubpaths] }],
      'no-restricted-syntax': ['error', ...dynamicImportSyntax('/^electron/')],
    },
  },
  // Main: Electron is fine, raw IPC only in ipc.ts.
  {
    files: ['src-main/main/**/*.ts'],
    ignores: ['src-main/main/ipc.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ipcBan] }] },
  },
  // Preload: only index.ts, which alone may use ipcRenderer.
  {
    files: ['src-main/preload/**/*.ts'],
    ignores: ['src-main/preload/index.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [ipcBan] }] },
  },
);
