/**
 * The cache's schema, one step per `PRAGMA user_version`: the DDL of every
 * migration in order, and applying those above a file's version, each in
 * its own transaction. Never edit a shipped migration: add a new one.
 *
 * Node only; never imports `electron`.
 */
import type { Logger } from '../log';
import { cacheFailure, errorText, isCorruption } from './sqlite-errors';
import { inTransaction, type SqliteDb } from './sqlite-helpers';

/** One step of the schema. `up` runs inside the migration's transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: SqliteDb): void;
  /**
   * Runs with foreign keys off (SQLite's way to rebuild a table: dropping
   * the old one would otherwise cascade to the rows that reference it), and
   * checks them all before committing.
   */
  rebuildsTables?: boolean;
}

/**
 * v1: the base tables. Columns are ordered small and fixed first, so reading
 * the filter and sort columns never reaches a row's long tail. Never edit a
 * shipped migration: add a new one.
 */
const V1_BASE = `
CREATE TABLE connections (
  id             TEXT PRIMARY KEY NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('zulip', 'openwebui')),
  label          TEXT NOT NULL,
  base_url       TEXT NOT NULL,
  login_email    TEXT,
  demo           INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  last_test_json TEXT,
  last_sync_at   INTEGER,
  last_sync_json TEXT,
  removed_at     INTEGER
) STRICT;

CREATE TABLE users (
  row_id         INTEGER PRIMARY KEY,
  connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  user_id        TEXT NOT NULL,
  kind           TEXT NOT NULL,
  role           TEXT NOT NULL,
  role_rank      INTEGER NOT NULL,
  is_bot         INTEGER NOT NULL,
  bot_type       INTEGER,
  bot_owner_id   TEXT,
  deactivated    INTEGER NOT NULL,
  joined_at      INTEGER,
  last_active_at INTEGER,
  fetched_at     INTEGER NOT NULL,
  seen_at        INTEGER NOT NULL,
  gone_at        INTEGER,
  content_hash   TEXT NOT NULL,
  timezone       TEXT,
  name           TEXT NOT NULL,
  sort_name      TEXT NOT NULL,
  email          TEXT,
  delivery_email TEXT,
  group_names    TEXT NOT NULL,
  profile_text   TEXT NOT NULL,
  search_text    TEXT NOT NULL,
  summary_json   TEXT NOT NULL,
  UNIQUE (connection_id, user_id)
) STRICT;

-- The big JSON lives apart, so scans, filters and "seen" updates of users
-- touch small rows only.
CREATE TABLE user_payloads (
  row_id    INTEGER PRIMARY KEY REFERENCES users (row_id) ON DELETE CASCADE,
  user_json TEXT NOT NULL,
  raw_json  TEXT NOT NULL
) STRICT;

CREATE TABLE profile_fields (
  connection_id    TEXT PRIMARY KEY NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  definitions_json TEXT NOT NULL,
  fetched_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE avatars (
  connection_id TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  path          TEXT NOT NULL,
  sha256        TEXT NOT NULL,
  byte_size     INTEGER NOT NULL,
  source_key    TEXT,
  fetched_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, user_id),
  FOREIGN KEY (connection_id, user_id) REFERENCES users (connection_id, user_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX avatars_path ON avatars (path);
`;

/**
 * v2: search. A trigram full-text index over the folded haystack (external
 * content: the text lives once, in users.search_text), kept in step by
 * triggers, and the indexes the filters and sorts of search-text.ts need.
 */
