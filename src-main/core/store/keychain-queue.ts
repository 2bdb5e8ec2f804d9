/**
 * One keychain call at a time for the whole process, each under its own time
 * box. libsecret crashes keytar when a listing meets a delete, so calls must
 * not overlap; but waiting in line is not the keychain being slow, so a
 * call's time box starts when it leaves the queue, not when it joins it.
 *
 * A call whose own run outlives its box is "stuck": keytar's worker thread
 * cannot be stopped, so while it runs nothing else is sent (the calls waiting
 * behind it are refused, and so are new ones) instead of piling more stuck
 * threads onto libuv's small pool. Once it ends, the queue works again.
 *
 * Node only; never imports `electron`.
 */

/** How many calls may wait behind the running one before new ones are refused. */
export const DEFAULT_MAX_WAITING = 1_000;

/** Why the queue did not give a call its answer. */
export type QueueRefusalReason =
  /** This call's own run outlived its time box (it may still finish, unseen). */
  | 'timed-out'
  /** An earlier call's run outlived its box and has not ended: this one never ran. */
  | 'stuck'
  /** Too many calls were already waiting: this one never ran. */
  | 'full';

/** A call the queue did not answer, and why. */
export class QueueRefusal extends Error {
  readonly reason: QueueRefusalReason;
  /** For 'timed-out': settles when the abandoned run finally ends. */
  readonly late: Promise<void> | null;

  constructor(reason: QueueRefusalReason, late: Promise<void> | null = null) {
    super(`keychain queue: ${reason}`);
    this.reason = reason;
    this.late = late;
  }
}

/** Runs tasks one at a time; see the module comment for the rules. */
export interface KeychainQueue {
  /**
   * Runs `task` when every call before it has ended, and gives up on it
   * `timeoutMs` after it started. Rejects with `QueueRefusal` (timed out,
   * stuck, full) or with whatever the task threw.
   */
  run<T>(task: () => Promise<T>, timeoutMs: number): Promise<T>;
  /** Calls waiting to start (not counting the running one). */
  waiting(): number;
}

interface Waiter {
  start(): void;
  refuse(reason: QueueRefusalReason): void;
}

/** A fresh queue; the app uses the one process-wide queue of `processKeychainQueue`. */
export function createKeychainQueue(maxWaiting: number = DEFAULT_MAX_WAITING): KeychainQueue {
  const line: Waiter[] = [];
  let running = false;
  let stuck = false;

  const startNext = (): void => {
    running = false;
    const head = line.shift();
    if (head) {
      running = true;
      head.start();
    }
  };

  function run<T>(task: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (stuck) return Promise.reject(new QueueRefusal('stuck'));
    if (running && line.length >= maxWaiting) return Promise.reject(new QueueRefusal('full'));
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        let decided = false;
        const work = Promise.resolve().then(task);
        const timer = setTimeout(() => {
          if (decided) return;
          decided = true;
          stuck = true;
          const late = work.then(
            () => undefined,
            () => undefined,
          );
          reject(new QueueRefusal('timed-out', late));
          // The keychain is not answering: nobody behind this call will be served soon.
          for (const waiter of line.splice(0)) waiter.refuse('stuck');
          void late.then(() => {
            stuck = false;
            startNext();
          });
        }, timeoutMs);
        work.then(
          (value) => {
            if (decided) return;
            decided = true;
            clearTimeout(timer);
            resolve(value);
            startNext();
          },
          (thrown: unknown) => {
            if (decided) return;
            decided = true;
            clearTimeout(timer);
            reject(thrown);
            startNext();
          },
        );
      };
      if (running) {
        line.push({ start, refuse: (reason) => reject(new QueueRefusal(reason)) });
      } else {
        running = true;
        start();
      }
    });
  }

  return { run, waiting: () => line.length };
}

/**
 * The queue every keytar store of this process shares: two stores (the app's
 * and a probe's) must not overlap their calls either.
 */
export const processKeychainQueue: KeychainQueue = createKeychainQueue();
