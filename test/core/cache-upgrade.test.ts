// Issue 14, a cache that survives upgrades: the cache v0.1.0 wrote (commit
// 32ed7ec, test/fixtures/caches/v0.1.0-32ed7ec: a Zulip connection of 120
// users and an Open WebUI one of 60, synced twice, looked up, nine pictures)
// opens with this version's core, is brought to its schema, and shows every
// connection, every user with every field, every card, the same search
// answers and the cached pictures exactly as v0.1.0 showed them, with no
// network at all (every fetch is refused and recorded), and keeps them
// through a close and a second start. Fields this version adds are allowed;
// anything v0.1.0 showed that is missing or different fails. Every row is
// derived again in the background from the payload v0.1.0 kept (issue 14:
// derived values carry the version of the code that derived them), and the
// comparisons run after that, so they hold this version's derivation of
// v0.1.0's answers to what v0.1.0 showed.
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath } from '@core/store/db';
import { DERIVATION_VERSION } from '@core/store/derivation';
import { SCHEMA_VERSION } from '@core/store/migrations';
import { createMemorySecretStore } from '@core/store/secrets';
import type { ArgOf, Channel, ResultOf } from '@shared/contract';
import {
  PROFILE_FIELD_TYPES,
  type ConnectionSummary,
  type SearchQuery,
  type UserRecord,
  type UserSummary,
} from '@shared/model';
import { tempDir } from './cache-fixtures';
import { openTestCore, type TestCore } from './core-fixture';

const FIXTURE = resolve(__dirname, '../fixtures/caches/v0.1.0-32ed7ec');

/** What v0.1.0 showed, recorded by make-fixture.ts before it closed the cache. */
interface Expected {
  madeWith: { commit: string; appVersion: string; schemaVersion: number; clockStartMs: number };
  connectionIds: { zulip: string; openwebui: string };
  connections: ConnectionSummary[];
  counts: { connections: number; users: number; avatars: number };
  avatars: {
    connectionId: string;
    userId: string;
    kind: string;
    contentType: string;
    sha256: string;
  }[];
  searches: { name: string; query: Partial<SearchQuery>; total: number; userIds: string[] }[];
  summaries: Record<string, UserSummary[]>;
  users: Record<string, Record<string, UserRecord>>;
}

const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;

/** What a connection keeps in the cache; the rest (key, reachability, syncing) is per session. */
const KEPT_CONNECTION_FIELDS = [
  'id',
  'kind',
  'label',
  'baseUrl',
  'loginEmail',
  'demo',
  'createdAt',
  'updatedAt',
  'lastTest',
  'userCount',
  'lastSyncAt',
  'lastSync',
  'insecureHttp',
] as const satisfies readonly (keyof ConnectionSummary)[];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `value` cut to the shape of `old`: keys v0.1.0 did not have are left out,
 * so fields a newer version adds pass, while a key v0.1.0 had and this one
 * lacks stays missing and fails the comparison.
 */
function inOldShape(value: unknown, old: unknown): unknown {
  if (Array.isArray(old) && Array.isArray(value)) {
    return value.map((v: unknown, i) => inOldShape(v, old[i]));
  }
  if (isObject(old) && isObject(value)) {
    return Object.fromEntries(
      Object.keys(old)
        .filter((k) => k in value)
        .map((k) => [k, inOldShape(value[k], old[k])]),
    );
  }
  return value;
}

function keptFields(c: ConnectionSummary): Partial<ConnectionSummary> {
  return Object.fromEntries(KEPT_CONNECTION_FIELDS.map((k) => [k, c[k]]));
}

const everyExpectedUser = (): [string, string, UserRecord][] =>
  Object.entries(expected.users).flatMap(([connectionId, byId]) =>
    Object.entries(byId).map(([userId, record]): [string, string, UserRecord] => [
      connectionId,
      userId,
      record,
    ]),
  );