const V2_SEARCH = `
CREATE VIRTUAL TABLE users_fts USING fts5 (
  search_text,
  content = 'users',
  content_rowid = 'row_id',
  tokenize = 'trigram case_sensitive 1'
);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
  INSERT INTO users_fts (rowid, search_text) VALUES (new.row_id, new.search_text);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
  INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.row_id, old.search_text);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF search_text ON users
WHEN old.search_text IS NOT new.search_text BEGIN
  INSERT INTO users_fts (users_fts, rowid, search_text) VALUES ('delete', old.row_id, old.search_text);
  INSERT INTO users_fts (rowid, search_text) VALUES (new.row_id, new.search_text);
END;
INSERT INTO users_fts (users_fts) VALUES ('rebuild');

CREATE INDEX users_by_name ON users (sort_name, connection_id, user_id);
CREATE INDEX users_by_role ON users (role_rank, sort_name, connection_id, user_id);
CREATE INDEX users_by_last_active ON users (last_active_at, sort_name, connection_id, user_id);
CREATE INDEX users_by_joined ON users (joined_at, sort_name, connection_id, user_id);
CREATE INDEX users_seen ON users (connection_id, seen_at);
CREATE INDEX users_gone ON users (connection_id, gone_at) WHERE gone_at IS NOT NULL;
CREATE INDEX users_bot_owner ON users (connection_id, bot_owner_id) WHERE bot_owner_id IS NOT NULL;
`;

/** v3: per-connection JSON (a provider's context: groups, field definitions...). */
const V3_META = `
CREATE TABLE connection_meta (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value_json    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (connection_id, key)
) STRICT;
`;

/**
 * v4: the trigram index goes. Searches are answered by the in-memory index
 * (search-index.ts), and until it is built by exact `instr()` scans of
 * users.search_text; keeping the trigram index in step cost two thirds of
 * every user written (100 000 users: 38 s against 12 s) and its merges held
 * the event loop up to 100 ms at a commit. The sort indexes stay.
 */
const V4_DROP_TRIGRAMS = `
DROP TRIGGER IF EXISTS users_fts_insert;
DROP TRIGGER IF EXISTS users_fts_delete;
DROP TRIGGER IF EXISTS users_fts_update;
DROP TABLE IF EXISTS users_fts;
`;

/**
 * v5: every derived value records the code that derived it, and the columns
 * nothing reads go. `derived_version` (derivation.ts) is stamped on every
 * write; rows of an older version, every row of an older file included
 * (version 0), are derived again from their payload after the cache opens
 * (services/rederive.ts). timezone, bot_type, group_names and profile_text
 * were written on every save and never read (the card and the search text
 * hold them). SQLite drops one column per statement, rewriting the whole
 * table each time (100 000 users: four passes, each as slow as this one
 * copy), so the table is rebuilt once, SQLite's way: a new table, the rows
 * copied by row ID (user_payloads and avatars keep pointing at the same
 * rows), the old one dropped with foreign keys off (see `rebuildsTables`),
 * the new one renamed, its indexes made again.
 */
const V5_DERIVED_VERSION = `
CREATE TABLE users_v5 (
  row_id          INTEGER PRIMARY KEY,
  connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  role            TEXT NOT NULL,
  role_rank       INTEGER NOT NULL,
  is_bot          INTEGER NOT NULL,
  bot_owner_id    TEXT,
  deactivated     INTEGER NOT NULL,
  derived_version INTEGER NOT NULL DEFAULT 0,
  joined_at       INTEGER,
  last_active_at  INTEGER,
  fetched_at      INTEGER NOT NULL,
  seen_at         INTEGER NOT NULL,
  gone_at         INTEGER,
  content_hash    TEXT NOT NULL,
  name            TEXT NOT NULL,
  sort_name       TEXT NOT NULL,
  email           TEXT,
  delivery_email  TEXT,
  search_text     TEXT NOT NULL,
  summary_json    TEXT NOT NULL,
  UNIQUE (connection_id, user_id)
) STRICT;
INSERT INTO users_v5 (row_id, connection_id, user_id, kind, role, role_rank, is_bot,
    bot_owner_id, deactivated, derived_version, joined_at, last_active_at, fetched_at, seen_at,
    gone_at, content_hash, name, sort_name, email, delivery_email, search_text, summary_json)
  SELECT row_id, connection_id, user_id, kind, role, role_rank, is_bot,
    bot_owner_id, deactivated, 0, joined_at, last_active_at, fetched_at, seen_at,
    gone_at, content_hash, name, sort_name, email, delivery_email, search_text, summary_json
  FROM users ORDER BY row_id;
DROP TABLE users;
ALTER TABLE users_v5 RENAME TO users;

CREATE INDEX users_by_name ON users (sort_name, connection_id, user_id);
CREATE INDEX users_by_role ON users (role_rank, sort_name, connection_id, user_id);
CREATE INDEX users_by_last_active ON users (last_active_at, sort_name, connection_id, user_id);
CREATE INDEX users_by_joined ON users (joined_at, sort_name, connection_id, user_id);
CREATE INDEX users_seen ON users (connection_id, seen_at);
CREATE INDEX users_gone ON users (connection_id, gone_at) WHERE gone_at IS NOT NULL;
CREATE INDEX users_bot_owner ON users (connection_id, bot_owner_id) WHERE bot_owner_id IS NOT NULL;
-- The re-deriver's queue: rows of an older version, oldest version first, by row ID.
CREATE INDEX users_by_derived_version ON users (derived_version);
`;

