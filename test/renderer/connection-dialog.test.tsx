// The add/edit connection dialog: field errors, test, save, zuliprc, replace key.
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { err, ok, rollcallError } from '@shared/errors';
import { contract } from '@shared/contract';
import type { ConnectionSummary } from '@shared/model';
import { findCard, renderApp } from './harness';
import { cardVariants, connection, owuiConnection } from './fixtures';

const ZULIPRC =
  '[api]\nemail=iago@acme.example\nkey=gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv\nsite=https://chat.acme.example\n';

async function openAdd(kind: 'zulip' | 'openwebui', answers = {}) {
  const view = renderApp({ records: Object.values(cardVariants()), answers });
  await findCard('8');
  await view.user.click(screen.getByRole('button', { name: 'Add a connection' }));
  await view.user.click(screen.getByTestId(kind === 'zulip' ? 'add-zulip' : 'add-openwebui'));
  const dialog = await screen.findByRole('dialog');
  return { ...view, dialog };
}

function savedArgs(calls: { channel: string; arg: unknown }[]) {
  return calls
    .filter((c) => c.channel === 'connections:save')
    .map((c) => contract['connections:save'].arg.parse(c.arg));
}

describe('the add/edit connection dialog', () => {
  it('shows field errors for bad input and sends nothing', async () => {
    const { user, dialog, bridge } = await openAdd('zulip');
    expect(dialog).toHaveAccessibleName('Add a Zulip server');
    await user.type(within(dialog).getByLabelText('Server URL'), 'ftp://chat.acme.example');
    await user.type(within(dialog).getByLabelText('Login email'), 'iago-at-acme');
    await user.click(within(dialog).getByRole('button', { name: 'Add connection' }));
    const url = within(dialog).getByLabelText('Server URL');
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(url).toHaveAccessibleDescription(
      /Rollcall connects over https:\/\/ \(or http:\/\/\), not ftp:\./,
    );
    expect(within(dialog).getByLabelText('Login email')).toHaveAccessibleDescription(
      /That does not look like an email address\./,
    );
    expect(within(dialog).getByLabelText('API key')).toHaveAccessibleDescription(
      /Paste the API key\./,
    );
    expect(
      bridge.calls.some(
        (c) => c.channel === 'connections:save' || c.channel === 'connections:test',
      ),
    ).toBe(false);
    // Chromium's URL parser would take "chat example" as a host; the dialog does not.
    await user.clear(url);
    await user.type(url, 'http://chat example');
    await user.click(within(dialog).getByRole('button', { name: 'Add connection' }));
    expect(url).toHaveAccessibleDescription(/A server URL cannot contain spaces\./);
    // Fixing a field clears its error at once.
    await user.clear(url);
    await user.type(url, 'chat.acme.example');
    expect(url).not.toHaveAttribute('aria-invalid');
    expect(within(dialog).getByLabelText('Login email')).toHaveAttribute('aria-invalid', 'true');
  });

  it('tests the draft and shows who the key belongs to and their role', async () => {
    // The outcome lands under a tall form: it must be scrolled into view (issue 16).
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
    const { user, dialog, bridge } = await openAdd('zulip', {
      'connections:test': () =>
        ok({
          ok: true,
          at: Date.now(),
          who: {
            userId: '8',
            name: 'Iago Ortiz',
            email: 'iago@acme.example',
            role: 'administrator',
          },
          error: null,
        }),
    });
    await user.type(within(dialog).getByLabelText('Server URL'), 'chat.acme.example');
    await user.type(within(dialog).getByLabelText('Login email'), 'iago@acme.example');
    await user.type(within(dialog).getByLabelText('API key'), 'gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv');
    expect(within(dialog).getByLabelText('API key')).toHaveAttribute('type', 'password');
    await user.click(within(dialog).getByRole('button', { name: 'Test connection' }));
    const result = await within(dialog).findByTestId('test-result');
    expect(result).toHaveTextContent('Connected to chat.acme.example');
    expect(scrolled.some((el) => el.contains(result))).toBe(true);
    expect(result).toHaveTextContent('The key belongs to Iago Ortiz (iago@acme.example)');
    expect(within(result).getByTestId('role-badge')).toHaveTextContent('Administrator');
    const call = bridge.calls.find((c) => c.channel === 'connections:test')!;
    expect(contract['connections:test'].arg.parse(call.arg)).toEqual({
      draft: {
        kind: 'zulip',
        label: '',
        baseUrl: 'https://chat.acme.example',
        loginEmail: 'iago@acme.example',
        secret: 'gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv',
      },
    });
  });

  it('puts a rejected key on the key field and a web page on the URL field', async () => {
    let answer = rollcallError(
      'UNAUTHORIZED',
      'The server rejected the credentials. Check the API key and login email.',
      {
        status: 401,
        serverMessage: 'Invalid API key',
      },
    );
    const { user, dialog } = await openAdd('zulip', {
      'connections:test': () => ok({ ok: false, at: Date.now(), who: null, error: answer }),
    });
    await user.type(within(dialog).getByLabelText('Server URL'), 'https://chat.acme.example');
    await user.type(within(dialog).getByLabelText('Login email'), 'iago@acme.example');
    await user.type(within(dialog).getByLabelText('API key'), 'wrong-key');
    await user.click(within(dialog).getByRole('button', { name: 'Test connection' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('API key')).toHaveAccessibleDescription(
        /rejected the credentials/,
      ),
    );
    expect(within(dialog).getByTestId('connection-error')).toHaveTextContent('Invalid API key');
    answer = rollcallError('NOT_AN_API', undefined, { status: 200 });
    await user.click(within(dialog).getByRole('button', { name: 'Test connection' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Server URL')).toHaveAccessibleDescription(
        /answered with a web page/,
      ),
    );
  });

  it("shows the server's field errors on their field", async () => {
    const { user, dialog } = await openAdd('openwebui', {
      'connections:save': () =>
        err(
          rollcallError('INVALID_INPUT', 'draft.baseUrl: Enter a URL without a path.', {
            field: 'draft.baseUrl',
          }),
        ),
    });
    expect(within(dialog).queryByLabelText('Login email')).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Server URL'), 'https://ai.lab.example/admin');
    await user.type(within(dialog).getByLabelText('API key'), 'sk-abcdef123456');
    await user.click(within(dialog).getByRole('button', { name: 'Add connection' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Server URL')).toHaveAccessibleDescription(
        /Enter a URL without a path\./,
      ),
    );
  });

  it('offers to save without testing when the server is down, then selects the new connection', async () => {
    let list: ConnectionSummary[] = [connection(), owuiConnection()];
    const { user, dialog, bridge, setConnections } = await openAdd('openwebui', {
      'connections:save': (arg: unknown) => {
        const a = contract['connections:save'].arg.parse(arg);
        if (!a.skipTest) return err(rollcallError('OFFLINE'));
        const saved = owuiConnection({
          id: 'new-one',
          label: 'Team AI',
          baseUrl: a.draft.baseUrl,
          userCount: 0,
          lastSyncAt: null,
        });
        list = [...list, saved];
        setConnections(list);
        return ok({ connection: saved, test: null });
      },
    });
    await user.type(within(dialog).getByLabelText('Server URL'), 'https://ai.team.example');
    await user.type(within(dialog).getByLabelText(/Label/), 'Team AI');
    await user.type(within(dialog).getByLabelText('API key'), 'sk-abcdef123456');
    await user.click(within(dialog).getByRole('button', { name: 'Add connection' }));
    const skip = await within(dialog).findByRole('button', { name: 'Save without testing' });
    expect(within(dialog).getByTestId('connection-error')).toHaveTextContent('Server unreachable');
    await user.click(skip);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(savedArgs(bridge.calls).map((a) => a.skipTest)).toEqual([false, true]);
    expect(savedArgs(bridge.calls)[1]!.draft).toEqual({
      kind: 'openwebui',
      label: 'Team AI',
      baseUrl: 'https://ai.team.example',
      secret: 'sk-abcdef123456',
    });
    expect(await screen.findByTestId('scope-title')).toHaveTextContent('Team AI');
    expect(screen.getByTestId('toasts')).toHaveTextContent('Added Team AI.');
  });

  it('fills the form from a picked zuliprc file', async () => {
    const { user, dialog } = await openAdd('zulip');
    await user.upload(
      within(dialog).getByTestId('zuliprc-file'),
      new File([ZULIPRC], 'zuliprc', { type: 'text/plain' }),
    );
    await waitFor(() =>
      expect(within(dialog).getByLabelText('Server URL')).toHaveValue('https://chat.acme.example'),
    );
    expect(within(dialog).getByLabelText('Login email')).toHaveValue('iago@acme.example');
    expect(within(dialog).getByLabelText('API key')).toHaveValue(
      'gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv',
    );
    expect(within(dialog).getByLabelText(/Label/)).toHaveValue('chat.acme.example');
    expect(within(dialog).getByTestId('zuliprc-note')).toHaveTextContent(
      'Filled the URL, email and key from zuliprc.',
    );
  });

  it('fills the form from a zuliprc pasted anywhere in it, or into its box', async () => {
    const { user, dialog } = await openAdd('zulip');
    fireEvent.paste(within(dialog).getByLabelText('Server URL'), {
      clipboardData: { getData: () => ZULIPRC },
    });
    expect(within(dialog).getByLabelText('Login email')).toHaveValue('iago@acme.example');
    expect(within(dialog).getByLabelText('Server URL')).toHaveValue('https://chat.acme.example');
    await user.click(within(dialog).getByRole('button', { name: 'Paste a zuliprc' }));
    await user.click(within(dialog).getByLabelText('zuliprc contents'));
    await user.paste('[api]\nemail=bot@acme.example\n');
    await user.click(within(dialog).getByRole('button', { name: 'Fill the form' }));
    expect(within(dialog).getByTestId('zuliprc-note')).toHaveTextContent(
      'The [api] section has no key=, site= line.',
    );
    expect(within(dialog).getByLabelText('Login email')).toHaveValue('iago@acme.example');
  });

  it('writes the URL as core will store it on blur, and previews only a valid one', async () => {
    const { user, dialog } = await openAdd('zulip');
    const url = within(dialog).getByLabelText('Server URL');
    const label = within(dialog).getByLabelText(/Label/);
    await user.type(url, 'ftp://chat.acme.example');
    expect(label).toHaveAttribute('placeholder', 'Acme chat');
    await user.clear(url);
    await user.type(url, 'Chat.Acme.Example/api/v1/');
    expect(label).toHaveAttribute('placeholder', 'chat.acme.example');
    await user.tab();
    expect(url).toHaveValue('https://chat.acme.example');
    await user.clear(url);
    await user.type(url, 'http://chat example');
    await user.tab();
    expect(url).toHaveValue('http://chat example');
  });

  it('warns that plain http sends the key in clear, except to this machine', async () => {
    const { user, dialog } = await openAdd('openwebui');
    const url = within(dialog).getByLabelText('Server URL');
    await user.type(url, 'http://ai.lab.example');
    expect(within(dialog).getByTestId('insecure-warning')).toHaveTextContent('travel unencrypted');
    await user.clear(url);
    await user.type(url, 'http://localhost:8080');
    expect(within(dialog).queryByTestId('insecure-warning')).not.toBeInTheDocument();
    await user.clear(url);
    await user.type(url, 'http://ai.localhost:8080');
    expect(within(dialog).queryByTestId('insecure-warning')).not.toBeInTheDocument();
  });

  it('edits without showing the key, and replaces it only when asked', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(cardVariants()),
      answers: {
        'connections:save': (arg: unknown) => {
          const a = contract['connections:save'].arg.parse(arg);
          return ok({ connection: connection({ label: a.draft.label }), test: null });
        },
      },
    });
    await findCard('8');
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    await user.click(await screen.findByTestId('edit-connection'));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveAccessibleName('Edit Acme Chat');
    expect(within(dialog).queryByLabelText(/API key/)).not.toBeInTheDocument();
    expect(within(dialog).getByText('Saved in the system keychain.')).toBeInTheDocument();
    expect(
      within(dialog).queryByRole('radiogroup', { name: 'Kind of server' }),
    ).not.toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText(/Label/));
    await user.type(within(dialog).getByLabelText(/Label/), 'Acme');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(savedArgs(bridge.calls)[0]).toMatchObject({
      id: 'acme-zulip',
      draft: { label: 'Acme' },
    });
    expect(savedArgs(bridge.calls)[0]!.draft.secret).toBeUndefined();

    await user.click(screen.getByTestId('edit-connection'));
    const again = await screen.findByRole('dialog');
    await user.click(within(again).getByRole('button', { name: 'Replace key…' }));
    await user.type(within(again).getByLabelText('New API key'), 'new-key-123456');
    await user.click(within(again).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(savedArgs(bridge.calls)).toHaveLength(2));
    expect(savedArgs(bridge.calls)[1]!.draft.secret).toBe('new-key-123456');
  });

  it('closes on Esc and gives focus back', async () => {
    const { user } = await openAdd('zulip');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Add a connection' })).toHaveFocus();
  });
});
