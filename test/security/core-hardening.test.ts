// Small proofs for what the hostile corpus found in core: an error body
// nested thousands of levels deep yields no server message (instead of
// exhausting the stack), and server-rendered HTML too large to sanitize
// quickly is shown as its plain value (instead of freezing the window).
import { serverMessageOf } from '@core/net/http-errors';
import { normalizeZulipUser } from '@core/providers';
import { MAX_RENDERED_HTML_CHARS } from '@core/providers/zulip-fields';
import type { JsonValue } from '@shared/model';

function nested(key: string, depth: number, leaf: JsonValue): JsonValue {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { [key]: value };
  return value;
}

describe("the server's own words from hostile error bodies", () => {
  it('stops looking after a few levels, however deep the body nests', () => {
    for (const key of ['msg', 'detail', 'error', 'message']) {
      expect(serverMessageOf(nested(key, 50_000, 'deep'))).toBeUndefined();
    }
  });

  it('still finds the message in the shapes servers and proxies really send', () => {
    expect(serverMessageOf({ msg: 'No such user' })).toBe('No such user');
    expect(serverMessageOf({ error: { message: 'Proxy says no' } })).toBe('Proxy says no');
    expect(serverMessageOf({ detail: [{ msg: 'bad page' }] })).toBe('bad page');
    expect(serverMessageOf(nested('error', 3, 'three deep'))).toBe('three deep');
  });
});

describe("Zulip's server-rendered HTML", () => {
  const env = { connectionId: 'c1', baseUrl: 'https://chat.example.com', context: null };
  const user = (rendered: string) =>
    normalizeZulipUser(
      {
        user_id: 7,
        full_name: 'Rendered',
        email: 'r@example.com',
        avatar_url: '/a.png',
        profile_data: { '2': { value: 'plain value', rendered_value: rendered } },
      },
      env,
    );

  it('keeps rendered HTML of any realistic size for the sanitizer', () => {
    const html = `<p>${'word '.repeat(2000)}</p>`;
    expect(user(html).profileFields[0]?.renderedHtml).toBe(html);
  });

  it('drops rendered HTML too large to sanitize quickly, keeping the plain value', () => {
    const html = '<b><i>'.repeat(MAX_RENDERED_HTML_CHARS);
    const field = user(html).profileFields[0];
    expect(field?.renderedHtml).toBeNull();
    expect(field?.value).toBe('plain value');
    expect(field?.text).toBe('plain value');
  });
});
