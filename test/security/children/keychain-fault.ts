// Child of keychain-faults.test.ts: the real core with the real keytar store,
// run in a D-Bus session the parent made for one fault. With `locked` or
// `killed` it first saves the key into that session's keyring and looks a
// user up over the network, then locks the keyring (D-Bus Lock) or kills
// its daemon; with `missing` the session never had a Secret Service. Then it
// times every channel that needs (or must not need) the key, and returns
// what each answered. `killed` reads the daemon's pid from ROLLCALL_KEYRING_PID.
import { spawnSync } from 'node:child_process';
import { openCore } from '@core/open-core';
import { createLogger } from '@core/log';
import { createKeytarSecretStore } from '@core/store/secrets';

/** A keychain call stuck in a native thread must not keep this process alive. */
export const exitHard = true;

function secretServiceUp(): boolean {
  const r = spawnSync(
    'dbus-send',
    [
      '--session',
      '--dest=org.freedesktop.DBus',
      '--print-reply',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      'string:org.freedesktop.secrets',
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 && /boolean true/.test(r.stdout);
}

export async function main(args: {
  mode: 'missing' | 'locked' | 'killed';
  dir: string;
  connectionId: string;
  cachedUserId: string;
  baseUrl: string;
  loginEmail: string;
  secret: string;
}): Promise<unknown> {
  const events: { event: string; payload: unknown }[] = [];
  const logLines: string[] = [];
  const core = await openCore({
    appVersion: '0.0.0-keychain',
    userDataDir: args.dir,
    fetch: (input, init) => fetch(input, init),
    secrets: createKeytarSecretStore(),
    now: () => Date.now(),
    emit: (event, payload) => events.push({ event, payload }),
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log: createLogger((line) => logLines.push(line)),
  });
  const timed = async (channel: string, arg: unknown) => {
    const started = Date.now();
    const result = await core.dispatch(channel, arg);
    return { channel, ms: Date.now() - started, result };
  };

  const before: unknown[] = [];
  if (args.mode !== 'missing') {
    before.push(
      await timed('connections:save', {
        id: args.connectionId,
        draft: {
          kind: 'zulip',
          label: 'Keychain faults',
          baseUrl: args.baseUrl,
          loginEmail: args.loginEmail,
          secret: args.secret,
        },
        skipTest: true,
      }),
    );
    before.push(
      await timed('users:lookup', {
        connectionId: args.connectionId,
        ref: args.cachedUserId,
        waitForNetwork: true,
      }),
    );
    if (args.mode === 'locked') {
      spawnSync('dbus-send', [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        'array:objpath:/org/freedesktop/secrets/collection/login',
      ]);
    } else {
      process.kill(Number(process.env.ROLLCALL_KEYRING_PID), 'SIGKILL');
      for (let i = 0; i < 50 && secretServiceUp(); i++)
        await new Promise((r) => setTimeout(r, 100));
    }
  }

  const after = [
    await timed('app:info', {}),
    await timed('users:lookup', {
      connectionId: args.connectionId,
      ref: args.cachedUserId,
      waitForNetwork: true,
    }),
    await timed('users:lookup', { connectionId: args.connectionId, ref: args.cachedUserId }),
    await timed('users:get', { connectionId: args.connectionId, userId: args.cachedUserId }),
    await timed('users:search', { connectionIds: [args.connectionId], limit: 5 }),
    await timed('directory:sync', { connectionId: args.connectionId }),
    await timed('connections:test', { id: args.connectionId }),
    await timed('connections:list', {}),
  ];
  // The background refresh of the cache-first lookup reports through an event.
  const started = Date.now();
  while (!events.some((e) => e.event === 'users:refreshed') && Date.now() - started < 20_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const refreshed = events.find((e) => e.event === 'users:refreshed')?.payload ?? null;
  await core.close();
  return { before, after, refreshed, refreshedMs: Date.now() - started, logLines };
}
