// No module of the main process or the renderer imports itself back through
// others (issue 13: read-only-open.ts and db.ts did). A cycle makes load
// order matter: a value used at load time can be undefined in one of them.
// Type-only imports are erased and do not count.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const ALIASES: [string, string][] = [
  ['@shared/', 'src-main/shared/'],
  ['@core/', 'src-main/core/'],
  ['@renderer/', 'src-renderer/src/'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files a module imports for their values (not `import type`). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gms)) {
    if (m[1]) continue;
    const spec = m[2] as string;
    const alias = ALIASES.find(([prefix]) => spec.startsWith(prefix));
    let base: string;
    if (alias) base = join(root, alias[1], spec.slice(alias[0].length));
    else if (spec.startsWith('.')) base = resolve(dirname(file), spec);
    else continue;
    const found = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find(existsSync);
    if (found) out.push(found);
  }
  return out;
}

/** Every import cycle, each as the chain of files that closes it. */
function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, valueImports(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(root, f)));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('import cycles', () => {
  it('finds none in src-main or the renderer', () => {
    const files = [
      ...sourceFiles(join(root, 'src-main')),
      ...sourceFiles(join(root, 'src-renderer/src')),
    ];
    expect(files.length).toBeGreaterThan(50);
    expect(importCycles(files)).toEqual([]);
  });
});
