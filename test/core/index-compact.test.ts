// Issue 17: a search index built row by row (a first sync, a start without a
// usable saved index) holds a string and a Map entry per exact key, where
// one read from its saved file holds them in typed arrays. After the save
// that follows many rows built, the index is compacted in place, in slices:
// the same answers from less heap; a write meanwhile, or core closing,
// leaves the index as it was.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFilterKeys, NO_FILTER_KEYS } from '@core/search/filter-keys';
import { createSearchIndex, type IndexedRow } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { createSlotColumns, shareFilterStrings } from '@core/search/slot-columns';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { worthCompacting } from '@core/store/users-index-sync';
import { createUsersRepo } from '@core/store/users-repo';
import { addConnectionRow, openTestCache, searchQuery, recordingLog } from './cache-fixtures';
import { expectSameAnswers, people, QUERIES } from './index-fixtures';

const compacted = (lines: string[]): boolean =>
  lines.some((l) => l.startsWith('search index compacted'));

/** A cache of `people(count)`, a repository whose index was built from it and saved, and the SQL-only one. */
async function builtAndSaved(count = 1500) {
  const cache = openTestCache();
  addConnectionRow(cache, 'conn-a', 'zulip');
  addConnectionRow(cache, 'conn-b', 'zulip');
  const log = recordingLog();
  const repo = createUsersRepo(cache, { now: () => 1, log, index: createSearchIndex() });
  await repo.upsertBatch(people(count).map((user) => ({ user, raw: {}, fetchedAt: 1 })));
  await repo.buildSearchIndex();
  return { cache, repo, log, sql: createUsersRepo(cache, { now: () => 1 }) };
}

/** Turns of the event loop (never a fake timer) until `done`, for at most `ms`. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setImmediate(r));
}

describe('compacting the search index', () => {
  it('holds the exact keys as a load does, with the same answers, and keeps in step after', async () => {
    const { cache, repo, log, sql } = await builtAndSaved();
    try {
      const before = repo.search(searchQuery({ text: 'a', limit: 50 }));
      expect(await repo.compactSearchIndex({ budgetMs: 0 })).toBe(true);
      expect(compacted(log.lines)).toBe(true);
      expectSameAnswers(repo, sql);
      expect(repo.search(searchQuery({ text: 'a', limit: 50 }))).toEqual(before);
      // The exact keys are typed arrays now, as after a start from the saved index.
      const line = log.lines.find((l) => l.startsWith('search index compacted')) as string;
      const ready = log.lines.find((l) => l.startsWith('search index ready')) as string;
      const typed = (l: string) => Number(/"typedBytes":(\d+)/.exec(l)?.[1]);
      expect(typed(line)).toBeGreaterThan(typed(ready));
      // Writes after the swap reach the index that now answers.
      await repo.upsertBatch(
        people(30).map((user, i) => ({
          user: { ...user, userId: `new-${i}`, name: `Newcomer ${user.name}` },
          raw: {},
          fetchedAt: 2,
        })),
      );
      repo.markGone('conn-a', '1001', 3);
      await repo.purgeGone('conn-a');
      expect(repo.search(searchQuery({ text: 'newcomer' })).total).toBe(30);
      expectSameAnswers(repo, sql);
    } finally {
      cache.close();
    }
  });

  it('gives up when a write arrives meanwhile, keeping the write, and succeeds once it is quiet', async () => {
    const { cache, repo, log, sql } = await builtAndSaved();
    try {
      // A step at a time: the write lands between two of them.
      const compacting = repo.compactSearchIndex({ budgetMs: 0 });
      repo.upsert({ user: { ...people(1)[0]!, name: 'Renamed Qwxyz' }, raw: {}, fetchedAt: 2 }, 2);
      expect(await compacting).toBe(false);
      expect(compacted(log.lines)).toBe(false);
      expect(repo.search(searchQuery({ text: 'qwxyz' })).total).toBe(1);
      expectSameAnswers(repo, sql);
      expect(await repo.compactSearchIndex({ budgetMs: 0 })).toBe(true);
      // The renamed user's keys are packed too: its whole name is an exact key.
      expect(
        repo.search(searchQuery({ text: 'renamed qwxyz', sort: 'relevance' })).items[0]?.userId,
      ).toBe(people(1)[0]!.userId);
      expectSameAnswers(repo, sql);
    } finally {
      cache.close();
    }
  });

  it('gives up when core closes, and the index answers as before', async () => {
    const { cache, repo, log, sql } = await builtAndSaved();
    try {
      const compacting = repo.compactSearchIndex({ budgetMs: 0 });
      await repo.stopSearchIndex();
      expect(await compacting).toBe(false);
      expect(compacted(log.lines)).toBe(false);
      expectSameAnswers(repo, sql);
    } finally {
      cache.close();
    }
  });

  it('is done on its own after the save that follows a large build, with the same answers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { cache, repo, log } = await builtAndSaved(10_000);
    try {
      // Over 4 000 matches, the SQL search pages by name, not by relevance: the built index is the reference here.
      const answers = () => QUERIES.map((q) => ({ q, ...repo.search(q) }));
      const built = answers();
      // The save waits three quiet seconds; then the compaction follows it.
      vi.advanceTimersByTime(3000);
      await until(() => compacted(log.lines), 30_000);
      expect(compacted(log.lines)).toBe(true);
      expect(existsSync(join(cache.dir, SNAPSHOT_FILE_NAME))).toBe(true);
      expect(answers()).toEqual(built);
    } finally {
      vi.useRealTimers();
      cache.close();
    }
  });

  it('shares equal filter keys without changing a value', () => {
    const cols = createSlotColumns();
    const they = (): string => encodeFilterKeys(['12'], [['3', 'they/them', 'they/them']]);
    cols.filterKeys.push(they(), NO_FILTER_KEYS, they(), encodeFilterKeys(['12'], []));
    cols.nextSlot = 4;
    const before = [...cols.filterKeys];
    for (const _ of shareFilterStrings(cols));
    expect(cols.filterKeys).toEqual(before);
    // And through the index: compacting keeps every filter's answer.
    const index = createSearchIndex();
    const rows: IndexedRow[] = people(300).map((u, i) => ({ ...searchRowOf(u), rowId: i + 1 }));
    index.upsert(rows);
    const filtered = QUERIES.filter((q) => q.groups.length > 0 || q.profileField !== null);
    expect(filtered.length).toBeGreaterThan(0);
    const answers = () => filtered.map((q) => index.search(q));
    const was = answers();
    const steps = index.compact();
    while (!steps.next().done);
    expect(answers()).toEqual(was);
  });

  it('is worth it only for many rows built, and a good share of the index', () => {
    expect(worthCompacting(9_999, 9_999)).toBe(false);
    expect(worthCompacting(10_000, 10_000)).toBe(true);
    expect(worthCompacting(10_000, 100_000)).toBe(true);
    expect(worthCompacting(10_000, 100_001)).toBe(false);
    expect(worthCompacting(0, 0)).toBe(false);
  });
});
