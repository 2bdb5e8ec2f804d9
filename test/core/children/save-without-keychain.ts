// Child of connections-repo.test.ts: run with a D-Bus session that has no
// Secret Service. Tries to save a connection through the real keytar store
// and reports the error, the store's probe, and how many rows were written.
import { createConnectionsRepo } from '@core/store/connections-repo';
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { createKeytarSecretStore } from '@core/store/secrets';
import { RollcallFailure, type RollcallError } from '@shared/errors';

export async function main(args: { dir: string; secret: string }): Promise<unknown> {
  const cache = openDatabase(databasePath(args.dir), { log: silentLogger, now: Date.now });
  const secrets = createKeytarSecretStore({ timeoutMs: 10_000 });
  const repo = createConnectionsRepo(cache, { secrets, now: Date.now });
  let error: RollcallError | null = null;
  const started = Date.now();
  try {
    await repo.save({
      kind: 'zulip',
      label: 'No keychain',
      baseUrl: 'https://chat.example.com',
      loginEmail: 'admin@example.com',
      secret: args.secret,
    });
  } catch (thrown) {
    if (!(thrown instanceof RollcallFailure)) throw thrown;
    error = thrown.error;
  }
  const ms = Date.now() - started;
  const rows = (cache.db.prepare('SELECT count(*) AS n FROM connections').get() as { n: number }).n;
  const probe = await secrets.probe();
  cache.close();
  return { error, rows, probe, ms };
}
