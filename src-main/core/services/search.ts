/**
 * The users:search channel: answered by the in-memory index once it is
 * ready, by SQL until then (both in users-repo, both held to search-text.ts).
 *
 * Node only; never imports `electron`.
 */
import type { SearchQuery, SearchResult } from '@shared/model';
import type { UsersRepo } from '../store/users-repo';

/** The search channel. */
export interface SearchService {
  search(query: SearchQuery): Promise<SearchResult>;
}

/** Builds the search service over the users repository. */
export function createSearchService(deps: {
  users: Pick<UsersRepo, 'searchAsync'>;
}): SearchService {
  return { search: (query) => deps.users.searchAsync(query) };
}