/**
 * v6: removing a connection always removes what it fetched, so `removed_at`
 * goes. A row an older Rollcall kept as removed (its key deleted, its users
 * kept) was listed as a connection without a key; it stays exactly that, with
 * every cached user, and the admin can enter a key or remove it.
 */
const V6_DROP_REMOVED_AT = `
ALTER TABLE connections DROP COLUMN removed_at;
`;

/**
 * v7: a payload too large to write in one go (a member with a ten-megabyte
 * name, issue 13) is stored in parts (payload-parts.ts); `raw_parts` says
 * where, and `raw_json` then holds its preview. Older rows have no parts
 * and read as before.
 */
const V7_PAYLOAD_PARTS = `
ALTER TABLE user_payloads ADD COLUMN raw_parts TEXT;
CREATE INDEX user_payloads_by_parts ON user_payloads (raw_parts) WHERE raw_parts IS NOT NULL;
CREATE TABLE payload_parts (
  payload_id TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  part       TEXT NOT NULL,
  UNIQUE (payload_id, seq)
) STRICT;
`;

/**
 * v8: the audit log of actions on users (issue 15). One row per user per
 * run, written as each user finishes, so a crash keeps what was done. It
 * is append-only: triggers refuse every UPDATE and DELETE, so no code path
 * (and no bug) can rewrite or drop what happened. No foreign key to
 * `connections`: the record of what was done outlives the connection.
 */
const V8_AUDIT_LOG = `
CREATE TABLE audit_log (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id             TEXT NOT NULL,
  at                 INTEGER NOT NULL,
  connection_id      TEXT NOT NULL,
  connection_label   TEXT NOT NULL,
  action_json        TEXT NOT NULL,
  action_label       TEXT NOT NULL,
  target_description TEXT NOT NULL,
  user_id            TEXT NOT NULL,
  user_name          TEXT NOT NULL,
  before_role        TEXT NOT NULL,
  before_state       TEXT NOT NULL,
  after_role         TEXT,
  after_state        TEXT,
  outcome            TEXT NOT NULL,
  message            TEXT
) STRICT;
CREATE INDEX audit_log_by_connection ON audit_log (connection_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted');
END;
`;

/**
 * v9: a count of the changes to what the search index holds, kept by
 * triggers, so a saved index (index-snapshot.ts) can tell whether the users
 * table changed since it was saved, whoever wrote it. `cache_id` tells this
 * file from another one set in its place. Only the columns the index reads
 * (users-index-sync.ts, SQL.indexRows) count: a sync that finds a user
 * unchanged writes `seen_at` alone and costs no trigger. And a covering
 * index for the SQL search that answers until the index is ready.
 */
