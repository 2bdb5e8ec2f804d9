// The keychain: the real keytar store against gnome-keyring in the private
// D-Bus session of `npm test` (a second process reads what the first wrote),
// with no Secret Service at all, with the keyring locked and with it frozen
// (the time box); plus the error words per platform and the in-memory store.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  classifyKeychainError,
  createKeytarSecretStore,
  createMemorySecretStore,
  keychainAdvice,
  PROBE_ACCOUNT,
  type KeytarModule,
  type SecretStore,
} from '@core/store/secrets';
import { createKeychainQueue, QueueRefusal } from '@core/store/keychain-queue';
import { RollcallFailure, type RollcallError } from '@shared/errors';
import { startBareBus } from '../fakes/bare-bus';
import { KEYCHAIN_TESTS, reportKeychainSkip, runTsChild, tempDir } from './cache-fixtures';

async function failureOf(run: () => Promise<unknown>): Promise<RollcallError> {
  try {
    await run();
  } catch (thrown) {
    if (thrown instanceof RollcallFailure) return thrown.error;
    throw thrown;
  }
  throw new Error('expected a RollcallFailure');
}

describe('keychain errors', () => {
  it('classifies what libsecret, macOS and a missing library really say', () => {
    // Seen on this machine (libsecret through keytar):
    expect(classifyKeychainError('Cannot autolaunch D-Bus without X11 $DISPLAY')).toBe('missing');
    expect(classifyKeychainError('Could not connect: No such file or directory')).toBe('missing');
    expect(
      classifyKeychainError(
        'The name org.freedesktop.secrets was not provided by any .service files',
      ),
    ).toBe('missing');
    expect(classifyKeychainError('Cannot create an item in a locked collection')).toBe('locked');
    expect(
      classifyKeychainError(
        'libsecret-1.so.0: cannot open shared object file: No such file or directory',
      ),
    ).toBe('missing');
    // Reported by keytar on other systems:
    expect(classifyKeychainError('Prompt dismissed by the user')).toBe('locked');
    expect(classifyKeychainError('User interaction is not allowed.')).toBe('locked');
    expect(classifyKeychainError('The user name or passphrase you entered is not correct.')).toBe(
      'locked',
    );
    expect(classifyKeychainError('Timeout was reached')).toBe('unknown');
  });

  it('tells each platform what to do', () => {
    expect(keychainAdvice('missing', 'linux')).toMatch(/sudo apt install gnome-keyring/);
    expect(keychainAdvice('missing', 'linux')).toMatch(/KWallet/);
    expect(keychainAdvice('missing', 'linux')).toMatch(/log out and in/);
    expect(keychainAdvice('locked', 'linux')).toMatch(/Unlock it/);
    expect(keychainAdvice('locked', 'darwin')).toMatch(
      /Keychain Access.*unlock the "login" keychain/,
    );
    expect(keychainAdvice('missing', 'win32')).toMatch(/Credential Manager/);
  });
});

describe('the in-memory store (for unit tests of callers)', () => {
  it('keeps, lists and deletes secrets, and can play an unavailable keychain', async () => {
    const store = createMemorySecretStore({ 'conn-1': 'one' });
    await store.set('conn-2', 'two');
    expect(await store.get('conn-1')).toBe('one');
    expect((await store.list()).sort()).toEqual(['conn-1', 'conn-2']);
    expect(await store.delete('conn-1')).toBe(true);
    expect(await store.delete('conn-1')).toBe(false);
    expect(await store.get('conn-1')).toBeNull();
    expect(await store.probe()).toEqual({ state: 'available', message: null });

    store.setUnavailable('locked');
    const error = await failureOf(() => store.get('conn-2'));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect((await store.probe()).state).toBe('locked');
    store.setUnavailable(null);
    expect(await store.get('conn-2')).toBe('two');
  });

  it('refuses account names that are not connection IDs, and empty secrets', async () => {
    const store = createMemorySecretStore();
    expect((await failureOf(() => store.set('../etc', 'x'))).code).toBe('INVALID_INPUT');
    expect((await failureOf(() => store.set('conn-1', ''))).field).toBe('secret');
    expect((await failureOf(() => store.set('conn-1', 'k'.repeat(5000)))).field).toBe('secret');
  });
});

