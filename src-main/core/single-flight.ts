/**
 * Shares one promise between identical calls in flight: two lookups of the
 * same user at once make one request, two syncs of one connection are one
 * sync. The entry is dropped when the promise settles.
 *
 * Node only; never imports `electron`.
 */

/** A keyed set of in-flight promises. */
export interface SingleFlight<T> {
  run(key: string, start: () => Promise<T>): Promise<T>;
  has(key: string): boolean;
}

/** Builds an empty set. */
export function createSingleFlight<T>(): SingleFlight<T> {
  const inFlight = new Map<string, Promise<T>>();
  return {
    run(key, start) {
      const existing = inFlight.get(key);
      if (existing) return existing;
      const promise = start().finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
      return promise;
    },
    has: (key) => inFlight.has(key),
  };
}
