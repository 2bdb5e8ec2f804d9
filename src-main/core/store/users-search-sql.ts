/**
 * The SQL search path: the ORDER BY of rule 5 of search-text.ts over the
 * users table, and the count-then-page search built on it and on the WHERE
 * of users-search-where.ts, on this connection or on the background one. It answers until
 * the in-memory index (search-index.ts) is ready, and whenever that index is
 * out of step with the file; both must give the same results.
 *
 * Node only; never imports `electron`.
 */
import type { SearchFacets, SearchQuery, SearchResult } from '@shared/model';
import { matchAndFacetsOf, matchAndFacetsSql } from './users-facets-sql';
import { rowIdsOf, type Row, type UsersAccess } from './users-rows';
import { summariesByIds } from './users-read';
import { pageByRelevance, searchTerms, sortByRelevance } from '../search/search-text';
import { termTestOf, whereOf, type BackgroundRead, type TermTest } from './users-search-where';

/** The sorting and filtering part of a search, without paging. */
export type SearchSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/**
 * ORDER BY of rule 5 of search-text.ts. With `walkIndex` false the columns
 * are written `+col`, which keeps SQLite from walking a sort index: right when
 * few rows match, where walking the index in order may visit most of the
 * table to find them (100 000 users, a one-letter CJK term: 290 ms walking,
 * 47 ms scanning and sorting).
 */
function orderOf(
  sort: SearchQuery['sort'],
  direction: SearchQuery['direction'],
  walkIndex = true,
): string {
  const dir = direction === 'desc' ? 'DESC' : 'ASC';
  const c = (column: string): string => (walkIndex ? `u.${column}` : `+u.${column}`);
  const ties = `${c('sort_name')} ASC, ${c('connection_id')} ASC, ${c('user_id')} ASC`;
  switch (sort) {
    case 'relevance': // Without terms (with terms, `rankedIds` orders).
      return ties;
    case 'name':
      return `${c('sort_name')} ${dir}, ${c('connection_id')} ${dir}, ${c('user_id')} ${dir}`;
    case 'role':
      return `${c('role_rank')} ${dir}, ${ties}`;
    case 'lastActive':
      return `(u.last_active_at IS NULL) ASC, ${c('last_active_at')} ${dir}, ${ties}`;
    case 'joined':
      return `(u.joined_at IS NULL) ASC, ${c('joined_at')} ${dir}, ${ties}`;
  }
}

/** What the relevance order reads of each match (rule 5, relevance.ts). */
const RANK_COLUMNS =
  'u.row_id, u.connection_id, u.user_id, u.email, u.delivery_email, u.sort_name, u.search_text';

/** Whether a search is ranked by relevance tiers, which SQL cannot compute: the matches are read and ranked here. */
function ranked(spec: SearchSpec): boolean {
  return spec.sort === 'relevance' && searchTerms(spec.text).length > 0;
}

/** Matches read with RANK_COLUMNS, as ranking reads them. */
function rankRowsOf(rows: readonly Row[]) {
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return rows.map((r) => ({
    rowId: Number(r.row_id),
    connectionId: String(r.connection_id),
    userId: String(r.user_id),
    email: str(r.email),
    deliveryEmail: str(r.delivery_email),
    sortName: String(r.sort_name),
    searchText: String(r.search_text),
  }));
}

/** The row IDs of matches read with RANK_COLUMNS, in the relevance order of rule 5. */
function rankedIds(rows: readonly Row[], text: string): number[] {
  return sortByRelevance(rankRowsOf(rows), searchTerms(text)).map((r) => r.rowId);
}

/** One page of `rankedIds`, sorting only the tiers it reaches. */
function rankedPage(rows: readonly Row[], query: SearchQuery): number[] {
  const terms = searchTerms(query.text);
  return pageByRelevance(rankRowsOf(rows), terms, query.offset, query.limit).map((r) => r.rowId);
}

