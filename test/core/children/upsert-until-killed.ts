// Child of users-repo.test.ts: writes a large batch of users through the real
// repository and prints one line per committed chunk ("committed <done>"),
// so the parent can SIGKILL it in the middle of the batch and check what a
// crash leaves behind.
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { createUsersRepo } from '@core/store/users-repo';
import type { UserWrite } from '@core/store/users-rows';
import type { DirectoryUser } from '@shared/model';

function user(i: number): DirectoryUser {
  return {
    connectionId: 'conn-a',
    kind: 'zulip',
    userId: String(i),
    name: `Crash Test ${i}`,
    username: null,
    email: `crash${i}@example.com`,
    deliveryEmail: null,
    role: 'member',
    isBot: false,
    bot: null,
    deactivated: false,
    timezone: null,
    joinedAt: null,
    updatedAt: null,
    presence: null,
    status: null,
    avatar: { kind: 'none' },
    groups: [],
    profileFields: [],
    bio: 'x'.repeat(300),
    gender: null,
    dateOfBirth: null,
    extra: {},
  };
}

export async function main(args: {
  dir: string;
  count: number;
  chunkRows: number;
}): Promise<unknown> {
  const cache = openDatabase(databasePath(args.dir), { log: silentLogger, now: Date.now });
  const users = createUsersRepo(cache, { now: Date.now });
  const records: UserWrite[] = Array.from({ length: args.count }, (_, i) => ({
    user: user(i),
    raw: { id: i, padding: 'p'.repeat(500) },
    fetchedAt: Date.now(),
  }));
  const counts = await users.upsertBatch(records, {
    maxChunkRows: args.chunkRows,
    chunkBudgetMs: 60_000,
    onChunk: (r) => process.stdout.write(`committed ${r.done}\n`),
  });
  cache.close();
  return counts;
}
