/**
 * Hosts one fake server (test/fakes) in a process of its own, so the server's
 * work never lands on the event loop of the core being measured, just as a
 * real server is elsewhere. Started by lib/fake-process.ts through
 * ts-runner.mjs; tells its parent where it listens and which user IDs to
 * look up, then serves until the parent says `close` or goes away.
 *
 * Runs in Node (a child of a bench suite).
 */
import { startOpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake } from '../fakes/zulip-fake';
import type { FakeTarget } from './lib/bench-core';

/** What the parent asks for. */
export interface FakeHostArgs {
  kind: 'zulip' | 'openwebui';
  count: number;
  seed: number;
  /** How many user IDs to hand back for lookups. */
  sampleIds: number;
  /** Give one active member a name this many characters long (issue 13's hostile field). */
  hugeFieldChars?: number;
}

/** What the host tells its parent once listening. */
export interface FakeHostReady {
  type: 'ready';
  target: FakeTarget;
  /** Users of varied kinds, spread over the directory, for lookups. */
  sampleIds: string[];
  users: number;
}

/** Picks `n` IDs spread evenly over a list. */
function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length === 0 || n <= 0) return [];
  const step = items.length / n;
  return Array.from(
    { length: Math.min(n, items.length) },
    (_, i) => items[Math.floor(i * step)] as T,
  );
}

/** Starts the fake and serves until told to stop. */
export async function main(args: FakeHostArgs): Promise<{ requests: number }> {
  if (!process.send) throw new Error('fake-host needs an IPC channel to its parent');
  let ready: FakeHostReady;
  let close: () => Promise<void>;
  let requests: () => number;
  if (args.kind === 'zulip') {
    const fake = await startZulipFake({ seed: args.seed, count: args.count });
    const huge = fake.directory.members.find((m) => m.is_active && !m.is_bot);
    if (args.hugeFieldChars && huge) fake.renameUser(huge.user_id, 'n'.repeat(args.hugeFieldChars));
    ready = {
      type: 'ready',
      target: { kind: 'zulip', url: fake.url, email: fake.admin.email, apiKey: fake.admin.apiKey },
      sampleIds: spread(
        fake.directory.members.filter((m) => m.is_active),
        args.sampleIds,
      ).map((m) => String(m.user_id)),
      users: fake.directory.members.length,
    };
    close = () => fake.close();
    requests = () => fake.requests.length;
  } else {
    const fake = await startOpenWebUIFake({ seed: args.seed, count: args.count });
    const huge = fake.directory.users[1];
    if (args.hugeFieldChars && huge) fake.renameUser(huge.id, 'n'.repeat(args.hugeFieldChars));
    ready = {
      type: 'ready',
      target: { kind: 'openwebui', url: fake.url, apiKey: fake.adminKey },
      sampleIds: spread(fake.directory.users, args.sampleIds).map((u) => u.id),
      users: fake.directory.users.length,
    };
    close = () => fake.close();
    requests = () => fake.requests.length;
  }
  // The request log grows with every page served; a 100k sync is thousands of entries, fine.
  await new Promise<void>((done) => {
    process.on('message', (message) => {
      if (message === 'close') done();
    });
    process.on('disconnect', () => done());
    process.send?.(ready);
  });
  const served = requests();
  await close();
  return { requests: served };
}
