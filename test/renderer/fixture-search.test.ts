// The fixture directory behind the window's tests searches with core's own rules.
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { FixtureDirectory, cardVariants } from './fixtures';

const query = (patch: Partial<SearchQuery>): SearchQuery => ({
  ...DEFAULT_SEARCH_SPEC,
  connectionIds: [],
  roles: [],
  offset: 0,
  limit: 60,
  ...patch,
});

describe("the fixture directory's search", () => {
  const dir = new FixtureDirectory(Object.values(cardVariants()));

  it('folds accents and case, and looks in the same fields, as core does', () => {
    const names = (text: string) => dir.search(query({ text })).items.map((s) => s.name);
    // "Zoë" as a macOS keyboard sends it: "e" and a combining diaeresis.
    expect(names('ZOE\u0308')).toEqual(['Zoë Lindqvist']);
    // The role's label is in core's haystack.
    expect(names('lindqvist guest')).toEqual(['Zoë Lindqvist']);
  });

  it('puts users with no last activity last in both directions', () => {
    for (const direction of ['asc', 'desc'] as const) {
      const { items } = dir.search(query({ sort: 'lastActive', direction }));
      const firstEmpty = items.findIndex((s) => s.presence === null);
      expect(firstEmpty).toBeGreaterThan(0);
      expect(items.slice(firstEmpty).every((s) => s.presence === null)).toBe(true);
    }
  });
});
