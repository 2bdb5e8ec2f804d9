/**
 * Reads of cached users that do not search: one user with its payloads,
 * one summary, the user behind an address, counts, summaries by row ID (the
 * page of a search or an export), and every user's summary and search
 * columns in storage order (what an in-memory index is loaded from).
 *
 * Node only; never imports `electron`.
 */
import type { UserRecord, UserSummary } from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { yieldToEventLoop } from '../event-loop';
import {
  identityOf,
  parseStoredRaw,
  parseStoredUser,
  parseSummary,
  storedSearchRowOf,
  SUMMARY_COLUMNS,
} from './stored-users';
import type { Row, UsersAccess } from './users-rows';
import { compareCodePoints, foldText, type SearchRow } from '../search/search-text';

/** A summary with the search columns it was stored with (for an in-memory index). */
export interface IndexedSummary {
  summary: UserSummary;
  row: SearchRow;
}

const SQL = {
  get: `SELECT u.connection_id, u.user_id, u.kind, u.name, u.role, u.is_bot, u.deactivated,
      p.user_json, p.raw_json, coalesce(s.fetched_at, u.fetched_at) AS fetched_at, u.gone_at
    FROM users u JOIN user_payloads p ON p.row_id = u.row_id
      LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE u.connection_id = ? AND u.user_id = ?`,
  summary: `SELECT ${SUMMARY_COLUMNS}, o.name AS owner_name FROM users u
    LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id
    WHERE u.connection_id = ? AND u.user_id = ?`,
  summariesByIds: `SELECT u.row_id, ${SUMMARY_COLUMNS}, o.name AS owner_name
    FROM json_each(?) AS page JOIN users u ON u.row_id = page.value
    LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id`,
  findByEmail: `SELECT user_id FROM users WHERE connection_id = ?
    AND (email = ? COLLATE NOCASE OR delivery_email = ? COLLATE NOCASE)
    ORDER BY gone_at IS NOT NULL, user_id LIMIT 1`,
};

/** Summaries of row IDs, in the order given: a search or export picks the IDs, this fills the page. */
export function summariesByIds(access: UsersAccess, ids: number[]): UserSummary[] {
  if (ids.length === 0) return [];
  const byId = new Map<number, UserSummary>();
  for (const row of access.stmt(SQL.summariesByIds).all(JSON.stringify(ids)) as Row[]) {
    byId.set(Number(row.row_id), access.summaries.summaryOf(row, access.log));
  }
  return ids.flatMap((id) => {
    const s = byId.get(id);
    return s ? [s] : [];
  });
}

/**
 * One cached user as stored (the detail view), parsed: an older row's
 * missing fields read as their defaults. A row whose user or payload is not
 * JSON at all says to sync again.
 */
export function readUser(
  access: UsersAccess,
  connectionId: string,
  userId: string,
): UserRecord | null {
  const row = access.reading(
    'read the cached user',
    () => access.stmt(SQL.get).get(connectionId, userId) as Row | undefined,
  );
  if (!row) return null;
  const user = parseStoredUser(row.user_json, identityOf(row));
  const raw = parseStoredRaw(row.raw_json);
  if (user === null || raw === undefined) {
    access.log.error('cached user is unreadable', {
      connectionId,
      part: user === null ? 'user' : 'payload',
    });
    throw new RollcallFailure(
      rollcallError(
        'CACHE_UNAVAILABLE',
        'This cached user is unreadable. Sync the connection to fetch it again.',
      ),
    );
  }
  return {
    user,
    raw,
    fetchedAt: Number(row.fetched_at),
    goneAt: row.gone_at === null ? null : Number(row.gone_at),
  };
}

/** The ID of the cached user with this address (API or real, any case): lookups by email answer from the cache. */
export function findUserIdByEmail(
  access: UsersAccess,
  connectionId: string,
  email: string,
): string | null {
  const row = access.reading(
    'read the cached user',
    () => access.stmt(SQL.findByEmail).get(connectionId, email, email) as Row | undefined,
  );
  return row ? String(row.user_id) : null;
}

/** One cached user's card, without reading its payloads. */
export function readSummary(
  access: UsersAccess,
  connectionId: string,
  userId: string,
): UserSummary | null {
  return access.reading('read the cached user', () => {
    const row = access.stmt(SQL.summary).get(connectionId, userId) as Row | undefined;
    return row ? parseSummary(row, access.log) : null;
  });
}

/**
 * Counts of users still on their server are every row less the gone ones:
 * both come from a covering index (the (connection, user ID) key and the
 * partial index of gone rows), in one statement, so one snapshot. Counting
 * `gone_at IS NULL` read every row's page instead: 61-92 ms at 100 000
 * users against 5-9 ms (medians, test/bench/probes/user-counts.ts), on the
 * main thread, each time the window listed its connections.
 */
