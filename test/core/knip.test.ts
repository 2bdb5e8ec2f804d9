// Issue 14: `npm run lint` runs knip with test/lint/knip.json, so that an
// unused file, export or dependency fails the build. The real tree is checked
// by `npm run lint` itself; this proves the config catches each kind: a copy
// of the tracked tree with one of each planted must fail, naming all three.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tempDir } from './cache-fixtures';

const root = resolve(__dirname, '../..');

/** Every file git tracks (or would: new ones not ignored), copied as they are in the working tree. */
function copyOfTree(): string {
  const copy = tempDir('rollcall-knip-');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f !== '');
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      cpSync(join(root, file), join(copy, file));
    } catch {
      // Deleted in the working tree but not yet staged: not part of it.
    }
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

interface KnipIssue {
  file: string;
  exports?: { name: string }[];
  devDependencies?: { name: string }[];
  files?: { name: string }[];
}

it('fails on an unused file, an unused export and an unused dependency, naming each', () => {
  const copy = copyOfTree();
  appendFileSync(join(copy, 'src-main/core/log.ts'), '\nexport const plantedUnusedExport = 1;\n');
  writeFileSync(join(copy, 'src-main/core/planted-orphan.ts'), 'export const orphan = 2;\n');
  const pkgPath = join(copy, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  pkg.devDependencies['planted-unused-package'] = '^1.0.0';
  writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));

  const run = spawnSync(
    join(root, 'node_modules/.bin/knip'),
    ['-c', 'test/lint/knip.json', '--no-progress', '--reporter', 'json'],
    { cwd: copy, encoding: 'utf8' },
  );
  expect(run.status).toBe(1);
  const report = JSON.parse(run.stdout) as { issues: KnipIssue[] };
  const found = report.issues.flatMap((i) => [
    ...(i.exports ?? []).map((e) => `export ${i.file} ${e.name}`),
    ...(i.devDependencies ?? []).map((d) => `dependency ${d.name}`),
    ...(i.files ?? []).map((f) => `file ${f.name}`),
  ]);
  expect(found.sort()).toEqual([
    'dependency planted-unused-package',
    'export src-main/core/log.ts plantedUnusedExport',
    'file src-main/core/planted-orphan.ts',
  ]);
});
