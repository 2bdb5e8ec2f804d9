// Proves user-writes.ts on its own: a fetched user becomes a cache write
// stamped with the given time, with credentials redacted from both the raw
// payload and the user's extras (the rest untouched), and `writesOf` turns a
// page into the same writes, in order, even when it yields between slices.
import { REDACTED } from '@core/store/redact-payload';
import { toWrite, writesOf } from '@core/services/user-writes';
import { fetched } from './service-fixtures';

describe('toWrite', () => {
  it('stamps the fetch time and keeps the user and payload as they were', () => {
    const f = fetched('conn-z', '7', { name: 'Ada Lovelace' }, { id: 7, full_name: 'Ada' });
    expect(toWrite(f, 1234)).toEqual({ user: f.user, raw: f.raw, fetchedAt: 1234 });
  });

  it('redacts credentials in the raw payload and the user’s extras', () => {
    const f = fetched(
      'conn-o',
      'u1',
      {
        kind: 'openwebui',
        role: 'user',
        extra: { settings: { api_key: 'sk-leaked', theme: 'dark' } },
      },
      { id: 'u1', api_key: 'sk-top-secret', settings: { openai: { token: 't0k3n' } }, name: 'Bo' },
    );
    const write = toWrite(f, 1);
    expect(write.raw).toEqual({
      id: 'u1',
      api_key: REDACTED,
      settings: { openai: { token: REDACTED } },
      name: 'Bo',
    });
    expect(write.user.extra).toEqual({ settings: { api_key: REDACTED, theme: 'dark' } });
    expect(JSON.stringify(write)).not.toMatch(/sk-leaked|sk-top-secret|t0k3n/);
    // The fetched user itself is not changed.
    expect(f.user.extra).toEqual({ settings: { api_key: 'sk-leaked', theme: 'dark' } });
  });
});

describe('writesOf', () => {
  it('is toWrite over a page, in order', async () => {
    const page = [1, 2, 3].map((i) =>
      fetched('conn-z', String(i), {}, { id: i, password: `pw-${i}` }),
    );
    const writes = await writesOf(page, 99);
    expect(writes).toEqual(page.map((f) => toWrite(f, 99)));
    expect(writes.map((w) => w.user.userId)).toEqual(['1', '2', '3']);
  });

  it('handles a page large enough to be redacted in several slices', async () => {
    const page = Array.from({ length: 3000 }, (_, i) =>
      fetched(
        'conn-z',
        String(i + 1),
        {},
        { id: i + 1, api_key: `key-${i}`, bio: 'x'.repeat(200) },
      ),
    );
    const writes = await writesOf(page, 5);
    expect(writes).toHaveLength(3000);
    expect(writes.every((w, i) => w.user.userId === String(i + 1) && w.fetchedAt === 5)).toBe(true);
    expect(writes.every((w) => (w.raw as { api_key: string }).api_key === REDACTED)).toBe(true);
  });

  it('gives nothing for an empty page', async () => {
    expect(await writesOf([], 1)).toEqual([]);
  });
});