const COUNT_SQL = {
  all: `SELECT (SELECT count(*) FROM users) AS n`,
  allNotGone: `SELECT (SELECT count(*) FROM users)
    - (SELECT count(*) FROM users WHERE gone_at IS NOT NULL) AS n`,
  one: `SELECT (SELECT count(*) FROM users WHERE connection_id = ?1) AS n`,
  oneNotGone: `SELECT (SELECT count(*) FROM users WHERE connection_id = ?1)
    - (SELECT count(*) FROM users WHERE connection_id = ?1 AND gone_at IS NOT NULL) AS n`,
  byConnection: `SELECT a.connection_id, a.n - coalesce(g.n, 0) AS n
    FROM (SELECT connection_id, count(*) AS n FROM users GROUP BY connection_id) AS a
    LEFT JOIN (SELECT connection_id, count(*) AS n FROM users
      WHERE gone_at IS NOT NULL GROUP BY connection_id) AS g USING (connection_id)
    WHERE a.n > coalesce(g.n, 0)`,
};

/** Users still on their server (gone ones only with `includeGone`), for the sidebar and sync. */
export function countUsers(
  access: UsersAccess,
  connectionId: string | undefined,
  options: { includeGone?: boolean },
): number {
  const gone = options.includeGone === true;
  return access.reading('count the cached users', () => {
    const row = (
      connectionId === undefined
        ? access.stmt(gone ? COUNT_SQL.all : COUNT_SQL.allNotGone).get()
        : access.stmt(gone ? COUNT_SQL.one : COUNT_SQL.oneNotGone).get(connectionId)
    ) as Row;
    return Number(row.n);
  });
}

/** Users still on their server, per connection (none listed for a connection without any). */
export function countUsersByConnection(access: UsersAccess): Map<string, number> {
  return access.reading('count the cached users', () => {
    const rows = access.stmt(COUNT_SQL.byConnection).all() as Row[];
    return new Map(rows.map((r) => [String(r.connection_id), Number(r.n)]));
  });
}

/** Every cached user with its search columns, in storage order, a chunk at a time, yielding between. */
export async function* iterateSummaries(
  access: UsersAccess,
  options: { connectionIds?: string[]; chunkSize?: number },
): AsyncGenerator<IndexedSummary[]> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1000);
  const ids = [...new Set(options.connectionIds ?? [])];
  const filter = ids.length > 0 ? `AND u.connection_id IN (${ids.map(() => '?').join(', ')})` : '';
  const sql = `SELECT u.row_id, ${SUMMARY_COLUMNS}, u.email, u.delivery_email, u.search_text, u.sort_name, u.role_rank,
          u.last_active_at, u.joined_at, u.filter_json, o.name AS owner_name
        FROM users u
        LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id
        WHERE u.row_id > ? ${filter} ORDER BY u.row_id LIMIT ?`;
  let after = 0;
  for (;;) {
    const rows = access.reading(
      'read the cache',
      () => access.stmt(sql).all(after, ...ids, chunkSize) as Row[],
    );
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]?.row_id);
    yield rows.map((r) => ({ summary: parseSummary(r, access.log), row: storedSearchRowOf(r) }));
    if (rows.length < chunkSize) return;
    await yieldToEventLoop();
  }
}

/** Every group the cached users of a connection belong to, by group ID: its name and members (not gone). */
const GROUP_MEMBERS_SQL = `SELECT json_extract(j.value, '$[0]') AS group_id, max(json_extract(j.value, '$[1]')) AS name,
    sum(u.gone_at IS NULL) AS n
  FROM users u, json_each(CASE WHEN json_valid(u.filter_json) THEN u.filter_json END, '$.g') j
  WHERE u.connection_id = ? GROUP BY group_id`;

/**
 * The groups the group filter can find in a connection (filter-keys.ts),
 * with how many cached users that are not gone belong to each, by name.
 * The statement runs on the background connection when one is given.
 */
export async function groupMembers(
  access: UsersAccess,
  connectionId: string,
  background?: (sql: string, params: readonly (string | number)[]) => Promise<Row[]>,
): Promise<{ id: string; name: string; members: number }[]> {
  const rows = background
    ? await background(GROUP_MEMBERS_SQL, [connectionId])
    : access.reading(
        'read the cache',
        () => access.stmt(GROUP_MEMBERS_SQL).all(connectionId) as Row[],
      );
  const groups = rows
    .filter((r) => typeof r.group_id === 'string')
    .map((r) => ({
      id: String(r.group_id),
      name: typeof r.name === 'string' && r.name !== '' ? r.name : String(r.group_id),
      members: Number(r.n),
    }));
  return groups.sort((a, b) => compareCodePoints(foldText(a.name), foldText(b.name)));
}
