/**
 * What every service that talks to a server needs of a saved connection:
 * the connection itself (or NOT_FOUND in words), a provider session with its
 * key from the keychain (never for the demo), and a wrapper that teaches the
 * reachability tracker whether the server answered.
 *
 * Node only; never imports `electron`.
 */
import { fail, toRollcallError } from '@shared/errors';
import { registerSecret } from '../log';
import type { ReachabilityTracker } from '../net/reachability';
import type { ProviderSession } from '../providers';
import type { ConnectionsRepo, StoredConnection } from '../store/connections-repo';

/** Saved connections as the services reach them. */
export interface ConnectionAccess {
  /** The connection, or a NOT_FOUND failure saying it may have been removed. */
  require(id: string): StoredConnection;
  /** A session with the saved key (or `secretOverride`); UNAUTHORIZED when none is saved. */
  session(conn: StoredConnection, secretOverride?: string): Promise<ProviderSession>;
  /** Runs a provider call for a saved connection, teaching reachability its outcome. */
  talk<T>(connectionId: string, call: () => Promise<T>): Promise<T>;
}

/** Builds the access over the connections repository and the reachability tracker. */
export function createConnectionAccess(deps: {
  connections: ConnectionsRepo;
  reachability: ReachabilityTracker;
}): ConnectionAccess {
  const { connections, reachability } = deps;
  return {
    require(id) {
      const conn = connections.get(id);
      if (!conn) fail('NOT_FOUND', 'That connection no longer exists. It may have been removed.');
      return conn;
    },
    async session(conn, secretOverride) {
      if (conn.demo) fail('INVALID_INPUT', 'This is the offline demo directory: it has no server.');
      const secret = secretOverride ?? (await connections.getSecret(conn.id));
      if (!secret) {
        fail(
          'UNAUTHORIZED',
          `No API key is saved for “${conn.label}”. Edit the connection and enter its key.`,
          { field: 'secret' },
        );
      }
      registerSecret(secret);
      return { connectionId: conn.id, baseUrl: conn.baseUrl, loginEmail: conn.loginEmail, secret };
    },
    async talk(connectionId, call) {
      try {
        const value = await call();
        reachability.answered(connectionId);
        return value;
      } catch (thrown) {
        reachability.failed(connectionId, toRollcallError(thrown));
        throw thrown;
      }
    },
  };
}
