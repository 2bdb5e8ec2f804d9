// Quitting right after a sync: core's close saves the search index the sync
// changed (the save that waits for a quiet moment had not run yet), so the
// next start reads it instead of building it from the cache (16 s at
// 300 000 users, with the slower SQL search meanwhile). The sync runs in the
// worker, as in the app.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { startSourceSyncWorker } from '../support/sync-worker';
import { addZulip, openTestCore, type TestCore } from './core-fixture';

const SLOW = 120_000;

let zulip: ZulipFake;
beforeAll(async () => {
  zulip = await startZulipFake({ seed: 33, count: 800 });
});
afterAll(async () => {
  await zulip.close();
});

/** When the log said the index was ready, and from what. */
async function indexReady(t: TestCore): Promise<string> {
  for (;;) {
    const line = t.logLines.find((l) => l.includes('search index ready'));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it(
  'a sync just before quitting is in the saved index the next start reads',
  async () => {
    const first = await openTestCore({ keepDir: true, startSyncWorker: startSourceSyncWorker });
    const dir = first.userDataDir;
    const file = join(dir, SNAPSHOT_FILE_NAME);
    let next: TestCore | null = null;
    try {
      await indexReady(first);
      const connection = await addZulip(first, zulip);
      const summary = await first.call('directory:sync', { connectionId: connection.id });
      expect(summary.added).toBe(800);
      // Quit at once: the save that waits for three quiet seconds has not run.
      expect(existsSync(file)).toBe(false);
      await first.close();
      expect(existsSync(file)).toBe(true);

      next = await openTestCore({ userDataDir: dir, startSyncWorker: startSourceSyncWorker });
      expect(await indexReady(next)).toContain('saved index');
      // The window hears that searches are answered by the index now.
      expect(next.eventsOf('directory:search-ready')).toEqual([null]);
      const all = await next.call('users:search', { connectionIds: [connection.id], limit: 1 });
      expect(all.total).toBe(800);
      const someone = zulip.directory.members[17];
      if (!someone) throw new Error('the fake has no 18th member');
      const found = await next.call('users:search', { text: someone.full_name, limit: 60 });
      expect(found.items.map((u) => u.userId)).toContain(String(someone.user_id));
    } finally {
      await next?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  SLOW,
);
