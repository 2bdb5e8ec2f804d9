// Builders shared by the cache tests (db, users, search, connections,
// avatars): directory users with sensible defaults, temporary user-data
// folders, and an opened cache with one connection in it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  ConnectionKind,
  DirectoryUser,
  ProfileFieldValue,
  Role,
  SearchQuery,
} from '@shared/model';
import { DEFAULT_SEARCH_SPEC, ZULIP_BOT_TYPE_LABELS } from '@shared/model';
import { databasePath, openDatabase, type OpenedDatabase } from '@core/store/db';
import { startWalCheckpointer } from '@core/store/wal-checkpointer';
import type { BackgroundRead } from '@core/store/users-search-where';
import type { Migration } from '@core/store/migrations';
import { silentLogger, type Logger } from '@core/log';

/** A logger that keeps each line said as "message {fields as JSON}", for tests that read the log. */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const say = (message: string, fields?: Record<string, unknown>): void => {
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { lines, info: say, warn: say, error: say };
}

/** Folders made by `tempDir`, removed after each file's tests. */
const made: string[] = [];

/** A fresh temporary folder, deleted when the test file ends. */
export function tempDir(prefix = 'rollcall-cache-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A clock the test moves by hand. */
export function testClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)): {
  now: () => number;
  advance: (ms: number) => void;
} {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Opens a cache in a new temporary user-data folder. */
export function openTestCache(
  options: { dir?: string; migrations?: readonly Migration[]; now?: () => number } = {},
): OpenedDatabase & { dir: string } {
  const dir = options.dir ?? tempDir();
  const opened = openDatabase(databasePath(dir), {
    log: silentLogger,
    now: options.now ?? Date.now,
    ...(options.migrations ? { migrations: options.migrations } : {}),
  });
  return Object.assign(opened, { dir });
}

/**
 * The background connection core searches on while its index loads
 * (wal-checkpointer.ts `read`), with the statements it was asked for, so a
 * test can say which scans ran there.
 */
export async function recordedBackground(
  cache: OpenedDatabase,
): Promise<{ read: BackgroundRead; reads: string[]; close(): Promise<void> }> {
  const checkpointer = await startWalCheckpointer(cache, { log: silentLogger, intervalMs: 60_000 });
  if (!checkpointer) throw new Error('no background connection');
  const reads: string[] = [];
  return {
    read: (sql, params) => {
      reads.push(sql);
      return checkpointer.read(sql, params);
    },
    reads,
    close: () => checkpointer.close(),
  };
}

/** Inserts a connection row directly (for tests of users, search and avatars). */
export function addConnectionRow(
  cache: OpenedDatabase,
  id: string,
  kind: ConnectionKind = 'zulip',
  at = 1,
): void {
  cache.db
    .prepare(
      `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
    )
    .run(
      id,
      kind,
      `Test ${id}`,
      `https://${id}.example.com`,
      kind === 'zulip' ? 'admin@example.com' : null,
      at,
      at,
    );
}

/** A search with everything left open, changed by `overrides`. */
export function searchQuery(overrides: Partial<SearchQuery> = {}): SearchQuery {
  return {
    ...DEFAULT_SEARCH_SPEC,
    offset: 0,
    limit: 100,
    ...overrides,
  };
}

/** A profile field value with its text. */
export function field(
  name: string,
  text: string,
  displayInSummary = true,
  order = 1,
): ProfileFieldValue {
  return {
    fieldId: String(order),
    name,
    type: 'short_text',
    order,
    displayInSummary,
    value: text,
    text,
    renderedHtml: null,
    url: null,
    userIds: null,
  };
}

/** A directory user; every field can be overridden. */
export function makeUser(
  overrides: Partial<DirectoryUser> & { userId: string; connectionId?: string },
): DirectoryUser {
  const kind = overrides.kind ?? 'zulip';
  const role: Role = overrides.role ?? (kind === 'zulip' ? 'member' : 'user');
  const name = overrides.name ?? `User ${overrides.userId}`;
  return {
    connectionId: 'conn-a',
    kind,
    name,
    username: null,
    email: `user${overrides.userId}@example.com`,
    deliveryEmail: null,
    role,
    isBot: false,
    bot: null,
    deactivated: false,
    timezone: 'Europe/Berlin',
    joinedAt: Date.UTC(2024, 0, 1),
    updatedAt: null,
    presence: null,
    status: null,
    avatar: { kind: 'none' },
    groups: [],
    profileFields: [],
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra: {},
    ...overrides,
  };
}

/** A Zulip bot owned by `ownerId`. */
export function makeBot(
  userId: string,
  ownerId: string,
  type = 1,
  connectionId = 'conn-a',
): DirectoryUser {
  return makeUser({
    userId,
    connectionId,
    name: `Bot ${userId}`,
    isBot: true,
    bot: { type, typeLabel: ZULIP_BOT_TYPE_LABELS[type] ?? 'Bot', ownerId },
  });
}

/** What a TS child printed, or its failure. */
export interface ChildOutcome<T> {
  code: number | null;
  signal: NodeJS.Signals | null;
  result: T | null;
  stdout: string;
  stderr: string;
}

const RUN_TS = resolve(__dirname, 'children/run-ts.mjs');

/**
 * Runs a TypeScript child (`export async function main(args)`) in a plain
 * Node process, optionally reacting to its output lines as they come.
 */
export function runTsChild<T>(
  file: string,
  args: unknown,
  options: {
    env?: NodeJS.ProcessEnv;
    onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void;
    timeoutMs?: number;
    /**
     * Run as `nobody` when the tests run as root, so file permission bits
     * apply to the child (root ignores them); as this user otherwise.
     */
    unprivileged?: boolean;
  } = {},
): Promise<ChildOutcome<T>> {
  const node = [process.execPath, RUN_TS, resolve(__dirname, file), JSON.stringify(args)];
  const [command, ...commandArgs] =
    options.unprivileged && process.getuid?.() === 0
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node]
      : node;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command as string, commandArgs, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const kill = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${file} did not finish in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      stdout += data;
      pending += data;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        options.onLine?.(line, kill);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (data: string) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{"result":'));
      resolvePromise({
        code,
        signal,
        result: last ? (JSON.parse(last) as { result: T }).result : null,
        stdout,
        stderr,
      });
    });
  });
}

/** Whether the tests run inside the private keyring of `npm test`. */
export const KEYCHAIN_TESTS = Boolean(process.env.ROLLCALL_TEST_KEYCHAIN);

/** Why keychain tests are skipped, printed once per file. */
export function reportKeychainSkip(what: string): void {
  if (!KEYCHAIN_TESTS) {
    console.log(
      `[skip] ${what}: ROLLCALL_TEST_KEYCHAIN is unset, so there is no private keyring to use. ` +
        'Run them with: npm test -- --vitest-only --project core <file>',
    );
  }
}
