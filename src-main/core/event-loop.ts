/**
 * The one way core's long work (normalizing, writing, indexing, saving)
 * gives the event loop a turn between slices: `setImmediate`, so timers,
 * IPC and the window's requests run before the next slice.
 *
 * Node only; never imports `electron`.
 */

/** Lets the event loop run (timers, IPC, searches) between slices of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
