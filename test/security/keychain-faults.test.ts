// Keychain faults, each in a D-Bus session of its own (never the suite's
// keyring): no Secret Service at all, a keyring locked mid-session, and the
// keyring daemon killed mid-session. The real core with the real keytar
// store must answer KEYCHAIN_UNAVAILABLE with advice, within a bounded time,
// for everything that needs the key, and keep answering from the cache
// (marked stale) for everything that does not.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMemorySecretStore } from '@core/store/secrets';
import type { RollcallError } from '@shared/errors';
import { openTestCore } from '../core/core-fixture';
import { startBareBus } from '../fakes/bare-bus';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';

const RUN_TS = resolve(__dirname, '../core/children/run-ts.mjs');
const CHILD = resolve(__dirname, 'children/keychain-fault.ts');
/**
 * Longest any one call may take in a faulty keychain: a bound on a hang, not
 * a pace. The store's time box is 10 s a call (these faults answer in
 * milliseconds); this leaves a loaded machine room, and stays below the 25 s a D-Bus call waits for its reply by default
 * (what a call without the time box would wait, or forever on a prompt).
 */
const BOUND_MS = 20_000;

interface Timed {
  channel: string;
  ms: number;
  result: { ok: true; value: unknown } | { ok: false; error: RollcallError };
}
interface FaultReport {
  before: Timed[];
  after: Timed[];
  refreshed: { result: { ok: boolean; value?: unknown; error?: RollcallError } } | null;
  refreshedMs: number;
  logLines: string[];
}

/** Whether this machine can run the faults (they need gnome-keyring and D-Bus). */
const TOOLS = ['dbus-run-session', 'dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'].every(
  (tool) => spawnSyncOk('sh', ['-c', `command -v ${tool}`]),
);
function spawnSyncOk(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args).status === 0;
}
if (!TOOLS) console.warn('[skipped] keychain faults: gnome-keyring or D-Bus tools are missing');

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolvePromise({ stdout, stderr }));
  });
}

function report(stdout: string, stderr: string): FaultReport {
  const line = stdout.split('\n').find((l) => l.startsWith('{"result":'));
  if (!line) throw new Error(`the child reported nothing. stderr: ${stderr.slice(-3000)}`);
  return (JSON.parse(line) as { result: FaultReport }).result;
}

/** An environment of its own: HOME and XDG folders in `home`, no display, no inherited bus. */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: join(home, 'run'),
  };
  for (const v of [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'DBUS_SESSION_BUS_ADDRESS',
    'GNOME_KEYRING_CONTROL',
    'ROLLCALL_TEST_KEYCHAIN',
  ]) {
    delete env[v];
  }
  return env;
}

const START_KEYRING = `
printf rollcall-fault | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
for i in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
  sleep 0.1
done
KEYRING_PID=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}')
`;

