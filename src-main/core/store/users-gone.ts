/**
 * The reconciling after a sync and removals: marking a user the server says
 * is gone, marking every user a completed sync did not see, purging the
 * users marked gone, and deleting a removed connection's users, each in
 * chunks that yield to the event loop. Every change reaches the search
 * index once its statement has committed.
 *
 * Node only; never imports `electron`.
 */
import { yieldToEventLoop } from '../event-loop';
import { sweepPayloadParts } from './payload-parts';
import { cacheFailure } from './sqlite-errors';
import type { SqliteDb } from './sqlite-helpers';
import { indexesOver } from './users-index-sync';
import { rowIdsOf, type Row } from './users-rows';
import { settleWrites } from './users-write-pooled';
import { writable, type UsersWriter } from './users-write';

/** Rows one delete statement removes before the event loop gets a turn. */
const DELETE_CHUNK_ROWS = 500;
/** Rows one "mark gone" statement updates before the event loop gets a turn. */
const UPDATE_CHUNK_ROWS = 2000;

/**
 * Not seen since a time (bound twice): by its user_seen row (migration 13),
 * or by its own column when it has none. Tested this way, a row with a
 * user_seen row never needs its wide users row read.
 */
const NOT_SEEN_SINCE = '(s.seen_at < ? OR (s.row_id IS NULL AND u.seen_at < ?))';

const SQL = {
  markGone: `UPDATE users SET gone_at = ? WHERE connection_id = ? AND user_id = ? AND gone_at IS NULL
    RETURNING row_id`,
  // When a user was seen is in user_seen (migration 13); a row without one
  // there reads its own. Read from the (connection, user) index and user_seen
  // alone, never the wide users rows (310 ms of an Open WebUI re-sync when it
  // also tested gone_at here): users already gone are left out as each chunk
  // is marked.
  missing: `SELECT u.row_id FROM users u LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE u.connection_id = ? AND ${NOT_SEEN_SINCE}
      AND u.user_id NOT IN (SELECT value FROM json_each(?))`,
  // Checked again as each chunk is marked: a write since the list was read wins.
  markMissingChunk: `UPDATE users SET gone_at = ? WHERE row_id IN (
    SELECT u.row_id FROM json_each(?) AS j CROSS JOIN users u ON u.row_id = j.value
      LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE ${NOT_SEEN_SINCE} AND u.gone_at IS NULL)
    RETURNING row_id`,
  purgeChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? AND gone_at IS NOT NULL LIMIT ?)
    RETURNING row_id`,
  deleteChunk: `DELETE FROM users WHERE row_id IN (
    SELECT row_id FROM users WHERE connection_id = ? LIMIT ?) RETURNING row_id`,
};

/** The server said this user no longer exists: true if it was not marked yet. */
export function markUserGone(
  w: UsersWriter,
  connectionId: string,
  userId: string,
  at: number,
): boolean {
  writable(w);
  let ids: number[];
  try {
    ids = rowIdsOf(w.access.stmt(SQL.markGone).all(Math.round(at), connectionId, userId) as Row[]);
  } catch (thrown) {
    throw cacheFailure(thrown, 'mark the user as gone', w.access.cache);
  }
  w.sync.apply([{ kind: 'gone', rowIds: ids }]);
  return ids.length > 0;
}

/**
 * After a COMPLETED full sync: marks every user not seen since `seenBefore`
 * as gone, in chunks (a server that lost everyone is 100 000 updates),
 * except the IDs in `keep` (members listed but not readable this time).
 */
export async function markMissingAsGone(
  w: UsersWriter,
  connectionId: string,
  seenBefore: number,
  at: number,
  keep: readonly string[] = [],
): Promise<number> {
  writable(w);
  // Who was seen is known once every chunk of the sync is in.
  await settleWrites(w);
  let total = 0;
  const seen = Math.round(seenBefore);
  try {
    const missing = rowIdsOf(
      w.access.stmt(SQL.missing).all(connectionId, seen, seen, JSON.stringify(keep)) as Row[],
    );
    for (let from = 0; from < missing.length; from += UPDATE_CHUNK_ROWS) {
      if (from > 0) await yieldToEventLoop();
      const chunk = JSON.stringify(missing.slice(from, from + UPDATE_CHUNK_ROWS));
      const ids = rowIdsOf(
        w.access.stmt(SQL.markMissingChunk).all(Math.round(at), chunk, seen, seen) as Row[],
      );
      if (ids.length > 0) w.sync.apply([{ kind: 'gone', rowIds: ids }]);
      total += ids.length;
    }
    return total;
  } catch (thrown) {
    throw cacheFailure(thrown, 'mark the users the server no longer lists', w.access.cache);
  }
}

/** Deletes the users marked gone, in chunks (their avatar rows go too; sweep the files after). */
export async function purgeGone(w: UsersWriter, connectionId: string): Promise<number> {
  writable(w);
  await settleWrites(w);
  let total = 0;
  try {
    for (;;) {
      const ids = rowIdsOf(
        w.access.stmt(SQL.purgeChunk).all(connectionId, DELETE_CHUNK_ROWS) as Row[],
      );
      w.sync.apply([{ kind: 'remove', rowIds: ids }]);
      total += ids.length;
      if (ids.length < DELETE_CHUNK_ROWS) break;
      await yieldToEventLoop();
    }
    await sweepPayloadParts(w.access.db);
    return total;
  } catch (thrown) {
    throw cacheFailure(thrown, 'delete the users that are gone', w.access.cache);
  }
}

/**
 * Deletes every cached user of a connection, a chunk per transaction, so a
 * large directory does not hold the event loop (the FTS index is updated row
 * by row). Their avatar rows go with them (foreign key); files are the
 * avatar store's to remove.
 */
export async function deleteConnectionUsers(db: SqliteDb, connectionId: string): Promise<number> {
  const stmt = db.prepare(SQL.deleteChunk);
  let total = 0;
  for (;;) {
    const ids = rowIdsOf(stmt.all(connectionId, DELETE_CHUNK_ROWS) as Row[]);
    for (const index of indexesOver(db)) index.remove(ids);
    total += ids.length;
    if (ids.length < DELETE_CHUNK_ROWS) break;
    await yieldToEventLoop();
  }
  await sweepPayloadParts(db);
  return total;
}