/**
 * The page's row IDs. Walking a sort index (many matches), the walk stops
 * once the page is full. Else the matches, found by the one scan of the
 * covering index users_search (migration 9: the haystack and the filter
 * columns, a twentieth of the table) that counted them, are handed back
 * by row ID (`json_each`), read from the table and sorted: no second scan.
 */
function pageSql(query: SearchQuery, where: string, walkIndex: boolean): string {
  const order = orderOf(query.sort, query.direction, walkIndex);
  const from = walkIndex
    ? `users u ${where}`
    : 'users u WHERE u.row_id IN (SELECT value FROM json_each(?))';
  return `SELECT u.row_id FROM ${from} ORDER BY ${order} LIMIT ? OFFSET ?`;
}

/** The parameters of `pageSql`: the filter's when walking, else the matches' row IDs. */
function pageParams(
  query: SearchQuery,
  where: { params: (string | number)[] },
  walkIndex: boolean,
  matched: string,
): (string | number)[] {
  const head = walkIndex ? where.params : [matched];
  return [...head, query.limit, query.offset];
}

/**
 * The number of matches and their row IDs as a JSON array, by one scan of
 * the covering index: counting apart scanned it twice, and reading the IDs
 * as rows cost an object per match (100 000 for "a").
 */
function matchSql(where: string): string {
  return `SELECT count(*) AS n, json_group_array(u.row_id) AS ids FROM users u ${where}`;
}

/** The count and row IDs (JSON) of `matchSql`'s row. */
function matchesOf(row: Row | undefined): { total: number; ids: string } {
  return { total: Number(row?.n ?? 0), ids: typeof row?.ids === 'string' ? row.ids : '[]' };
}

/**
 * Matches ranked here at most (their rank columns read from the table and
 * tiered, relevance.ts); more are paged in the name order until the index
 * is ready. No first page may cost more than 50 ms (issue 17), and each
 * match ranked costs about 5 µs on top of the scan that found them (~27 ms
 * at 100 000 users): reading its row is most of it. At 4 000 a first page
 * took 50-83 ms ("mü", 3 762 matches); at 2 000 it is under 40.
 */
const RANKED_BY_SQL_AT_MOST = 2_000;

/** The matches' rank columns, by row ID. */
const RANK_ROWS_SQL = `SELECT ${RANK_COLUMNS} FROM users u WHERE u.row_id IN (SELECT value FROM json_each(?))`;

/**
 * The sort orders a page can be bounded in: the leading column and the
 * index that holds it in order. Only the name's is walked by SQLite in the
 * page's whole order (ties included); the times may be NULL, which sorts
 * last either way (`orderOf`). Role has five values, so a bound on it saves
 * nothing; it has none.
 */
const SORT_BOUNDS = {
  sort_name: 'users_by_name',
  last_active_at: 'users_by_last_active',
  joined_at: 'users_by_joined',
} as const;

type BoundColumn = keyof typeof SORT_BOUNDS;

function boundColumnOf(sort: SearchSpec['sort']): BoundColumn | null {
  switch (sort) {
    case 'relevance': // Unranked: the name order, ascending (`orderOf`).
    case 'name':
      return 'sort_name';
    case 'lastActive':
      return 'last_active_at';
    case 'joined':
      return 'joined_at';
    case 'role':
      return null;
  }
}

/** The rows a bounded page looks at, and the SQL that reads it. */
interface BoundedPage {
  /** The sort column's value `rows` rows into its order (NULL rows left out): the bound. */
  boundSql: string;
  rows: number;
  /** The page among the rows up to the bound, ties with it included. */
  pageSql: string;
  params: (bound: string | number) => (string | number)[];
  /** Rows a full page has: fewer back means the bound was too near, and the page is read as before. */
  expected: number;
}

