// The sync worker as Electron's main build emits it (electron.vite.config.ts):
// out/main/sync-worker.js exists beside index.js, index.js starts it by that
// name, it needs nothing of Electron, and it syncs a directory when run as a
// worker thread of plain Node (core from source, the built worker file).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { openTestCore } from '../core/core-fixture';
import { ROOT } from './harness';

const BUILT = join(ROOT, 'out/main/sync-worker.js');

let zulip: ZulipFake;
beforeAll(async () => {
  zulip = await startZulipFake({ seed: 31, count: 400 });
});
afterAll(async () => {
  await zulip.close();
});

describe('the built sync worker', () => {
  it('is its own entry of the main build, started by index.js, free of Electron', () => {
    expect(existsSync(BUILT)).toBe(true);
    expect(readFileSync(join(ROOT, 'out/main/index.js'), 'utf8')).toMatch(
      /["']sync-worker\.js["']/,
    );
    expect(readFileSync(BUILT, 'utf8')).not.toMatch(/require\(["']electron["']\)/);
  });

  it('syncs a directory as a worker thread of plain Node', async () => {
    let started = 0;
    const t = await openTestCore({
      startSyncWorker: () => {
        started++;
        return new Worker(BUILT);
      },
    });
    try {
      const { connection } = await t.call('connections:save', {
        draft: {
          kind: 'zulip',
          label: 'Z',
          baseUrl: zulip.url,
          loginEmail: zulip.admin.email,
          secret: zulip.admin.apiKey,
        },
        skipTest: true,
      });
      const summary = await t.call('directory:sync', { connectionId: connection.id });
      expect(started).toBe(1);
      expect(summary).toMatchObject({ total: 400, added: 400, gone: 0 });
      const found = await t.call('users:search', { connectionIds: [connection.id], limit: 1 });
      expect(found.total).toBe(400);
      expect(t.logLines.filter((l) => / ERROR /.test(l))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
