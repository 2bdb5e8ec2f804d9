// The cache file: pragmas, migrations from every earlier version, a newer
// file opened read-only and left byte-identical, damaged files set aside
// with the app still starting. Real SQLite files in temporary folders.
import {
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from '@photostructure/sqlite';
import {
  PAGE_SIZE,
  damageMarkerPath,
  databasePath,
  openDatabase,
  type OpenedDatabase,
} from '@core/store/db';
import { WRITER_CACHE_KIB } from '@core/store/cache-open';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '@core/store/migrations';
import { createConnectionsRepo } from '@core/store/connections-repo';
import { createMemorySecretStore } from '@core/store/secrets';
import { createLogger, silentLogger } from '@core/log';
import { createUsersRepo } from '@core/store/users-repo';
import type { UserWrite } from '@core/store/users-rows';
import { RollcallFailure } from '@shared/errors';
import { ROLE_RANK, type DirectoryUser, type JsonValue } from '@shared/model';
import { summarize } from '@shared/summary';
import { buildHaystack, sortNameOf } from '@core/search/search-text';
import {
  addConnectionRow,
  makeUser,
  openTestCache,
  searchQuery,
  tempDir,
  testClock,
} from './cache-fixtures';

function pragma(cache: OpenedDatabase, name: string): unknown {
  const row = cache.db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>;
  return Object.values(row)[0];
}

/** Every schema object's SQL, normalized, for comparing two files' schemas. */
function schemaOf(cache: OpenedDatabase): string[] {
  return (
    cache.db
      .prepare(
        "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .all() as { type: string; name: string; sql: string | null }[]
  ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
}

/** Writes a user's rows with the columns of schema versions 1 to 4, as Rollcall 0.1.0 did. */
function writeAsV1(cache: OpenedDatabase, u: DirectoryUser, raw: JsonValue, at: number): void {
  const userJson = JSON.stringify(u);
  const rawJson = JSON.stringify(raw);
  const inserted = cache.db
    .prepare(
      `INSERT INTO users (connection_id, user_id, kind, role, role_rank, is_bot, bot_type,
        bot_owner_id, deactivated, joined_at, last_active_at, fetched_at, seen_at, gone_at,
        content_hash, timezone, name, sort_name, email, delivery_email, group_names,
        profile_text, search_text, summary_json)
       VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      u.connectionId,
      u.userId,
      u.kind,
      u.role,
      ROLE_RANK[u.role],
      u.isBot ? 1 : 0,
      u.deactivated ? 1 : 0,
      u.joinedAt,
      u.presence?.lastActiveAt ?? null,
      at,
      at,
      createHash('sha256').update(userJson).update('\n').update(rawJson).digest('hex'),
      u.timezone,
      u.name,
      sortNameOf(u.name),
      u.email,
      u.deliveryEmail,
      u.groups.map((g) => g.name).join('\n'),
      u.profileFields.map((f) => f.text).join('\n'),
      buildHaystack(u),
      JSON.stringify(summarize(u)),
    );
  cache.db
    .prepare('INSERT INTO user_payloads (row_id, user_json, raw_json) VALUES (?, ?, ?)')
    .run(inserted.lastInsertRowid, userJson, rawJson);
}

/**
 * Writes users as versions 5 and 6 did: this version's repository over their
 * tables, with what version 7 added (payloads in parts) taken away again.
 */
async function writeAsV5(cache: OpenedDatabase, written: UserWrite[], now: () => number) {
  (MIGRATIONS[6] as (typeof MIGRATIONS)[number]).up(cache.db);
  await writeAsV9(cache, written, now);
  cache.db.exec(`DROP INDEX user_payloads_by_parts;
    ALTER TABLE user_payloads DROP COLUMN raw_parts;
    DROP TABLE payload_parts;`);
}

/** Writes users as versions 7 to 9 did: this version's repository, without version 10's column. */
async function writeAsV9(cache: OpenedDatabase, written: UserWrite[], now: () => number) {
  cache.db.exec(`ALTER TABLE users ADD COLUMN filter_json TEXT NOT NULL DEFAULT ''`);
  await writeAsV11(cache, written, now);
  cache.db.exec('ALTER TABLE users DROP COLUMN filter_json');
}

/** Writes users as versions 10 and 11 did: this version's repository, without version 12's column. */
async function writeAsV11(cache: OpenedDatabase, written: UserWrite[], now: () => number) {
  cache.db.exec('ALTER TABLE users ADD COLUMN source_hash TEXT');
  await writeAsV12(cache, written, now);
  cache.db.exec('ALTER TABLE users DROP COLUMN source_hash');
}

/**
 * Writes users as version 12 did: this version's repository, with when each
 * was fetched and seen in the users row alone (version 13 moved it apart).
 */
async function writeAsV12(cache: OpenedDatabase, written: UserWrite[], now: () => number) {
  cache.db.exec(`CREATE TABLE user_seen (
    row_id INTEGER PRIMARY KEY, fetched_at INTEGER NOT NULL, seen_at INTEGER NOT NULL) STRICT`);
  await createUsersRepo(cache, { now }).upsertBatch(written);
  cache.db.exec('DROP TABLE user_seen');
}

function catching(fn: () => unknown): RollcallFailure {
  try {
    fn();
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown;
    throw thrown;
  }
  throw new Error('expected a RollcallFailure');
}

describe('opening the cache', () => {
  it('creates the file at the current version with WAL, foreign keys and NORMAL sync', () => {
    const cache = openTestCache();
    expect(cache.path).toBe(databasePath(cache.dir));
    expect(existsSync(cache.path)).toBe(true);
    expect(cache.readOnly).toBe(false);
    expect(cache.notices).toEqual([]);
    expect(cache.schemaVersion).toBe(SCHEMA_VERSION);
    expect(pragma(cache, 'user_version')).toBe(SCHEMA_VERSION);
    expect(pragma(cache, 'journal_mode')).toBe('wal');
    expect(pragma(cache, 'foreign_keys')).toBe(1);
    expect(pragma(cache, 'synchronous')).toBe(1); // NORMAL
    // A page cache that holds the users table's indexes, not SQLite's 2 MB.
    expect(pragma(cache, 'cache_size')).toBe(-WRITER_CACHE_KIB);
    expect(Number(pragma(cache, 'busy_timeout'))).toBeGreaterThan(0);
    const tables = schemaOf(cache)
      .filter((s) => s.startsWith('table '))
      .map((s) => s.split(':')[0]);
    expect(tables).toEqual(
      expect.arrayContaining([
        'table avatars',
        'table connection_meta',
        'table connections',
        'table profile_fields',
        'table users',
      ]),
    );
    // Searches are answered in memory (search-index.ts): no trigram index to keep in step.
    expect(tables).not.toContain('table users_fts');
    cache.close();
    cache.close(); // twice is harmless
  });

  it('enforces foreign keys: a user of no connection is refused', () => {
    const cache = openTestCache();
    expect(() =>
      cache.db
        .prepare(
          `INSERT INTO profile_fields (connection_id, definitions_json, fetched_at) VALUES ('nope', '[]', 1)`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    cache.close();
  });

  it('is idempotent: opening twice migrates nothing and keeps the data', () => {
    const dir = tempDir();
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l));
    const first = openDatabase(databasePath(dir), { log, now: Date.now });
    addConnectionRow(first, 'conn-a');
    const schema = schemaOf(first);
    first.close();
    const migratedLines = lines.filter((l) => l.includes('cache migrated')).length;
    expect(migratedLines).toBe(SCHEMA_VERSION);

    const second = openDatabase(databasePath(dir), { log, now: Date.now });
    expect(second.schemaVersion).toBe(SCHEMA_VERSION);
    expect(second.notices).toEqual([]);
    expect(schemaOf(second)).toEqual(schema);
    expect(lines.filter((l) => l.includes('cache migrated')).length).toBe(migratedLines);
    expect(second.db.prepare('SELECT id FROM connections').all()).toEqual([{ id: 'conn-a' }]);
    second.close();
  });

  it('keeps at least two migrations, numbered 1..N in order', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('refuses a migration list that is out of order', () => {
    const bad: Migration[] = [{ version: 2, name: 'skips one', up: () => {} }];
    expect(() =>
      openDatabase(join(tempDir(), 'x.sqlite'), {
        log: silentLogger,
        now: Date.now,
        migrations: bad,
      }),
    ).toThrow(/expected 1/);
  });

  const fresh = (() => {
    let cached: string[] | null = null;
    return () => {
      if (!cached) {
        const c = openTestCache();
        cached = schemaOf(c);
        c.close();
      }
      return cached;
    };
  })();

  for (let from = 0; from < SCHEMA_VERSION; from++) {
    it(`migrates a file of version ${from} to the current schema, keeping its users searchable`, async () => {
      const dir = tempDir();
      const clock = testClock();
      const old = openTestCache({ dir, migrations: MIGRATIONS.slice(0, from), now: clock.now });
      expect(old.schemaVersion).toBe(from);
      if (from >= 1) {
        addConnectionRow(old, 'conn-a');
        const written = [
          { user: makeUser({ userId: '7', name: 'Zoë Müller' }), raw: { id: 7 }, fetchedAt: 1 },
          { user: makeUser({ userId: '8', name: 'Иван Петров' }), raw: { id: 8 }, fetchedAt: 1 },
        ];
        // As the version of that schema wrote them: before version 5, with the
        // columns it dropped; from it on, with this version's users table.
        if (from < 5) for (const w of written) writeAsV1(old, w.user, w.raw, clock.now());
        else if (from < 7) await writeAsV5(old, written, clock.now);
        else if (from < 10) await writeAsV9(old, written, clock.now);
        else if (from < 12) await writeAsV11(old, written, clock.now);
        else if (from < 13) await writeAsV12(old, written, clock.now);
        else await createUsersRepo(old, { now: clock.now }).upsertBatch(written);
      }
      old.close();

      const upgraded = openTestCache({ dir, now: clock.now });
      expect(upgraded.schemaVersion).toBe(SCHEMA_VERSION);
      expect(pragma(upgraded, 'user_version')).toBe(SCHEMA_VERSION);
      expect(schemaOf(upgraded)).toEqual(fresh());
      expect(pragma(upgraded, 'integrity_check')).toBe('ok');
      if (from >= 1) {
        const users = createUsersRepo(upgraded, { now: clock.now });
        expect(users.search(searchQuery({ text: 'müll' })).items.map((u) => u.userId)).toEqual([
          '7',
        ]);
        expect(users.search(searchQuery({ text: 'петр' })).items.map((u) => u.userId)).toEqual([
          '8',
        ]);
        expect(users.get('conn-a', '7')?.raw).toEqual({ id: 7 });
        expect(users.get('conn-a', '8')?.user.name).toBe('Иван Петров');
        // Derived by a version before versions: the re-deriver's to do.
        expect(users.countUnderived()).toBe(from < 5 ? 2 : 0);
      }
      upgraded.close();
    });
  }

  it('moves when each user was fetched and seen to a table of its own at version 13, and goes on from there', async () => {
    const dir = tempDir();
    const clock = testClock();
    const old = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 12), now: clock.now });
    addConnectionRow(old, 'conn-a');
    const user = (id: string, fetchedAt: number): UserWrite => ({
      user: makeUser({ userId: id }),
      raw: { id: Number(id) },
      fetchedAt,
    });
    await writeAsV12(old, [user('7', 70), user('8', 80), user('9', 90)], clock.now);
    const times = (cache: OpenedDatabase, sql: string) =>
      cache.db.prepare(sql).all() as { row_id: number; fetched_at: number; seen_at: number }[];
    const before = times(old, 'SELECT row_id, fetched_at, seen_at FROM users ORDER BY row_id');
    expect(before.map((r) => r.fetched_at)).toEqual([70, 80, 90]);
    old.close();

    const upgraded = openTestCache({ dir, now: clock.now });
    expect(times(upgraded, 'SELECT * FROM user_seen ORDER BY row_id')).toEqual(before);
    const users = createUsersRepo(upgraded, { now: clock.now });
    expect(users.get('conn-a', '8')?.fetchedAt).toBe(80);
    // A sync after the upgrade: 7 and 8 seen again (8 unchanged), 9 no longer listed.
    clock.advance(60_000);
    const syncStarted = clock.now();
    const counts = await users.upsertBatch([user('7', 700), user('8', 800)]);
    expect(counts).toMatchObject({ unchanged: 2 });
    expect(users.get('conn-a', '8')?.fetchedAt).toBe(800);
    expect(await users.markMissingAsGone('conn-a', syncStarted, clock.now())).toBe(1);
    expect(users.get('conn-a', '9')?.goneAt).toBe(clock.now());
    expect(users.get('conn-a', '7')?.goneAt).toBeNull();
    expect(pragma(upgraded, 'integrity_check')).toBe('ok');
    expect(upgraded.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    upgraded.close();
  });

  it('rebuilds the users table at version 5 without losing a payload, a picture or a row ID', () => {
    const dir = tempDir();
    const clock = testClock();
    const old = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 4), now: clock.now });
    addConnectionRow(old, 'conn-a');
    for (let i = 1; i <= 30; i++) {
      writeAsV1(old, makeUser({ userId: String(i) }), { id: i }, clock.now());
    }
    old.db
      .prepare(
        `INSERT INTO avatars (connection_id, user_id, content_type, path, sha256, byte_size, fetched_at)
         VALUES ('conn-a', '7', 'image/png', 'a/7.png', 'x', 1, 1)`,
      )
      .run();
    const ids = old.db.prepare('SELECT row_id, user_id FROM users ORDER BY row_id').all();
    old.close();

    const upgraded = openTestCache({ dir, now: clock.now });
    expect(upgraded.schemaVersion).toBe(SCHEMA_VERSION);
    expect(upgraded.db.prepare('SELECT row_id, user_id FROM users ORDER BY row_id').all()).toEqual(
      ids,
    );
    const count = (table: string): unknown =>
      (upgraded.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect(count('user_payloads')).toBe(30);
    expect(count('avatars')).toBe(1);
    expect(upgraded.db.prepare('SELECT DISTINCT derived_version AS v FROM users').all()).toEqual([
      { v: 0 },
    ]);
    const columns = (
      upgraded.db.prepare('PRAGMA table_info(users)').all() as { name: string }[]
    ).map((c) => c.name);
    for (const gone of ['timezone', 'bot_type', 'group_names', 'profile_text']) {
      expect(columns).not.toContain(gone);
    }
    // Foreign keys are on again, and still hold: a user's payload and picture go with it.
    expect(pragma(upgraded, 'foreign_keys')).toBe(1);
    expect(upgraded.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    upgraded.db.exec("DELETE FROM users WHERE user_id = '7'");
    expect(count('avatars')).toBe(0);
    expect(count('user_payloads')).toBe(29);
    upgraded.close();
  });

  it('keeps a connection an older version removed with its users kept, as one without a key (version 6)', async () => {
    const dir = tempDir();
    const clock = testClock();
    const old = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 5), now: clock.now });
    addConnectionRow(old, 'conn-live');
    addConnectionRow(old, 'conn-kept', 'zulip', 2);
    old.db.prepare("UPDATE connections SET removed_at = 5 WHERE id = 'conn-kept'").run();
    await writeAsV5(
      old,
      [
        {
          user: makeUser({ userId: '1', connectionId: 'conn-kept', name: 'Kept Person' }),
          raw: {},
          fetchedAt: 1,
        },
      ],
      clock.now,
    );
    old.close();

    const upgraded = openTestCache({ dir, now: clock.now });
    expect(upgraded.schemaVersion).toBe(SCHEMA_VERSION);
    const columns = (
      upgraded.db.prepare('PRAGMA table_info(connections)').all() as { name: string }[]
    ).map((c) => c.name);
    expect(columns).not.toContain('removed_at');
    const secrets = createMemorySecretStore();
    const repo = createConnectionsRepo(upgraded, { secrets, now: clock.now });
    expect(repo.list().map((c) => c.id)).toEqual(['conn-live', 'conn-kept']);
    expect(await repo.getSecret('conn-kept')).toBeNull();
    expect(createUsersRepo(upgraded, { now: clock.now }).get('conn-kept', '1')?.user.name).toBe(
      'Kept Person',
    );
    upgraded.close();
  });

  it('rolls a table rebuild back when it would leave a reference dangling, with foreign keys on again', () => {
    const dir = tempDir();
    const base = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 4) });
    addConnectionRow(base, 'conn-a');
    writeAsV1(base, makeUser({ userId: '1' }), { id: 1 }, 1);
    base.close();
    const dangling: Migration[] = [
      ...MIGRATIONS.slice(0, 4),
      {
        version: 5,
        name: 'drops the users a payload points at',
        rebuildsTables: true,
        up: (db) => db.exec('CREATE TABLE users_copy AS SELECT * FROM users; DROP TABLE users;'),
      },
    ];
    const lines: string[] = [];
    expect(() =>
      openDatabase(databasePath(dir), {
        log: createLogger((l) => lines.push(l)),
        now: Date.now,
        migrations: dangling,
      }),
    ).toThrow(RollcallFailure);
    expect(lines.some((l) => l.includes('would reference rows that are gone'))).toBe(true);
    const after = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 4) });
    expect(after.schemaVersion).toBe(4);
    expect(pragma(after, 'foreign_keys')).toBe(1);
    expect(createUsersRepo(after, { now: Date.now }).count()).toBe(1);
    after.close();
  });

  it('leaves a file at its last good version when a migration fails', () => {
    const dir = tempDir();
    const base = openTestCache({ dir, migrations: MIGRATIONS.slice(0, 1) });
    base.close();
    const broken: Migration[] = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 2,
        name: 'half done',
        up: (db) => {
          db.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    const failure = catching(() =>
      openDatabase(databasePath(dir), { log: silentLogger, now: Date.now, migrations: broken }),
    );
    expect(failure.error.code).toBe('CACHE_UNAVAILABLE');
    expect(failure.error.message).toMatch(/update the cache.*left as it was/);
    const check = new DatabaseSync(databasePath(dir), { readOnly: true });
    expect(check.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE name = 'half_done'").all()).toEqual(
      [],
    );
    check.close();
  });

  it('says so when the folder cannot be created', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const failure = catching(() =>
      openDatabase(join(dir, 'not-a-folder', 'rollcall.sqlite'), {
        log: silentLogger,
        now: Date.now,
      }),
    );
    expect(failure.error.code).toBe('CACHE_UNAVAILABLE');
    expect(failure.error.message).toMatch(/could not create the folder/);
  });
});

describe('a cache written by a newer Rollcall', () => {
  function makeNewer(): { path: string; bytes: Buffer } {
    const dir = tempDir();
    const cache = openTestCache({ dir });
    addConnectionRow(cache, 'conn-a');
    cache.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    cache.close();
    return { path: cache.path, bytes: readFileSync(cache.path) };
  }

  it('opens read-only with a notice, reads, refuses writes, and leaves the file byte-identical', () => {
    const { path, bytes } = makeNewer();
    const cache = openDatabase(path, { log: silentLogger, now: Date.now });
    expect(cache.readOnly).toBe(true);
    expect(cache.schemaVersion).toBe(SCHEMA_VERSION + 5);
    expect(cache.notices).toHaveLength(1);
    expect(cache.notices[0]).toMatch(/newer version of Rollcall/);
    expect(cache.notices[0]).toMatch(/read-only/);
    expect(cache.notices[0]).toMatch(/update Rollcall/);
    expect(cache.db.prepare('SELECT id FROM connections').all()).toEqual([{ id: 'conn-a' }]);
    expect(() =>
      cache.db.exec(`INSERT INTO connections (id, kind, label, base_url, created_at, updated_at)
      VALUES ('x', 'zulip', 'x', 'https://x', 1, 1)`),
    ).toThrow(/readonly/);

    const users = createUsersRepo(cache, { now: Date.now });
    const failure = catching(() =>
      users.upsert({ user: makeUser({ userId: '1' }), raw: {}, fetchedAt: 1 }),
    );
    expect(failure.error.code).toBe('CACHE_UNAVAILABLE');
    expect(failure.error.message).toMatch(/newer version/);
    cache.close();
    expect(readFileSync(path).equals(bytes)).toBe(true);

    // And again: a second start changes nothing either.
    const again = openDatabase(path, { log: silentLogger, now: Date.now });
    expect(again.readOnly).toBe(true);
    again.close();
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
});

describe('a damaged cache file', () => {
  const at = Date.UTC(2026, 2, 4, 5, 6, 7, 890);

  it('is set aside (kept byte for byte) and a fresh cache starts, with a notice', () => {
    const dir = tempDir();
    const path = databasePath(dir);
    const garbage = Buffer.alloc(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, Buffer.from('not a wal either'));

    const cache = openDatabase(path, { log: silentLogger, now: () => at });
    expect(cache.readOnly).toBe(false);
    expect(cache.schemaVersion).toBe(SCHEMA_VERSION);
    const aside = 'rollcall.sqlite.corrupt-2026-03-04T05-06-07.890Z';
    expect(readFileSync(join(dir, aside)).equals(garbage)).toBe(true);
    expect(readFileSync(join(dir, `${aside}-wal`)).toString()).toBe('not a wal either');
    expect(cache.notices).toEqual([
      `The cache file was damaged and could not be read. It was kept as ${aside} and a fresh cache was started; sync your connections to refill it.`,
    ]);
    // The fresh cache works.
    addConnectionRow(cache, 'conn-a');
    expect(pragma(cache, 'integrity_check')).toBe('ok');
    cache.close();

    // A second damaged file on the same instant gets its own name; the first is not overwritten.
    writeFileSync(path, garbage);
    const again = openDatabase(path, { log: silentLogger, now: () => at });
    expect(again.notices[0]).toContain(`${aside}-2`);
    expect(existsSync(join(dir, aside))).toBe(true);
    again.close();
  });

  it('finds damage inside a valid-looking file, and recovers the connections it can still read', async () => {
    const dir = tempDir();
    const path = databasePath(dir);
    const cache = openTestCache({ dir });
    addConnectionRow(cache, 'conn-a');
    addConnectionRow(cache, 'conn-b', 'openwebui');
    const users = createUsersRepo(cache, { now: Date.now });
    const many = Array.from({ length: 400 }, (_, i) => ({
      user: makeUser({ userId: String(i), name: `Person ${i} ${'x'.repeat(200)}` }),
      raw: { id: i, filler: 'y'.repeat(500) },
      fetchedAt: 1,
    }));
    await users.upsertBatch(many);
    cache.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    cache.close();

    // Scribble over pages in the middle of the file (the users' pages), not the header.
    const pageSize = PAGE_SIZE;
    const pages = statSync(path).size / pageSize;
    expect(pages).toBeGreaterThan(40);
    const fd = openSync(path, 'r+');
    for (let p = 20; p < pages - 5; p += 3)
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, p * pageSize);
    closeSync(fd);
    const damaged = readFileSync(path);

    const reopened = openDatabase(path, { log: silentLogger, now: () => at });
    expect(reopened.readOnly).toBe(false);
    expect(reopened.notices).toHaveLength(1);
    expect(reopened.notices[0]).toMatch(
      /damaged.*kept as rollcall\.sqlite\.corrupt-.*your 2 connections were recovered.*Sync your connections/,
    );
    const asideName = readdirSync(dir).find((f) => /corrupt-[^-]*-[^-]*-.*Z$/.test(f));
    expect(asideName).toBeDefined();
    expect(readFileSync(join(dir, asideName as string)).equals(damaged)).toBe(true);
    expect(
      reopened.db.prepare('SELECT id, kind FROM connections ORDER BY id').all() as unknown[],
    ).toEqual([
      { id: 'conn-a', kind: 'zulip' },
      { id: 'conn-b', kind: 'openwebui' },
    ]);
    expect(createUsersRepo(reopened, { now: Date.now }).count()).toBe(0);
    expect(pragma(reopened, 'integrity_check')).toBe('ok');
    reopened.close();
  });

  it('skips the check of a big, cleanly closed file, but remembers damage met at run time', async () => {
    const dir = tempDir();
    const path = databasePath(dir);
    const cache = openTestCache({ dir });
    addConnectionRow(cache, 'conn-a');
    const users = createUsersRepo(cache, { now: Date.now });
    await users.upsertBatch(
      Array.from({ length: 400 }, (_, i) => ({
        user: makeUser({ userId: String(i), name: `Person ${i} ${'x'.repeat(200)}` }),
        raw: { id: i, filler: 'y'.repeat(500) },
        fetchedAt: 1,
      })),
    );
    cache.close(); // clean: the WAL is checkpointed and removed
    expect(existsSync(`${path}-wal`)).toBe(false);
    const fd = openSync(path, 'r+');
    const pages = statSync(path).size / PAGE_SIZE;
    for (let p = 10; p < pages - 2; p += 2)
      writeSync(fd, Buffer.alloc(PAGE_SIZE, 0x5a), 0, PAGE_SIZE, p * PAGE_SIZE);
    closeSync(fd);

    // "Big" (over the limit) and clean: no check at start, so the damage goes unseen...
    const options = { log: silentLogger, now: () => at, quickCheckMaxBytes: 0 };
    const unchecked = openDatabase(path, options);
    expect(unchecked.notices).toEqual([]);
    // ...until a query meets it: a clear error, and a marker for the next start.
    const failure = catching(() =>
      createUsersRepo(unchecked, { now: Date.now }).search(searchQuery({ text: 'e' })),
    );
    expect(failure.error.code).toBe('CACHE_UNAVAILABLE');
    expect(failure.error.message).toMatch(/damaged\. Restart Rollcall/);
    expect(existsSync(damageMarkerPath(path))).toBe(true);
    unchecked.close();

    const next = openDatabase(path, options);
    expect(next.notices[0]).toMatch(/damaged.*kept as .*corrupt-.*connection was recovered/);
    expect(existsSync(damageMarkerPath(path))).toBe(false);
    next.close();
  });

  it('checks a big file when the last session did not close cleanly', async () => {
    const dir = tempDir();
    const path = databasePath(dir);
    const cache = openTestCache({ dir });
    addConnectionRow(cache, 'conn-a');
    await createUsersRepo(cache, { now: Date.now }).upsertBatch(
      Array.from({ length: 300 }, (_, i) => ({
        user: makeUser({ userId: String(i), name: 'y'.repeat(300) }),
        raw: {},
        fetchedAt: 1,
      })),
    );
    cache.close();
    const fd = openSync(path, 'r+');
    const pages = statSync(path).size / PAGE_SIZE;
    for (let p = 8; p < pages - 2; p += 2)
      writeSync(fd, Buffer.alloc(PAGE_SIZE, 0x33), 0, PAGE_SIZE, p * PAGE_SIZE);
    closeSync(fd);
    writeFileSync(`${path}-wal`, Buffer.alloc(100, 1)); // what a crash leaves behind
    const opened = openDatabase(path, { log: silentLogger, now: () => at, quickCheckMaxBytes: 0 });
    expect(opened.notices).toHaveLength(1);
    expect(opened.notices[0]).toMatch(/damaged/);
    opened.close();
  });
});
