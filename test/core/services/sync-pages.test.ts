/**
 * The body of a sync (services/sync-pages.ts) over a stand-in provider and
 * a recording users repository: pages held back into batches
 * (`batchRows`, the sync worker's way) are written in fewer calls, with
 * chunks that start small and grow, and report the same counts and phases
 * as pages written one at a time.
 */
import { describe, expect, it } from 'vitest';
import type { DirectoryPage } from '@core/providers/types';
import { syncPages, type SyncPagesDeps, type ProgressChange } from '@core/services/sync-pages';
import type { UpsertBatchOptions } from '@core/store/users-write';
import type { UserWrite } from '@core/store/users-rows';
import { fetched, page, standInProvider, zulipContext } from './service-fixtures';

const CONNECTION = 'c1';
const PAGE_ROWS = 500;
const PAGES = 9;

function pages(): DirectoryPage[] {
  const context = zulipContext(1);
  return Array.from({ length: PAGES }, (_, p) =>
    page(
      Array.from({ length: PAGE_ROWS }, (_, k) => fetched(CONNECTION, `u${p * PAGE_ROWS + k}`)),
      (p + 1) * PAGE_ROWS,
      PAGES * PAGE_ROWS,
      context,
    ),
  );
}

interface Call {
  rows: number;
  maxChunkRows: number | undefined;
}

async function run(
  extra: Pick<SyncPagesDeps, 'batchRows' | 'chunks'>,
): Promise<{ calls: Call[]; progress: ProgressChange[]; stored: string[]; added: number }> {
  const calls: Call[] = [];
  const progress: ProgressChange[] = [];
  const stored: string[] = [];
  const provider = standInProvider('zulip', {
    async *fetchDirectory() {
      yield* pages();
    },
  });
  const counts = await syncPages(
    {
      provider,
      session: {
        connectionId: CONNECTION,
        baseUrl: 'https://z.invalid',
        loginEmail: null,
        secret: 'k',
      },
      users: {
        async upsertBatch(records: readonly UserWrite[], options: UpsertBatchOptions) {
          calls.push({ rows: records.length, maxChunkRows: options.maxChunkRows });
          for (const r of records) stored.push(r.user.userId);
          return { added: records.length, updated: 0, unchanged: 0 };
        },
        async markMissingAsGone() {
          return 0;
        },
      },
      contexts: { store: async () => {} },
      now: () => 1,
      answered: () => {},
      progress: (change) => progress.push(change),
      ...extra,
    },
    new AbortController().signal,
    1,
  );
  return { calls, progress, stored, added: counts.added };
}

const phases = (progress: ProgressChange[]): string[] =>
  progress.flatMap((p) => (p.phase ? [p.phase] : [])).filter((p, i, all) => p !== all[i - 1]);

describe('syncPages', () => {
  it('writes each page as it comes by default', async () => {
    const { calls, added } = await run({});
    expect(calls.map((c) => c.rows)).toEqual(Array(PAGES).fill(PAGE_ROWS));
    expect(added).toBe(PAGES * PAGE_ROWS);
  });

  it('holds pages into batches, with small chunks first, and reports alike', async () => {
    const one = await run({});
    const batched = await run({
      batchRows: 2000,
      chunks: { maxChunkRows: 8000, chunkBudgetMs: 2000 },
    });
    // 4 pages a batch, and the last page on its own after the fetch.
    expect(batched.calls.map((c) => c.rows)).toEqual([2000, 2000, 500]);
    // The first batch's chunks are at most 1 000 rows; later ones grow with the run.
    expect(batched.calls.map((c) => c.maxChunkRows)).toEqual([1000, 2000, 4000]);
    expect(batched.stored).toEqual(one.stored);
    expect(batched.added).toBe(one.added);
    expect(phases(batched.progress)).toEqual(phases(one.progress));
    expect(batched.progress.at(-1)?.phase).toBe('reconciling');
  });
});
