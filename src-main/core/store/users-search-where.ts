/**
 * What a SQL search matches: the WHERE of rules 3 and 4 of search-text.ts
 * over the users table, and how each term is tested there (GLOB or
 * `instr()`), for the search paths of users-search-sql.ts on this
 * connection or on the background one.
 *
 * Node only; never imports `electron`.
 */
import type { Role } from '@shared/model';
import { fieldTestOf, groupsByConnection } from '../search/filter-keys';
import { searchTerms, type SearchFilter } from '../search/search-text';
import type { Row, UsersAccess } from './users-rows';

/** Runs a read on another thread (wal-checkpointer.ts `read`); slow scans go there. */
export type BackgroundRead = (sql: string, params: readonly (string | number)[]) => Promise<Row[]>;

/** A row's filter JSON (filter-keys.ts) for json_each: NULL (no rows) when empty or malformed. */
const FILTER_JSON = 'CASE WHEN json_valid(u.filter_json) THEN u.filter_json END';

/** The group and profile-field conditions of rule 4 (filter-keys.ts). */
function keyConditions(filter: SearchFilter, conds: string[], params: (string | number)[]): void {
  const byConn = groupsByConnection(filter);
  if (byConn.size > 0) {
    const any: string[] = [];
    for (const [connectionId, ids] of byConn) {
      any.push(
        `(u.connection_id = ? AND EXISTS (SELECT 1 FROM json_each(${FILTER_JSON}, '$.g') j
          WHERE json_extract(j.value, '$[0]') IN (${[...ids].map(() => '?').join(', ')})))`,
      );
      params.push(connectionId, ...ids);
    }
    conds.push(`(${any.join(' OR ')})`);
  }
  const test = fieldTestOf(filter);
  if (test !== null) {
    const match = test.choice
      ? "json_extract(j.value, '$[1]') = ?"
      : "instr(json_extract(j.value, '$[2]'), ?) > 0";
    conds.push(
      `u.connection_id = ? AND EXISTS (SELECT 1 FROM json_each(${FILTER_JSON}, '$.f') j
        WHERE json_extract(j.value, '$[0]') = ? AND ${match})`,
    );
    params.push(test.connectionId, test.fieldId, test.needle);
  }
}

/**
 * How terms are tested on the haystack. `GLOB '*term*'` (the term's
 * wildcards written in brackets, so they stand for themselves) is the same
 * exact substring test as `instr()` and scans the covering index about a
 * third faster (100 000 users: 27 against 38 ms a term). But GLOB reads a
 * text only up to its first NUL, where `instr()` and the index read it
 * whole. Rollcall's own writes cannot store a NUL (the binding ends a
 * string parameter at the first), but another program's can: GLOB is used
 * only while no haystack holds a NUL (`termTestOf`), and never for a term
 * that holds one, nor for one GLOB tests slower (`globIsFaster`).
 */
export type TermTest = 'glob' | 'instr';

/**
 * Whether GLOB is the faster test of `term`: SQLite looks for a pattern's
 * first character after `*` with strcspn() when it is ASCII and no
 * wildcard, and else compares the pattern at every character. There,
 * `instr()` is faster: at 100 000 users 27 against 43 ms a term for
 * "и", "王" or "佐藤", where GLOB is 24 against 31 ms for "anna".
 */
export function globIsFaster(term: string): boolean {
  const first = term.charCodeAt(0);
  return first < 0x80 && term[0] !== '*' && term[0] !== '?' && term[0] !== '[';
}

/** A GLOB pattern true of exactly the texts that hold `term` (which has no NUL). */
export function containsPattern(term: string): string {
  return `*${term.replace(/[*?[]/g, '[$&]')}*`;
}

/** Whether any haystack holds a NUL, as last checked, and what the file was then. */
const nulChecks = new WeakMap<UsersAccess, { at: string; test: TermTest }>();

/**
 * Finds a haystack holding a NUL. Its WHERE is the partial index
 * users_nul's (migration 14), so it is a lookup; on a file of an older
 * schema (opened read-only) it is a scan, as long as one search.
 */
export const NUL_SQL = 'SELECT 1 AS nul FROM users WHERE instr(search_text, char(0)) > 0 LIMIT 1';

/** The file as this connection sees it: what others committed (`data_version`) and what it wrote itself. */
function fileStateOf(access: UsersAccess): string {
  const version = access.stmt('PRAGMA data_version').get() as Row;
  const own = access.stmt('SELECT total_changes() AS n').get() as Row;
  return `${String(version.data_version)}:${String(own.n)}`;
}

function remember(access: UsersAccess, at: string, nul: Row | undefined): TermTest {
  const test: TermTest = nul === undefined ? 'glob' : 'instr';
  nulChecks.set(access, { at, test });
  return test;
}

