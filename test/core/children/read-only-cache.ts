// A core opened over a user-data folder it may not write (issue 13, class
// 9), run as a user the folder's permission bits apply to (the tests run as
// root, which ignores them): reports what the window would show.
import { openTestCore } from '../core-fixture';

/** Opens the core over `dir`, reads what the window reads, and closes it. */
export async function main(args: { dir: string; query: string }): Promise<unknown> {
  const t = await openTestCore({ userDataDir: args.dir });
  try {
    const info = await t.call('app:info', {});
    const all = await t.call('users:search', { limit: 500 });
    const found = await t.call('users:search', { text: args.query, limit: 50 });
    const first = all.items[0];
    const record = first
      ? await t.result('users:get', { connectionId: first.connectionId, userId: first.userId })
      : null;
    const removal = first ? await t.result('connections:remove', { id: first.connectionId }) : null;
    return {
      database: info.database,
      counts: info.counts,
      total: all.total,
      names: all.items.map((u) => u.name),
      found: found.items.map((u) => u.name),
      record: record?.ok ? record.value.user.name : record,
      removal: removal?.ok ? 'removed' : removal?.error,
    };
  } finally {
    await t.close();
  }
}
