/**
 * One keychain call at a time for the whole process, each under its own time
 * box. libsecret crashes keytar when a listing meets a delete, so calls must
 * not overlap; but waiting in line is not the keychain being slow, so a
 * call's time box starts when it leaves the queue, not when it joins it.
 *
 * A call whose own run outlives its box fails and leaves the queue "stuck":
 * keytar's worker thread cannot be stopped, so while it runs nothing else is
 * sent, instead of piling more stuck threads onto libuv's small pool. A call
 * that meets a stuck queue (waiting in line, or arriving) waits for the
 * stuck run to end, but only for its own time box from that moment: a slow
 * moment of the keyring costs the one call that ran into it, while a keyring
 * that really hangs fails every caller within a bound.
 *
 * Node only; never imports `electron`.
 */

/** How many calls may wait behind the running one before new ones are refused. */
const DEFAULT_MAX_WAITING = 1_000;

/** Why the queue did not give a call its answer. */
export type QueueRefusalReason =
  /** This call's own run outlived its time box (it may still finish, unseen). */
  | 'timed-out'
  /** An earlier call's run outlived its box and did not end within this one's: it never ran. */
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
  /** This call's own time box, also how long it waits on a stuck run. */
  timeoutMs: number;
  /** The timer of a wait on a stuck run, if one is running. */
  stuckTimer: NodeJS.Timeout | null;
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

  /** Gives a waiter its own time box to wait on the stuck run. */
  const waitOnStuck = (waiter: Waiter): void => {
    waiter.stuckTimer = setTimeout(() => {
      const at = line.indexOf(waiter);
      if (at >= 0) line.splice(at, 1);
      waiter.refuse('stuck');
    }, waiter.timeoutMs);
  };

  /** The stuck run ended: nobody waits on it any more, and the line moves again. */
  const unstick = (): void => {
    stuck = false;
    for (const waiter of line) {
      if (waiter.stuckTimer) clearTimeout(waiter.stuckTimer);
      waiter.stuckTimer = null;
    }
    startNext();
  };

  function run<T>(task: () => Promise<T>, timeoutMs: number): Promise<T> {
    if (running && line.length >= maxWaiting) return Promise.reject(new QueueRefusal('full'));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        timeoutMs,
        stuckTimer: null,
        start: () => {
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
            for (const behind of line) waitOnStuck(behind);
            void late.then(unstick);
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
        },
        refuse: (reason) => reject(new QueueRefusal(reason)),
      };
      if (running) {
        line.push(waiter);
        if (stuck) waitOnStuck(waiter);
      } else {
        running = true;
        waiter.start();
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
