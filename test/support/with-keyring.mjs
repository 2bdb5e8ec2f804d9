// Runs a command inside a private Secret Service: call it under
// `dbus-run-session`, with HOME and the XDG folders pointing at a temporary
// directory. The user's own login keychain is never touched.
import { spawn, spawnSync } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: dbus-run-session -- node with-keyring.mjs <command> [args...]');
  process.exit(2);
}
if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
  console.error('with-keyring.mjs must run under dbus-run-session');
  process.exit(2);
}

// gnome-keyring creates and unlocks a "login" keyring with the password it
// reads on stdin. DISPLAY stays unset so no prompt can ever open.
const daemon = spawnSync(
  'gnome-keyring-daemon',
  ['--unlock', '--components=secrets', '--daemonize'],
  { input: 'rollcall-test-keyring', encoding: 'utf8' },
);
if (daemon.status !== 0) {
  console.error(`gnome-keyring-daemon failed: ${daemon.stderr}`);
  process.exit(1);
}
for (const line of daemon.stdout.split('\n')) {
  const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
  if (m) process.env[m[1]] = m[2];
}

function secretServiceUp() {
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
const deadline = Date.now() + 10_000;
while (!secretServiceUp()) {
  if (Date.now() > deadline) {
    console.error('The Secret Service did not come up within 10 s.');
    process.exit(1);
  }
  spawnSync('sleep', ['0.1']);
}

const child = spawn(cmd, args, {
  stdio: 'inherit',
  env: { ...process.env, ROLLCALL_TEST_KEYCHAIN: 'gnome-keyring' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