describe('the keytar store, on how keytar fails (a stand-in module)', () => {
  const silent: KeytarModule = {
    getPassword: async () => null,
    setPassword: async () => {},
    deletePassword: async () => false,
    findCredentials: async () => [],
  };

  it('turns a keytar that cannot load (no libsecret) into KEYCHAIN_UNAVAILABLE, and retries later', async () => {
    let loads = 0;
    const store = createKeytarSecretStore({
      platform: 'linux',
      loadKeytar: async () => {
        loads++;
        throw new Error(
          'libsecret-1.so.0: cannot open shared object file: No such file or directory',
        );
      },
    });
    const error = await failureOf(() => store.get('conn-1'));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(error.message).toMatch(/sudo apt install gnome-keyring/);
    expect(error.message).toMatch(/libsecret-1\.so\.0/);
    expect(await store.probe()).toMatchObject({ state: 'missing' });
    expect(loads).toBe(2);
  });

  it('gives up after the time box, and sends nothing more until the stuck call ends', async () => {
    let release: () => void = () => {};
    let calls = 0;
    const store = createKeytarSecretStore({
      timeoutMs: 50,
      queue: createKeychainQueue(),
      loadKeytar: async () => ({
        ...silent,
        getPassword: () => {
          calls++;
          // The first call hangs until released; later ones answer at once.
          if (calls > 1) return Promise.resolve('answered');
          return new Promise<string | null>((r) => (release = () => r('late')));
        },
      }),
    });
    const first = await failureOf(() => store.get('conn-1'));
    expect(first.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(first.message).toMatch(/did not answer within 1 s/);
    // The second waits its own box for the stuck run, then fails without running.
    const second = await failureOf(() => store.get('conn-1'));
    expect(second.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(second.message).toMatch(/did not answer an earlier request/);
    expect(calls).toBe(1); // the second call never reached keytar
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.get('conn-1')).toBe('answered'); // works again once the stuck call ended
    expect(calls).toBe(2);
  });

  it('starts the time box when a call leaves the queue: waiting in line is not slowness', async () => {
    // Each call takes 60 % of the box; twenty in line take twelve boxes in all.
    const box = 200;
    let inFlight = 0;
    let most = 0;
    const store = createKeytarSecretStore({
      timeoutMs: box,
      queue: createKeychainQueue(),
      loadKeytar: async () => ({
        ...silent,
        getPassword: async (_service, account) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, box * 0.6));
          inFlight--;
          return `secret-of-${account}`;
        },
      }),
    });
    const accounts = Array.from({ length: 20 }, (_, i) => `conn-${i}`);
    const answers = await Promise.all(accounts.map((a) => store.get(a)));
    expect(answers).toEqual(accounts.map((a) => `secret-of-${a}`));
    expect(most).toBe(1); // still one at a time
  });

  it('fails the calls behind a run that stays stuck, each after its own time box', async () => {
    const queue = createKeychainQueue();
    let release: () => void = () => {};
    const hung = queue.run(() => new Promise<string>((r) => (release = () => r('late'))), 50);
    let ran = 0;
    const behind = [1, 2, 3].map((n) =>
      queue.run(async () => {
        ran++;
        return n;
      }, 50),
    );
    const outcomes = await Promise.allSettled([hung, ...behind]);
    const reasons = outcomes.map((o) =>
      o.status === 'rejected' && o.reason instanceof QueueRefusal ? o.reason.reason : o.status,
    );
    expect(reasons).toEqual(['timed-out', 'stuck', 'stuck', 'stuck']);
    expect(ran).toBe(0); // nothing was sent while the first run was stuck
    // A call arriving while the run is still stuck waits its own box too, then fails.
    await expect(queue.run(async () => 'new', 50)).rejects.toMatchObject({ reason: 'stuck' });
    release();
    await (outcomes[0] as PromiseRejectedResult).reason.late;
    expect(await queue.run(async () => 'after', 50)).toBe('after');
  });

  it('lets the calls behind a slow moment through once the slow run ends', async () => {
    // The first run outlives its 50 ms box but ends at 100 ms; the calls behind
    // it (each with a 2 s box) wait for it and then run: one slow moment of the
    // keyring costs the one call that ran into it, not everyone after.
    const queue = createKeychainQueue();
    const slow = queue.run(() => new Promise<string>((r) => setTimeout(() => r('late'), 100)), 50);
    const behind = [1, 2, 3].map((n) => queue.run(async () => n, 2_000));
    await expect(slow).rejects.toMatchObject({ reason: 'timed-out' });
    const arriving = queue.run(async () => 'arrived while stuck', 2_000);
    expect(await Promise.all(behind)).toEqual([1, 2, 3]);
    expect(await arriving).toBe('arrived while stuck');
  });

  it('bounds the line, and says "busy" (not "unavailable") when it is full', async () => {
    const queue = createKeychainQueue(2);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const store = createKeytarSecretStore({
      timeoutMs: 60_000,
      queue,
      loadKeytar: async () => ({
        ...silent,
        getPassword: async () => {
          await gate;
          return 'x';
        },
      }),
    });
    const running = store.get('conn-1');
    await vi.waitFor(() => expect(queue.waiting()).toBe(0));
    const waiting = [store.get('conn-2'), store.get('conn-3')];
    expect(queue.waiting()).toBe(2);
    const refused = await failureOf(() => store.get('conn-4'));
    expect(refused.code).toBe('KEYCHAIN_BUSY');
    expect(refused.message).toMatch(/too many requests waiting/);
    release();
    expect(await Promise.all([running, ...waiting])).toEqual(['x', 'x', 'x']);
    expect(await store.get('conn-4')).toBe('x');
  });

  it('passes a failure of one call on to that call alone', async () => {
    const queue = createKeychainQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    }, 1000);
    const next = queue.run(async () => 'fine', 1000);
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('fine');
  });

  it('never lets the secret into an error message', async () => {
    const secret = 'sk-thisIsTheSecretValue12345';
    const store = createKeytarSecretStore({
      loadKeytar: async () => ({
        ...silent,
        setPassword: async (_s, _a, password) => {
          throw new Error(`The stub received bad data: ${password}`);
        },
      }),
    });
    const error = await failureOf(() => store.set('conn-1', secret));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(error.message).toContain('[secret]');
  });

  it('checks that "no secret" is not a locked keyring answering nothing', async () => {
    const store = createKeytarSecretStore({
      platform: 'linux',
      loadKeytar: async () => ({
        ...silent,
        setPassword: async () => {
          throw new Error('Cannot create an item in a locked collection');
        },
      }),
    });
    const error = await failureOf(() => store.get('conn-1'));
    expect(error.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(error.message).toMatch(/locked/);
  });
});