const V9_USERS_CHANGES = `
CREATE TABLE users_changes (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  cache_id TEXT NOT NULL,
  seq      INTEGER NOT NULL
) STRICT;
INSERT INTO users_changes (id, cache_id, seq) VALUES (1, lower(hex(randomblob(16))), 0);
CREATE TRIGGER users_changes_insert AFTER INSERT ON users
  BEGIN UPDATE users_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER users_changes_delete AFTER DELETE ON users
  BEGIN UPDATE users_changes SET seq = seq + 1 WHERE id = 1; END;
-- What the SQL search (users-search-sql.ts) scans until the index is ready:
-- the haystack and every filter column, so a count or a match scan reads
-- this index (~20 MB at 100 000 users) instead of every row (~370 MB).
CREATE INDEX users_search ON users (search_text, connection_id, role, is_bot, deactivated, gone_at);
CREATE TRIGGER users_changes_update AFTER UPDATE OF row_id, connection_id, user_id, search_text,
    sort_name, role, role_rank, is_bot, deactivated, gone_at, last_active_at, joined_at ON users
  BEGIN UPDATE users_changes SET seq = seq + 1 WHERE id = 1; END;
`;

/**
 * v10: what the group and profile-field filters read of a user
 * (search/filter-keys.ts), as JSON: its group IDs with their names and its
 * field values. Rows written before are '' (no group, no field) until they
 * are derived again (DERIVATION_VERSION 4), and a change to it counts as a
 * change a saved search index must not miss.
 */
const V10_FILTER_JSON = `
ALTER TABLE users ADD COLUMN filter_json TEXT NOT NULL DEFAULT '';
DROP TRIGGER users_changes_update;
CREATE TRIGGER users_changes_update AFTER UPDATE OF row_id, connection_id, user_id, search_text,
    sort_name, role, role_rank, is_bot, deactivated, gone_at, last_active_at, joined_at,
    filter_json ON users
  BEGIN UPDATE users_changes SET seq = seq + 1 WHERE id = 1; END;
`;

/**
 * v11: no trigger on inserts into users. A saved index's fingerprint
 * (store/index-snapshot.ts) is the change count with the row count and the
 * largest row ID: an insert raises the row count, and the only way to bring
 * it back (a delete) still counts. So the insert trigger told nothing new,
 * and it cost each insert about 50 µs: 124-152 against 80-98 µs a row at
 * 30 000 users, payload rows included (test/bench/probes/insert-cost.ts,
 * alternating runs).
 */
const V11_NO_INSERT_TRIGGER = `
DROP TRIGGER users_changes_insert;
`;

/**
 * v12: each row's source digest (providers/source-digest.ts): a digest of
 * everything a sync derived the user from. A re-sync that meets the same
 * digest again marks the row seen without normalizing, serializing or
 * hashing the user (store/users-known.ts). NULL: not known (written before,
 * by a lookup, or derived again), so the next sync derives it in full.
 */
const V12_SOURCE_HASH = `
ALTER TABLE users ADD COLUMN source_hash TEXT;
`;

/**
 * v13: when each user was last fetched and seen lives in a narrow table of
 * its own. A re-sync that finds every user unchanged marks each one seen:
 * in the users row (about 1.3 KB) that dirtied every page of the table and
 * moved an entry of the `users_seen` index per user, and at 100 000 users
 * that touch was 0.75 s of statement and 0.73 s of commit (Zulip), 1.3 s in
 * all (Open WebUI), of a re-sync of 4-7 s. Here a row is three integers.
 * The times are copied as they are. The users row keeps its own columns,
 * written with the rest of the user on every full write; they are read
 * only for a row without a user_seen row, which this code never leaves.
 */
const V13_SEEN_TABLE = `
DROP INDEX users_seen;
CREATE TABLE user_seen (
  row_id     INTEGER PRIMARY KEY REFERENCES users (row_id) ON DELETE CASCADE,
  fetched_at INTEGER NOT NULL,
  seen_at    INTEGER NOT NULL
) STRICT;
INSERT INTO user_seen (row_id, fetched_at, seen_at)
  SELECT row_id, fetched_at, seen_at FROM users ORDER BY row_id;
`;

/**
 * v14: the haystacks holding a NUL, in a partial index. The SQL search
 * tests terms with GLOB only while none does (users-search-where.ts
 * `termTestOf`), and checks again whenever the file changed: a scan of
 * every haystack, 31-45 ms at 100 000 users, before the first search after
 * opening and before every search while a sync writes. With the index it
 * is a lookup (0.02 ms). Rollcall's own writes cannot store a NUL, so the
 * index is empty unless another program wrote one; building it at the
 * upgrade reads the table once (117 ms at 100 000 users).
 */
