/**
 * Starts a fake server (fake-host.ts) in a child process and waits until it
 * listens. The bench's core then talks to it over loopback, as the app
 * talks to a real server, with the server's CPU work on another process.
 *
 * Runs in Node (bench processes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FakeHostArgs, FakeHostReady } from '../fake-host';

const BENCH_DIR = resolve(__dirname, '..');

/** A fake server running in its own process. */
export interface FakeProcess extends FakeHostReady {
  close(): Promise<void>;
}

/** Spawns the fake and resolves once it is listening. */
export async function startFakeProcess(workDir: string, args: FakeHostArgs): Promise<FakeProcess> {
  const dir = mkdtempSync(join(workDir, `fake-${args.kind}-`));
  const argsFile = join(dir, 'args.json');
  writeFileSync(argsFile, JSON.stringify(args));
  const child = spawn(
    process.execPath,
    [
      join(BENCH_DIR, 'ts-runner.mjs'),
      join(BENCH_DIR, 'fake-host.ts'),
      argsFile,
      join(dir, 'result.json'),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = await new Promise<FakeHostReady>((done, fail) => {
    child.once('message', (m) => done(m as FakeHostReady));
    void exited.then((code) =>
      fail(new Error(`the fake ${args.kind} server exited (${code}) before listening`)),
    );
  });
  return {
    ...ready,
    async close() {
      if (child.exitCode === null && child.connected) child.send('close');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
