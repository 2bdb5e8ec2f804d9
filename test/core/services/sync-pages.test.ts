/**
 * The body of a sync (services/sync-pages.ts) over a stand-in provider and
 * a recording users repository: pages held back into batches
 * (`batchRows`, the sync worker's way) are written in fewer calls, with
 * chunks that start small and grow, and report the same counts and phases
 * as pages written one at a time.
 */
import { describe, expect, it } from 'vitest';
import type { DirectoryPage } from '@core/providers/types';
import { fail, RollcallFailure } from '@shared/errors';
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
  pooled: boolean | undefined;
}

interface Run {
  calls: Call[];
  progress: ProgressChange[];
  stored: string[];
  added: number;
  updated: number;
  /** The repository's calls in order: 'upsert', 'settle' and 'missing'. */
  order: string[];
  error: unknown;
}

/**
 * Runs a sync over `fetch` (every page by default); a failure is returned,
 * not thrown, with what was stored before it.
 */
async function run(
  extra: Pick<SyncPagesDeps, 'batchRows' | 'chunks'>,
  fetch: () => AsyncGenerator<DirectoryPage, void, void> = async function* () {
    yield* pages();
  },
  signal: AbortSignal = new AbortController().signal,
  /** What `settleWrites` says, as a write pool that had to write a chunk again would. */
  settled = { added: 0, updated: 0, unchanged: 0 },
  directoryInOneAnswer?: boolean,
): Promise<Run> {
  const calls: Call[] = [];
  const progress: ProgressChange[] = [];
  const stored: string[] = [];
  const order: string[] = [];
  const provider = {
    ...standInProvider('zulip', { fetchDirectory: fetch }),
    ...(directoryInOneAnswer === undefined ? {} : { directoryInOneAnswer }),
  };
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
          calls.push({
            rows: records.length,
            maxChunkRows: options.maxChunkRows,
            pooled: options.pooled,
          });
          order.push('upsert');
          // As the real repository does: a cancelled signal writes nothing more.
          if (options.signal?.aborted) fail('CANCELLED', 'cancelled');
          for (const r of records) stored.push(r.user.userId);
          return { added: records.length, updated: 0, unchanged: 0 };
        },
        async settleWrites() {
          order.push('settle');
          return settled;
        },
        async markMissingAsGone() {
          order.push('missing');
          return 0;
        },
        // No user is cached: every member comes as a fetched user.
        knownSources: () => new Map(),
      },
      contexts: { store: async () => {} },
      now: () => 1,
      answered: () => {},
      progress: (change) => progress.push(change),
      ...extra,
    },
    signal,
    1,
  ).then(
    (counts) => ({ added: counts.added, updated: counts.updated, error: null }),
    (error: unknown) => ({ added: 0, updated: 0, error }),
  );
  return { calls, progress, stored, order, ...counts };
}

const codeOf = (error: unknown): string | null =>
  error instanceof RollcallFailure ? error.error.code : null;

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

  const idsOf = (from: number, to: number): string[] =>
    Array.from({ length: to - from }, (_, k) => `u${from + k}`);

  it('writes the pages it held when the fetch fails part-way, then reports the failure', async () => {
    const failed = await run({ batchRows: 2000 }, async function* () {
      yield* pages().slice(0, 3);
      fail('RATE_LIMITED', 'still rate limited after retrying');
    });
    expect(codeOf(failed.error)).toBe('RATE_LIMITED');
    // The three pages fetched before the 429 are stored, as one page at a time would have.
    expect(failed.stored).toEqual(idsOf(0, 3 * PAGE_ROWS));
    // Nobody is marked gone by a sync that did not finish.
    expect(failed.progress.some((p) => p.phase === 'reconciling')).toBe(false);
  });

  it('writes the pages it held when the sync is cancelled between pages', async () => {
    const controller = new AbortController();
    const cancelled = await run(
      { batchRows: 2000 },
      async function* () {
        yield* pages().slice(0, 2);
        controller.abort();
        // A provider that goes on after the cancel: its page is not waited for.
        yield* pages().slice(2, 5);
      },
      controller.signal,
    );
    expect(codeOf(cancelled.error)).toBe('CANCELLED');
    expect(cancelled.stored.slice(0, 2 * PAGE_ROWS)).toEqual(idsOf(0, 2 * PAGE_ROWS));
    // What was held when the batch filled is kept; nothing is written twice.
    expect(new Set(cancelled.stored).size).toBe(cancelled.stored.length);
    expect(cancelled.stored.length).toBeLessThanOrEqual(5 * PAGE_ROWS);
  });

  it('waits for the writes still under way before marking who is gone, and counts what they found', async () => {
    const done = await run({ batchRows: 2000 }, undefined, undefined, {
      added: -1,
      updated: 1,
      unchanged: 0,
    });
    expect(done.order).toEqual(['upsert', 'upsert', 'upsert', 'settle', 'missing']);
    expect(done.added).toBe(PAGES * PAGE_ROWS - 1);
    expect(done.updated).toBe(1);
    // A sync that fails waits for them too, before it reports.
    const failed = await run({ batchRows: 2000 }, async function* () {
      yield* pages().slice(0, 5);
      fail('TIMEOUT', 'the server stopped answering');
    });
    expect(codeOf(failed.error)).toBe('TIMEOUT');
    expect(failed.order).toEqual(['upsert', 'upsert', 'settle']);
  });

  it('asks for the write pool only when the directory came in one answer', async () => {
    const inOne = await run({ batchRows: 2000 }, undefined, undefined, undefined, true);
    expect(inOne.calls.map((c) => c.pooled)).toEqual([true, true, true]);
    const paged = await run({ batchRows: 2000 }, undefined, undefined, undefined, false);
    expect(paged.calls.map((c) => c.pooled)).toEqual([false, false, false]);
    expect((await run({ batchRows: 2000 })).calls.map((c) => c.pooled)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('with pages written as they come, a failed fetch writes nothing twice', async () => {
    const failed = await run({ batchRows: 0 }, async function* () {
      yield* pages().slice(0, 1);
      fail('TIMEOUT', 'the server stopped answering');
    });
    expect(codeOf(failed.error)).toBe('TIMEOUT');
    expect(failed.stored).toEqual(idsOf(0, PAGE_ROWS));
    expect(failed.calls).toHaveLength(1);
  });
});
