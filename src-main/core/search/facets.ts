/**
 * Facet counts (Zulip's role filter shows how many hold each role): for
 * each choice of the role, account and status filters, how many users the
 * current search would match with that filter's own choice left out, so a
 * chip counts what picking it would show. The index counts from its
 * bitsets, SQL with GROUP BY, the reference (`facetsOfRows`) row by row;
 * the tests hold the three equal.
 *
 * Node only (plain TypeScript; no I/O).
 */
import { ROLES, type Role, type SearchFacets } from '@shared/model';
import { rowMatchesFilter, searchTerms, type SearchFilter, type SearchRow } from './search-text';

/** A filter with one facet's own choice cleared: what that facet's counts are taken over. */
export function withoutFacet<T extends SearchFilter>(
  spec: T,
  facet: 'roles' | 'accounts' | 'status',
): T {
  if (facet === 'roles') return { ...spec, roles: [] };
  if (facet === 'accounts') return { ...spec, accounts: 'all' };
  return { ...spec, status: 'all' };
}

/** Facets with every count at zero, roles in ROLES order. */
export function emptyFacets(): SearchFacets {
  return {
    roles: ROLES.map((role) => ({ role, count: 0 })),
    accounts: { humans: 0, bots: 0 },
    status: { active: 0, deactivated: 0 },
  };
}

/** The reference facet counts: rules 3 and 4 of search-text.ts, row by row. */
export function facetsOfRows(rows: readonly SearchRow[], spec: SearchFilter): SearchFacets {
  const out = emptyFacets();
  const terms = searchTerms(spec.text);
  const byRole = new Map<Role, { count: number }>(out.roles.map((r) => [r.role, r]));
  const noRoles = withoutFacet(spec, 'roles');
  const noAccounts = withoutFacet(spec, 'accounts');
  const noStatus = withoutFacet(spec, 'status');
  for (const r of rows) {
    if (rowMatchesFilter(r, noRoles, terms)) {
      const slot = byRole.get(r.role);
      if (slot) slot.count++;
    }
    if (rowMatchesFilter(r, noAccounts, terms)) {
      if (r.isBot) out.accounts.bots++;
      else out.accounts.humans++;
    }
    if (rowMatchesFilter(r, noStatus, terms)) {
      if (r.deactivated || r.gone) out.status.deactivated++;
      else out.status.active++;
    }
  }
  return out;
}
