/**
 * The floor of ingesting a directory: parse the very bodies a sync received
 * and store each user's JSON with a bare SQLite insert, in one transaction,
 * into a table with no index but its key. No normalizing, no search columns,
 * no full-text index, no yielding. Nothing that keeps every user findable and
 * the window responsive can be cheaper, so Rollcall's ingest is reported as
 * a multiple of this.
 *
 * Runs in Node (bench processes).
 */
import { DatabaseSync } from '@photostructure/sqlite';
import type { Recorded } from './replay-fetch';

type JsonObject = Record<string, unknown>;

/** The users a recorded answer carries: Zulip's `members`, an Open WebUI page's `users`. */
function usersOf(body: unknown): JsonObject[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const list = (body as JsonObject).members ?? (body as JsonObject).users;
  return Array.isArray(list) ? (list as JsonObject[]) : [];
}

/** Counts the users in recorded answers (what a sync of them should store). */
export function countRecordedUsers(answers: readonly Recorded[]): number {
  const decoder = new TextDecoder();
  return answers.reduce((n, a) => n + usersOf(JSON.parse(decoder.decode(a.body))).length, 0);
}

/**
 * Parses every recorded body and writes its users in one transaction
 * (`INSERT OR REPLACE`, so a second call into the same file is the "full
 * cache" case). Returns the ms it took, open and close of the file excluded.
 */
export function floorIngest(answers: readonly Recorded[], dbPath: string): number {
  const db = new DatabaseSync(dbPath);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS users (connection_id TEXT NOT NULL, user_id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (connection_id, user_id)) STRICT',
    );
    const insert = db.prepare(
      'INSERT OR REPLACE INTO users (connection_id, user_id, json) VALUES (?, ?, ?)',
    );
    const decoder = new TextDecoder();
    const t0 = performance.now();
    const users: JsonObject[] = [];
    for (const a of answers) {
      const body: unknown = JSON.parse(decoder.decode(a.body));
      for (const u of usersOf(body)) users.push(u);
    }
    db.exec('BEGIN IMMEDIATE');
    for (const u of users) {
      insert.run('floor', String(u.user_id ?? u.id), JSON.stringify(u));
    }
    db.exec('COMMIT');
    return performance.now() - t0;
  } finally {
    db.close();
  }
}
