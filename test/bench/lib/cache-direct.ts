/**
 * A large cache written straight through the users repository (generate,
 * normalize, `upsertBatch`), without the fake server and the sync: the
 * 300 000-user scenario needs one per run, and a sync of that size would
 * cost the bench minutes. What lands in the cache is what a sync writes for
 * the same users (the same normalizer and writer); only the fetch is skipped.
 *
 * Runs in Node (bench processes).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@core/log';
import {
  normalizeZulipProfileFields,
  normalizeZulipUser,
  type ZulipContext,
} from '@core/providers';
import { zulipGroupsOf, zulipPresenceOf } from '@core/providers/zulip-wire';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import { databasePath, openDatabase } from '@core/store/db';
import { createUsersRepo } from '@core/store/users-repo';
import type { JsonValue } from '@shared/model';
import type { SuiteArgs } from './figures';

/** Users normalized and written per batch (bounds the memory of the normalized copies). */
const BATCH = 10_000;

/** Writes `count` seeded Zulip users into a new user-data folder; returns it and the seconds taken. */
export async function makeDirectZulipCache(
  args: SuiteArgs,
  count: number,
): Promise<{ dir: string; seconds: number }> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(args.workDir, `cache-direct-${count}-`));
  const cache = openDatabase(databasePath(dir), { log: silentLogger, now: Date.now });
  try {
    const baseUrl = 'https://chat.example.com';
    cache.db
      .prepare(
        `INSERT INTO connections (id, kind, label, base_url, login_email, demo, created_at, updated_at)
         VALUES ('conn-direct', 'zulip', 'Zulip ${count}', ?, 'admin@example.com', 0, 1, 1)`,
      )
      .run(baseUrl);
    const repo = createUsersRepo(cache, { now: Date.now });
    const org = generateZulipDirectory({ seed: args.seed, count });
    const context: ZulipContext = {
      kind: 'zulip',
      fetchedAt: Date.now(),
      profileFields: normalizeZulipProfileFields({
        subscriptions: [],
        custom_fields: org.profileFields,
      }),
      ...zulipGroupsOf({ user_groups: org.userGroups }),
    };
    for (let i = 0; i < org.members.length; i += BATCH) {
      const writes = org.members.slice(i, i + BATCH).map((raw) => ({
        user: normalizeZulipUser(raw, {
          connectionId: 'conn-direct',
          baseUrl,
          context,
          presence: zulipPresenceOf(org.presences[raw.email]),
        }),
        raw: raw as unknown as JsonValue,
        fetchedAt: context.fetchedAt,
      }));
      await repo.upsertBatch(writes);
    }
  } finally {
    cache.close();
  }
  return { dir, seconds: (performance.now() - t0) / 1000 };
}