const V14_NUL_HAYSTACKS = `
CREATE INDEX users_nul ON users (row_id) WHERE instr(search_text, char(0)) > 0;
`;

/** Every migration, in order. `PRAGMA user_version` is the last one applied. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'base tables', up: (db) => db.exec(V1_BASE) },
  { version: 2, name: 'full-text search and sort indexes', up: (db) => db.exec(V2_SEARCH) },
  { version: 3, name: 'per-connection metadata', up: (db) => db.exec(V3_META) },
  {
    version: 4,
    name: 'in-memory search instead of the trigram index',
    up: (db) => db.exec(V4_DROP_TRIGRAMS),
  },
  {
    version: 5,
    name: 'derived values carry their version; unread columns dropped',
    up: (db) => db.exec(V5_DERIVED_VERSION),
    rebuildsTables: true,
  },
  {
    version: 6,
    name: 'one way to remove a connection',
    up: (db) => db.exec(V6_DROP_REMOVED_AT),
  },
  { version: 7, name: 'large payloads in parts', up: (db) => db.exec(V7_PAYLOAD_PARTS) },
  { version: 8, name: 'append-only audit log of actions', up: (db) => db.exec(V8_AUDIT_LOG) },
  {
    version: 9,
    name: 'count the changes a saved search index must not miss; cover the SQL search',
    up: (db) => db.exec(V9_USERS_CHANGES),
  },
  {
    version: 10,
    name: 'groups and profile field values for the filters',
    up: (db) => db.exec(V10_FILTER_JSON),
  },
  {
    version: 11,
    name: 'no change count per insert: the row count tells',
    up: (db) => db.exec(V11_NO_INSERT_TRIGGER),
  },
  {
    version: 12,
    name: 'what each user was derived from, so an unchanged one costs a touch',
    up: (db) => db.exec(V12_SOURCE_HASH),
  },
  {
    version: 13,
    name: 'when users were fetched and seen, in a narrow table',
    up: (db) => db.exec(V13_SEEN_TABLE),
  },
  {
    version: 14,
    name: 'haystacks holding a NUL found without a scan',
    up: (db) => db.exec(V14_NUL_HAYSTACKS),
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Refuses a list whose numbering has a gap or a repeat: `user_version` would lie. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`Migration "${m.name}" is number ${m.version}, expected ${i + 1}`);
    }
  });
}

/** Throws (rolling the migration back) if a rebuilt table left a reference dangling. */
function checkForeignKeys(db: SqliteDb): void {
  const broken = db.prepare('PRAGMA foreign_key_check').all();
  if (broken.length > 0) {
    throw new Error(`${broken.length} rows would reference rows that are gone`);
  }
}

/** Applies every migration above the file's version, each in its own transaction. */
export function migrate(
  db: SqliteDb,
  from: number,
  migrations: readonly Migration[],
  log: Logger,
): number {
  let version = from;
  for (const m of migrations) {
    if (m.version <= version) continue;
    try {
      // Only outside a transaction does this pragma take effect.
      if (m.rebuildsTables) db.exec('PRAGMA foreign_keys = OFF');
      try {
        inTransaction(db, () => {
          m.up(db);
          if (m.rebuildsTables) checkForeignKeys(db);
          db.exec(`PRAGMA user_version = ${m.version}`);
        });
      } finally {
        if (m.rebuildsTables) db.exec('PRAGMA foreign_keys = ON');
      }
    } catch (thrown) {
      if (isCorruption(thrown)) throw thrown;
      log.error('cache migration failed', {
        to: m.version,
        name: m.name,
        error: errorText(thrown),
      });
      throw cacheFailure(
        thrown,
        `update the cache to this version of Rollcall (step ${m.version}, ${m.name}); the file was left as it was`,
      );
    }
    log.info('cache migrated', { to: m.version, name: m.name });
    version = m.version;
  }
  return version;
}
