/**
 * What may be done on a connection right now: every action its kind has,
 * each allowed or not with the reason in words. Whose key it is comes from
 * the connection's last test (`lastTest.who`); a connection never tested
 * cannot act. Nothing is ever queued: while the server is unreachable (the
 * reachability tracker learned it from the last sync, lookup or test) or
 * refuses the key, every action says so instead.
 *
 * Node only; never imports `electron`.
 */
import type { ActionAvailability } from '@shared/actions';
import { rollcallError, type RollcallError } from '@shared/errors';
import type { KeyOwner, Reachability } from '@shared/model';
import type { StoredConnection } from '../../store/connections-repo';
import { actionsOf, isReversible, keyPermission, menuLabel } from './rules';

/**
 * Why no action can run on this connection now, as the error a plan or a
 * run fails with; null when actions may go ahead (each still subject to the
 * key's role).
 */
export function connectionBlock(
  conn: StoredConnection,
  reachability: Reachability,
  readOnly: boolean,
): RollcallError | null {
  if (conn.demo) {
    return rollcallError(
      'INVALID_INPUT',
      'This is the offline demo directory: there is no server to act on.',
    );
  }
  if (readOnly) {
    return rollcallError(
      'CACHE_UNAVAILABLE',
      'The cache is open read-only, so the audit log could not record actions. Actions are off until Rollcall can write it.',
    );
  }
  if (conn.lastTest && !conn.lastTest.ok) {
    return rollcallError(
      'INVALID_INPUT',
      `The last connection test failed (${conn.lastTest.error?.message ?? 'no reason given'}). Fix the connection and test it again before acting on users.`,
    );
  }
  if (!conn.lastTest?.who) {
    return rollcallError(
      'INVALID_INPUT',
      'Test the connection first: Rollcall needs to know whose key it is and what it may do.',
    );
  }
  if (reachability.state === 'offline') {
    const why = reachability.error?.message ?? 'The server cannot be reached.';
    return rollcallError(
      'OFFLINE',
      `${why} Actions are not queued: try again when the server answers.`,
    );
  }
  if (reachability.state === 'unauthorized') {
    const why = reachability.error?.message ?? 'The server refused the key.';
    return rollcallError(
      'UNAUTHORIZED',
      `${why} Fix the key and test the connection before acting on users.`,
    );
  }
  return null;
}

/** The key owner a connection may act as; call only once `connectionBlock` said null. */
export function keyOwnerOf(conn: StoredConnection): KeyOwner | null {
  return conn.lastTest?.who ?? null;
}

/** Every action of the connection's kind, allowed or not, with why not. */
export function availableActions(
  conn: StoredConnection,
  reachability: Reachability,
  readOnly: boolean,
): ActionAvailability[] {
  const block = connectionBlock(conn, reachability, readOnly);
  const who = keyOwnerOf(conn);
  return actionsOf(conn.kind).map((action) => {
    const reason = block?.message ?? (who ? keyPermission(conn.kind, who, action) : null);
    return {
      action,
      label: menuLabel(conn.kind, action),
      allowed: reason === null,
      reason,
      reversible: isReversible(action),
    };
  });
}