/** Whether a filter has a term GLOB would test: else nothing need be checked. */
function globbable(filter: SearchFilter): boolean {
  return searchTerms(filter.text).some((t) => !t.includes('\0') && globIsFaster(t));
}

/** The term test for this connection's searches now, checked again only when the file changed. */
export function termTestOf(access: UsersAccess, filter: SearchFilter): TermTest {
  if (!globbable(filter)) return 'instr';
  const at = fileStateOf(access);
  const known = nulChecks.get(access);
  if (known?.at === at) return known.test;
  return remember(access, at, access.stmt(NUL_SQL).get() as Row | undefined);
}

/** `termTestOf` with its scan on the background connection. */
export async function termTestInBackground(
  access: UsersAccess,
  filter: SearchFilter,
  read: BackgroundRead,
): Promise<TermTest> {
  if (!globbable(filter)) return 'instr';
  const at = access.reading('search the cache', () => fileStateOf(access));
  const known = nulChecks.get(access);
  if (known?.at === at) return known.test;
  return remember(access, at, (await read(NUL_SQL, []))[0]);
}

/** A piece of SQL and the parameters of its `?`, in order. */
export interface SqlPart {
  sql: string;
  params: (string | number)[];
}

/** The three facets of a filter (facets.ts): each counted with its own choice left out. */
type Facet = 'roles' | 'accounts' | 'status';

/** The condition of each account choice (null: every account). */
export const ACCOUNT_CONDITIONS = {
  all: null,
  humans: 'u.is_bot = 0',
  bots: 'u.is_bot = 1',
} as const satisfies Record<SearchFilter['accounts'], string | null>;

/** The condition of each status choice (null: every status); a gone user counts as deactivated. */
export const STATUS_CONDITIONS = {
  all: null,
  active: 'u.deactivated = 0 AND u.gone_at IS NULL',
  deactivated: '(u.deactivated = 1 OR u.gone_at IS NOT NULL)',
} as const satisfies Record<SearchFilter['status'], string | null>;

/** A condition without parameters, null for none. */
function bare(sql: string | null): SqlPart | null {
  return sql === null ? null : { sql, params: [] };
}

/** The condition of each facet's choice in a filter, null where it is "all". */
export function facetConditionsOf(filter: SearchFilter): Record<Facet, SqlPart | null> {
  const roles = [...new Set(filter.roles)] as Role[];
  return {
    roles:
      roles.length > 0
        ? { sql: `u.role IN (${roles.map(() => '?').join(', ')})`, params: roles }
        : null,
    accounts: bare(ACCOUNT_CONDITIONS[filter.accounts]),
    status: bare(STATUS_CONDITIONS[filter.status]),
  };
}

/** WHERE clause and parameters of a filter, as rules 3 and 4 of search-text.ts say (empty: every user). */
export function whereOf(filter: SearchFilter, test: TermTest): SqlPart {
  const conds: string[] = [];
  const params: (string | number)[] = [];
  const ids = [...new Set(filter.connectionIds)];
  if (ids.length > 0) {
    conds.push(`u.connection_id IN (${ids.map(() => '?').join(', ')})`);
    params.push(...ids);
  }
  const facets = facetConditionsOf(filter);
  for (const part of [facets.roles, facets.accounts, facets.status]) {
    if (part) {
      conds.push(part.sql);
      params.push(...part.params);
    }
  }
  if (filter.activity === 'never') conds.push('u.last_active_at IS NULL');
  if (filter.activity === 'inactiveSince') {
    conds.push('u.last_active_at < ?');
    params.push(filter.activeBefore);
  }
  if (filter.joinedAfter !== null) {
    conds.push('u.joined_at >= ?');
    params.push(filter.joinedAfter);
  }
  if (filter.joinedBefore !== null) {
    conds.push('u.joined_at < ?');
    params.push(filter.joinedBefore);
  }
  keyConditions(filter, conds, params);
  // Every term, short or long, is an exact substring test (the in-memory
  // index answers most searches; this is the path until it is ready).
  for (const t of new Set(searchTerms(filter.text))) {
    if (t.includes('\0')) {
      // The binding ends a string parameter at its first NUL: the term goes as UTF-8 in hex.
      conds.push('instr(u.search_text, CAST(unhex(?) AS TEXT)) > 0');
      params.push(Buffer.from(t, 'utf8').toString('hex'));
    } else if (test === 'glob' && globIsFaster(t)) {
      conds.push('u.search_text GLOB ?');
      params.push(containsPattern(t));
    } else {
      conds.push('instr(u.search_text, ?) > 0');
      params.push(t);
    }
  }
  return { sql: conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '', params };
}
