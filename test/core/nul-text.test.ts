// A NUL in a server's text (a hostile name or profile field). The cache's
// SQLite binding ends a string parameter at its first NUL, so before
// DERIVATION_VERSION 5 a name "Ann\0Lee" was stored as "Ann", and its search
// text ended there: neither "Lee" nor the user's email found it once the
// index was built from the file again. Now the normalizers put U+FFFD in the
// NUL's place, so the live index, the stored columns, the SQL search and an
// index rebuilt from the file all agree and keep what followed; and rows an
// older version cut short are derived again from their payloads, which
// JSON kept whole.
import type { JsonValue } from '@shared/model';
import { normalizeOpenWebUIUser, openWebUIGroupNames } from '@core/providers/openwebui-user';
import type { OpenWebUIContext } from '@core/providers';
import { createSearchIndex } from '@core/search/search-index';
import { sortNameOf } from '@core/search/search-text';
import { startRederiver } from '@core/services/rederive';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { toWrite } from '@core/services/user-writes';
import { DERIVATION_VERSION } from '@core/store/derivation';
import { openTestCache, searchQuery } from './cache-fixtures';
import { connectionRow, storesOver, type Stores } from './services/rederive-fixtures';

const AT = Date.UTC(2026, 0, 15, 12);
const EMAIL = 'ann.nul@example.org';

/** Writes 40 synthetic Open WebUI users, the first named "Ann\0Lee", as a sync does; returns its ID. */
async function syncWithNul(s: Stores): Promise<string> {
  const dir = generateOpenWebUIDirectory({ seed: 5, count: 40, nowMs: AT });
  const first = dir.users[0] as unknown as Record<string, JsonValue>;
  first.name = 'Ann\0Lee';
  first.email = EMAIL;
  // Half of a UTF-16 pair: the binding would store U+FFFD for it.
  (dir.users[1] as unknown as Record<string, JsonValue>).name = 'Zoë\udc00Ray';
  const context: OpenWebUIContext = {
    kind: 'openwebui',
    fetchedAt: AT,
    groupNames: openWebUIGroupNames(dir.groups),
  };
  await s.contexts.store('owu', context);
  const writes = dir.users.map((raw) =>
    toWrite(
      {
        user: normalizeOpenWebUIUser(raw, {
          connectionId: 'owu',
          baseUrl: 'https://owu.example.com',
          context,
        }),
        raw: raw as unknown as JsonValue,
      },
      AT,
    ),
  );
  await s.users.upsertBatch(writes, { seenAt: AT });
  return String(first.id);
}

/** The IDs a search for `text` finds. */
function found(s: Stores, text: string): string[] {
  return s.users.search(searchQuery({ text })).items.map((i) => i.userId);
}

function storedRow(s: Stores, userId: string): Record<string, unknown> {
  return s.cache.db
    .prepare(
      'SELECT name, email, search_text, sort_name, derived_version FROM users WHERE user_id = ?',
    )
    .get(userId) as Record<string, unknown>;
}

describe('a server text holding a NUL', () => {
  it('keeps what follows the NUL: the live index, the columns, the SQL search and a rebuilt index agree', async () => {
    const cache = openTestCache();
    const live = storesOver(cache, { index: createSearchIndex() });
    await live.users.buildSearchIndex();
    connectionRow(cache, 'owu', 'openwebui');
    const id = await syncWithNul(live);

    expect(found(live, 'lee')).toEqual([id]);
    expect(found(live, EMAIL)).toEqual([id]);
    expect(live.users.getSummary('owu', id)?.name).toBe('Ann\uFFFDLee');
    const row = storedRow(live, id);
    expect(row.name).toBe('Ann\uFFFDLee');
    expect(row.email).toBe(EMAIL);
    expect(String(row.search_text)).toContain(EMAIL);
    expect(row.sort_name).toBe('ann\uFFFDlee');
    // The lone surrogate: the card, the columns and the index hold the same text.
    const second = found(live, 'ray');
    expect(second).toHaveLength(1);
    expect(live.users.getSummary('owu', second[0]!)?.name).toBe('Zoë\uFFFDRay');
    expect(storedRow(live, second[0]!)).toMatchObject({
      name: 'Zoë\uFFFDRay',
      sort_name: sortNameOf('Zoë\uFFFDRay'),
    });

    // The SQL search (no index yet) reads the columns.
    const sql = storesOver(cache);
    expect(sql.users.searchIndexState()).not.toBe('ready');
    expect(found(sql, 'lee')).toEqual([id]);
    expect(found(sql, EMAIL)).toEqual([id]);
    // An index built from the file, as the next start builds it.
    const rebuilt = storesOver(cache, { index: createSearchIndex() });
    await rebuilt.users.buildSearchIndex();
    expect(rebuilt.users.searchIndexState()).toBe('ready');
    expect(found(rebuilt, 'lee')).toEqual([id]);
    expect(found(rebuilt, EMAIL)).toEqual([id]);
    cache.close();
  });

  it('derives again a row an older version stored cut short at the NUL', async () => {
    const cache = openTestCache();
    const s = storesOver(cache);
    connectionRow(cache, 'owu', 'openwebui');
    const id = await syncWithNul(s);
    // What version 4 wrote: the same columns with the NUL in place, which the
    // binding cut short; the user and card JSON kept it, escaped.
    const cut = (text: unknown): string => String(text).replaceAll('\uFFFD', '\0');
    const before = storedRow(s, id);
    cache.db
      .prepare(
        `UPDATE users SET name = ?, search_text = ?, sort_name = ?, derived_version = 4,
           summary_json = replace(summary_json, ?, ?) WHERE user_id = ?`,
      )
      .run(
        cut(before.name),
        cut(before.search_text),
        cut(before.sort_name),
        '\uFFFD',
        '\\u0000',
        id,
      );
    cache.db
      .prepare(
        `UPDATE user_payloads SET user_json = replace(user_json, ?, ?)
           WHERE row_id = (SELECT row_id FROM users WHERE user_id = ?)`,
      )
      .run('\uFFFD', '\\u0000', id);
    expect(storedRow(s, id)).toMatchObject({ name: 'Ann', search_text: 'ann', sort_name: 'ann' });

    const index = storesOver(cache, { index: createSearchIndex() });
    await index.users.buildSearchIndex();
    expect(found(index, 'lee')).toEqual([]);
    expect(found(index, EMAIL)).toEqual([]);

    // This version derives rows of version 4 again, from their payloads.
    expect(DERIVATION_VERSION).toBeGreaterThan(4);
    const report = await startRederiver({
      users: index.users,
      contexts: index.contexts,
      log: index.log,
      readOnly: false,
    }).done;
    expect(report).toMatchObject({ rederived: 1, left: 0 });
    expect(storedRow(index, id)).toMatchObject({
      name: 'Ann\uFFFDLee',
      sort_name: sortNameOf('Ann\uFFFDLee'),
      derived_version: DERIVATION_VERSION,
    });
    expect(found(index, 'lee')).toEqual([id]);
    expect(found(index, EMAIL)).toEqual([id]);
    expect(index.users.getSummary('owu', id)?.name).toBe('Ann\uFFFDLee');
    cache.close();
  });
});
