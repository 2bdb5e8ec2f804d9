/**
 * A real core for the benchmarks: real SQLite in a user-data folder of the
 * bench's scratch space, the in-memory secret store (the keychain is not
 * what is measured), and every call through `core.dispatch`, the path IPC
 * takes. Log lines are kept so a run can say when core complained.
 *
 * Runs in Node (bench processes).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgOf, Channel, EventName, ResultOf } from '@shared/contract';
import type { CoreDeps, FetchLike } from '@core/deps';
import type { Core } from '@core/handlers';
import { openCore } from '@core/open-core';
import { createLogger } from '@core/log';
import { createMemorySecretStore } from '@core/store/secrets';
import { startSourceSyncWorker } from '../../support/sync-worker';

/** A running core and what it sent outward. */
export interface BenchCore {
  core: Core;
  userDataDir: string;
  events: { event: EventName; payload: unknown; at: number }[];
  logLines: string[];
  /** Calls a channel through the dispatcher; throws with core's message on an error value. */
  call<C extends Channel>(channel: C, arg: ArgOf<C>): Promise<ResultOf<C>>;
  /** Lines core logged at error level. */
  errors(): string[];
  close(): Promise<void>;
}

/** How many lines core has logged that hold `text` (a phase it reached: "search index ready"). */
export function linesWith(bench: Pick<BenchCore, 'logLines'>, text: string): number {
  return bench.logLines.filter((l) => l.includes(text)).length;
}

/**
 * Waits until core has logged more than `before` lines holding `text`,
 * looking every `pollMs`; false once `timeoutMs` has passed without one.
 */
export async function waitForLog(
  bench: Pick<BenchCore, 'logLines'>,
  text: string,
  options: { before?: number; timeoutMs: number; pollMs?: number },
): Promise<boolean> {
  const until = performance.now() + options.timeoutMs;
  while (linesWith(bench, text) <= (options.before ?? 0)) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
  return true;
}

/** Opens core over `userDataDir` (a fresh folder under `workDir` when not given). */
export async function openBenchCore(options: {
  workDir: string;
  userDataDir?: string;
  fetch?: FetchLike;
  emit?: CoreDeps['emit'];
}): Promise<BenchCore> {
  const userDataDir = options.userDataDir ?? mkdtempSync(join(options.workDir, 'core-'));
  const events: BenchCore['events'] = [];
  const logLines: string[] = [];
  const core = await openCore({
    appVersion: '0.0.0-bench',
    userDataDir,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    secrets: createMemorySecretStore(),
    now: () => Date.now(),
    emit: (event, payload) => {
      events.push({ event, payload, at: performance.now() });
      options.emit?.(event, payload);
    },
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log: createLogger((line) => logLines.push(line)),
    // Syncs run in the worker thread, as in the app.
    startSyncWorker: startSourceSyncWorker,
  });
  return {
    core,
    userDataDir,
    events,
    logLines,
    async call(channel, arg) {
      const result = await core.dispatch(channel, arg);
      if (!result.ok) {
        throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
      }
      return result.value as ResultOf<typeof channel>;
    },
    errors: () => logLines.filter((l) => / ERROR /.test(l)),
    close: () => core.close(),
  };
}

/** The fake server a connection points at. */
export type FakeTarget =
  | { kind: 'zulip'; url: string; email: string; apiKey: string }
  | { kind: 'openwebui'; url: string; apiKey: string };

/** Saves a connection to a fake (no test call: nothing but the sync is measured). Returns its id. */
export async function addConnection(
  bench: BenchCore,
  target: FakeTarget,
  label: string,
): Promise<string> {
  const saved = await bench.call('connections:save', {
    draft:
      target.kind === 'zulip'
        ? {
            kind: 'zulip',
            label,
            baseUrl: target.url,
            loginEmail: target.email,
            secret: target.apiKey,
          }
        : { kind: 'openwebui', label, baseUrl: target.url, secret: target.apiKey },
    skipTest: true,
  });
  return saved.connection.id;
}
