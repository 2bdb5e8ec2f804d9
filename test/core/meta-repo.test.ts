// Per-connection JSON: profile field definitions and provider context,
// replaced on write and gone with their connection. Real SQLite.
import { createMetaRepo } from '@core/store/meta-repo';
import { RollcallFailure } from '@shared/errors';
import type { ProfileFieldDefinition } from '@shared/model';
import { addConnectionRow, openTestCache, testClock } from './cache-fixtures';

const team: ProfileFieldDefinition = {
  id: '3',
  name: 'Team',
  type: 'choice',
  typeCode: 3,
  hint: '',
  order: 1,
  displayInSummary: true,
  required: false,
  choices: [{ key: 'a', text: 'Platform', order: 0 }],
  externalAccount: null,
};

describe('meta repository', () => {
  it('keeps profile field definitions per connection, replacing them on write', () => {
    const clock = testClock();
    const cache = openTestCache({ now: clock.now });
    addConnectionRow(cache, 'conn-a');
    const meta = createMetaRepo(cache, { now: clock.now });
    expect(meta.getProfileFields('conn-a')).toBeNull();
    meta.setProfileFields('conn-a', [team], 100);
    expect(meta.getProfileFields('conn-a')).toEqual({ value: [team], updatedAt: 100 });
    meta.setProfileFields('conn-a', [], 200);
    expect(meta.getProfileFields('conn-a')).toEqual({ value: [], updatedAt: 200 });
    cache.close();
  });

  it('reads back definitions an older version stored: missing fields as defaults, unreadable ones left out', () => {
    const clock = testClock();
    const cache = openTestCache({ now: clock.now });
    addConnectionRow(cache, 'conn-a');
    const meta = createMetaRepo(cache, { now: clock.now });
    const { hint: _hint, externalAccount: _external, ...older } = team;
    cache.db
      .prepare(
        'INSERT INTO profile_fields (connection_id, definitions_json, fetched_at) VALUES (?, ?, 5)',
      )
      .run('conn-a', JSON.stringify([{ ...older, type: 'hologram' }, { name: 'no id' }]));
    expect(meta.getProfileFields('conn-a')).toEqual({
      value: [{ ...team, type: 'unknown', hint: '', externalAccount: null }],
      updatedAt: 5,
    });
    cache.db.prepare("UPDATE profile_fields SET definitions_json = '{}'").run();
    expect(meta.getProfileFields('conn-a')).toBeNull();
    cache.close();
  });

  it('stores any JSON under a key, and forgets it with the connection', () => {
    const clock = testClock();
    const cache = openTestCache({ now: clock.now });
    addConnectionRow(cache, 'conn-a');
    const meta = createMetaRepo(cache, { now: clock.now });
    const context = { kind: 'openwebui', groups: { g1: 'Research' }, n: null, list: [1, 'two'] };
    meta.set('conn-a', 'provider-context', context);
    expect(meta.get('conn-a', 'provider-context')).toEqual({
      value: context,
      updatedAt: clock.now(),
    });
    meta.set('conn-a', 'flag', null, 5);
    expect(meta.get('conn-a', 'flag')).toEqual({ value: null, updatedAt: 5 });
    expect(meta.get('conn-a', 'missing')).toBeNull();
    expect(meta.delete('conn-a', 'flag')).toBe(true);
    expect(meta.delete('conn-a', 'flag')).toBe(false);
    cache.db.prepare("DELETE FROM connections WHERE id = 'conn-a'").run();
    expect(meta.get('conn-a', 'provider-context')).toBeNull();
    cache.close();
  });

  it('parses a value once, and reads it again when its row changes behind the repository', () => {
    const cache = openTestCache();
    addConnectionRow(cache, 'conn-a');
    const meta = createMetaRepo(cache, { now: () => 10 });
    meta.set('conn-a', 'provider-context', { v: 1 }, 10);
    const first = meta.get('conn-a', 'provider-context');
    // Same row, same stamp: the same parsed object, not a fresh parse.
    expect(meta.get('conn-a', 'provider-context')).toBe(first);
    // Written through the repository at the same millisecond: never the old value.
    meta.set('conn-a', 'provider-context', { v: 2 }, 10);
    expect(meta.get('conn-a', 'provider-context')?.value).toEqual({ v: 2 });
    // Written by someone else (a newer stamp): read again.
    cache.db
      .prepare(
        "UPDATE connection_meta SET value_json = '{\"v\":3}', updated_at = 11 WHERE connection_id = 'conn-a'",
      )
      .run();
    expect(meta.get('conn-a', 'provider-context')).toEqual({ value: { v: 3 }, updatedAt: 11 });
    // Gone with its connection: gone from memory too, even if re-created later.
    cache.db.prepare("DELETE FROM connections WHERE id = 'conn-a'").run();
    expect(meta.get('conn-a', 'provider-context')).toBeNull();
    addConnectionRow(cache, 'conn-a');
    expect(meta.get('conn-a', 'provider-context')).toBeNull();
    cache.close();
  });

  it('stores JSON made elsewhere and hands back the value it was given, parsed once', () => {
    const cache = openTestCache();
    addConnectionRow(cache, 'conn-a');
    const meta = createMetaRepo(cache, { now: () => 20 });
    const context = { kind: 'zulip', groupIdsByUser: { '1': ['7'] } };
    meta.setSerialized('conn-a', 'provider-context', context, JSON.stringify(context));
    expect(meta.get('conn-a', 'provider-context')?.value).toBe(context);
    // What reached the file is that JSON: a fresh repository (a restart) reads it back.
    const again = createMetaRepo(cache, { now: () => 20 });
    expect(again.get('conn-a', 'provider-context')).toEqual({ value: context, updatedAt: 20 });
    cache.close();
  });

  it('refuses odd keys and a connection that does not exist', () => {
    const cache = openTestCache();
    const meta = createMetaRepo(cache, { now: () => 1 });
    expect(() => meta.set('conn-a', '../x', 1)).toThrow(RollcallFailure);
    try {
      meta.set('conn-nope', 'key', 1);
      throw new Error('expected a failure');
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(RollcallFailure);
      expect((thrown as RollcallFailure).error).toMatchObject({ code: 'INVALID_INPUT' });
    }
    cache.close();
  });
});
