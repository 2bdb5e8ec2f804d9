/**
 * The sync worker's thread gives way to main's. On a machine of two cores,
 * a sync's worker, SQLite's background checkpoints and the garbage
 * collector's threads keep both busy, and main's event loop waited for a
 * core: in the ingest-replay probe (Open WebUI, 100 000 users), main's
 * longest holds during a sync were 5.5-11 ms of its own work and 24-37 ms of
 * waiting to run. With the worker's nice value raised, the scheduler gives
 * main the core first whenever both want one; the worker still has a core
 * to itself whenever main is idle, as it mostly is during a sync.
 *
 * Linux only: there each thread has its own nice value. Node offers no
 * per-thread priority elsewhere, and lowering the whole process would
 * lower main's thread too.
 *
 * Node only; never imports `electron`.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The sync worker's nice value (0 is the default, 19 the lowest priority). */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's CPU priority to `BACKGROUND_NICE`. Does
 * nothing where a thread's priority cannot be set apart from its
 * process's (not Linux), or where the system refuses: the sync then runs
 * as before.
 */
export function lowerThisThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    // "<pid>/task/<tid>": this thread's ID, which setpriority(2) takes on Linux.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, BACKGROUND_NICE);
  } catch {
    // Not allowed or not there: the worker keeps main's priority.
  }
}
