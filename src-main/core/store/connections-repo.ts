/**
 * Saved connections: one row each in the cache (never the secret) and one
 * keychain entry each (the secret, under the connection's ID). Saving writes
 * the keychain first and the row second, and takes the secret back out if
 * the row cannot be written, so there is never a row whose key was lost.
 * Removing deletes the keychain entry first, so a key is never left behind
 * by a connection the admin believes gone.
 *
 * Node only; never imports `electron`.
 */
import { randomUUID } from 'node:crypto';
import {
  CONNECTION_KINDS,
  type ConnectionKind,
  type ConnectionSummary,
  type ConnectionTestResult,
  type SyncSummary,
} from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { AvatarStore } from './avatar-store';
import type { OpenedDatabase } from './db';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { inTransaction, statementCache } from './sqlite-helpers';
import { parseStoredSyncSummary, parseStoredTestResult } from './stored-connections';
import { registerSecret, silentLogger, type Logger } from '../log';
import type { SecretStore } from './secrets';
import { deleteConnectionUsers } from './users-gone';

/** A connection as the cache keeps it: the window's summary without what each session adds. */
export type StoredConnection = Pick<
  ConnectionSummary,
  | 'id'
  | 'kind'
  | 'label'
  | 'baseUrl'
  | 'loginEmail'
  | 'demo'
  | 'createdAt'
  | 'updatedAt'
  | 'lastTest'
  | 'lastSyncAt'
  | 'lastSync'
>;

/** What `save` takes: a new connection (no `id`, or a fixed one for demos) or an edit. */
interface SaveConnectionInput {
  id?: string;
  kind: ConnectionKind;
  label?: string;
  baseUrl: string;
  loginEmail?: string | null;
  /** Required for a new connection (except a demo); omitted on edit keeps the stored one. */
  secret?: string;
  demo?: boolean;
}

