// A cache as a sync of this version leaves it, for the re-derivation tests
// (rederive.test.ts and its crash child): synthetic Zulip and Open WebUI
// directories put through the real normalizers against a stored context
// (presence from the realm's presence list, as a sync does), redacted and
// written by the real batch write; a snapshot of every row as written; and
// the ways to make rows look as an older version left them.
import type { DirectoryUser, JsonValue } from '@shared/model';
import { createLogger, type Logger } from '@core/log';
import { normalizeZulipProfileFields, normalizeZulipUser } from '@core/providers';
import { normalizeOpenWebUIUser, openWebUIGroupNames } from '@core/providers/openwebui-user';
import type { OpenWebUIContext, ZulipContext } from '@core/providers';
import { zulipGroupsOf, zulipPresenceOf } from '@core/providers/zulip-wire';
import { createProviderContexts, type ProviderContexts } from '@core/services/provider-context';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import { toWrite } from '@core/services/user-writes';
import type { OpenedDatabase } from '@core/store/db';
import { createMetaRepo } from '@core/store/meta-repo';
import type { SearchIndex } from '@core/search/search-index';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';

/** The repositories a re-derivation needs, over one open cache. */
export interface Stores {
  cache: OpenedDatabase;
  users: UsersRepo;
  contexts: ProviderContexts;
  log: Logger;
  logLines: string[];
}

/** Opens the repositories over `cache`, logging into `logLines`. */
export function storesOver(
  cache: OpenedDatabase,
  options: { index?: SearchIndex; betweenChunks?: () => Promise<void> } = {},
): Stores {
  const logLines: string[] = [];
  const log = createLogger((line) => logLines.push(line));
  const users = createUsersRepo(cache, {
    now: Date.now,
    log,
    ...(options.index ? { index: options.index } : {}),
    ...(options.betweenChunks ? { betweenChunks: options.betweenChunks } : {}),
  });
  const contexts = createProviderContexts(createMetaRepo(cache, { now: Date.now }));
  return { cache, users, contexts, log, logLines };
}

/** Inserts a connection row as `addConnectionRow` does, with the base URL the users are read against. */
export function connectionRow(
  cache: OpenedDatabase,
  id: string,
  kind: 'zulip' | 'openwebui',
): void {
  cache.db
    .prepare(
      `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 0, 1, 1)`,
    )
    .run(id, kind, `Test ${id}`, baseUrlOf(id), kind === 'zulip' ? 'admin@example.com' : null);
}

function baseUrlOf(id: string): string {
  return `https://${id}.example.com`;
}

/** Writes a synthetic Zulip directory the way a sync does; returns the context it stored. */
export async function syncZulip(
  s: Stores,
  id: string,
  count: number,
  seed = 9101,
): Promise<ZulipContext> {
  const at = Date.UTC(2026, 0, 15, 12);
  const dir = generateZulipDirectory({ seed, count, nowMs: at });
  const context: ZulipContext = {
    kind: 'zulip',
    fetchedAt: at,
    profileFields: normalizeZulipProfileFields(dir.profileFields),
    ...zulipGroupsOf({ user_groups: dir.userGroups }),
  };
  await s.contexts.store(id, context);
  const writes = dir.members.map((raw) =>
    toWrite(
      {
        user: normalizeZulipUser(raw, {
          connectionId: id,
          baseUrl: baseUrlOf(id),
          context,
          presence: zulipPresenceOf(dir.presences[raw.email]),
        }),
        raw: raw as unknown as JsonValue,
      },
      at,
    ),
  );
  await s.users.upsertBatch(writes, { seenAt: at });
  return context;
}

/** Writes a synthetic Open WebUI directory the way a sync does; returns the context it stored. */
export async function syncOpenWebUI(
  s: Stores,
  id: string,
  count: number,
  seed = 9102,
): Promise<OpenWebUIContext> {
  const at = Date.UTC(2026, 0, 15, 12);
  const dir = generateOpenWebUIDirectory({ seed, count, nowMs: at });
  const context: OpenWebUIContext = {
    kind: 'openwebui',
    fetchedAt: at,
    groupNames: openWebUIGroupNames(dir.groups),
  };
  await s.contexts.store(id, context);
  const writes = dir.users.map((raw) =>
    toWrite(
      {
        user: normalizeOpenWebUIUser(raw, { connectionId: id, baseUrl: baseUrlOf(id), context }),
        raw: raw as unknown as JsonValue,
      },
      at,
    ),
  );
  await s.users.upsertBatch(writes, { seenAt: at });
  return context;
}

/** Every users row with its payloads, as the file holds them, by row ID. */
export type Snapshot = Map<number, Record<string, unknown>>;

export function snapshot(cache: OpenedDatabase): Snapshot {
  const rows = cache.db
    .prepare(
      `SELECT u.*, s.seen_at, s.fetched_at, p.user_json, p.raw_json FROM users u
       JOIN user_seen s ON s.row_id = u.row_id
       JOIN user_payloads p ON p.row_id = u.row_id ORDER BY u.row_id`,
    )
    .all() as Record<string, unknown>[];
  return new Map(rows.map((r) => [Number(r.row_id), { ...r }]));
}

/**
 * Makes every row (or those `where` picks) look as an older version left
 * it: version 0, a card and a user without the fields `dropped` and
 * `droppedFromUser` name (as a version before those fields would have
 * stored them), and search and sort columns that no longer match (an older
 * derivation of the text).
 */
export function ageRows(
  cache: OpenedDatabase,
  options: { where?: string; dropped?: string[]; droppedFromUser?: string[] } = {},
): number {
  const without = (column: string, paths: string[]): string =>
    paths.length === 0
      ? column
      : `json_remove(${column}, ${paths.map((p) => `'${p}'`).join(', ')})`;
  const card = without(
    'summary_json',
    options.dropped ?? ['$.timezone', '$.summaryFields', '$.groups'],
  );
  const user = without('user_json', options.droppedFromUser ?? ['$.bio', '$.status']);
  const where = options.where ? `WHERE ${options.where}` : '';
  const ids = cache.db.prepare(`SELECT row_id FROM users ${where}`).all() as { row_id: number }[];
  const list = JSON.stringify(ids.map((r) => r.row_id));
  cache.db.exec('BEGIN');
  cache.db
    .prepare(
      `UPDATE users SET derived_version = 0, summary_json = ${card},
         search_text = 'stale', sort_name = 'zzz stale', content_hash = 'stale'
       WHERE row_id IN (SELECT value FROM json_each(?))`,
    )
    .run(list);
  cache.db
    .prepare(
      `UPDATE user_payloads SET user_json = ${user}
       WHERE row_id IN (SELECT value FROM json_each(?))`,
    )
    .run(list);
  cache.db.exec('COMMIT');
  return ids.length;
}

/** A user's identity in a snapshot row. */
export function userOf(row: Record<string, unknown>): DirectoryUser {
  return JSON.parse(String(row.user_json)) as DirectoryUser;
}
