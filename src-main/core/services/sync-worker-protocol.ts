/**
 * The messages between the main thread and the sync worker
 * (sync-worker-host.ts and sync-worker.ts): kept in one place so both
 * sides read the same shapes. Every value is structured-cloneable.
 *
 * Node only; never imports `electron`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { RollcallError } from '@shared/errors';
import type { ConnectionKind } from '@shared/model';
import type { RelayAnswer, RelayRequest } from '../net/fetch-relay';
import type { ProviderSession } from '../providers';
import type { IndexChange } from '../store/users-index-sync';
import type { ProgressChange, SyncCounts } from './sync-pages';

/** One message on the index port: changes in commit order. */
export type IndexChanges = IndexChange[];

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
  /**
   * Main's index takes no changes until every run has ended (it is built
   * from the cache then: `ExternalWrites.expectNewRows`): while this run
   * lasts, the worker sends none.
   */
  | { t: 'index-off'; runId: number }
  | { t: 'fetch'; answer: RelayAnswer }
  | { t: 'close' };

/** What the worker tells the main thread. */
export type FromWorker =
  | { t: 'fetch'; request: RelayRequest }
  | { t: 'progress'; runId: number; change: ProgressChange }
  | { t: 'answered'; runId: number }
  /** The run expects to add about `rows` users, before it writes any (see `ExternalWrites.expectNewRows`). */
  | { t: 'expect'; runId: number; rows: number }
  /**
   * The port the worker posts committed index changes on (an
   * `IndexChanges` per message), sent once, before 'ready'. Main pulls them
   * one message at a time (`receiveMessageOnPort`) as it applies them: as
   * ordinary messages, the 32 of an 8 000-user chunk were all read back
   * (structured clone) in one turn of main's loop, 40 ms and more.
   */
  | { t: 'index-port'; port: MessagePort }
  /** So many messages of committed index changes wait on the index port, in commit order (of whichever run wrote them). */
  | { t: 'index'; messages: number }
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
