// Issue 13, class 9: a cache whose folder cannot be written is opened
// read-only and its users are shown, listed and searchable, with a notice
// saying why nothing can be synced or saved, and the folder is left exactly
// as it was. Three files: one with nothing pending, one whose -wal holds
// changes not yet in the file, and one an older version wrote (the v0.1.0
// fixture), which is migrated in a temporary copy. The core runs in a child
// as `nobody` (the suite runs as root, which ignores permission bits).
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath } from '@core/store/db';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { runTsChild, tempDir } from './cache-fixtures';
import { openTestCore } from './core-fixture';

interface Report {
  database: { readOnly: boolean; notices: string[] };
  counts: { connections: number; users: number };
  total: number;
  names: string[];
  found: string[];
  record: unknown;
  removal: unknown;
}

/** A user-data folder others may read (mkdtemp makes it private). */
function readableDir(): string {
  const dir = tempDir('rollcall-read-only-');
  chmodSync(dir, 0o755);
  return dir;
}

/** Takes write permission away from the folder and everything in it (chmod -R a-w). */
function takeAwayWrite(dir: string): void {
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  }
  chmodSync(dir, 0o555);
}

/** Every file of the folder with its bytes, to prove nothing was written. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out[name] = readFileSync(path).toString('base64');
  }
  return out;
}

/** Opens the core over `dir` as a user who may not write it, and reports what it shows. */
async function readAsOthers(dir: string, query: string): Promise<Report> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: '/tmp' };
  delete env.ROLLCALL_TEST_KEYCHAIN;
  const outcome = await runTsChild<Report>(
    'children/read-only-cache.ts',
    { dir, query },
    { env, unprivileged: true, timeoutMs: 120_000 },
  );
  if (!outcome.result) throw new Error(`the child failed: ${outcome.stderr.slice(-2000)}`);
  return outcome.result;
}

/** A cache holding the demo directory, closed cleanly (once its search index is saved, if asked). */
async function demoCache(
  options: { savedIndex?: boolean } = {},
): Promise<{ dir: string; names: string[] }> {
  const dir = readableDir();
  const t = await openTestCore({ userDataDir: dir });
  await t.call('demo:load', {});
  const { items } = await t.call('users:search', { limit: 500 });
  if (options.savedIndex) {
    // Saved a few seconds after the last write settles (issue 17).
    const file = join(dir, SNAPSHOT_FILE_NAME);
    for (let waited = 0; !existsSync(file) && waited < 60_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(existsSync(file)).toBe(true);
  }
  await t.close();
  return { dir, names: items.map((u) => u.name) };
}

function expectReadOnlyNotice(report: Report): void {
  expect(report.database.readOnly).toBe(true);
  expect(report.database.notices.join('\n')).toMatch(
    /cache folder .* is read-only: Rollcall shows the cached directory but cannot sync or save until it is writable/,
  );
  expect(report.database.notices.join('\n')).not.toMatch(/temporary cache/);
}

it('shows the cached users of a read-only folder, searchable, and changes nothing', async () => {
  const { dir, names } = await demoCache();
  expect(names.length).toBeGreaterThan(10);
  takeAwayWrite(dir);
  const before = snapshot(dir);
  const query = names[3]?.split(' ')[0] ?? '';
  const report = await readAsOthers(dir, query);
  expectReadOnlyNotice(report);
  expect(report.total).toBe(names.length);
  expect(report.names).toEqual(names);
  expect(report.found.length).toBeGreaterThan(0);
  expect(report.found.every((n) => n.toLowerCase().includes(query.toLowerCase()))).toBe(true);
  expect(report.record).toBe(names[0]);
  // Writing is refused in words that say why, and the folder is untouched.
  expect(report.removal).toMatchObject({ code: 'CACHE_UNAVAILABLE' });
  expect(JSON.stringify(report.removal)).toMatch(/cache folder .* is read-only/);
  expect(snapshot(dir)).toEqual(before);
}, 180_000);

it('reads the saved search index of a read-only folder, and changes nothing', async () => {
  const { dir, names } = await demoCache({ savedIndex: true });
  takeAwayWrite(dir);
  const before = snapshot(dir);
  const query = names[5]?.split(' ')[0] ?? '';
  const report = await readAsOthers(dir, query);
  expectReadOnlyNotice(report);
  expect(report.total).toBe(names.length);
  expect(report.names).toEqual(names);
  expect(report.found.length).toBeGreaterThan(0);
  expect(report.found.every((n) => n.toLowerCase().includes(query.toLowerCase()))).toBe(true);
  // Neither the cache nor the saved index was written, moved or deleted.
  expect(snapshot(dir)).toEqual(before);
}, 180_000);

it('reads changes still in the -wal of a read-only folder', async () => {
  const { dir: source, names } = await demoCache();
  const dir = readableDir();
  // A file whose last change is only in its -wal, as an unclean exit leaves it.
  const writer = new DatabaseSync(databasePath(source));
  writer.exec('PRAGMA wal_autocheckpoint = 0');
  writer.exec('PRAGMA foreign_keys = ON');
  writer.exec('DELETE FROM users WHERE row_id = (SELECT min(row_id) FROM users)');
  cpSync(databasePath(source), databasePath(dir));
  cpSync(`${databasePath(source)}-wal`, `${databasePath(dir)}-wal`);
  writer.close();
  takeAwayWrite(dir);
  const before = snapshot(dir);
  const report = await readAsOthers(dir, 'a');
  expectReadOnlyNotice(report);
  // The user deleted in the -wal only is gone: the -wal was read, not ignored.
  expect(report.total).toBe(names.length - 1);
  expect(snapshot(dir)).toEqual(before);
}, 180_000);

it('shows a read-only cache an older version wrote, migrating a copy, never the file', async () => {
  const fixture = resolve(__dirname, '../fixtures/caches/v0.1.0-32ed7ec');
  const dir = readableDir();
  cpSync(join(fixture, 'rollcall.sqlite'), databasePath(dir));
  takeAwayWrite(dir);
  const before = snapshot(dir);
  const report = await readAsOthers(dir, 'a');
  expectReadOnlyNotice(report);
  expect(report.counts.connections).toBe(2);
  expect(report.total).toBe(180);
  expect(report.found.length).toBeGreaterThan(0);
  expect(snapshot(dir)).toEqual(before);
}, 180_000);
