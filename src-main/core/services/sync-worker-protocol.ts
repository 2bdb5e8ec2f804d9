/**
 * The messages between the main thread and the sync worker
 * (sync-worker-host.ts and sync-worker.ts): kept in one place so both
 * sides read the same shapes. Every value is structured-cloneable.
 *
 * Node only; never imports `electron`.
 */
import type { RollcallError } from '@shared/errors';
import type { ConnectionKind } from '@shared/model';
import type { RelayAnswer, RelayRequest } from '../net/fetch-relay';
import type { ProviderSession } from '../providers';
import type { IndexChange } from '../store/users-index-sync';
import type { ProgressChange, SyncCounts } from './sync-pages';

/** What the main thread tells the worker. */
export type ToWorker =
  | {
      t: 'run';
      runId: number;
      /** The cache file: the worker opens its own connection to it. */
      path: string;
      kind: ConnectionKind;
      session: ProviderSession;
      startedAt: number;
    }
  | { t: 'cancel'; runId: number }
  | { t: 'fetch'; answer: RelayAnswer }
  | { t: 'close' };

/** What the worker tells the main thread. */
export type FromWorker =
  | { t: 'fetch'; request: RelayRequest }
  | { t: 'progress'; runId: number; change: ProgressChange }
  | { t: 'answered'; runId: number }
  /** Committed index changes, in commit order (of whichever run wrote them). */
  | { t: 'index'; changes: IndexChange[] }
  | { t: 'done'; runId: number; counts: SyncCounts }
  | { t: 'failed'; runId: number; error: RollcallError }
  | {
      t: 'log';
      level: 'info' | 'warn' | 'error';
      message: string;
      fields?: Record<string, unknown>;
    }
  | { t: 'ready' }
  | { t: 'closed' };
