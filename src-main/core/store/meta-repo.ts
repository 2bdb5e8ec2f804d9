/**
 * Per-connection JSON the providers need beyond one user: Zulip's custom
 * profile field definitions (their own table, as the schema names them) and
 * any other context a provider caches between calls (groups by ID, realm
 * settings...) under a key of its choosing. Rows go with their connection.
 *
 * Node only; never imports `electron`.
 */
import type { JsonValue, ProfileFieldDefinition } from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { OpenedDatabase } from './db';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { statementCache } from './sqlite-helpers';
import { parseStoredDefinitions } from './stored-connections';

/** A stored value and when it was written. */
interface StoredMeta<T> {
  value: T;
  updatedAt: number;
}

/** Everything Rollcall keeps per connection besides its users. */
export interface MetaRepo {
  getProfileFields(connectionId: string): StoredMeta<ProfileFieldDefinition[]> | null;
  setProfileFields(
    connectionId: string,
    definitions: ProfileFieldDefinition[],
    fetchedAt: number,
  ): void;
  /** The stored value, parsed once and shared between calls: treat it as read-only. */
  get(connectionId: string, key: string): StoredMeta<JsonValue> | null;
  set(connectionId: string, key: string, value: JsonValue, at?: number): void;
  /**
   * `set` with the JSON already made (see `stringifyJsonInSlices`), for
   * values too large to serialize in one go. The repository keeps `value`
   * as the parsed copy `get` returns: the caller must not change it after.
   */
  setSerialized(
    connectionId: string,
    key: string,
    value: JsonValue,
    json: string,
    at?: number,
  ): void;
  delete(connectionId: string, key: string): boolean;
}

type Row = Record<string, unknown>;

const KEY_RE = /^[a-z0-9][a-z0-9._:-]{0,63}$/;

/**
 * Stored JSON text as a value (JSON text only ever parses to JSON values);
 * `undefined` when it is not JSON. Not checked further here: a provider's
 * context can be megabytes, and its reader checks it (provider-context.ts).
 */
function parseJsonValue(json: unknown): JsonValue | undefined {
  try {
    const value: JsonValue = JSON.parse(String(json));
    return value;
  } catch {
    return undefined;
  }
}

/** Builds the repository over an open cache. */
export function createMetaRepo(cache: OpenedDatabase, deps: { now: () => number }): MetaRepo {
  const stmt = statementCache(cache.db);
  const writable = (): void => {
    if (cache.readOnly) throw readOnlyFailure(cache, 'save what it learned of a server');
  };
  const checkKey = (key: string): void => {
    if (!KEY_RE.test(key)) {
      throw new RollcallFailure(
        rollcallError('INVALID_INPUT', `"${key}" is not a valid metadata key.`),
      );
    }
  };
  const serialize = (value: unknown): string => {
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new RollcallFailure(
        rollcallError('INVALID_INPUT', 'That value cannot be stored as JSON.'),
      );
    }
    return json;
  };

  // A provider's context can be megabytes of JSON (a 100 000-user Zulip's
  // groups) and every lookup reads it: parsing it each time cost more than
  // the lookup itself. Values are kept parsed and re-read only when the row's
  // timestamp moved (or the row went with its connection).
  const parsed = new Map<string, StoredMeta<JsonValue>>();
  const memoKey = (connectionId: string, key: string): string => `${connectionId}\u0000${key}`;

  const write = (connectionId: string, key: string, json: string, at?: number): number => {
    writable();
    checkKey(key);
    const updatedAt = Math.round(at ?? deps.now());
    try {
      stmt(
        `INSERT INTO connection_meta (connection_id, key, value_json, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (connection_id, key) DO UPDATE SET value_json = excluded.value_json,
           updated_at = excluded.updated_at`,
      ).run(connectionId, key, json, updatedAt);
    } catch (thrown) {
      parsed.delete(memoKey(connectionId, key));
      throw cacheFailure(thrown, 'save the connection details', cache);
    }
    return updatedAt;
  };

  return {
    getProfileFields(connectionId) {
      const row = stmt(
        'SELECT definitions_json, fetched_at FROM profile_fields WHERE connection_id = ?',
      ).get(connectionId) as Row | undefined;
      if (!row) return null;
      const value = parseStoredDefinitions(row.definitions_json);
      return value ? { value, updatedAt: Number(row.fetched_at) } : null;
    },

    setProfileFields(connectionId, definitions, fetchedAt) {
      writable();
      try {
        stmt(
          `INSERT INTO profile_fields (connection_id, definitions_json, fetched_at) VALUES (?, ?, ?)
           ON CONFLICT (connection_id) DO UPDATE SET definitions_json = excluded.definitions_json,
             fetched_at = excluded.fetched_at`,
        ).run(connectionId, serialize(definitions), Math.round(fetchedAt));
      } catch (thrown) {
        throw cacheFailure(thrown, 'save the profile field definitions', cache);
      }
    },

    get(connectionId, key) {
      checkKey(key);
      const memo = memoKey(connectionId, key);
      const stamp = stmt(
        'SELECT updated_at FROM connection_meta WHERE connection_id = ? AND key = ?',
      ).get(connectionId, key) as Row | undefined;
      if (!stamp) {
        parsed.delete(memo);
        return null;
      }
      const known = parsed.get(memo);
      if (known && known.updatedAt === Number(stamp.updated_at)) return known;
      const row = stmt(
        'SELECT value_json, updated_at FROM connection_meta WHERE connection_id = ? AND key = ?',
      ).get(connectionId, key) as Row | undefined;
      if (!row) return null;
      const value = parseJsonValue(row.value_json);
      if (value === undefined) {
        parsed.delete(memo);
        return null;
      }
      const stored = { value, updatedAt: Number(row.updated_at) };
      parsed.set(memo, stored);
      return stored;
    },

    set(connectionId, key, value, at) {
      write(connectionId, key, serialize(value), at);
      // Forget rather than keep `value`: the caller may still change it.
      parsed.delete(memoKey(connectionId, key));
    },

    setSerialized(connectionId, key, value, json, at) {
      const updatedAt = write(connectionId, key, json, at);
      parsed.set(memoKey(connectionId, key), { value, updatedAt });
    },

    delete(connectionId, key) {
      writable();
      checkKey(key);
      parsed.delete(memoKey(connectionId, key));
      return (
        Number(
          stmt('DELETE FROM connection_meta WHERE connection_id = ? AND key = ?').run(
            connectionId,
            key,
          ).changes,
        ) > 0
      );
    },
  };
}
