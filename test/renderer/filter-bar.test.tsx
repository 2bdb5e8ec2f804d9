// The filter bar's counts, kind-aware choices and "More filters" (issue 16).
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { DEFAULT_SEARCH_SPEC, type SearchQuery } from '@shared/model';
import { findCards, renderApp } from './harness';
import { cardVariants, connection, owuiConnection } from './fixtures';

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
});
