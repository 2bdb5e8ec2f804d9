/**
 * Whether each connection's server answered lately, learned from every
 * request's outcome rather than from a separate ping: the window's offline
 * banner appears with the first failed request and goes with the first
 * answered one.
 *
 * Node only; never imports `electron`.
 */
import type { ErrorCode, RollcallError } from '@shared/errors';
import type { Reachability } from '@shared/model';

/** Errors that mean "the server (or its API) could not be reached". */
const UNREACHABLE: ReadonlySet<ErrorCode> = new Set([
  'OFFLINE',
  'TIMEOUT',
  'SERVER_ERROR',
  'TLS',
  'NOT_AN_API',
]);

/** Tracks reachability per connection; calls `onChange` when a state changes. */
export interface ReachabilityTracker {
  get(connectionId: string): Reachability;
  /** The server answered (any status it meant to give). */
  answered(connectionId: string): void;
  /** A request failed; only some failures change the state. */
  failed(connectionId: string, error: RollcallError): void;
  forget(connectionId: string): void;
}

const UNKNOWN: Reachability = { state: 'unknown', since: null, error: null };

/** Builds a tracker on a clock. */
export function createReachabilityTracker(
  now: () => number,
  onChange: (connectionId: string) => void,
): ReachabilityTracker {
  const states = new Map<string, Reachability>();
  const set = (id: string, next: Reachability): void => {
    const prev = states.get(id) ?? UNKNOWN;
    if (prev.state === next.state && prev.error?.code === next.error?.code) return;
    states.set(id, next.state === prev.state ? { ...next, since: prev.since } : next);
    onChange(id);
  };
  return {
    get: (id) => states.get(id) ?? UNKNOWN,
    answered: (id) => set(id, { state: 'online', since: now(), error: null }),
    failed: (id, error) => {
      if (UNREACHABLE.has(error.code)) set(id, { state: 'offline', since: now(), error });
      else if (error.code === 'UNAUTHORIZED')
        set(id, { state: 'unauthorized', since: now(), error });
      else if (
        error.code !== 'CANCELLED' &&
        error.code !== 'INVALID_INPUT' &&
        error.code !== 'KEYCHAIN_UNAVAILABLE' &&
        error.code !== 'KEYCHAIN_BUSY'
      ) {
        // NOT_FOUND, FORBIDDEN, RATE_LIMITED, BAD_RESPONSE...: the server did answer.
        set(id, { state: 'online', since: now(), error: null });
      }
    },
    forget: (id) => {
      states.delete(id);
    },
  };
}