/**
 * A first page that does not sort or walk every match: the sort column's
 * value some rows into its order bounds the rows looked at, and
 * every row past the bound sorts after every row before it, ties included,
 * so a page filled from these is the page. The rows are twice those the
 * matches' share says hold the page. At 100 000 users, "an" (39 000
 * matches) sorted them all in 68 ms, and the joined order sorted 87 000 in
 * 77 ms, where this reads a few hundred rows (issue 17: no first page over
 * 50 ms while the index builds). Null: the matches are few enough to sort,
 * or the order is walked already.
 */
function boundedPageOf(
  query: SearchQuery,
  where: { sql: string; params: (string | number)[] },
  total: number,
  users: number,
  walkIndex: boolean,
): BoundedPage | null {
  const column = boundColumnOf(query.sort);
  if (!column || (walkIndex && column === 'sort_name')) return null;
  const expected = Math.min(query.limit, total - query.offset);
  const rows = Math.ceil((2 * (query.offset + query.limit) * users) / Math.max(1, total)) + 64;
  // Sorting the matches reads each of them once; this reads `rows`.
  if (!walkIndex && rows * 2 > total) return null;
  if (rows >= users) return null;
  // Relevance here is the name order, ascending.
  const down = query.sort !== 'relevance' && query.direction === 'desc';
  const index = SORT_BOUNDS[column];
  const col = `u.${column}`;
  const boundSql = `SELECT ${col} AS v FROM users AS u INDEXED BY ${index}
    ${column === 'sort_name' ? '' : `WHERE ${col} IS NOT NULL`}
    ORDER BY ${col} ${down ? 'DESC' : 'ASC'} LIMIT 1 OFFSET ?`;
  const range = `${col} ${down ? '>=' : '<='} ?`;
  const pageSql = `SELECT u.row_id FROM users AS u INDEXED BY ${index}
    ${where.sql === '' ? `WHERE ${range}` : `${where.sql} AND ${range}`}
    ORDER BY ${orderOf(query.sort, query.direction)} LIMIT ? OFFSET ?`;
  return {
    boundSql,
    rows,
    pageSql,
    params: (v) => [...where.params, v, query.limit, query.offset],
    expected,
  };
}