/** Runs a shell script in a fresh private D-Bus session with its own HOME, and its output. */
function inPrivateSession(
  script: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const home = tempDir('rollcall-keyring-');
  mkdirSync(join(home, 'run'), { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: join(home, 'run'),
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  return new Promise((resolvePromise, reject) => {
    const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** A shell snippet: start an unlocked gnome-keyring and wait for its Secret Service. */
const START_KEYRING = `
printf rollcall-test | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
for i in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done
KEYRING_PID=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}')
`;

const RUN_TS = resolve(__dirname, 'children/run-ts.mjs');
const STALLED = resolve(__dirname, 'children/keychain-stalled.ts');

function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"result":'));
  if (!line) throw new Error(`no result in: ${stdout}`);
  return (JSON.parse(line) as { result: T }).result;
}

interface Timed {
  ms: number;
  value: unknown;
  error: RollcallError | null;
}

describe.runIf(KEYCHAIN_TESTS)('the keytar store against a real Secret Service', () => {
  const store: SecretStore = createKeytarSecretStore();
  const made: string[] = [];
  const account = (): string => {
    const id = randomUUID();
    made.push(id);
    return id;
  };
  afterAll(async () => {
    for (const id of made) await store.delete(id).catch(() => false);
  });

  it('stores a secret that a second process reads back and deletes', async () => {
    const id = account();
    const secret = `zulip-api-key-${randomUUID()}`;
    await store.set(id, secret);
    expect(await store.get(id)).toBe(secret);
    expect(await store.list()).toContain(id);

    const child = await new Promise<string>((resolvePromise, reject) => {
      const p = spawn(process.execPath, [
        resolve(__dirname, 'children/keytar-read-delete.mjs'),
        id,
      ]);
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.on('error', reject);
      p.on('close', () => resolvePromise(out));
    });
    expect(JSON.parse(child)).toEqual({
      sha256: createHash('sha256').update(secret).digest('hex'),
      deleted: true,
      again: null,
    });
    expect(await store.get(id)).toBeNull();
    expect(await store.list()).not.toContain(id);
    expect(await store.delete(id)).toBe(false);
  });

  it('replaces a secret, and reports the keychain available with no probe entry left behind', async () => {
    const id = account();
    await store.set(id, 'first-value');
    await store.set(id, 'second-value');
    expect(await store.get(id)).toBe('second-value');
    expect(await store.probe()).toEqual({ state: 'available', message: null });
    expect(await store.list()).not.toContain(PROBE_ACCOUNT);
    expect(await store.delete(id)).toBe(true);
  });

  it('keeps secrets with any characters exactly', async () => {
    const id = account();
    const secret = 'ключ 🔑 "quoted" \\ back\nline:colon';
    await store.set(id, secret);
    expect(await store.get(id)).toBe(secret);
  });

  it('answers 50 concurrent calls across 10 connections on a loaded machine, none "unavailable"', async () => {
    // Two busy processes per core keep the machine loaded for the whole test.
    const burners = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
    );
    try {
      const ids = Array.from({ length: 10 }, () => account());
      for (const id of ids) await store.set(id, `key-of-${id}`);
      const calls = Array.from({ length: 50 }, (_, i) => {
        const id = ids[i % ids.length]!;
        switch (i % 4) {
          case 0:
            return store.list().then((all) => ({ op: 'hasSecret', ok: Array.isArray(all) }));
          case 1:
            return store
              .get(id)
              .then((v) => ({ op: 'get', ok: v === null || v.startsWith('key-of-') }));
          case 2:
            return store.set(id, `key-of-${id}-${i}`).then(() => ({ op: 'set', ok: true }));
          default:
            return store.delete(id).then((d) => ({ op: 'delete', ok: typeof d === 'boolean' }));
        }
      });
      const settled = await Promise.allSettled(calls);
      const failures = settled.flatMap((o, i) =>
        o.status === 'rejected'
          ? [
              `call ${i}: ${o.reason instanceof RollcallFailure ? `${o.reason.error.code} ${o.reason.error.message}` : String(o.reason)}`,
            ]
          : [],
      );
      expect(failures).toEqual([]);
      expect(settled.every((o) => o.status === 'fulfilled' && o.value.ok)).toBe(true);
      // Every call really reached the keychain: the last write of each connection reads back.
      for (const [n, id] of ids.entries()) {
        const lastSet = [...Array(50).keys()].filter((i) => i % 4 === 2 && i % 10 === n).pop();
        const lastDelete = [...Array(50).keys()].filter((i) => i % 4 === 3 && i % 10 === n).pop();
        const expected =
          lastSet === undefined || (lastDelete !== undefined && lastDelete > lastSet)
            ? null
            : `key-of-${id}-${lastSet}`;
        expect(await store.get(id)).toBe(expected);
      }
    } finally {
      for (const b of burners) b.kill('SIGKILL');
    }
  });

  it('says KEYCHAIN_UNAVAILABLE, quickly, when the session has no Secret Service', async () => {
    // A bare bus: no service files, so nothing (not gnome-keyring) can be auto-started.
    const bus = await startBareBus(tempDir('rollcall-bus-'));
    try {
      const address = bus.address;
      for (const busAddress of [address, 'unix:path=/nonexistent/bus']) {
        const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress };
        delete env.DISPLAY;
        const out = await runTsChild<{
          first: Timed;
          second: Timed;
          probe: { state: string; message: string };
        }>('children/keychain-stalled.ts', { timeoutMs: 10_000 }, { env });
        expect(out.result, out.stderr).not.toBeNull();
        const { first, probe } = out.result as NonNullable<typeof out.result>;
        expect(first.error?.code).toBe('KEYCHAIN_UNAVAILABLE');
        expect(first.error?.message).toMatch(/No keychain \(Secret Service\) is running/);
        // Failed on the bus's answer, not on the 10 s time box.
        expect(first.error?.message).not.toMatch(/did not answer/);
        expect(probe.state).toBe('missing');
      }
    } finally {
      bus.stop();
    }
  });

  it('says the keyring is locked (not "no secret") when it is', async () => {
    const { stdout, stderr } = await inPrivateSession(`${START_KEYRING}
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
"${process.execPath}" "${RUN_TS}" "${STALLED}" '{"timeoutMs":10000}'
`);
    const result = lastJson<{ first: Timed; second: Timed; probe: { state: string } }>(stdout);
    expect(result.first.error?.code, stderr).toBe('KEYCHAIN_UNAVAILABLE');
    expect(result.first.error?.message).toMatch(/locked/);
    expect(result.second.error?.message).toMatch(/locked/);
    expect(result.second.error?.message).not.toContain('stalled-secret-value');
    expect(result.probe.state).toBe('locked');
  });

  it('stops waiting for a keyring that does not answer, and does not pile up calls', async () => {
    const { stdout, stderr } = await inPrivateSession(`${START_KEYRING}
kill -STOP "$KEYRING_PID"
"${process.execPath}" "${RUN_TS}" "${STALLED}" '{"timeoutMs":1500}'
kill -CONT "$KEYRING_PID"
`);
    const result = lastJson<{
      first: Timed;
      second: Timed;
      probe: { state: string; message: string };
    }>(stdout);
    expect(result.first.error?.code, stderr).toBe('KEYCHAIN_UNAVAILABLE');
    expect(result.first.error?.message).toMatch(/did not answer within 2 s/);
    expect(result.first.ms).toBeGreaterThanOrEqual(1400);
    expect(result.first.ms).toBeLessThan(20_000); // libsecret alone would wait 25 s
    expect(result.second.error?.message).toMatch(/did not answer/);
    // Failed fast: refused while the first is stuck, so no second stuck thread.
    expect(result.second.error?.message).toMatch(/did not answer an earlier request/);
    expect(result.probe.state).toBe('unknown');
  });
});

if (!KEYCHAIN_TESTS) {
  it('skips the real-keychain tests outside the private keyring', () => {
    reportKeychainSkip('secrets.test.ts real keychain tests');
    expect(KEYCHAIN_TESTS).toBe(false);
  });
}
