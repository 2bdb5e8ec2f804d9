// Proves createSearchService on its own: it hands the query to the users
// repository unchanged and answers with exactly what the repository found,
// failures included — checked with a stand-in repository and over a small
// real cache (text, connection and role filters, paging), and the filter
// choices it offers per connection kind: groups with their member counts,
// and Zulip's profile fields (choice fields with their options).
import { type ProfileFieldDefinition, type SearchQuery, type SearchResult } from '@shared/model';
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
        groupMembers: async () => [],
      },
      access: { require: () => failure('NOT_FOUND') as never },
      meta: { getProfileFields: () => null },
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
        groupMembers: async () => [],
      },
      access: { require: () => failure('NOT_FOUND') as never },
      meta: { getProfileFields: () => null },
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
      toWrite(
        fetched('conn-o', 'u1', {
          kind: 'openwebui',
          role: 'admin',
          name: 'Ada Byron',
          groups: [{ id: 'g1', name: 'Poets' }],
        }),
        at,
      ),
    );
  });
  afterEach(() => world.close());

  const names = (r: SearchResult): string[] => r.items.map((i) => i.name);

  it('finds by text across connections, sorted by name', async () => {
    const service = createSearchService(world);
    const result = await service.search(searchQuery({ text: 'ada' }));
    expect(result.total).toBe(2);
    expect(names(result)).toEqual(['Ada Byron', 'Ada Lovelace']);
  });

  it('filters by connection and role, and pages', async () => {
    const service = createSearchService(world);
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

describe('the filter choices of a connection', () => {
  let world: World;
  beforeEach(async () => {
    world = openWorld();
    await saveZulip(world, { id: 'conn-z' });
    await saveOpenWebUI(world, { id: 'conn-o' });
    const at = world.now();
    const eng = { id: '7', name: 'Engineering' };
    const ops = { id: '3', name: 'Ops' };
    world.users.upsert(toWrite(fetched('conn-z', '1', { groups: [eng, ops] }), at));
    world.users.upsert(toWrite(fetched('conn-z', '2', { groups: [eng] }), at));
    world.users.upsert(toWrite(fetched('conn-z', '3', { groups: [ops] }), at));
    world.users.markGone('conn-z', '3', at);
    world.users.upsert(
      toWrite(fetched('conn-o', 'u1', { kind: 'openwebui', groups: [{ id: '7', name: 'X' }] }), at),
    );
    world.meta.setProfileFields(
      'conn-z',
      [
        definition('10', 'Team', 'choice', 2, [
          { key: 'b', text: 'Berlin', order: 2 },
          { key: 'a', text: 'Athens', order: 1 },
        ]),
        definition('11', 'Pronouns', 'pronouns', 1, []),
        definition('12', 'Manager', 'person', 3, []),
      ],
      at,
    );
  });
  afterEach(() => world.close());

  it('lists a Zulip connection’s groups with members not gone, and its fields in order', async () => {
    const choices = await createSearchService(world).filterChoices({ connectionId: 'conn-z' });
    expect(choices.kind).toBe('zulip');
    expect(choices.groups).toEqual([
      { id: '7', name: 'Engineering', members: 2 },
      { id: '3', name: 'Ops', members: 1 },
    ]);
    // A person field has no value to type or pick: not offered.
    expect(choices.profileFields).toEqual([
      { id: '11', name: 'Pronouns', type: 'pronouns', choices: [] },
      {
        id: '10',
        name: 'Team',
        type: 'choice',
        choices: [
          { key: 'a', text: 'Athens' },
          { key: 'b', text: 'Berlin' },
        ],
      },
    ]);
  });

  it('offers no profile fields for Open WebUI, and only its own groups', async () => {
    const choices = await createSearchService(world).filterChoices({ connectionId: 'conn-o' });
    expect(choices).toEqual({
      connectionId: 'conn-o',
      kind: 'openwebui',
      groups: [{ id: '7', name: 'X', members: 1 }],
      profileFields: [],
    });
  });

  it('says NOT_FOUND for a connection that does not exist', async () => {
    await expect(
      createSearchService(world).filterChoices({ connectionId: 'nope' }),
    ).rejects.toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

/** A profile field definition as the organization defines it. */
function definition(
  id: string,
  name: string,
  type: ProfileFieldDefinition['type'],
  order: number,
  choices: ProfileFieldDefinition['choices'],
): ProfileFieldDefinition {
  return {
    id,
    name,
    type,
    typeCode: 1,
    hint: '',
    order,
    displayInSummary: false,
    required: false,
    choices,
    externalAccount: null,
  };
}