/** Everything Rollcall does with saved connections. */
export interface ConnectionsRepo {
  /** Every saved connection, oldest first. */
  list(): StoredConnection[];
  get(id: string): StoredConnection | null;
  /** Creates or edits a connection: keychain first, row second. */
  save(input: SaveConnectionInput): Promise<StoredConnection>;
  /**
   * Deletes the keychain entry, then the row with its cached users, profile
   * fields and pictures: removing a connection removes what it fetched.
   */
  remove(id: string): Promise<{ removed: boolean }>;
  /** The connection's secret, for its provider. Never for the window. */
  getSecret(id: string): Promise<string | null>;
  setLastTest(id: string, result: ConnectionTestResult): void;
  /** Records a completed sync (`lastSyncAt` is its `finishedAt`). */
  setLastSync(id: string, summary: SyncSummary): void;
  /**
   * Deletes keychain entries that belong to no live connection (left by a
   * crash between the two writes of a save, or a keychain write that finished
   * after Rollcall stopped waiting). Returns the accounts deleted.
   */
  pruneOrphanSecrets(): Promise<string[]>;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

type Row = Record<string, unknown>;

function invalid(message: string, field?: string): RollcallFailure {
  return new RollcallFailure(rollcallError('INVALID_INPUT', message, field ? { field } : {}));
}

function connectionOf(row: Row): StoredConnection {
  return {
    id: String(row.id),
    // The table's CHECK holds it to the known kinds.
    kind: CONNECTION_KINDS.find((k) => k === row.kind) ?? 'zulip',
    label: String(row.label),
    baseUrl: String(row.base_url),
    loginEmail: row.login_email === null ? null : String(row.login_email),
    demo: row.demo === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastTest: parseStoredTestResult(row.last_test_json),
    lastSyncAt: row.last_sync_at === null ? null : Number(row.last_sync_at),
    lastSync: parseStoredSyncSummary(row.last_sync_json),
  };
}

/** Checks and tidies a save's fields; throws INVALID_INPUT naming the field. */
function checkInput(input: SaveConnectionInput): {
  kind: ConnectionKind;
  label: string;
  baseUrl: string;
  loginEmail: string | null;
} {
  if (!(CONNECTION_KINDS as readonly string[]).includes(input.kind)) {
    throw invalid('Choose Zulip or Open WebUI.', 'kind');
  }
  const baseUrl = typeof input.baseUrl === 'string' ? input.baseUrl.trim() : '';
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid('Enter the server URL, such as https://chat.example.com.', 'baseUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid('The server URL must start with https:// (or http://).', 'baseUrl');
  }
  if (url.username || url.password) {
    throw invalid(
      'Leave the user name and password out of the URL; enter the key below.',
      'baseUrl',
    );
  }
  if (baseUrl.length > 2048) throw invalid('That URL is too long.', 'baseUrl');
  const label = (input.label ?? '').trim() || url.host;
  if (label.length > 100) throw invalid('Keep the name under 100 characters.', 'label');
  let loginEmail: string | null = null;
  if (input.kind === 'zulip') {
    loginEmail = (input.loginEmail ?? '').trim() || null;
    if (loginEmail === null && !input.demo) {
      throw invalid('Enter the email address you log in to Zulip with.', 'loginEmail');
    }
    if (loginEmail !== null && (loginEmail.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(loginEmail))) {
      throw invalid('That does not look like an email address.', 'loginEmail');
    }
  }
  return { kind: input.kind, label, baseUrl, loginEmail };
}

/** Builds the connections repository over an open cache and a secret store. */
export function createConnectionsRepo(
  cache: OpenedDatabase,
  deps: { secrets: SecretStore; now: () => number; avatars?: AvatarStore; log?: Logger },
): ConnectionsRepo {
  const { db } = cache;
  const log = deps.log ?? silentLogger;
  const stmt = statementCache(db);
  /** IDs whose secret is being written right now: not orphans yet. */
  const saving = new Set<string>();

  const writable = (doing: string): void => {
    if (cache.readOnly) throw readOnlyFailure(cache, doing);
  };

  function get(id: string): StoredConnection | null {
    const row = stmt('SELECT * FROM connections WHERE id = ?').get(id) as Row | undefined;
    return row ? connectionOf(row) : null;
  }

  /** Puts the keychain back as it was before a failed save; best effort, logged. */
  async function undoSecret(id: string, previous: string | null): Promise<void> {
    try {
      if (previous === null) await deps.secrets.delete(id);
      else await deps.secrets.set(id, previous);
    } catch {
      log.error('could not undo a keychain write after the row failed', { connectionId: id });
    }
  }

  return {
    list() {
      const rows = stmt('SELECT * FROM connections ORDER BY created_at, id').all() as Row[];
      return rows.map(connectionOf);
    },

    get,

    async save(input) {
      writable('save the connection');
      const fields = checkInput(input);
      if (input.id !== undefined && !ID_RE.test(input.id))
        throw invalid('Not a connection ID.', 'id');
      const existing = input.id === undefined ? null : get(input.id);
      const id = input.id ?? randomUUID();
      const demo = existing ? existing.demo : input.demo === true;
      if (existing && existing.kind !== fields.kind) {
        throw invalid('A connection cannot change its kind; add a new connection instead.', 'kind');
      }
      if (existing && input.demo !== undefined && input.demo !== existing.demo) {
        throw invalid('A demo connection stays a demo.', 'demo');
      }
      const secret = input.secret;
      if (demo && secret !== undefined) throw invalid('A demo connection has no key.', 'secret');
      const needsSecret = !demo && existing === null;
      if (needsSecret && (secret === undefined || secret === '')) {
        throw invalid('Enter the API key.', 'secret');
      }

      saving.add(id);
      try {
        let previous: string | null = null;
        if (secret !== undefined) {
          registerSecret(secret);
          if (existing) previous = await deps.secrets.get(id);
          await deps.secrets.set(id, secret); // Keychain first: a failure here writes no row.
        }
        const now = Math.round(deps.now());
        try {
          inTransaction(db, () => {
            if (existing) {
              stmt(
                'UPDATE connections SET label = ?, base_url = ?, login_email = ?, updated_at = ? WHERE id = ?',
              ).run(fields.label, fields.baseUrl, fields.loginEmail, now, id);
            } else {
              stmt(
                `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
              ).run(
                id,
                fields.kind,
                fields.label,
                fields.baseUrl,
                fields.loginEmail,
                demo ? 1 : 0,
                now,
                now,
              );
            }
          });
        } catch (thrown) {
          log.error('could not write the connection row', { connectionId: id });
          if (secret !== undefined) await undoSecret(id, previous);
          throw cacheFailure(thrown, 'save the connection', cache);
        }
        const saved = get(id);
        if (!saved) throw cacheFailure(new Error('row vanished'), 'save the connection', cache);
        log.info(existing ? 'connection updated' : 'connection added', {
          connectionId: id,
          kind: fields.kind,
        });
        return saved;
      } finally {
        saving.delete(id);
      }
    },

    async remove(id) {
      writable('remove the connection');
      const existing = get(id);
      if (!existing) return { removed: false };
      // Keychain first: if it cannot be reached, nothing is removed and the admin is told why.
      if (!existing.demo) await deps.secrets.delete(id);
      try {
        await deleteConnectionUsers(db, id);
        stmt('DELETE FROM connections WHERE id = ?').run(id);
      } catch (thrown) {
        throw cacheFailure(thrown, 'remove the connection', cache);
      }
      if (deps.avatars) await deps.avatars.removeConnection(id);
      log.info('connection removed', { connectionId: id });
      return { removed: true };
    },

    async getSecret(id) {
      const existing = get(id);
      if (!existing || existing.demo) return null;
      const secret = await deps.secrets.get(id);
      if (secret !== null) registerSecret(secret);
      return secret;
    },

    setLastTest(id, result) {
      writable('record the connection test');
      try {
        stmt('UPDATE connections SET last_test_json = ? WHERE id = ?').run(
          JSON.stringify(result),
          id,
        );
      } catch (thrown) {
        throw cacheFailure(thrown, 'record the connection test', cache);
      }
    },

    setLastSync(id, summary) {
      writable('record the sync');
      try {
        stmt('UPDATE connections SET last_sync_at = ?, last_sync_json = ? WHERE id = ?').run(
          Math.round(summary.finishedAt),
          JSON.stringify(summary),
          id,
        );
      } catch (thrown) {
        throw cacheFailure(thrown, 'record the sync', cache);
      }
    },

    async pruneOrphanSecrets() {
      const live = new Set(
        (stmt('SELECT id FROM connections WHERE demo = 0').all() as Row[]).map((r) => String(r.id)),
      );
      const orphans = (await deps.secrets.list()).filter((a) => !live.has(a) && !saving.has(a));
      const deleted: string[] = [];
      for (const account of orphans) {
        if (saving.has(account)) continue;
        if (await deps.secrets.delete(account)) deleted.push(account);
      }
      if (deleted.length > 0)
        log.warn('deleted keychain entries of no connection', { count: deleted.length });
      return deleted;
    },
  };
}
