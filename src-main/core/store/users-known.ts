/**
 * Users a sync meets again unchanged, told by their source digest
 * (providers/source-digest.ts: everything the row was derived from). The
 * sync reads the digests of a connection's rows once, the provider skips
 * normalizing every member whose digest it finds there, and the batch write
 * (users-write.ts) marks their rows seen here, a statement or two per
 * chunk: no JSON, no content hash, no lookup per user, in the server's order
 * with the users it writes, and in the narrow user_seen table alone (the
 * users rows are not written). A row that changed since the digests were
 * read (a lookup rewrote it, it was marked gone) is not touched: that member
 * is derived and written in full instead.
 *
 * Node only; never imports `electron`.
 */
import { DERIVATION_VERSION } from './derivation';
import type { IndexChange } from './users-index-sync';
import { markSeen, rowIdsOf, type KnownWrite, type Row, type UsersAccess } from './users-rows';

const SQL = {
  sources: `SELECT user_id, source_hash FROM users
    WHERE connection_id = ? AND source_hash IS NOT NULL AND derived_version = ? AND gone_at IS NULL`,
  // Only where the digest, the version and "not gone" still hold: whatever
  // changed the row since the digests were read wins, and the sync derives it.
  // CROSS JOIN keeps the members as the outer loop: each is one lookup by
  // (connection, user ID). Left to the planner, an UPDATE ... FROM scanned
  // the connection's rows once per member (minutes at 100 000 users).
  unchanged: `SELECT u.row_id, u.user_id FROM json_each(?) AS k CROSS JOIN users AS u
    WHERE u.connection_id = ? AND u.user_id = k.value ->> 0 AND u.source_hash = k.value ->> 1
      AND u.derived_version = ? AND u.gone_at IS NULL`,
};

/**
 * The source digest of every current, not gone row of a connection, by user
 * ID: what a sync's provider compares each member with. Written by this
 * version only (a digest includes the version, so an older row would never
 * match anyway).
 */
export function knownSources(access: UsersAccess, connectionId: string): Map<string, string> {
  const rows = access.reading(
    'read what the cached users were derived from',
    () => access.stmt(SQL.sources).all(connectionId, DERIVATION_VERSION) as Row[],
  );
  const out = new Map<string, string>();
  for (const r of rows) out.set(String(r.user_id), String(r.source_hash));
  return out;
}

/**
 * Marks the rows of the known members of one chunk seen, inside the chunk's
 * transaction: one statement per connection and fetch time. What the index
 * must learn goes to `changes`. Returns the members it did not touch (their
 * rows changed since the digests were read), for the chunk to write in full.
 */
export function touchKnownRows(
  access: UsersAccess,
  members: readonly KnownWrite[],
  seenAt: number,
  changes: IndexChange[],
  indexed: boolean,
): KnownWrite[] {
  const groups = new Map<string, KnownWrite[]>();
  for (const m of members) {
    const key = `${Math.round(m.fetchedAt)}\n${m.connectionId}`;
    const list = groups.get(key);
    if (list) list.push(m);
    else groups.set(key, [m]);
  }
  const missed: KnownWrite[] = [];
  for (const list of groups.values()) {
    const first = list[0] as KnownWrite;
    const rows = access
      .stmt(SQL.unchanged)
      .all(
        JSON.stringify(list.map((m) => [m.userId, m.source])),
        first.connectionId,
        DERIVATION_VERSION,
      ) as Row[];
    const touched = new Set<string>();
    const rowIds = rowIdsOf(rows);
    for (const r of rows) touched.add(String(r.user_id));
    // Seen in user_seen alone (migration 13): the users rows stay untouched.
    markSeen(access, rowIds, Math.round(first.fetchedAt), Math.round(seenAt));
    if (indexed) for (const rowId of rowIds) changes.push({ kind: 'seen', rowId });
    if (touched.size < list.length)
      for (const m of list) if (!touched.has(m.userId)) missed.push(m);
  }
  return missed;
}
