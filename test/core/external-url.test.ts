import { safeExternalUrl } from '@core/external-url';

describe('links that may open in the system browser', () => {
  it.each([
    ['https://zulip.example.com/#narrow', 'https://zulip.example.com/#narrow'],
    ['http://example.com', 'http://example.com/'],
    ['  https://github.com/octocat  ', 'https://github.com/octocat'],
  ])('allows %s', (raw, expected) => {
    expect(safeExternalUrl(raw)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'vbscript:msgbox',
    'smb://host/share',
    'ms-msdt:/id',
    'https://user:pass@example.com/',
    'https://exa\nmple.com/',
    '//example.com',
    'example.com',
    '',
    'https://' + 'a'.repeat(9000) + '.com',
  ])('refuses %s', (raw) => {
    expect(safeExternalUrl(raw)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(safeExternalUrl(undefined)).toBeNull();
    expect(safeExternalUrl({ href: 'https://x' })).toBeNull();
  });
});
