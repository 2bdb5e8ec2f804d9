// A re-sync marks a user whose source digest is unchanged seen without
// deriving it again (providers/source-digest.ts, store/users-known.ts), and
// derives again every user one of whose inputs changed: the member itself,
// its presence, its groups' names, the field definitions, the derivation
// version, and a row changed behind the sync's back. Real dispatcher, real
// SQLite, the fake servers over HTTP.
import { DatabaseSync } from '@photostructure/sqlite';
import type { ConnectionSummary, UserRecord } from '@shared/model';
import { databasePath } from '@core/store/db';
import { DERIVATION_VERSION } from '@core/store/derivation';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { addOpenWebUI, addZulip, openTestCore, type TestCore } from './core-fixture';

/** The users rows of a connection: digest and derivation version by user ID. */
function rowsOf(
  t: TestCore,
  connectionId: string,
): Map<string, { source: string | null; version: number }> {
  const db = new DatabaseSync(databasePath(t.userDataDir), { readOnly: true });
  try {
    const rows = db
      .prepare('SELECT user_id, source_hash, derived_version FROM users WHERE connection_id = ?')
      .all(connectionId) as {
      user_id: string;
      source_hash: string | null;
      derived_version: number;
    }[];
    return new Map(
      rows.map((r) => [r.user_id, { source: r.source_hash, version: Number(r.derived_version) }]),
    );
  } finally {
    db.close();
  }
}

/** Runs SQL on the cache from outside core (another connection, as another program would). */
function writeBehind(t: TestCore, sql: string, ...params: (string | number)[]): void {
  const db = new DatabaseSync(databasePath(t.userDataDir));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function user(t: TestCore, connectionId: string, userId: string): Promise<UserRecord> {
  return t.call('users:get', { connectionId, userId });
}

describe('a Zulip re-sync', () => {
  let zulip: ZulipFake;
  let t: TestCore;
  let conn: ConnectionSummary;
  beforeEach(async () => {
    zulip = await startZulipFake({ seed: 23, count: 300 });
    t = await openTestCore();
    conn = await addZulip(t, zulip);
    expect(await t.call('directory:sync', { connectionId: conn.id })).toMatchObject({
      added: 300,
    });
  });
  afterEach(async () => {
    await t.close();
    await zulip.close();
  });

  it('stores a digest for every user, and finds all of them unchanged the next time', async () => {
    const rows = rowsOf(t, conn.id);
    expect(rows.size).toBe(300);
    expect(
      [...rows.values()].every((r) => typeof r.source === 'string' && r.source.length > 20),
    ).toBe(true);
    expect(new Set([...rows.values()].map((r) => r.source)).size).toBe(300);
    const again = await t.call('directory:sync', { connectionId: conn.id });
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 300, gone: 0 });
    expect(rowsOf(t, conn.id)).toEqual(rows);
    // Seen by this sync: nobody is marked gone, and every card reads as before.
    expect((await t.call('users:search', { connectionIds: [conn.id], limit: 1 })).total).toBe(300);
  });

  it('derives again the one member the server changed', async () => {
    const target = zulip.directory.members.find((m) => !m.is_bot && m.is_active)!;
    zulip.renameUser(target.user_id, 'Quentin Digest');
    const summary = await t.call('directory:sync', { connectionId: conn.id });
    expect(summary).toMatchObject({ updated: 1, unchanged: 299 });
    expect((await user(t, conn.id, String(target.user_id))).user.name).toBe('Quentin Digest');
    expect(
      (await t.call('users:search', { text: 'quentin digest' })).items.map((i) => i.userId),
    ).toEqual([String(target.user_id)]);
  });

  it('derives again a user whose presence changed', async () => {
    const [email, presence] = Object.entries(zulip.directory.presences)[0]!;
    const target = zulip.directory.members.find((m) => m.email === email)!;
    const before = (await user(t, conn.id, String(target.user_id))).user.presence;
    presence.aggregated.timestamp -= 86_400;
    presence.website.timestamp -= 86_400;
    zulip.changed();
    const summary = await t.call('directory:sync', { connectionId: conn.id });
    expect(summary).toMatchObject({ updated: 1, unchanged: 299 });
    const after = (await user(t, conn.id, String(target.user_id))).user.presence;
    expect(after?.lastActiveAt).toBe((before?.lastActiveAt ?? 0) - 86_400_000);
  });

  it('derives again every member of a group whose name changed, and no one else', async () => {
    const group = zulip.directory.userGroups.find(
      (g) => !g.is_system_group && g.members.length > 0,
    )!;
    group.name = 'Renamed Guild';
    zulip.changed();
    const summary = await t.call('directory:sync', { connectionId: conn.id });
    expect(summary.updated).toBe(group.members.length);
    expect(summary.unchanged).toBe(300 - group.members.length);
    const member = await user(t, conn.id, String(group.members[0]));
    expect(member.user.groups.map((g) => g.name)).toContain('Renamed Guild');
  });

  it('derives again the users of a field whose definition changed', async () => {
    const definition = zulip.directory.profileFields[0]!;
    definition.name = 'Renamed Field';
    zulip.changed();
    await t.call('directory:sync', { connectionId: conn.id });
    const holder = zulip.directory.members.find(
      (m) => m.profile_data && Object.hasOwn(m.profile_data, String(definition.id)),
    )!;
    const fields = (await user(t, conn.id, String(holder.user_id))).user.profileFields;
    expect(fields.find((f) => f.fieldId === String(definition.id))?.name).toBe('Renamed Field');
  });

  it('derives again a row an older version derived, and one changed behind the sync', async () => {
    const [a, b] = zulip.directory.members.filter((m) => !m.is_bot);
    writeBehind(
      t,
      'UPDATE users SET derived_version = 4 WHERE connection_id = ? AND user_id = ?',
      conn.id,
      String(a!.user_id),
    );
    // Marked gone after a lookup (say): the list has it again, so it comes back.
    writeBehind(
      t,
      'UPDATE users SET gone_at = 1 WHERE connection_id = ? AND user_id = ?',
      conn.id,
      String(b!.user_id),
    );
    const summary = await t.call('directory:sync', { connectionId: conn.id });
    expect(summary).toMatchObject({ added: 0, gone: 0 });
    expect(summary.updated + summary.unchanged).toBe(300);
    const rows = rowsOf(t, conn.id);
    expect(rows.get(String(a!.user_id))?.version).toBe(DERIVATION_VERSION);
    expect((await user(t, conn.id, String(b!.user_id))).goneAt).toBeNull();
    // Both are known again by their digests at the next sync.
    expect(await t.call('directory:sync', { connectionId: conn.id })).toMatchObject({
      unchanged: 300,
    });
  });
});