/** Reads the file through a read-only connection of its own (beside the core's). */
function readFile<T>(userDataDir: string, read: (db: InstanceType<typeof DatabaseSync>) => T): T {
  const db = new DatabaseSync(databasePath(userDataDir), { readOnly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The file's schema version. */
function fileSchemaVersion(userDataDir: string): number {
  return readFile(userDataDir, (db) =>
    Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
  );
}

/** How many rows of the file carry each derivation version. */
function derivedVersions(userDataDir: string): Record<number, number> {
  return readFile(userDataDir, (db) =>
    Object.fromEntries(
      (
        db.prepare('SELECT derived_version AS v, count(*) AS n FROM users GROUP BY 1').all() as {
          v: number;
          n: number;
        }[]
      ).map((r) => [Number(r.v), Number(r.n)]),
    ),
  );
}

/** Polls until `check` holds (the re-derivation runs in the background). */
async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The fields of the last log line with `message`. */
function logged(lines: string[], message: string): Record<string, unknown> | null {
  const line = lines.findLast((l) => l.includes(` ${message} {`));
  return line ? (JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>) : null;
}

describe('a cache written by v0.1.0 (32ed7ec), opened by this version with no network', () => {
  let dir: string;
  let t: TestCore;
  /** Every request the core tried to make; the fetch refuses them all. */
  const attempts: string[] = [];
  // An hour after the fixture was made: late enough to be a later session,
  // early enough that its pictures are still fresh (no refresh is due).
  const now = (): number => expected.madeWith.clockStartMs + 60 * 60 * 1000;

  const open = (): Promise<TestCore> =>
    openTestCore({
      userDataDir: dir,
      appVersion: '0.0.0-upgrade-test',
      now,
      secrets: createMemorySecretStore(),
      fetch: async (input) => {
        attempts.push(String(input));
        throw new TypeError('fetch failed: the upgrade test has no network');
      },
    });

  const call = <C extends Channel>(channel: C, arg: ArgOf<C>): Promise<ResultOf<C>> =>
    t.call(channel, arg);

  beforeAll(async () => {
    dir = tempDir('rollcall-upgrade-');
    cpSync(join(FIXTURE, 'rollcall.sqlite'), databasePath(dir));
    cpSync(join(FIXTURE, 'avatars'), join(dir, 'avatars'), { recursive: true });
    t = await open();
  });

  afterAll(async () => {
    await t?.close();
  });

  afterEach(() => {
    // Emptied each time, so one test's request is not blamed on the next.
    expect(attempts.splice(0), 'network requests made while offline').toEqual([]);
  });

  it('is a fixture of a cleanly closed v0.1.0 cache (no WAL left beside it)', () => {
    expect(expected.madeWith).toMatchObject({ commit: '32ed7ec', schemaVersion: 4 });
    expect(existsSync(join(FIXTURE, 'rollcall.sqlite-wal'))).toBe(false);
    expect(existsSync(join(FIXTURE, 'rollcall.sqlite-shm'))).toBe(false);
    expect(Object.keys(expected.users)).toHaveLength(2);
    expect(everyExpectedUser()).toHaveLength(180);
  });

  it('opens writable with no notice and brings the file to the current schema', async () => {
    const info = await call('app:info', {});
    expect(info.database).toMatchObject({ readOnly: false, notices: [] });
    expect(info.counts).toEqual(expected.counts);
    expect(fileSchemaVersion(dir)).toBe(SCHEMA_VERSION);
    // Not set aside as damaged: no .corrupt-* file beside it.
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toEqual([]);
  });

  it('derives every row again from the payload v0.1.0 kept, in the background, and stamps this version', async () => {
    await until(
      () => logged(t.logLines, 'cached users derived again') !== null,
      'the re-derivation to finish',
    );
    expect(logged(t.logLines, 'deriving again the cached users an older version derived')).toEqual({
      rows: 180,
    });
    // Read against the stored context: all but the two gone users, who keep their stored user.
    expect(logged(t.logLines, 'cached users derived again')).toMatchObject({
      rows: 180,
      fromPayload: 178,
      fromStored: 2,
      left: 0,
    });
    expect(t.logLines.filter((l) => /cannot read|left as they were/.test(l))).toEqual([]);
    expect(derivedVersions(dir)).toEqual({ [DERIVATION_VERSION]: 180 });
  });

  it('dropped the columns nothing read, and keeps the payloads whole', () => {
    const columns = readFile(dir, (db) =>
      (db.prepare('PRAGMA table_info(users)').all() as { name: string }[]).map((c) => c.name),
    );
    expect(columns).toContain('derived_version');
    for (const dead of ['timezone', 'bot_type', 'group_names', 'profile_text']) {
      expect(columns).not.toContain(dead);
    }
    const integrity = readFile(dir, (db) => db.prepare('PRAGMA integrity_check').all());
    expect(integrity).toEqual([{ integrity_check: 'ok' }]);
  });

  it('lists both connections as v0.1.0 saved them, with their keys left to the keychain', async () => {
    const list = await call('connections:list', {});
    expect(list.map((c) => c.id).sort()).toEqual(
      [expected.connectionIds.zulip, expected.connectionIds.openwebui].sort(),
    );
    for (const old of expected.connections) {
      const now = list.find((c) => c.id === old.id)!;
      expect(inOldShape(keptFields(now), keptFields(old)), old.label).toEqual(keptFields(old));
      // Fields added since read as their defaults: a sync of v0.1.0 skipped nobody.
      if (old.lastSync) {
        expect(now.lastSync).toMatchObject({ unreadable: 0, unreadableReason: null });
      }
      // This keychain never held the keys (and the cache never did): asked for, not lost.
      expect(now.hasSecret).toBe(false);
      expect(now.syncing).toBe(false);
      expect(now.reachability.state).toBe('unknown');
    }
  });

  it('shows every cached user with every field v0.1.0 showed', async () => {
    for (const [connectionId, userId, old] of everyExpectedUser()) {
      const record = await call('users:get', { connectionId, userId });
      expect(inOldShape(record, old), `${connectionId}/${userId}`).toEqual(old);
    }
  });

  it('keeps the details that matter: fields of every type, bots, deactivated and gone users, groups, presence', () => {
    const records = everyExpectedUser().map(([, , r]) => r);
    const fieldTypes = new Set(records.flatMap((r) => r.user.profileFields.map((f) => f.type)));
    expect([...fieldTypes].sort()).toEqual([...PROFILE_FIELD_TYPES].sort());
    expect(records.filter((r) => r.user.isBot).length).toBeGreaterThan(0);
    expect(records.filter((r) => r.user.deactivated).length).toBeGreaterThan(0);
    expect(records.filter((r) => r.goneAt !== null)).toHaveLength(2);
    expect(records.filter((r) => r.user.role === 'pending').length).toBeGreaterThan(0);
    expect(records.filter((r) => r.user.groups.length > 0).length).toBeGreaterThan(0);
    expect(records.filter((r) => r.user.presence !== null).length).toBeGreaterThan(0);
    expect(records.filter((r) => r.user.status !== null).length).toBeGreaterThan(0);
  });

  it('draws the same cards, in the same order, as v0.1.0', async () => {
    for (const [connectionId, oldCards] of Object.entries(expected.summaries)) {
      const result = await call('users:search', { connectionIds: [connectionId], limit: 1000 });
      expect(result.total).toBe(oldCards.length);
      expect(result.items.map((c) => c.userId)).toEqual(oldCards.map((c) => c.userId));
      result.items.forEach((card, i) => {
        expect(inOldShape(card, oldCards[i]), `${connectionId}/${card.userId}`).toEqual(
          oldCards[i],
        );
      });
    }
  });

  it('answers the same searches with the same totals and the same users', async () => {
    expect(expected.searches.length).toBeGreaterThanOrEqual(5);
    for (const search of expected.searches) {
      const result = await call('users:search', { ...search.query, limit: 1000 });
      expect(result.total, search.name).toBe(search.total);
      expect(
        result.items.map((i) => `${i.connectionId}/${i.userId}`),
        search.name,
      ).toEqual(search.userIds);
    }
  });

  it('answers the group and profile-field filters from the rows it derived again', async () => {
    // Version 10 added what these filters read; v0.1.0's rows get it from their payloads.
    const records = everyExpectedUser();
    const key = ([c, u]: [string, string, UserRecord]): string => `${c}/${u}`;
    const found = async (query: ArgOf<'users:search'>): Promise<string[]> =>
      (await call('users:search', { ...query, limit: 1000 })).items
        .map((i) => `${i.connectionId}/${i.userId}`)
        .sort();
    const [groupConn, , inGroup] = records.find(([, , r]) => r.user.groups.length > 0)!;
    const group = inGroup.user.groups[0]!;
    const members = records.filter(
      ([c, , r]) => c === groupConn && r.user.groups.some((g) => g.id === group.id),
    );
    expect(await found({ groups: [{ connectionId: groupConn, groupId: group.id }] })).toEqual(
      members.map(key).sort(),
    );
    const [fieldConn, , withChoice] = records.find(([, , r]) =>
      r.user.profileFields.some((f) => f.type === 'choice'),
    )!;
    const choice = withChoice.user.profileFields.find((f) => f.type === 'choice')!;
    const chose = records.filter(
      ([c, , r]) =>
        c === fieldConn &&
        r.user.profileFields.some((f) => f.fieldId === choice.fieldId && f.value === choice.value),
    );
    expect(chose.length).toBeGreaterThan(0);
    expect(
      await found({
        profileField: {
          connectionId: fieldConn,
          fieldId: choice.fieldId,
          match: 'choice',
          value: choice.value,
        },
      }),
    ).toEqual(chose.map(key).sort());
  });

  it('serves the pictures v0.1.0 fetched from the cache, without asking a server', async () => {
    expect(expected.avatars.length).toBeGreaterThan(0);
    for (const avatar of expected.avatars) {
      const answer = await t.core.serveAvatar(avatar.connectionId, avatar.userId);
      expect(answer.status, avatar.userId).toBe(200);
      expect(answer.headers['Content-Type']).toBe(avatar.contentType);
      expect(createHash('sha256').update(answer.body).digest('hex')).toBe(avatar.sha256);
    }
  });

  it('loses nothing when closed and opened again', async () => {
    await t.close();
    expect(fileSchemaVersion(dir)).toBe(SCHEMA_VERSION);
    t = await open();
    const list = await call('connections:list', {});
    const byId = (a: Partial<ConnectionSummary>, b: Partial<ConnectionSummary>): number =>
      String(a.id).localeCompare(String(b.id));
    const was = expected.connections.map(keptFields).sort(byId);
    const now = list.map(keptFields).sort(byId);
    expect(now.map((c, i) => inOldShape(c, was[i]))).toEqual(was);
    for (const [connectionId, userId, old] of everyExpectedUser()) {
      const record = await call('users:get', { connectionId, userId });
      expect(inOldShape(record, old), `${connectionId}/${userId}`).toEqual(old);
    }
    const everyone = expected.searches.find((s) => s.name === 'everyone')!;
    expect((await call('users:search', { limit: 1000 })).total).toBe(everyone.total);
    expect((await call('app:info', {})).counts).toEqual(expected.counts);
    // Every row carries this version: the second start has nothing to derive again.
    expect(t.logLines.filter((l) => l.includes('deriving again'))).toEqual([]);
    expect(derivedVersions(dir)).toEqual({ [DERIVATION_VERSION]: 180 });
  });
});
