// A writer on another connection (the sync worker) that expects many new
// users: main's index takes none of its changes, stops answering (searches
// read the file, which holds each chunk once committed), and is built from
// the cache when the writer ends. One that expects few keeps the index in
// step as before. Real SQLite files, two connections, as the app has them.
import { createSearchIndex } from '@core/search/search-index';
import { REBUILD_AFTER_ROWS, type ExternalWrites } from '@core/store/users-index-sync';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';
import type { UserWrite } from '@core/store/users-rows';
import {
  addConnectionRow,
  makeUser,
  openTestCache,
  recordingLog,
  searchQuery,
} from './cache-fixtures';

function writes(from: number, count: number): UserWrite[] {
  return Array.from({ length: count }, (_, i) => ({
    user: makeUser({ userId: String(from + i), name: `Walker ${from + i}` }),
    raw: { id: from + i },
    fetchedAt: 1,
  }));
}

/** Main's repository with its index built, and a worker's over a second connection to the file. */
async function mainAndWorker(): Promise<{
  main: UsersRepo;
  external: ExternalWrites;
  worker: UsersRepo;
  lines: string[];
  close: () => void;
}> {
  const mainCache = openTestCache();
  addConnectionRow(mainCache, 'conn-a');
  const log = recordingLog();
  const main = createUsersRepo(mainCache, { now: () => 1, log, index: createSearchIndex() });
  await main.upsertBatch(writes(0, 3));
  await main.buildSearchIndex();
  expect(main.searchIndexState()).toBe('ready');
  const external = main.externalWrites();
  const workerCache = openTestCache({ dir: mainCache.dir });
  const worker = createUsersRepo(workerCache, {
    now: () => 1,
    relayIndex: (changes) => external.apply(changes),
  });
  return {
    main,
    external,
    worker,
    lines: log.lines,
    close: () => {
      workerCache.close();
      mainCache.close();
    },
  };
}

const walkers = (repo: UsersRepo): number =>
  repo.search(searchQuery({ text: 'walker', limit: 500 })).total;

async function readyIn(repo: UsersRepo): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (repo.searchIndexState() !== 'ready' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(repo.searchIndexState()).toBe('ready');
}

describe('an external writer that expects many new users', () => {
  it('leaves the index to be built at its end, and searches read the file meanwhile', async () => {
    const { main, external, worker, lines, close } = await mainAndWorker();
    // True: the writer may keep its changes, the index throws them away.
    expect(external.expectNewRows(REBUILD_AFTER_ROWS)).toBe(true);
    expect(main.searchIndexState()).toBe('empty');
    // A second writer's word changes nothing, and is told the same.
    expect(external.expectNewRows(1)).toBe(true);
    expect(lines.some((l) => l.includes('built again once the sync ends'))).toBe(true);

    await worker.upsertBatch(writes(100, 120), { maxChunkRows: 40 });
    // Not applied to the index, and not lost: the file answers with every committed row.
    expect(main.searchIndexState()).toBe('empty');
    expect(walkers(main)).toBe(123);
    // A build asked for meanwhile waits for the writer's end.
    await main.buildSearchIndex();
    expect(main.searchIndexState()).toBe('empty');

    await worker.upsertBatch(writes(500, 7));
    external.end(true);
    await readyIn(main);
    expect(walkers(main)).toBe(130);
    // The index, not SQL, answers now, and it holds what the writer wrote last.
    const page = main.search(searchQuery({ text: 'walker 506', limit: 5 }));
    expect(page.items.map((u) => u.userId)).toContain('506');
    expect(lines.filter((l) => l.includes('search index ready'))).toHaveLength(2);
    close();
  });

  it('is built at the end of a writer that stopped mid-way, too', async () => {
    const { main, external, worker, close } = await mainAndWorker();
    external.expectNewRows(REBUILD_AFTER_ROWS * 3);
    await worker.upsertBatch(writes(100, 20));
    external.end(false);
    await readyIn(main);
    expect(walkers(main)).toBe(23);
    close();
  });
});

describe('an external writer that expects few new users', () => {
  it('keeps the index in step, answering as the rows come', async () => {
    const { main, external, worker, lines, close } = await mainAndWorker();
    expect(external.expectNewRows(REBUILD_AFTER_ROWS - 1)).toBe(false);
    expect(external.expectNewRows(Number.NaN)).toBe(false);
    expect(main.searchIndexState()).toBe('ready');
    await worker.upsertBatch(writes(100, 50));
    expect(main.searchIndexState()).toBe('ready');
    expect(walkers(main)).toBe(53);
    external.end(true);
    expect(main.searchIndexState()).toBe('ready');
    expect(lines.filter((l) => l.includes('search index ready'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('built again'))).toBe(false);
    close();
  });
});