describe('an Open WebUI re-sync', () => {
  let owui: OpenWebUIFake;
  let t: TestCore;
  let conn: ConnectionSummary;
  beforeEach(async () => {
    owui = await startOpenWebUIFake({ seed: 23, count: 150 });
    t = await openTestCore();
    conn = await addOpenWebUI(t, owui);
    expect(await t.call('directory:sync', { connectionId: conn.id })).toMatchObject({
      added: 150,
    });
  });
  afterEach(async () => {
    await t.close();
    await owui.close();
  });

  it('finds every user unchanged, then derives again the renamed one and the members of a renamed group', async () => {
    expect(await t.call('directory:sync', { connectionId: conn.id })).toMatchObject({
      updated: 0,
      unchanged: 150,
    });
    const renamed = owui.directory.users[5]!;
    owui.renameUser(renamed.id, 'Ophelia Digest');
    expect(await t.call('directory:sync', { connectionId: conn.id })).toMatchObject({
      updated: 1,
      unchanged: 149,
    });
    expect((await user(t, conn.id, renamed.id)).user.name).toBe('Ophelia Digest');

    const group = owui.directory.groups[0]!;
    const members = owui.directory.users.filter((u) => u.groups.some((g) => g.id === group.id));
    expect(members.length).toBeGreaterThan(0);
    group.name = 'Renamed Guild';
    owui.changed();
    const summary = await t.call('directory:sync', { connectionId: conn.id });
    expect(summary.updated).toBe(members.length);
    expect((await user(t, conn.id, members[0]!.id)).user.groups.map((g) => g.name)).toContain(
      'Renamed Guild',
    );
  });
});
