/**
 * What core needs from the outside world, passed in rather than imported, so
 * the same code runs in Electron's main process, in plain Node tests and in
 * the browser test harness.
 *
 * Node only; never imports `electron`.
 */
import type { Worker } from 'node:worker_threads';
import type { EventName, PayloadOf } from '@shared/contract';
import type { Logger } from './log';
import type { SecretStore } from './store/secrets';

/** The subset of `fetch` core uses: Electron's `net.fetch` or Node's global one. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Sends one event to the window. */
export type Emit = <E extends EventName>(event: E, payload: PayloadOf<E>) => void;

/** Everything core is given by whoever starts it. */
export interface CoreDeps {
  appVersion: string;
  /** The app's user-data folder: the cache and avatars live under it. */
  userDataDir: string;
  fetch: FetchLike;
  secrets: SecretStore;
  now: () => number;
  emit: Emit;
  /** Opens an http(s) URL in the system browser. Called only after validation. */
  openExternal: (url: string) => Promise<void>;
  /** Asks where to save an export; null when the admin cancels. */
  chooseSavePath: (options: {
    defaultName: string;
    format: 'csv' | 'json';
  }) => Promise<string | null>;
  log: Logger;
  /**
   * Starts the sync worker thread (services/sync-worker.ts), whose entry
   * file only the host knows: Electron's main gives the built one, tests and
   * benches the source through the module runner. Without it, syncs run on
   * the main thread.
   */
  startSyncWorker?: () => Worker;
}
