/**
 * The search baseline of the issue: a straightforward in-memory
 * `Array.filter` with lowercase `includes` over the same users. Each user's
 * searchable fields (the ones search-text.ts rule 2 lists) are joined and
 * lowercased once, when the array is built, so a query costs the filter, a
 * sort by name and a slice, nothing more. It does not fold accents (so it
 * does less work than Rollcall's search, not more).
 *
 * Runs in Node (bench processes).
 */
import { DatabaseSync } from '@photostructure/sqlite';
import { haystackFields } from '@core/search/search-text';
import { databasePath } from '@core/store/db';
import { ROLE_RANK, type DirectoryUser, type Role, type SearchQuery } from '@shared/model';
import type { BenchCore } from './bench-core';

/** One user as the baseline holds it. */
export interface BaselineRow {
  connectionId: string;
  userId: string;
  /** Lowercased name, the sort key. */
  name: string;
  /** Every searchable field, lowercased, joined with newlines. */
  text: string;
  role: Role;
  roleRank: number;
  isBot: boolean;
  inactive: boolean;
  lastActiveAt: number | null;
  joinedAt: number | null;
}

function rowOf(u: DirectoryUser, gone: boolean): BaselineRow {
  return {
    connectionId: u.connectionId,
    userId: u.userId,
    name: u.name.toLowerCase(),
    text: haystackFields(u).join('\n').toLowerCase(),
    role: u.role,
    roleRank: ROLE_RANK[u.role],
    isBot: u.isBot,
    inactive: u.deactivated || gone,
    lastActiveAt: u.presence?.lastActiveAt ?? null,
    joinedAt: u.joinedAt,
  };
}

/**
 * Every cached user, read straight from the cache file (fast), or, should
 * the schema have moved, through `users:search` and `users:get` (slow, but
 * only what the public API says).
 */
export async function loadBaselineRows(
  bench: BenchCore,
): Promise<{ rows: BaselineRow[]; via: string }> {
  try {
    const db = new DatabaseSync(databasePath(bench.userDataDir), { readOnly: true });
    try {
      const rows = (
        db
          .prepare(
            'SELECT u.gone_at, p.user_json FROM users u JOIN user_payloads p ON p.row_id = u.row_id',
          )
          .all() as { gone_at: number | null; user_json: string }[]
      ).map((r) => rowOf(JSON.parse(r.user_json) as DirectoryUser, r.gone_at !== null));
      return { rows, via: 'the cache file (users + user_payloads)' };
    } finally {
      db.close();
    }
  } catch {
    const rows: BaselineRow[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await bench.call('users:search', { offset, limit: 1000 });
      for (const s of page.items) {
        const record = await bench.call('users:get', {
          connectionId: s.connectionId,
          userId: s.userId,
        });
        rows.push(rowOf(record.user, record.goneAt !== null));
      }
      if (offset + 1000 >= page.total) break;
    }
    return { rows, via: 'users:search + users:get (the cache schema changed)' };
  }
}

function byName(a: BaselineRow, b: BaselineRow): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

function nullsLast(a: number | null, b: number | null, sign: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return sign * (a - b);
}

/** Filter, sort, slice, count: the straightforward way. */
export function baselineSearch(
  rows: readonly BaselineRow[],
  q: SearchQuery,
): { total: number; items: BaselineRow[] } {
  const terms = q.text
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '');
  const matches = rows.filter(
    (r) =>
      (q.connectionIds.length === 0 || q.connectionIds.includes(r.connectionId)) &&
      (q.roles.length === 0 || q.roles.includes(r.role)) &&
      (q.accounts === 'all' || (q.accounts === 'bots') === r.isBot) &&
      (q.status === 'all' || (q.status === 'deactivated') === r.inactive) &&
      terms.every((t) => r.text.includes(t)),
  );
  const sign = q.direction === 'desc' ? -1 : 1;
  const compare =
    q.sort === 'name' || q.sort === 'relevance' // The baseline ranks nothing: by name.
      ? (a: BaselineRow, b: BaselineRow) => sign * byName(a, b)
      : q.sort === 'role'
        ? (a: BaselineRow, b: BaselineRow) => sign * (a.roleRank - b.roleRank) || byName(a, b)
        : q.sort === 'lastActive'
          ? (a: BaselineRow, b: BaselineRow) =>
              nullsLast(a.lastActiveAt, b.lastActiveAt, sign) || byName(a, b)
          : (a: BaselineRow, b: BaselineRow) =>
              nullsLast(a.joinedAt, b.joinedAt, sign) || byName(a, b);
  matches.sort(compare);
  return { total: matches.length, items: matches.slice(q.offset, q.offset + q.limit) };
}