/** The bound's value, or null when the order has fewer rows than it looks at. */
function boundOf(row: Row | undefined): string | number | null {
  const v = row?.v;
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

/** A read the plan of a page asks for: one statement, every row of it back. */
interface Ask {
  sql: string;
  params: readonly (string | number)[];
}

/** What the plan of a page ends with: the number of matches, the page's row IDs in order, the facets when asked. */
interface PlannedPage {
  total: number;
  ids: number[];
  facets?: SearchFacets;
}

const COUNT_USERS = 'SELECT count(*) AS n FROM users';

/**
 * The reads of one page of a SQL search, each asked by yielding it, so the
 * same plan runs on this connection (`searchSql`) and on the background
 * one (`searchSqlInBackground`). One scan of the covering index finds the
 * matches (their number is the total) and, for a first page, the facet
 * counts (users-facets-sql.ts); the page is then ranked (few matches,
 * relevance) or read in its sort order.
 */
function* pagePlan(query: SearchQuery, test: TermTest): Generator<Ask, PlannedPage, Row[]> {
  const where = whereOf(query, test);
  function* users(): Generator<Ask, number, Row[]> {
    return Number((yield { sql: COUNT_USERS, params: [] })[0]?.n ?? 0);
  }
  let matched: { total: number; ids: string } | null = null;
  let total: number;
  let facets: SearchFacets | undefined;
  if (query.facets) {
    const found = matchAndFacetsOf((yield matchAndFacetsSql(query, test, where.sql !== ''))[0]);
    if (where.sql !== '') matched = found;
    total = found.total;
    facets = found.facets;
  } else {
    if (where.sql !== '') {
      matched = matchesOf((yield { sql: matchSql(where.sql), params: where.params })[0]);
    }
    total = matched === null ? yield* users() : matched.total;
  }
  const page = (ids: number[]): PlannedPage => (facets ? { total, ids, facets } : { total, ids });
  if (total === 0 || query.offset >= total) return page([]);
  if (matched !== null && rankedBySql(query, total)) {
    return page(rankedPage(yield { sql: RANK_ROWS_SQL, params: [matched.ids] }, query));
  }
  // Walk a sort index only when at least half the table matches: the walk
  // then passes at most half the table before the page is full, however
  // the matches cluster (CJK names all sort last). Else sort the matches.
  const userCount = yield* users();
  const walkIndex = matched === null || total * 2 >= userCount;
  const bounded = boundedPageOf(query, where, total, userCount, walkIndex);
  if (bounded) {
    const v = boundOf((yield { sql: bounded.boundSql, params: [bounded.rows] })[0]);
    const ids =
      v === null ? [] : rowIdsOf(yield { sql: bounded.pageSql, params: bounded.params(v) });
    if (ids.length === bounded.expected) return page(ids);
  }
  return page(
    rowIdsOf(
      yield {
        sql: pageSql(query, where.sql, walkIndex),
        params: pageParams(query, where, walkIndex, matched?.ids ?? '[]'),
      },
    ),
  );
}

/** A planned page as an answer: its users' cards, read on this connection. */
function answerOf(access: UsersAccess, query: SearchQuery, planned: PlannedPage): SearchResult {
  const items = summariesByIds(access, planned.ids);
  const result: SearchResult = planned.facets
    ? { total: planned.total, items, facets: planned.facets }
    : { total: planned.total, items };
  return flagUnranked(query, result);
}

/**
 * A search answered by SQL on this connection: the path until the index is
 * ready, with the facet counts when asked (`pagePlan`).
 */
export function searchSql(access: UsersAccess, query: SearchQuery): SearchResult {
  const plan = pagePlan(query, termTestOf(access, query));
  let step = plan.next();
  while (!step.done)
    step = plan.next(access.stmt(step.value.sql).all(...step.value.params) as Row[]);
  return answerOf(access, query, step.value);
}

/**
 * Says when an answer asked by relevance lists its matches by name: there
 * were more than SQL ranks (`RANKED_BY_SQL_AT_MOST`), and the window tells
 * the admin so until the index is ready.
 */
function flagUnranked(query: SearchQuery, result: SearchResult): SearchResult {
  return ranked(query) && !rankedBySql(query, result.total)
    ? { ...result, rankedByName: true }
    : result;
}

/** Whether SQL ranks these matches itself: asked by relevance, and few enough (`RANKED_BY_SQL_AT_MOST`). */
function rankedBySql(query: SearchQuery, total: number): boolean {
  return ranked(query) && total <= RANKED_BY_SQL_AT_MOST;
}

/**
 * The SQL search (`searchSql`) with its scans on the
 * background connection, so a slow scan does not hold the window's thread.
 */
export async function searchSqlInBackground(
  access: UsersAccess,
  query: SearchQuery,
  read: BackgroundRead,
  test: TermTest,
): Promise<SearchResult> {
  const plan = pagePlan(query, test);
  let step = plan.next();
  while (!step.done) step = plan.next(await read(step.value.sql, step.value.params));
  const planned = step.value;
  return access.reading('search the cache', () => answerOf(access, query, planned));
}

/** Every match's row ID in order, by SQL: an export fixes its order once, before reading pages. */
export function matchingIdsSql(access: UsersAccess, spec: SearchSpec): number[] {
  const where = whereOf(spec, termTestOf(access, spec));
  if (ranked(spec)) {
    const rows = access.stmt(`SELECT ${RANK_COLUMNS} FROM users u ${where.sql}`);
    return rankedIds(rows.all(...where.params), spec.text);
  }
  return access
    .stmt(
      `SELECT u.row_id FROM users u ${where.sql} ORDER BY ${orderOf(spec.sort, spec.direction)}`,
    )
    .all(...where.params)
    .map((r: Row) => Number(r.row_id));
}
