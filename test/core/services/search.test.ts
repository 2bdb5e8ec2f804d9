// Proves createSearchService on its own: it hands the query to the users
// repository unchanged and answers with exactly what the repository found,
// failures included — checked with a stand-in repository and over a small
// real cache (text, connection and role filters, paging).
import { type SearchQuery, type SearchResult } from '@shared/model';
import { createSearchService } from '@core/services/search';
import { toWrite } from '@core/services/user-writes';
import { searchQuery } from '../cache-fixtures';
import {
  failure,
  fetched,
  openWorld,
  saveOpenWebUI,
  saveZulip,
  type World,
} from './service-fixtures';

describe('with a stand-in repository', () => {
  it('passes the query through and answers what the repository found', async () => {
    const asked: SearchQuery[] = [];
    const found: SearchResult = { total: 41, items: [] };
    const service = createSearchService({
      users: {
        searchAsync: async (query) => {
          asked.push(query);
          return found;
        },
      },
    });
    const query = searchQuery({ text: 'ada', roles: ['owner'], offset: 40, limit: 20 });
    expect(await service.search(query)).toBe(found);
    expect(asked).toEqual([query]);
  });

  it('passes on the repository’s failure', async () => {
    const service = createSearchService({
      users: {
        searchAsync: async () => {
          throw failure('CACHE_UNAVAILABLE');
        },
      },
    });
    await expect(service.search(searchQuery())).rejects.toMatchObject({
      error: { code: 'CACHE_UNAVAILABLE' },
    });
  });
});

describe('over a real cache', () => {
  let world: World;
  beforeEach(async () => {
    world = openWorld();
    await saveZulip(world, { id: 'conn-z' });
    await saveOpenWebUI(world, { id: 'conn-o' });
    const at = world.now();
    world.users.upsert(
      toWrite(fetched('conn-z', '1', { name: 'Ada Lovelace', role: 'owner' }), at),
    );
    world.users.upsert(toWrite(fetched('conn-z', '2', { name: 'Alan Turing' }), at));
    world.users.upsert(
      toWrite(fetched('conn-o', 'u1', { kind: 'openwebui', role: 'admin', name: 'Ada Byron' }), at),
    );
  });
  afterEach(() => world.close());

  const names = (r: SearchResult): string[] => r.items.map((i) => i.name);

  it('finds by text across connections, sorted by name', async () => {
    const service = createSearchService({ users: world.users });
    const result = await service.search(searchQuery({ text: 'ada' }));
    expect(result.total).toBe(2);
    expect(names(result)).toEqual(['Ada Byron', 'Ada Lovelace']);
  });

  it('filters by connection and role, and pages', async () => {
    const service = createSearchService({ users: world.users });
    expect(names(await service.search(searchQuery({ connectionIds: ['conn-z'] })))).toEqual([
      'Ada Lovelace',
      'Alan Turing',
    ]);
    expect(names(await service.search(searchQuery({ roles: ['owner', 'admin'] })))).toEqual([
      'Ada Byron',
      'Ada Lovelace',
    ]);
    const second = await service.search(searchQuery({ offset: 1, limit: 1 }));
    expect(second.total).toBe(3);
    expect(names(second)).toEqual(['Ada Lovelace']);
  });
});