describe.runIf(TOOLS)('keychain faults', () => {
  let zulip: ZulipFake;
  let prepared: string;
  const dirs: string[] = [];
  let connectionId = '';
  let cachedUserId = '';
  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    zulip = await startZulipFake({ count: 60 });
    // A cache with a synced connection, made with a key held in memory here:
    // the children meet it with a keychain that is missing, locked or dead.
    prepared = tempDir('rollcall-keyfault-data-');
    const t = await openTestCore({ userDataDir: prepared, secrets: createMemorySecretStore() });
    const saved = await t.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: 'Keychain faults',
        baseUrl: zulip.url,
        loginEmail: zulip.admin.email,
        secret: zulip.admin.apiKey,
      },
    });
    connectionId = saved.connection.id;
    await t.call('directory:sync', { connectionId });
    cachedUserId = String(zulip.member.userId);
    await t.close();
  });

  afterAll(async () => {
    await zulip?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function childArgs(dir: string): string {
    return JSON.stringify({
      dir,
      connectionId,
      cachedUserId,
      baseUrl: zulip.url,
      loginEmail: zulip.admin.email,
      secret: zulip.admin.apiKey,
    });
  }

  /** What every fault must give: advice, bounded times, and the cache still readable. */
  function expectFaultHandled(r: FaultReport, advice: RegExp, fault: string): void {
    const byChannel = (channel: string, nth = 0): Timed =>
      r.after.filter((t) => t.channel === channel)[nth] as Timed;
    for (const t of r.after) expect(t.ms, t.channel).toBeLessThan(BOUND_MS);

    const info = byChannel('app:info');
    expect(info.result.ok).toBe(true);
    const keychain = (
      info.result as unknown as { value: { keychain: { state: string; message: string } } }
    ).value.keychain;
    expect(keychain.state).not.toBe('available');
    expect(keychain.message).toMatch(advice);

    // A lookup that waits for the network answers from the cache, marked stale and why.
    const waited = byChannel('users:lookup', 0);
    expect(waited.result).toMatchObject({
      ok: true,
      value: {
        source: 'cache',
        stale: { code: 'KEYCHAIN_UNAVAILABLE' },
        user: { userId: cachedUserId },
      },
    });
    expect(
      (waited.result as unknown as { value: { stale: RollcallError } }).value.stale.message,
    ).toMatch(advice);
    // The cache-first lookup answers at once; its refresh then reports the fault.
    expect(byChannel('users:lookup', 1).result).toMatchObject({
      ok: true,
      value: { source: 'cache', refreshing: true },
    });
    expect(r.refreshed?.result).toMatchObject({
      ok: true,
      value: { source: 'cache', stale: { code: 'KEYCHAIN_UNAVAILABLE' } },
    });
    expect(r.refreshedMs).toBeLessThan(BOUND_MS);

    // Reading the cache needs no key.
    expect(byChannel('users:get').result).toMatchObject({
      ok: true,
      value: { user: { userId: cachedUserId } },
    });
    expect(byChannel('users:search').result).toMatchObject({ ok: true, value: { total: 60 } });
    expect(byChannel('connections:list').result.ok).toBe(true);

    // What needs the key says so, with the advice.
    for (const channel of ['directory:sync', 'connections:test']) {
      const t = byChannel(channel);
      expect(t.result, channel).toMatchObject({
        ok: false,
        error: { code: 'KEYCHAIN_UNAVAILABLE' },
      });
      expect((t.result as { error: RollcallError }).error.message, channel).toMatch(advice);
    }
    // The key never reached a log line or an answer.
    expect(JSON.stringify(r)).not.toContain(zulip.admin.apiKey);
    console.log(
      `[security] keychain fault "${fault}": state ${keychain.state}, slowest call ${Math.max(...r.after.map((t) => t.ms), r.refreshedMs)} ms: ${keychain.message.slice(0, 90)}…`,
    );
  }

  it('survives listing and probing the keychain at once (keytar crashed the process)', async () => {
    const home = tempDir('rollcall-keyfault-race-');
    const race = resolve(__dirname, 'children/keychain-race.ts');
    const { stdout, stderr } = await run(
      'dbus-run-session',
      [
        '--',
        'sh',
        '-c',
        `${START_KEYRING}\n"${process.execPath}" "${RUN_TS}" "${race}" '{"rounds":150}'`,
      ],
      isolatedEnv(home),
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"result":'));
    expect(line, stderr.slice(-1500)).toBeDefined();
    // Every round ran, and concurrent probes did not mistake a healthy keyring for a locked one.
    expect(JSON.parse(line!).result).toEqual({ listed: 300, probed: 300, errors: [] });
  });

  it('no Secret Service at all: KEYCHAIN_UNAVAILABLE with advice, the cache still answers', async () => {
    // A bare bus with no service files: nothing (not gnome-keyring) can be started on it.
    const home = tempDir('rollcall-keyfault-missing-');
    const data = join(home, 'userdata');
    cpSync(prepared, data, { recursive: true });
    const bus = await startBareBus(home);
    try {
      const address = bus.address;
      const env = { ...isolatedEnv(home), DBUS_SESSION_BUS_ADDRESS: address };
      const { stdout, stderr } = await run(
        process.execPath,
        [RUN_TS, CHILD, JSON.stringify({ ...JSON.parse(childArgs(data)), mode: 'missing' })],
        env,
      );
      const r = report(stdout, stderr);
      expectFaultHandled(
        r,
        /No keychain \(Secret Service\) is running.*GNOME Keyring or KWallet/,
        'no Secret Service',
      );
    } finally {
      bus.stop();
    }
  });

  it('a keyring locked mid-session: KEYCHAIN_UNAVAILABLE saying to unlock it', async () => {
    const home = tempDir('rollcall-keyfault-locked-');
    const data = join(home, 'userdata');
    cpSync(prepared, data, { recursive: true });
    const args = JSON.stringify({ ...JSON.parse(childArgs(data)), mode: 'locked' });
    const { stdout, stderr } = await run(
      'dbus-run-session',
      [
        '--',
        'sh',
        '-c',
        `${START_KEYRING}\n"${process.execPath}" "${RUN_TS}" "${CHILD}" '${args}'`,
      ],
      isolatedEnv(home),
    );
    const r = report(stdout, stderr);
    // Before the lock the key was saved and used.
    expect(r.before.map((t) => t.result.ok)).toEqual([true, true]);
    expect(r.before[1]?.result).toMatchObject({ ok: true, value: { source: 'network' } });
    expectFaultHandled(r, /locked.*Unlock it/, 'locked keyring');
  });

  it('the keyring daemon killed mid-session: KEYCHAIN_UNAVAILABLE with advice', async () => {
    const home = tempDir('rollcall-keyfault-killed-');
    const data = join(home, 'userdata');
    cpSync(prepared, data, { recursive: true });
    const args = JSON.stringify({ ...JSON.parse(childArgs(data)), mode: 'killed' });
    // The child reads the daemon's pid from ROLLCALL_KEYRING_PID.
    const { stdout, stderr } = await run(
      'dbus-run-session',
      [
        '--',
        'sh',
        '-c',
        `${START_KEYRING}\nROLLCALL_KEYRING_PID=$KEYRING_PID "${process.execPath}" "${RUN_TS}" "${CHILD}" '${args}'`,
      ],
      isolatedEnv(home),
    );
    const r = report(stdout, stderr);
    expect(r.before.map((t) => t.result.ok)).toEqual([true, true]);
    // A dead daemon is either gone from the bus or restarted by D-Bus with the keyring locked.
    expectFaultHandled(
      r,
      /No keychain \(Secret Service\) is running|locked.*Unlock it|did not answer|did not work as expected/,
      'daemon killed',
    );
  });
});

if (!TOOLS) {
  it('skips the keychain faults on a machine without gnome-keyring and D-Bus', () => {
    expect(TOOLS).toBe(false);
  });
}
