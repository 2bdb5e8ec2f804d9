/**
 * What the rules of acting on users need to know of a whole directory, read
 * from the cache: how many active (human, not gone, not deactivated) owners
 * a Zulip organization has, so a plan never leaves it without one; and who
 * an Open WebUI's first user is (earliest `created_at`, cached as
 * `joined_at`), since Open WebUI refuses to let anyone else change or
 * delete that primary admin.
 *
 * Node only; never imports `electron`.
 */
import type { OpenedDatabase } from './db';
import { cacheFailure } from './sqlite-errors';
import { statementCache } from './sqlite-helpers';

/** Directory-wide facts the action rules check. */
export interface ActionFacts {
  /** Active human owners of the connection, as cached. */
  activeOwners(connectionId: string): number;
  /** The user ID of the connection's earliest-created user still on the server, if known. */
  firstUserId(connectionId: string): string | null;
}

const SQL = {
  owners: `SELECT count(*) AS n FROM users WHERE connection_id = ? AND role = 'owner'
    AND deactivated = 0 AND is_bot = 0 AND gone_at IS NULL`,
  first: `SELECT user_id FROM users WHERE connection_id = ? AND gone_at IS NULL
    AND joined_at IS NOT NULL ORDER BY joined_at, row_id LIMIT 1`,
};

/** Builds the readers over an open cache. */
export function createActionFacts(cache: OpenedDatabase): ActionFacts {
  const stmt = statementCache(cache.db);
  const read = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (thrown) {
      throw cacheFailure(thrown, 'read the cached directory', cache);
    }
  };
  return {
    activeOwners: (connectionId) =>
      read(() => Number((stmt(SQL.owners).get(connectionId) as { n: unknown }).n)),
    firstUserId: (connectionId) =>
      read(() => {
        const row = stmt(SQL.first).get(connectionId) as { user_id: unknown } | undefined;
        return row ? String(row.user_id) : null;
      }),
  };
}
