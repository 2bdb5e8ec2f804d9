// Proves createLinksService on its own with a recording system browser:
// http(s) links are opened (normalized), and anything else — other schemes,
// embedded credentials, control characters, no host — is refused as
// INVALID_INPUT on field 'url' without the browser ever being asked.
import { createLinksService } from '@core/services/links';
import { rejection } from './service-fixtures';

function links(): { opened: string[]; service: ReturnType<typeof createLinksService> } {
  const opened: string[] = [];
  return {
    opened,
    service: createLinksService({
      openExternal: async (url) => {
        opened.push(url);
      },
    }),
  };
}

it.each([
  ['https://chat.example.com/#narrow/dm/7', 'https://chat.example.com/#narrow/dm/7'],
  ['http://intranet.example/wiki', 'http://intranet.example/wiki'],
  ['  HTTPS://Example.COM/a b  ', 'https://example.com/a%20b'],
])('opens %j as %j', async (url, expected) => {
  const { opened, service } = links();
  await expect(service.openExternal({ url })).resolves.toEqual({ opened: true });
  expect(opened).toEqual([expected]);
});

it.each([
  'javascript:alert(1)',
  'file:///etc/passwd',
  'mailto:someone@example.com',
  'zulip://chat.example.com',
  'data:text/html,<b>x</b>',
  'https://user:password@example.com/',
  'https://user@example.com/',
  'https://example.com/\nx',
  'https://example.com/\u0000',
  'not a url',
  '',
])('refuses %j without asking the browser', async (url) => {
  const { opened, service } = links();
  const error = await rejection(service.openExternal({ url }));
  expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'url' });
  expect(error.message).toBe('Only http and https links can be opened.');
  expect(opened).toEqual([]);
});

it('passes on the browser’s own failure', async () => {
  const service = createLinksService({
    openExternal: async () => {
      throw new Error('no browser');
    },
  });
  await expect(service.openExternal({ url: 'https://example.com/' })).rejects.toThrow('no browser');
});
