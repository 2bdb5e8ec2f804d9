// The filter bar's counts, kind-aware choices and "More filters" (issue 16).
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { findCards, renderApp } from './harness';
import { cardVariants, connection, owuiConnection, zulipUser } from './fixtures';

const v = cardVariants();
const ALL: SearchQuery = { ...DEFAULT_SEARCH_SPEC, facets: true, offset: 0, limit: 1000 };

function lastSearch(bridge: ReturnType<typeof renderApp>['bridge']): Record<string, unknown> {
  const calls = bridge.calls.filter((c) => c.channel === 'users:search');
  return calls[calls.length - 1]!.arg as Record<string, unknown>;
}

describe('the filter bar', () => {
  it("shows core's count beside each role, account and status choice", async () => {
    const { user, bridge, dir } = renderApp({ records: Object.values(v) });
    await findCards();
    expect(lastSearch(bridge)).toMatchObject({ facets: true, offset: 0 });
    const facets = dir.search(ALL).facets!;
    await waitFor(() =>
      expect(screen.getByTestId('accounts-bots')).toHaveTextContent(`Bots ${facets.accounts.bots}`),
    );
    expect(screen.getByTestId('accounts-humans')).toHaveTextContent(
      `Humans ${facets.accounts.humans}`,
    );
    expect(screen.getByTestId('status-deactivated')).toHaveTextContent(
      `Deactivated ${facets.status.deactivated}`,
    );
    const owners = facets.roles.find((r) => r.role === 'owner')!.count;
    await user.click(screen.getByTestId('filter-role'));
    expect(screen.getByRole('checkbox', { name: `Owner ${owners}` })).toBeInTheDocument();
  });

  it('offers no Humans/Bots or Active/Deactivated where only Open WebUI is searched', async () => {
    renderApp({ records: Object.values(v), connections: [owuiConnection()] });
    await findCards();
    expect(screen.getByTestId('filter-role')).toBeInTheDocument();
    for (const id of ['accounts-humans', 'accounts-bots', 'status-active', 'status-deactivated']) {
      expect(screen.queryByTestId(id)).not.toBeInTheDocument();
    }
  });

  it('hides them when the scope narrows to Open WebUI, keeping a set one as a removable chip', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      connections: [connection(), owuiConnection()],
    });
    await findCards();
    await user.click(screen.getByTestId('accounts-bots'));
    await user.click(screen.getByRole('button', { name: /^Research Lab AI,/ }));
    expect(screen.queryByTestId('accounts-bots')).not.toBeInTheDocument();
    expect(screen.queryByTestId('status-active')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('chip-accounts'));
    expect(lastSearch(bridge)).toMatchObject({ accounts: 'all', connectionIds: ['lab-openwebui'] });
  });

  it('sends activity and join filters from "More filters" and removes them by their chips', async () => {
    const { user, bridge } = renderApp({ records: Object.values(v) });
    await findCards();
    await user.click(screen.getByTestId('filter-more'));
    await user.click(screen.getByTestId('activity-never'));
    expect(lastSearch(bridge)).toMatchObject({ activity: 'never' });
    await user.click(screen.getByTestId('activity-inactive'));
    const sent = lastSearch(bridge);
    expect(sent).toMatchObject({ activity: 'inactiveSince' });
    // 30 days by default: the bound lies about 30 days back.
    const days = (Date.now() - (sent.activeBefore as number)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    fireEvent.change(screen.getByTestId('joined-after'), { target: { value: '2024-03-01' } });
    expect(lastSearch(bridge)).toMatchObject({
      joinedAfter: new Date(2024, 2, 1).getTime(),
      activity: 'inactiveSince',
    });
    await user.keyboard('{Escape}');
    await user.click(screen.getByTestId('chip-joined-after'));
    expect(lastSearch(bridge)).toMatchObject({ joinedAfter: null, activity: 'inactiveSince' });
    await user.click(screen.getByTestId('chip-inactive'));
    expect(lastSearch(bridge)).toMatchObject({ activity: 'all' });
    expect(screen.queryByTestId('chip-inactive')).not.toBeInTheDocument();
  });

  it('filters by group and by a Zulip profile field from "More filters", with removable chips', async () => {
    const guild = { id: '31', name: 'Platform guild' };
    const rota = { id: '32', name: 'Support rota' };
    const { user, bridge } = renderApp({
      records: [
        ...Object.values(v),
        zulipUser({ userId: '901', name: 'Grace Guild', groups: [guild] }),
        zulipUser({ userId: '902', name: 'Hedy Rota', groups: [guild, rota] }),
      ],
    });
    await findCards();
    await user.click(screen.getByTestId('filter-more'));
    // Both connections are searched: the section starts on the first, and can change.
    expect(screen.getByRole('combobox', { name: 'Groups and fields of' })).toHaveValue(
      'acme-zulip',
    );
    const guildBox = await screen.findByRole('checkbox', { name: 'Platform guild 2' });
    expect(screen.getByRole('checkbox', { name: 'Support rota 1' })).toBeInTheDocument();
    await user.click(guildBox);
    expect(lastSearch(bridge)).toMatchObject({
      groups: [{ connectionId: 'acme-zulip', groupId: '31' }],
    });
    // A choice field offers its options; picking one sends its key.
    await user.selectOptions(screen.getByRole('combobox', { name: 'Field' }), 'Team');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Is' }), 'Engineering');
    expect(lastSearch(bridge)).toMatchObject({
      profileField: { connectionId: 'acme-zulip', fieldId: '2', match: 'choice', value: '0' },
    });
    // Any other field matches typed text.
    await user.selectOptions(screen.getByRole('combobox', { name: 'Field' }), 'Pronouns');
    expect(lastSearch(bridge)).toMatchObject({ profileField: null });
    await user.type(screen.getByRole('textbox', { name: 'Contains' }), 'HE/');
    expect(lastSearch(bridge)).toMatchObject({
      profileField: { fieldId: '1', match: 'text', value: 'HE/' },
    });
    await user.keyboard('{Escape}');
    expect(screen.getByTestId('chip-group-acme-zulip-31')).toHaveTextContent(
      'Group: Platform guild',
    );
    expect(screen.getByTestId('chip-profile-field')).toHaveTextContent('Pronouns contains “HE/”');
    await user.click(screen.getByTestId('chip-profile-field'));
    expect(lastSearch(bridge)).toMatchObject({ profileField: null });
    // The group alone: the two members, as core's reference search answers.
    await waitFor(async () => expect(await findCards()).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: 'Remove filter: Group: Platform guild' }));
    expect(lastSearch(bridge)).toMatchObject({ groups: [] });
  });

  it('offers groups but no profile field for Open WebUI, and clears both with the rest', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      connections: [owuiConnection()],
    });
    await findCards();
    await user.click(screen.getByTestId('filter-more'));
    await user.click(await screen.findByRole('checkbox', { name: /^Engineering/ }));
    expect(screen.queryByRole('combobox', { name: 'Field' })).not.toBeInTheDocument();
    expect(
      screen.queryByRole('combobox', { name: 'Groups and fields of' }),
    ).not.toBeInTheDocument();
    await user.keyboard('{Escape}');
    await user.click(screen.getByTestId('clear-filters'));
    expect(lastSearch(bridge)).toMatchObject({ groups: [], profileField: null });
  });

  it('drops a group filter when the scope leaves its connection out', async () => {
    const { user, bridge } = renderApp({
      records: [
        ...Object.values(v),
        zulipUser({ userId: '901', name: 'Grace Guild', groups: [{ id: '31', name: 'Ops' }] }),
      ],
    });
    await findCards();
    await user.click(screen.getByTestId('filter-more'));
    await user.click(await screen.findByRole('checkbox', { name: 'Ops 1' }));
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: /^Research Lab AI,/ }));
    expect(lastSearch(bridge)).toMatchObject({ connectionIds: ['lab-openwebui'], groups: [] });
    expect(screen.queryByTestId('chip-group-acme-zulip-31')).not.toBeInTheDocument();
  });
});
