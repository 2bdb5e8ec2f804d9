// Removing a connection: the confirmation, a failure shown in it, and everything that pointed at it.
import { screen, waitFor, within } from '@testing-library/react';
import { err, ok, rollcallError } from '@shared/errors';
import { findCard, findCards, renderApp } from './harness';
import { cardVariants, connection, owuiConnection } from './fixtures';

describe('removing a connection', () => {
  it('shows a failure in the dialog, then takes the connection out of the scope, panel and grid', async () => {
    const acme = connection();
    let fail = true;
    const view = renderApp({
      records: Object.values(cardVariants()),
      answers: {
        'connections:remove': (arg) => {
          if (fail) return err(rollcallError('KEYCHAIN_BUSY'));
          const id = (arg as { id: string }).id;
          view.setConnections([owuiConnection()]);
          view.dir.removeConnection(id);
          return ok({ removed: true });
        },
      },
    });
    const { user, bridge } = view;
    await findCard('8');
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    await waitFor(() => expect(screen.getByTestId('scope-title')).toHaveTextContent('Acme Chat'));
    await user.click(await findCard('8'));
    await screen.findByTestId('detail-panel');

    await user.click(screen.getByRole('button', { name: 'Actions for Acme Chat' }));
    await user.click(await screen.findByTestId('menu-remove'));
    const confirm = await screen.findByRole('dialog', { name: 'Remove Acme Chat?' });
    await user.click(within(confirm).getByRole('button', { name: 'Remove connection' }));
    expect(await within(confirm).findByText('Could not remove it')).toBeInTheDocument();
    expect(screen.getByTestId('detail-panel')).toBeInTheDocument();

    fail = false;
    await user.click(within(confirm).getByRole('button', { name: 'Remove connection' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument();
    expect(screen.getByTestId('scope-title')).toHaveTextContent('All connections');
    expect(screen.getByTestId('toasts')).toHaveTextContent(`Removed ${acme.label}.`);
    await waitFor(async () =>
      expect((await findCards()).every((c) => c.dataset.connectionId !== acme.id)).toBe(true),
    );
    expect(
      bridge.calls.filter((c) => c.channel === 'connections:remove').map((c) => c.arg),
    ).toEqual([{ id: acme.id }, { id: acme.id }]);
  });
});
