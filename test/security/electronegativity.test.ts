// Electronegativity over the built app (out/): the tool always exits 0, so
// its CSV is parsed here and every finding must match a reviewed entry of
// electronegativity-allowlist.json (which names its justification). A stale
// entry fails too, and a planted insecure app proves the gate can fail.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const RUNNER = join(__dirname, 'run-electronegativity.mjs');
const ELECTRON_VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
    version: string;
  }
).version;

interface Finding {
  check: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  column: number;
  /** The source text around the finding's position (what the allowlist matches). */
  code: string;
}

interface AllowEntry {
  check: string;
  file: string;
  code: string;
  justification: string;
}

/** RFC 4180 CSV, as Electronegativity writes it (quoted fields, doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Runs the tool over `input`; returns its findings and the files it could not parse. */
async function scan(
  input: string,
): Promise<{ findings: Finding[]; errors: unknown[]; checks: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-eng-'));
  try {
    const csv = join(dir, 'findings.csv');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [RUNNER, input, csv, ELECTRON_VERSION],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      globalChecks: number;
      atomicChecks: number;
      errors: unknown[];
      issues: number;
    };
    const [header, ...rows] = parseCsv(readFileSync(csv, 'utf8'));
    expect(header?.map((h) => h.trim())).toEqual([
      'issue',
      'severity',
      'confidence',
      'filename',
      'location',
      'sample',
      'description',
      'url',
    ]);
    const findings = rows.map((r): Finding => {
      const [check = '', severity = '', confidence = '', file = '', location = '0:0'] = r;
      const [line = 0, column = 0] = location.split(':').map(Number);
      let code: string;
      try {
        const source = readFileSync(join(input, file), 'utf8').split('\n')[line - 1] ?? '';
        // Around the position: a bundle's line can be a whole minified file.
        code = source.slice(Math.max(0, column - 60), column + 200).trim();
      } catch {
        code = r[5] ?? '';
      }
      return { check, severity, confidence, file, line, column, code };
    });
    expect(findings).toHaveLength(summary.issues);
    return {
      findings,
      errors: summary.errors,
      checks: summary.globalChecks + summary.atomicChecks,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function matches(entry: AllowEntry, f: Finding): boolean {
  return (
    entry.check === f.check &&
    new RegExp(entry.file).test(f.file) &&
    new RegExp(entry.code).test(f.code)
  );
}

const allowlist = JSON.parse(
  readFileSync(join(__dirname, 'electronegativity-allowlist.json'), 'utf8'),
) as { entries: AllowEntry[] };

describe('Electronegativity', () => {
  it('finds nothing in the built app beyond the reviewed allowlist', async () => {
    const { findings, errors, checks } = await scan(join(ROOT, 'out'));
    expect(checks).toBeGreaterThanOrEqual(40);
    // Every file was parsed: an unparsed bundle would hide its findings.
    expect(errors).toEqual([]);
    const unlisted = findings.filter((f) => !allowlist.entries.some((e) => matches(e, f)));
    expect(
      unlisted.map((f) => `${f.check} ${f.file}:${f.line}:${f.column} ${f.code.slice(0, 80)}`),
    ).toEqual([]);
    const stale = allowlist.entries.filter((e) => !findings.some((f) => matches(e, f)));
    expect(stale.map((e) => `${e.check} ${e.code}`)).toEqual([]);
    for (const e of allowlist.entries) expect(e.justification.length, e.code).toBeGreaterThan(80);
    console.log(
      `[security] Electronegativity: ${checks} checks, ${findings.length} findings, all allowlisted: ` +
        [...new Set(findings.map((f) => f.check))]
          .map((c) => `${c} ×${findings.filter((f) => f.check === c).length}`)
          .join(', '),
    );
  });

  it('fails an app that turns the protections off (the gate can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-insecure-app-'));
    try {
      writeFileSync(
        join(dir, 'main.js'),
        `const { BrowserWindow } = require('electron');
const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false, allowRunningInsecureContent: true } });
win.loadURL('http://example.com/');`,
      );
      writeFileSync(
        join(dir, 'index.html'),
        '<!doctype html><html><body><script src="http://example.com/a.js"></script></body></html>',
      );
      const { findings } = await scan(dir);
      const unlisted = findings.filter((f) => !allowlist.entries.some((e) => matches(e, f)));
      const checks = new Set(unlisted.map((f) => f.check));
      for (const c of [
        'CONTEXT_ISOLATION_JS_CHECK',
        'SANDBOX_JS_CHECK',
        'WEB_SECURITY_JS_CHECK',
        'INSECURE_CONTENT_JS_CHECK',
        'LIMIT_NAVIGATION_GLOBAL_CHECK',
        'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
      ]) {
        expect(checks).toContain(c);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses quoted CSV fields the way the tool writes them', () => {
    expect(parseCsv('a, b\n"x, ""y""",2\n')).toEqual([
      ['a', ' b'],
      ['x, "y"', '2'],
    ]);
  });
});
