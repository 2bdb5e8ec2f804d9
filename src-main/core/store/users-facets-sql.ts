/**
 * The facet counts of a SQL search (facets.ts: each facet counted with its
 * own choice left out), taken in the scan that finds the first page's
 * matches. The window asks them with every first page, so while no index
 * is ready every keystroke paid for them: counting the matches and three
 * GROUP BY scans of the covering index, each about as long as the other
 * (100 000 users: 29 ms a scan). One scan of the rows the other conditions
 * match now tells, row by row, which facet choices each meets.
 *
 * Node only; never imports `electron`.
 */
import { ROLES, type SearchFacets } from '@shared/model';
import { emptyFacets, withoutFacet } from '../search/facets';
import type { SearchFilter } from '../search/search-text';
import type { Row } from './users-rows';
import {
  ACCOUNT_CONDITIONS,
  facetConditionsOf,
  STATUS_CONDITIONS,
  whereOf,
  type SqlPart,
  type TermTest,
} from './users-search-where';

/** The conditions that all hold, as one SQL boolean (empty when there are none). */
function allOf(...parts: (SqlPart | null)[]): SqlPart {
  const held = parts.filter((p): p is SqlPart => p !== null);
  return {
    sql: held.map((p) => `(${p.sql})`).join(' AND '),
    params: held.flatMap((p) => p.params),
  };
}

const BOT: SqlPart = { sql: ACCOUNT_CONDITIONS.bots, params: [] };
const OFF: SqlPart = { sql: STATUS_CONDITIONS.deactivated, params: [] };

/**
 * One row: `n` and `ids` (a JSON array; absent without `withIds`), the
 * users the whole filter matches, as `matchSql` in users-search-sql.ts
 * counts them; `r0`… the count of each role of ROLES; `bots` of
 * `by_accounts`, and `deactivated` (or gone) of `by_statuses`, for the
 * other two facets. Each is an aggregate with a FILTER: a third faster
 * than `sum(condition)`, which adds for every row (100 000 users, every
 * count: 25 against 36 ms).
 */
export function matchAndFacetsSql(filter: SearchFilter, test: TermTest, withIds: boolean): SqlPart {
  const f = facetConditionsOf(filter);
  const others = withoutFacet(withoutFacet(withoutFacet(filter, 'roles'), 'accounts'), 'status');
  const rest = whereOf(others, test);
  const columns: string[] = [];
  const params: (string | number)[] = [];
  const add = (alias: string, aggregate: string, conditions: (SqlPart | null)[]): void => {
    const c = allOf(...conditions);
    columns.push(
      c.sql === ''
        ? `${aggregate} AS ${alias}`
        : `${aggregate} FILTER (WHERE ${c.sql}) AS ${alias}`,
    );
    params.push(...c.params);
  };
  add('n', 'count(*)', [f.roles, f.accounts, f.status]);
  if (withIds) add('ids', 'json_group_array(u.row_id)', [f.roles, f.accounts, f.status]);
  ROLES.forEach((role, i) => {
    add(`r${i}`, 'count(*)', [f.accounts, f.status, { sql: 'u.role = ?', params: [role] }]);
  });
  add('bots', 'count(*)', [f.roles, f.status, BOT]);
  add('by_accounts', 'count(*)', [f.roles, f.status]);
  add('deactivated', 'count(*)', [f.roles, f.accounts, OFF]);
  add('by_statuses', 'count(*)', [f.roles, f.accounts]);
  return {
    sql: `SELECT ${columns.join(', ')} FROM users u ${rest.sql}`,
    params: [...params, ...rest.params],
  };
}

/** The matches and facet counts of `matchAndFacetsSql`'s row. */
export function matchAndFacetsOf(row: Row | undefined): {
  total: number;
  ids: string;
  facets: SearchFacets;
} {
  const count = (key: string): number => Number(row?.[key] ?? 0);
  const out = emptyFacets();
  ROLES.forEach((role, i) => {
    const slot = out.roles.find((r) => r.role === role);
    if (slot) slot.count = count(`r${i}`);
  });
  out.accounts.bots = count('bots');
  out.accounts.humans = count('by_accounts') - out.accounts.bots;
  out.status.deactivated = count('deactivated');
  out.status.active = count('by_statuses') - out.status.deactivated;
  return {
    total: count('n'),
    ids: typeof row?.ids === 'string' ? row.ids : '[]',
    facets: out,
  };
}
