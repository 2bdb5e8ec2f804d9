// First run and the demo, keyboard shortcuts, and the filters sent with each search.
import { screen, waitFor, within } from '@testing-library/react';
import { ok } from '@shared/errors';
import type { ConnectionSummary, UserRecord } from '@shared/model';
import { findCard, findCards, renderApp } from './harness';
import { cardVariants, connection, owuiConnection } from './fixtures';

const v = cardVariants();

describe('first run and the demo', () => {
  it('explains Rollcall in one line and offers three ways in', async () => {
    const { user } = renderApp({ connections: [] });
    const main = await screen.findByTestId('first-run');
    expect(
      within(main).getByText(
        /One searchable directory of everyone on your Zulip and Open WebUI servers/,
      ),
    ).toBeInTheDocument();
    expect(
      within(main)
        .getAllByRole('button')
        .map((b) => b.querySelector('.choice-title')?.textContent),
    ).toEqual(['Add a Zulip server', 'Add an Open WebUI server', 'Explore a demo directory']);
    await user.click(within(main).getByRole('button', { name: /Add an Open WebUI server/ }));
    expect(
      await screen.findByRole('dialog', { name: 'Add an Open WebUI server' }),
    ).toBeInTheDocument();
  });

  it('loads the demo in one click, labels it, and removes it again', async () => {
    let list: ConnectionSummary[] = [];
    const demo = [
      connection({ id: 'demo-zulip', label: 'Demo: Zulip', demo: true }),
      owuiConnection({ id: 'demo-openwebui', label: 'Demo: Open WebUI', demo: true }),
    ];
    const retag = (r: UserRecord, connectionId: string): UserRecord => ({
      ...r,
      user: { ...r.user, connectionId },
    });
    const view = renderApp({
      connections: list,
      answers: {
        'demo:load': () => {
          list = demo;
          view.setConnections(list);
          view.dir.put(retag(v.zulipOwner, 'demo-zulip'));
          view.dir.put(retag(v.owuiAdmin, 'demo-openwebui'));
          return ok(list);
        },
        'connections:remove': (arg) => {
          const id = (arg as { id: string }).id;
          list = list.filter((c) => c.id !== id);
          view.setConnections(list);
          view.dir.removeConnection(id);
          return ok({ removed: true });
        },
      },
    });
    const { user, bridge } = view;
    await user.click(await screen.findByRole('button', { name: /Explore a demo directory/ }));
    expect(await findCards()).toHaveLength(2);
    expect(screen.getByTestId('demo-banner')).toHaveTextContent('This is the demo directory');
    expect(screen.getAllByText('Demo', { selector: '.badge' })).toHaveLength(2);
    await user.click(
      within(screen.getByTestId('demo-banner')).getByRole('button', { name: 'Remove demo…' }),
    );
    const confirm = await screen.findByRole('dialog', { name: 'Remove the demo directory?' });
    expect(confirm).toHaveTextContent('deletes the 2 demo connections and 2 made-up users');
    await user.click(within(confirm).getByRole('button', { name: 'Remove demo' }));
    expect(await screen.findByTestId('first-run')).toBeInTheDocument();
    expect(
      bridge.calls.filter((c) => c.channel === 'connections:remove').map((c) => c.arg),
    ).toEqual([{ id: 'demo-zulip' }, { id: 'demo-openwebui' }]);
    // And back again: the directory asks afresh, it does not show the old empty answer.
    await user.click(await screen.findByRole('button', { name: /Explore a demo directory/ }));
    expect(await findCards()).toHaveLength(2);
  });
});

describe('keyboard shortcuts', () => {
  it('Ctrl+K and Cmd+K focus search, Ctrl+L and Cmd+L the lookup box', async () => {
    const { user } = renderApp({ records: Object.values(v) });
    await findCards();
    await user.keyboard('{Control>}k{/Control}');
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveFocus();
    await user.keyboard('{Control>}l{/Control}');
    expect(screen.getByTestId('lookup-input')).toHaveFocus();
    await user.keyboard('{Meta>}k{/Meta}');
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveFocus();
    await user.keyboard('{Meta>}l{/Meta}');
    expect(screen.getByTestId('lookup-input')).toHaveFocus();
  });

  it('Esc clears the search first, then closes the panel; a dialog takes Esc for itself', async () => {
    const { user } = renderApp({ records: Object.values(v) });
    await user.click(await findCard('8'));
    await screen.findByTestId('detail-panel');
    await user.keyboard('{Control>}k{/Control}iago');
    await user.keyboard('{Escape}');
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveValue('');
    expect(screen.getByTestId('detail-panel')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Add a connection' }));
    await user.click(screen.getByTestId('add-zulip'));
    await screen.findByRole('dialog');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.getByTestId('detail-panel')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument());
  });
});

