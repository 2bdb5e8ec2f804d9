// The everyday actions of the detail panel: copy email, ID and a Zulip
// mention Zulip reads, and open the user in the server's own web UI.
import { screen, within } from '@testing-library/react';
import { ok } from '@shared/errors';
import { serverUserPageUrl, zulipMention } from '@renderer/lib/user-links';
import { findCard, renderApp } from './harness';
import { cardVariants } from './fixtures';

describe('zulipMention', () => {
  it('names the user and their ID, the form Zulip resolves by ID and name', () => {
    expect(zulipMention('Iago Ortiz', '8')).toBe('@**Iago Ortiz|8**');
  });
  it('keeps a | in a name: Zulip splits at the | before the digits', () => {
    expect(zulipMention('Ops | Night shift', '41')).toBe('@**Ops | Night shift|41**');
  });
  it.each([['Star*Lord'], ['**bold**'], ['two\nlines'], ['  ']])(
    'falls back to the ID-only form for %j (Zulip mentions allow no * nor line break)',
    (name) => {
      expect(zulipMention(name, '57')).toBe('@**|57**');
    },
  );
  it('uses the ID-only form when the cached name was cut short', () => {
    expect(zulipMention('A very long name', '9', true)).toBe('@**|9**');
  });
});

describe('serverUserPageUrl', () => {
  it('Zulip: the user overlay, under any path prefix', () => {
    expect(serverUserPageUrl('zulip', 'https://chat.acme.example', '8')).toBe(
      'https://chat.acme.example/#user/8',
    );
    expect(serverUserPageUrl('zulip', 'https://acme.example/chat/', '8')).toBe(
      'https://acme.example/chat/#user/8',
    );
  });
  it('Open WebUI: the admin users page', () => {
    expect(serverUserPageUrl('openwebui', 'https://ai.lab.example', 'abc')).toBe(
      'https://ai.lab.example/admin/users',
    );
  });
  it('nothing for a base URL that is not http(s)', () => {
    expect(serverUserPageUrl('zulip', 'javascript:alert(1)', '8')).toBeNull();
    expect(serverUserPageUrl('zulip', 'not a url', '8')).toBeNull();
  });
});

describe('the detail panel actions', () => {
  const v = cardVariants();

  it('copies the email, the ID and the mention of a Zulip user, and opens them in Zulip', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: { 'shell:open-external': () => ok({ opened: true }) },
    });
    await user.click(await findCard('8'));
    const panel = await screen.findByTestId('detail-panel');
    await user.click(await within(panel).findByTestId('copy-email'));
    expect(await navigator.clipboard.readText()).toBe(v.zulipOwner.user.deliveryEmail);
    await user.click(within(panel).getByTestId('copy-id'));
    expect(await navigator.clipboard.readText()).toBe('8');
    await user.click(within(panel).getByTestId('copy-mention'));
    expect(await navigator.clipboard.readText()).toBe('@**Iago Ortiz|8**');
    expect(await screen.findByTestId('toasts')).toHaveTextContent('Copied the mention.');
    await user.click(within(panel).getByTestId('open-in-server'));
    expect(
      bridge.calls.filter((c) => c.channel === 'shell:open-external').map((c) => c.arg),
    ).toEqual([{ url: 'https://chat.acme.example/#user/8' }]);
  });

  it('offers no mention for an Open WebUI user, and opens its admin users page', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: { 'shell:open-external': () => ok({ opened: true }) },
    });
    await user.click(await findCard(v.owuiAdmin.user.userId));
    const panel = await screen.findByTestId('detail-panel');
    await within(panel).findByTestId('copy-id');
    expect(within(panel).queryByTestId('copy-mention')).toBeNull();
    await user.click(within(panel).getByTestId('open-in-server'));
    expect(
      bridge.calls.filter((c) => c.channel === 'shell:open-external').map((c) => c.arg),
    ).toEqual([{ url: 'https://ai.lab.example/admin/users' }]);
  });
});
