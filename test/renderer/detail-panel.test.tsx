// The detail panel: every field type, grouping, raw JSON, refresh and where the copy came from.
import { act, screen, waitFor, within } from '@testing-library/react';
import { ok, rollcallError } from '@shared/errors';
import { contract } from '@shared/contract';
import { capText } from '@shared/text-caps';
import { findCard, renderApp } from './harness';
import { cardVariants, lookupResult, zulipAllFieldsUser } from './fixtures';

/** The panel's refresh button once it can be used: when the cached record is in. */
async function refreshButton(): Promise<HTMLElement> {
  const button = await screen.findByTestId('refresh-user');
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

function rowOf(section: HTMLElement, label: string): HTMLElement {
  const dt = within(section).getByText(label, { selector: 'dt, dt *' });
  return dt.closest('.kv-row') as HTMLElement;
}

describe('the detail panel', () => {
  const v = cardVariants();
  const cordelia = zulipAllFieldsUser();
  const records = [...Object.values(v), cordelia];

  it('renders every custom profile field by its type', async () => {
    const { user, bridge } = renderApp({
      records,
      answers: { 'shell:open-external': () => ok({ opened: true }) },
    });
    await user.click(await findCard('12'));
    const fields = await screen.findByTestId('section-fields');
    expect(fields.querySelectorAll('[data-field-type]')).toHaveLength(8);
    expect(within(rowOf(fields, 'Pronouns')).getByText('she/her')).toBeInTheDocument();
    expect(within(rowOf(fields, 'Team')).getByText('Design')).toHaveClass('chip');
    expect(within(rowOf(fields, 'Phone')).getByText('+1 415 555 0134')).toBeInTheDocument();
    const about = rowOf(fields, 'About me');
    expect(within(about).getByText('design systems').tagName).toBe('STRONG');
    const date = within(rowOf(fields, 'Start date')).getByText('Jun 1, 2021');
    expect(date.tagName).toBe('TIME');
    expect(date).toHaveAttribute('datetime', '2021-06-01');
    // People: names, not IDs, and each one opens that person.
    const manager = rowOf(fields, 'Manager');
    await waitFor(() =>
      expect(within(manager).getByRole('button', { name: 'Iago Ortiz' })).toBeInTheDocument(),
    );
    expect(within(manager).getByRole('button', { name: 'Zoë Lindqvist' })).toBeInTheDocument();
    // Links and external accounts open in the system browser.
    await user.click(within(rowOf(fields, 'Website')).getByRole('link'));
    await user.click(within(rowOf(fields, 'GitHub')).getByRole('link', { name: '@cordelia-lear' }));
    await user.click(within(about).getByRole('link', { name: 'our tokens' }));
    expect(
      bridge.calls.filter((c) => c.channel === 'shell:open-external').map((c) => c.arg),
    ).toEqual([
      { url: 'https://cordelia.example.net/portfolio' },
      { url: 'https://github.com/cordelia-lear' },
      { url: 'https://design.acme.example/tokens' },
    ]);
    await user.click(within(manager).getByRole('button', { name: 'Iago Ortiz' }));
    await waitFor(() =>
      expect(screen.getByTestId('detail-panel')).toHaveAttribute('data-user-id', '8'),
    );
  });

  it('groups identity, role, status, activity and the cache age', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard('12'));
    const panel = await screen.findByTestId('detail-panel');
    await within(panel).findByTestId('section-identity');
    const identity = within(panel).getByTestId('section-identity');
    expect(within(rowOf(identity, 'User ID')).getByText('12')).toBeInTheDocument();
    expect(
      within(rowOf(identity, 'API email')).getByText('user12@chat.acme.example'),
    ).toBeInTheDocument();
    expect(
      within(rowOf(identity, 'Email')).getByText('cordelia.lear@acme.example'),
    ).toBeInTheDocument();
    const status = within(panel).getByTestId('section-status');
    expect(status).toHaveTextContent('🏖️On vacation until Friday');
    expect(within(rowOf(status, 'Clears')).getByText(/in 3 days/)).toBeInTheDocument();
    const role = within(panel).getByTestId('section-role');
    expect(role).toHaveTextContent('Administrator');
    expect(role).toHaveTextContent('Manages users');
    const activity = within(panel).getByTestId('section-activity');
    expect(rowOf(activity, 'Local time')).toHaveTextContent('America/Los_Angeles');
    expect(rowOf(activity, 'Joined')).toHaveTextContent(/2021/);
    expect(within(panel).getByTestId('detail-source')).toHaveTextContent(
      'From the cache · fetched 3 minutes ago',
    );
  });

  it('shows an Open WebUI admin with groups, status, bio and extra server data', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard(v.owuiAdmin.user.userId));
    const panel = await screen.findByTestId('detail-panel');
    const groups = await within(panel).findByTestId('section-groups');
    expect(
      within(groups)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Engineering', 'API Users']);
    expect(within(panel).getByTestId('section-status')).toHaveTextContent('Upgrading to 0.12');
    expect(within(panel).getByTestId('section-about')).toHaveTextContent(
      'Runs the Open WebUI instance.',
    );
    const extra = within(panel).getByTestId('section-extra');
    expect(rowOf(extra, 'OAuth › OIDC › Subject')).toHaveTextContent('00u1a2b3c4D5e6F7g8h9');
    expect(rowOf(extra, 'Info › Location')).toHaveTextContent('Berlin, Germany');
    expect(within(panel).getByTestId('section-role')).toHaveTextContent('Admin');
  });

  it('shows a user with every optional field null without inventing values', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard(v.allNull.user.userId));
    const panel = await screen.findByTestId('detail-panel');
    await within(panel).findByTestId('section-identity');
    expect(panel.textContent).not.toMatch(/undefined|null|NaN|Invalid Date/);
    expect(within(panel).getByTestId('section-groups')).toHaveTextContent('In no group.');
    expect(within(panel).queryByTestId('section-status')).not.toBeInTheDocument();
    expect(within(panel).getAllByText('Not set').length).toBeGreaterThan(4);
  });

  it('shows the bot owner by name and opens them', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard('44'));
    const bot = await screen.findByTestId('section-bot');
    expect(bot).toHaveTextContent('Generic bot');
    await user.click(await within(bot).findByRole('button', { name: 'Iago Ortiz' }));
    await waitFor(() =>
      expect(screen.getByTestId('detail-panel')).toHaveAttribute('data-user-id', '8'),
    );
  });

  it('has a collapsible, copyable raw JSON tab', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard('8'));
    await user.click(await screen.findByRole('tab', { name: 'Raw JSON' }));
    const tree = await screen.findByTestId('json-tree');
    expect(tree).toHaveTextContent('"full_name": "Iago Ortiz"');
    expect(tree).toHaveTextContent('"role": 100');
    const top = tree.querySelector('details')!;
    expect(top.open).toBe(true);
    await user.click(top.querySelector('summary')!);
    expect(top.open).toBe(false);
    await user.click(screen.getByTestId('copy-json'));
    const copied = await navigator.clipboard.readText();
    expect(JSON.parse(copied)).toEqual(v.zulipOwner.raw);
    expect(await screen.findByTestId('toasts')).toHaveTextContent(
      'Copied the JSON the server sent.',
    );
  });

  it('says which text was cut short, and draws a long raw string cut but copies it whole', async () => {
    const long = `Iago ${'Ortiz '.repeat(40_000)}`;
    const owner = v.zulipOwner;
    const cutOwner = {
      ...owner,
      user: { ...owner.user, name: capText(long, 'name'), cut: ['name' as const] },
      raw: { ...(owner.raw as Record<string, unknown>), full_name: long },
    };
    const { user } = renderApp({ records: records.map((r) => (r === owner ? cutOwner : r)) });
    await user.click(await findCard('8'));
    const identity = await screen.findByTestId('section-identity');
    expect(rowOf(identity, 'Name')).toHaveTextContent('cut short');
    expect(rowOf(identity, 'User ID')).not.toHaveTextContent('cut short');
    await user.click(await screen.findByRole('tab', { name: 'Raw JSON' }));
    const tree = await screen.findByTestId('json-tree');
    expect(within(tree).getByTestId('json-cut')).toHaveTextContent('more characters');
    expect(tree.textContent!.length).toBeLessThan(long.length / 2);
    await user.click(screen.getByTestId('copy-json'));
    expect(JSON.parse(await navigator.clipboard.readText())).toEqual(cutOwner.raw);
  });

  it('refreshes from the server and says where the copy came from', async () => {
    const fresh = {
      ...v.zulipOwner,
      user: { ...v.zulipOwner.user, name: 'Iago Ortiz-Pérez' },
      fetchedAt: Date.now(),
    };
    const { user, bridge } = renderApp({
      records,
      answers: { 'users:lookup': () => ok(lookupResult(fresh, { source: 'network' })) },
    });
    await user.click(await findCard('8'));
    await user.click(await refreshButton());
    const panel = screen.getByTestId('detail-panel');
    await waitFor(() =>
      expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent(
        'Iago Ortiz-Pérez',
      ),
    );
    expect(within(panel).getByTestId('detail-source')).toHaveTextContent(
      'From the server · fetched just now',
    );
    const call = bridge.calls.find((c) => c.channel === 'users:lookup');
    expect(contract['users:lookup'].arg.parse(call!.arg)).toEqual({
      connectionId: 'acme-zulip',
      ref: '8',
      waitForNetwork: true,
    });
  });

  it('keeps the cached copy and says why when a refresh fails', async () => {
    const { user } = renderApp({
      records,
      answers: {
        'users:lookup': () => ({
          ok: false,
          error: rollcallError(
            'OFFLINE',
            'The server cannot be reached. Check the URL and your network connection.',
          ),
        }),
      },
    });
    await user.click(await findCard('8'));
    await user.click(await refreshButton());
    const notice = await screen.findByTestId('stale-notice');
    expect(notice).toHaveTextContent('Server unreachable: showing the copy from 3 minutes ago');
    expect(screen.getByTestId('section-identity')).toHaveTextContent('Iago Ortiz');
  });

  it('takes the refresh a cache-first lookup promised from users:refreshed', async () => {
    const cached = { ...v.zulipGuest, fetchedAt: Date.now() - 3 * 86_400_000 };
    const { user, bridge } = renderApp({
      records,
      answers: {
        'users:lookup': () => ok(lookupResult(cached, { source: 'cache', refreshing: true })),
      },
    });
    await findCard('8');
    await user.type(screen.getByTestId('lookup-input'), 'zoe.lindqvist@acme.example{Enter}');
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByTestId('detail-source')).toHaveTextContent(
      'From the cache · fetched 3 days ago',
    );
    expect(within(panel).getByTestId('detail-source')).toHaveTextContent(
      'Refreshing from the server',
    );
    const fresh = {
      ...v.zulipGuest,
      user: { ...v.zulipGuest.user, name: 'Zoë Lindqvist-Berg' },
      fetchedAt: Date.now(),
    };
    act(() =>
      bridge.emit('users:refreshed', {
        connectionId: 'acme-zulip',
        ref: 'zoe.lindqvist@acme.example',
        result: ok(lookupResult(fresh)),
      }),
    );
    await waitFor(() =>
      expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent(
        'Zoë Lindqvist-Berg',
      ),
    );
    expect(within(panel).getByTestId('detail-source')).toHaveTextContent(
      'From the server · fetched just now',
    );
    expect(within(panel).getByTestId('detail-source')).not.toHaveTextContent('Refreshing');
  });

  it('says presence once, with the exact last-active time beside it', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard('12'));
    const activity = await screen.findByTestId('section-activity');
    expect(within(activity).queryByText('Last active', { selector: 'dt' })).toBeNull();
    const presence = rowOf(activity, 'Presence');
    expect(presence).toHaveTextContent(/Last active .* ago · \w{3} \d+, \d{4}/);
    expect(presence.textContent!.match(/Last active/gi)).toHaveLength(1);
  });

  it('says channels, not streams, in role texts', async () => {
    const { user } = renderApp({ records });
    await user.click(await findCard('12'));
    const role = await screen.findByTestId('section-role');
    expect(role).toHaveTextContent('channels');
    expect(role).not.toHaveTextContent(/stream/i);
  });

  it('shows no local time for a deactivated user, on the card or in the panel', async () => {
    const gone = {
      ...v.deactivated,
      user: { ...v.deactivated.user, timezone: 'Europe/Paris' },
    };
    const { user } = renderApp({ records: [gone, v.zulipOwner] });
    const card = await findCard('57');
    expect(card.querySelector('.card-clock')).toBeNull();
    // A live user of the same directory still shows theirs.
    expect((await findCard('8')).querySelector('.card-clock')).not.toBeNull();
    await user.click(card);
    const panel = await screen.findByTestId('detail-panel');
    const activity = await within(panel).findByTestId('section-activity');
    expect(within(activity).queryByText('Local time')).toBeNull();
    expect(panel).not.toHaveTextContent('local time');
  });

  it('says what "Gone" means in the badge tooltip', async () => {
    const { user } = renderApp({ records: [{ ...v.zulipGuest, goneAt: Date.now() - 1000 }] });
    const card = await findCard('31');
    expect(within(card).getByText('Gone')).toHaveAttribute(
      'title',
      'The server no longer lists this user; shown from the cache.',
    );
    await user.click(card);
    const panel = await screen.findByTestId('detail-panel');
    const badge = await within(panel).findByText('Gone', { selector: '.badge' });
    expect(badge).toHaveAttribute('title', expect.stringMatching(/no longer lists/));
  });
});
