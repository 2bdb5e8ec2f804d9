/**
 * A D-Bus session bus with no service files: nothing (not gnome-keyring)
 * can be auto-started on it, so it is how the tests get "no Secret Service".
 *
 * Runs in Node (tests); needs `dbus-daemon`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The running bus: its address, and how to stop it. */
export interface BareBus {
  address: string;
  stop(): void;
}

/** Starts a bare session bus listening in `dir`. */
export async function startBareBus(dir: string): Promise<BareBus> {
  const config = join(dir, 'bus.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`,
  );
  const bus = spawn('dbus-daemon', [`--config-file=${config}`, '--print-address=1', '--nofork']);
  try {
    const address = await new Promise<string>((resolvePromise, reject) => {
      bus.stdout.once('data', (d: Buffer) => resolvePromise(d.toString().trim()));
      bus.once('error', reject);
    });
    return { address, stop: () => bus.kill() };
  } catch (thrown) {
    bus.kill();
    throw thrown;
  }
}
