// Child of crash.test.ts: the real core over a user-data folder, syncing one
// connection against a fake in the parent. Prints "ready" once the cache is
// open, then one line per sync progress event ("progress <phase> <done>"),
// synchronously (stdout is a pipe), so every count the parent reads was
// committed before it was printed. The parent SIGKILLs it at random points.
import { openCore } from '@core/open-core';
import { silentLogger } from '@core/log';
import { createKeytarSecretStore, createMemorySecretStore } from '@core/store/secrets';

export async function main(args: {
  dir: string;
  connectionId: string;
  /** Only without the test keychain: the key for the in-memory store. */
  secret?: string;
}): Promise<unknown> {
  const secrets = process.env.ROLLCALL_TEST_KEYCHAIN
    ? createKeytarSecretStore()
    : createMemorySecretStore(args.secret ? { [args.connectionId]: args.secret } : {});
  const core = await openCore({
    appVersion: '0.0.0-crash',
    userDataDir: args.dir,
    fetch: (input, init) => fetch(input, init),
    secrets,
    now: () => Date.now(),
    emit: (event, payload) => {
      if (event !== 'directory:sync-progress') return;
      const p = payload as { phase: string; done: number };
      process.stdout.write(`progress ${p.phase} ${p.done}\n`);
    },
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log: silentLogger,
  });
  process.stdout.write('ready\n');
  const result = await core.dispatch('directory:sync', { connectionId: args.connectionId });
  await core.close();
  return result;
}
