// Proves createExportService on its own (real users, meta and connections
// repositories over a small SQLite cache, a stand-in save dialog): the CSV
// and JSON files hold exactly the matching users with their connection,
// profile fields and times; a cancelled dialog writes nothing; a write that
// fails part-way leaves no partial file and does not touch an existing file
// under the chosen name.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedArgOf } from '@shared/contract';
import { DEFAULT_SEARCH_SPEC, type SearchSpec } from '@shared/model';
import { COMMON_COLUMNS } from '@core/services/export-format';
import { createExportService, type ExportDeps } from '@core/services/export';
import { toWrite } from '@core/services/user-writes';
import type { UsersRepo } from '@core/store/users-repo';
import { field } from '../cache-fixtures';
import {
  failure,
  fetched,
  fieldDefinition,
  openWorld,
  rejection,
  saveOpenWebUI,
  saveZulip,
  type World,
} from './service-fixtures';

let world: World;
let outDir: string;
beforeEach(async () => {
  world = openWorld();
  outDir = join(world.cache.dir, 'exports');
  await saveZulip(world, { id: 'conn-z', label: 'Acme Chat' });
  world.clock.advance(1);
  await saveOpenWebUI(world, { id: 'conn-o', label: 'Acme AI' });
  world.meta.setProfileFields('conn-z', [fieldDefinition('1', 'Team', 1)], world.now());
  const at = world.now();
  world.users.upsert(
    toWrite(
      fetched('conn-z', '1', {
        name: 'Ada Lovelace',
        profileFields: [field('Team', 'Ops, Berlin')],
      }),
      at,
    ),
  );
  world.users.upsert(toWrite(fetched('conn-z', '2', { name: '=SUM(A1)' }), at));
  world.users.upsert(
    toWrite(fetched('conn-o', 'u-9', { kind: 'openwebui', role: 'admin', name: 'Bo Admin' }), at),
  );
  world.users.markGone('conn-z', '2', at + 5);
});
afterEach(() => world.close());

function spec(overrides: Partial<SearchSpec> = {}): ParsedArgOf<'directory:export'>['query'] {
  return { ...DEFAULT_SEARCH_SPEC, connectionIds: [], roles: [], ...overrides };
}

/** The service with a save dialog that answers `path` (null: cancelled) and records what it was asked. */
function exporter(
  path: string | null,
  users: ExportDeps['users'] = world.users,
): { service: ReturnType<typeof createExportService>; asked: unknown[] } {
  const asked: unknown[] = [];
  const service = createExportService({
    chooseSavePath: async (options) => {
      asked.push(options);
      return path;
    },
    connections: world.connections,
    users,
    meta: world.meta,
    now: world.now,
  });
  return { service, asked };
}

