/**
 * The users:search channel: answered by the in-memory index once it is
 * ready, by SQL until then (both in users-repo, both held to search-text.ts).
 * And directory:filter-choices: what the group and profile-field filters of
 * one connection can offer, only what its kind has (Open WebUI has no custom
 * profile fields).
 *
 * Node only; never imports `electron`.
 */
import type { FilterChoices, SearchQuery, SearchResult } from '@shared/model';
import type { ConnectionAccess } from './connection-access';
import type { MetaRepo } from '../store/meta-repo';
import type { UsersRepo } from '../store/users-repo';

/** The search channels. */
export interface SearchService {
  search(query: SearchQuery): Promise<SearchResult>;
  filterChoices(arg: { connectionId: string }): Promise<FilterChoices>;
}

/** Builds the search service over the users repository (and what the filter choices read). */
export function createSearchService(deps: {
  users: Pick<UsersRepo, 'searchAsync' | 'groupMembers'>;
  access: Pick<ConnectionAccess, 'require'>;
  meta: Pick<MetaRepo, 'getProfileFields'>;
}): SearchService {
  return {
    search: (query) => deps.users.searchAsync(query),
    async filterChoices({ connectionId }) {
      const conn = deps.access.require(connectionId);
      const groups = await deps.users.groupMembers(connectionId);
      const definitions =
        conn.kind === 'zulip' ? (deps.meta.getProfileFields(connectionId)?.value ?? []) : [];
      const profileFields = [...definitions]
        .filter((d) => d.type !== 'person')
        .sort((a, b) => a.order - b.order)
        .map((d) => ({
          id: d.id,
          name: d.name,
          type: d.type,
          choices:
            d.type === 'choice'
              ? [...d.choices]
                  .sort((a, b) => a.order - b.order)
                  .map((c) => ({ key: c.key, text: c.text }))
              : [],
        }));
      return { connectionId, kind: conn.kind, groups, profileFields };
    },
  };
}