describe('filters', () => {
  it('sends each filter and sort with the search, and scopes by the sidebar', async () => {
    const { user, bridge } = renderApp({ records: Object.values(v) });
    await findCards();
    const last = () => {
      const calls = bridge.calls.filter((c) => c.channel === 'users:search');
      return calls[calls.length - 1]!.arg as Record<string, unknown>;
    };
    await user.click(screen.getByTestId('filter-role'));
    await user.click(screen.getByRole('checkbox', { name: /^Owner\b/ }));
    await user.click(screen.getByRole('checkbox', { name: /^Admin\b/ }));
    expect(last()).toMatchObject({ roles: ['owner', 'admin'] });
    expect(await findCards()).toHaveLength(2);
    expect(screen.getByTestId('filter-role')).toHaveTextContent('Role Owner, Admin');
    await user.keyboard('{Escape}');
    await user.click(screen.getByTestId('accounts-bots'));
    expect(last()).toMatchObject({ accounts: 'bots', roles: ['owner', 'admin'] });
    await user.click(screen.getByTestId('clear-filters'));
    expect(last()).toMatchObject({ accounts: 'all', roles: [], status: 'all' });
    await user.click(screen.getByTestId('status-deactivated'));
    expect((await findCards()).map((c) => c.dataset.userId)).toEqual(['57']);
    await user.click(screen.getByTestId('status-all'));
    await user.click(screen.getByTestId('sort-key'));
    await user.click(screen.getByRole('radio', { name: 'Last active' }));
    expect(last()).toMatchObject({ sort: 'lastActive', direction: 'desc' });
    await user.click(screen.getByTestId('sort-direction'));
    expect(last()).toMatchObject({ sort: 'lastActive', direction: 'asc' });
    await user.click(screen.getByRole('button', { name: /^Research Lab AI,/ }));
    expect(last()).toMatchObject({ connectionIds: ['lab-openwebui'] });
    expect(screen.getByTestId('filter-connection')).toHaveTextContent('Connection Research Lab AI');
    expect(screen.getByTestId('lookup-connection')).toHaveValue('lab-openwebui');
    expect((await findCards()).every((c) => c.dataset.connectionId === 'lab-openwebui')).toBe(true);
    await user.click(screen.getByTestId('scope-all'));
    expect(last()).toMatchObject({ connectionIds: [] });
  });

  it('sorts by relevance while text is typed, unless the admin chose a sort', async () => {
    const { user, bridge } = renderApp({ records: Object.values(v) });
    await findCards();
    const last = () => {
      const calls = bridge.calls.filter((c) => c.channel === 'users:search');
      return calls[calls.length - 1]!.arg as Record<string, unknown>;
    };
    const box = screen.getByRole('searchbox', { name: 'Search users' });
    await user.type(box, 'an');
    expect(last()).toMatchObject({ text: 'an', sort: 'relevance' });
    expect(screen.getByTestId('sort-key')).toHaveTextContent('Sort Relevance');
    expect(screen.getByTestId('sort-direction')).toBeDisabled();
    await user.clear(box);
    expect(last()).toMatchObject({ text: '', sort: 'name' });
    await user.click(screen.getByTestId('sort-key'));
    await user.click(screen.getByRole('radio', { name: 'Name' }));
    await user.type(box, 'an');
    expect(last()).toMatchObject({ text: 'an', sort: 'name', direction: 'asc' });
    await user.click(screen.getByTestId('sort-key'));
    await user.click(screen.getByRole('radio', { name: 'Relevance' }));
    expect(last()).toMatchObject({ text: 'an', sort: 'relevance' });
  });
});
