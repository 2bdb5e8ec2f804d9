// main/avatar-protocol.ts with `electron` mocked: the URL parsing that decides
// which cached picture a request may read.
import { vi } from 'vitest';

vi.mock('electron', () => ({ protocol: { handle: () => {} } }));
const { parseAvatarUrl } = await import('../../src-main/main/avatar-protocol');

describe('avatar URLs', () => {
  it('reads the connection and user from the path, keeping case', () => {
    expect(parseAvatarUrl('rollcall-avatar://avatars/demo-zulip/42?v=abc')).toEqual({
      connectionId: 'demo-zulip',
      userId: '42',
    });
    expect(parseAvatarUrl('rollcall-avatar://avatars/c1/Ab%2FCd')).toEqual({
      connectionId: 'c1',
      userId: 'Ab/Cd',
    });
  });

  it.each([
    'rollcall-avatar://other/c1/42',
    'rollcall-avatar://avatars/c1',
    'rollcall-avatar://avatars/c1/42/extra',
    'rollcall-avatar://avatars/..%2F..%2Fetc/42',
    'rollcall-avatar://avatars/c1/%E0%A4%A',
    'https://avatars/c1/42',
    'not a url',
  ])('refuses %s', (url) => {
    expect(parseAvatarUrl(url)).toBeNull();
  });
});
