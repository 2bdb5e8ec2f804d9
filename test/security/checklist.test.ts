// SECURITY.md's table of Electron's 20-item security checklist: one row per
// item, in order, each naming tests that exist and contain the named test.
// And row 19: the fuses packaged builds flip, checked against
// electron-builder's own configuration schema so a misspelt fuse cannot
// pass for a set one.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';

const ROOT = resolve(__dirname, '../..');

/** The items of Electron's security tutorial, in its order. */
const ITEMS = [
  /secure content/i,
  /Node\.js integration/i,
  /context isolation/i,
  /sandbox/i,
  /permission requests/i,
  /webSecurity/,
  /Content Security Policy/i,
  /allowRunningInsecureContent/,
  /experimental features/i,
  /enableBlinkFeatures/,
  /allowpopups/,
  /verify options and params/i,
  /navigation/i,
  /new windows/i,
  /openExternal/,
  /current version of Electron/i,
  /sender of all IPC messages/i,
  /file:\/\/.*custom protocols/i,
  /fuses/i,
  /Electron APIs/i,
];

function checklistRows(): string[][] {
  const text = readFileSync(join(ROOT, 'SECURITY.md'), 'utf8');
  const section = /## Electron's security checklist\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\|\s*\d+\s*\|/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe("SECURITY.md's checklist", () => {
  const rows = checklistRows();

  it('has one row for each of the 20 items, in order, each saying how', () => {
    expect(rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    rows.forEach((r, i) => {
      expect(r[1], `row ${i + 1}`).toMatch(ITEMS[i]!);
      expect(r[2]?.length ?? 0, `row ${i + 1} says how`).toBeGreaterThan(30);
    });
  });

  it('names, for every row, tests that exist', () => {
    for (const [number, , , proof = ''] of rows) {
      const refs = proof.split(';').map((p) => p.trim());
      expect(refs.length, `row ${number}`).toBeGreaterThan(0);
      for (const ref of refs) {
        const file = /`(test\/[^`]+\.test\.tsx?)`/.exec(ref)?.[1];
        expect(file, `row ${number}: ${ref}`).toBeDefined();
        expect(existsSync(join(ROOT, file!)), `row ${number}: ${file}`).toBe(true);
        const source = readFileSync(join(ROOT, file!), 'utf8');
        const names = [...ref.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
        expect(names.length, `row ${number}: ${ref} names a test`).toBeGreaterThan(0);
        for (const name of names)
          expect(source, `row ${number}: ${file} › ${name}`).toContain(name);
      }
    }
  });
});

describe("SECURITY.md's table of Electron-only paths", () => {
  it('names only test files that exist', () => {
    const text = readFileSync(join(ROOT, 'SECURITY.md'), 'utf8');
    const section = /## Electron-only paths\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
    const files = [...section.matchAll(/`(test\/[^`]+\.test\.tsx?)`/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(8);
    for (const file of files) expect(existsSync(join(ROOT, file)), file).toBe(true);
  });
});

describe('Electron fuses (checklist 19)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    build: Record<string, unknown> & { electronFuses: Record<string, boolean>; asar: boolean };
  };

  it('sets the fuses for packaged builds: no run-as-node, no NODE_OPTIONS, app from asar only, asar integrity', () => {
    expect(pkg.build.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // onlyLoadAppFromAsar needs the app packed into an asar.
    expect(pkg.build.asar).toBe(true);
    // The options are electron-builder's own: its schema accepts them, and a typo fails.
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8'),
    ) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(pkg.build), JSON.stringify(validate.errors)).toBe(true);
    const misspelt = {
      ...pkg.build,
      electronFuses: { ...pkg.build.electronFuses, runAsNodee: false },
    };
    expect(validate(misspelt)).toBe(false);
  });
});