/** Every file under a folder, relative, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('CSV', () => {
  it('writes a BOM, the header with the profile fields, and one formula-safe row per user', async () => {
    const path = join(outDir, 'users.csv');
    const { service, asked } = exporter(path);
    expect(await service.exportDirectory({ format: 'csv', query: spec() })).toEqual({
      path,
      count: 3,
    });
    expect(asked).toEqual([{ defaultName: 'rollcall-users-2026-01-15.csv', format: 'csv' }]);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe([...COMMON_COLUMNS, 'Team'].join(','));
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(3);
    const ada = rows.find((r) => r.includes('Ada Lovelace'));
    expect(ada?.startsWith('Acme Chat,Zulip,1,Ada Lovelace,user1@example.com,')).toBe(true);
    expect(ada?.endsWith(',"Ops, Berlin"')).toBe(true);
    const formula = rows.find((r) => r.includes('SUM(A1)'));
    expect(formula).toContain(",'=SUM(A1),");
    // Gone users are exported and say so ("No longer on server").
    expect(formula?.split(',')[13]).toBe('yes');
    expect(ada?.split(',')[13]).toBe('no');
    expect(rows.find((r) => r.includes('Bo Admin'))).toMatch(/^Acme AI,Open WebUI,u-9,Bo Admin,/);
    expect(filesUnder(outDir)).toEqual(['users.csv']);
  });

  it('exports only what the query matches', async () => {
    const path = join(outDir, 'zulip.csv');
    const { service } = exporter(path);
    const result = await service.exportDirectory({
      format: 'csv',
      query: spec({ connectionIds: ['conn-o'] }),
    });
    expect(result.count).toBe(1);
    const lines = readFileSync(path, 'utf8').split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    // Only conn-o's (no) profile fields make columns.
    expect(lines[0]).toBe('\ufeff' + COMMON_COLUMNS.join(','));
    expect(lines[1]).toContain('Bo Admin');
  });
});

describe('JSON', () => {
  it('writes the query, the users with their connection and times, and the count', async () => {
    const path = join(outDir, 'users.json');
    const { service, asked } = exporter(path);
    const query = spec({ sort: 'name', direction: 'asc' });
    expect(await service.exportDirectory({ format: 'json', query })).toEqual({ path, count: 3 });
    expect(asked).toEqual([{ defaultName: 'rollcall-users-2026-01-15.json', format: 'json' }]);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as {
      exportedAt: string;
      query: unknown;
      count: number;
      users: {
        connection: string;
        user: { userId: string; name: string };
        fetchedAt: string;
        goneAt: string | null;
        botOwnerName: string | null;
      }[];
    };
    expect(doc.exportedAt).toBe(new Date(world.now()).toISOString());
    expect(doc.query).toEqual(query);
    expect(doc.count).toBe(3);
    expect(doc.users.map((u) => [u.connection, u.user.userId]).sort()).toEqual([
      ['Acme AI', 'u-9'],
      ['Acme Chat', '1'],
      ['Acme Chat', '2'],
    ]);
    const gone = doc.users.find((u) => u.user.userId === '2');
    expect(gone?.goneAt).toBe(new Date(world.now() + 5).toISOString());
    expect(gone?.fetchedAt).toBe(new Date(world.now()).toISOString());
    expect(doc.users.find((u) => u.user.userId === '1')?.goneAt).toBeNull();
  });

  it('stays one valid document across many chunks', async () => {
    await world.users.upsertBatch(
      Array.from({ length: 1200 }, (_, i) =>
        toWrite(fetched('conn-o', `bulk-${i}`, { kind: 'openwebui', role: 'user' }), world.now()),
      ),
    );
    const path = join(outDir, 'many.json');
    const result = await exporter(path).service.exportDirectory({
      format: 'json',
      query: spec({ connectionIds: ['conn-o'] }),
    });
    expect(result.count).toBe(1201);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { users: unknown[]; count: number };
    expect(doc.users).toHaveLength(1201);
    expect(doc.count).toBe(1201);
  });
});

describe('when nothing should be written', () => {
  it('a cancelled save dialog writes nothing', async () => {
    const before = filesUnder(world.cache.dir);
    const { service, asked } = exporter(null);
    expect(await service.exportDirectory({ format: 'csv', query: spec() })).toEqual({
      path: null,
      count: 0,
    });
    expect(asked).toHaveLength(1);
    expect(filesUnder(world.cache.dir)).toEqual(before);
  });

  it('a write failing part-way leaves no partial file and the old file untouched', async () => {
    const path = join(outDir, 'users.csv');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path, 'the previous export');
    const failing: Pick<UsersRepo, 'searchAll' | 'get'> = {
      get: (connectionId, userId) => world.users.get(connectionId, userId),
      async *searchAll(query, options) {
        for await (const chunk of world.users.searchAll(query, options)) yield chunk;
        throw new Error('EIO: the disk went away');
      },
    };
    const error = await rejection(
      exporter(path, failing).service.exportDirectory({ format: 'csv', query: spec() }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(path);
    expect(readFileSync(path, 'utf8')).toBe('the previous export');
    expect(filesUnder(outDir)).toEqual(['users.csv']);
  });

  it('passes on a cache failure as it is, leaving no partial file', async () => {
    const path = join(outDir, 'users.json');
    const failing: Pick<UsersRepo, 'searchAll' | 'get'> = {
      get: (connectionId, userId) => world.users.get(connectionId, userId),
      // eslint-disable-next-line require-yield
      async *searchAll() {
        throw failure('CACHE_UNAVAILABLE');
      },
    };
    const error = await rejection(
      exporter(path, failing).service.exportDirectory({ format: 'json', query: spec() }),
    );
    expect(error.code).toBe('CACHE_UNAVAILABLE');
    expect(filesUnder(outDir)).toEqual([]);
  });

  it('says the place cannot be written, and leaves nothing, when the name is a folder', async () => {
    const path = join(outDir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    const error = await rejection(
      exporter(path).service.exportDirectory({ format: 'csv', query: spec() }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(`Rollcall could not write ${path}. Choose another place.`);
    expect(filesUnder(outDir)).toEqual(['taken', 'taken/inside']); // no partial file left
  });

  it('says the place cannot be written when its folder cannot be made', async () => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'a-file'), 'not a folder');
    const path = join(outDir, 'a-file', 'users.json');
    const error = await rejection(
      exporter(path).service.exportDirectory({ format: 'json', query: spec() }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe(`Rollcall could not write ${path}. Choose another place.`);
  });
});
