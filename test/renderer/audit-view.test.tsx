// The audit log view: newest first, paged, each column in words, and Export CSV / JSON.
import { screen, waitFor, within } from '@testing-library/react';
import { contract } from '@shared/contract';
import { err, ok, rollcallError } from '@shared/errors';
import { auditEntry } from './action-fixtures';
import { connection } from './fixtures';
import { renderApp } from './harness';

/** 120 entries, answered newest first as core does. */
function auditAnswers() {
  const all = Array.from({ length: 120 }, (_, i) => auditEntry(i + 1)).reverse();
  all[0] = auditEntry(120, {
    outcome: 'failed',
    message: 'The server refused: this user is the last owner.',
    userName: 'Iago Ortiz',
    after: null,
  });
  return {
    'audit:list': (arg: unknown) => {
      const a = contract['audit:list'].arg.parse(arg);
      return ok({ total: all.length, entries: all.slice(a.offset, a.offset + a.limit) });
    },
    'audit:export': (arg: unknown) => {
      const a = contract['audit:export'].arg.parse(arg);
      return ok({ path: `/home/admin/audit.${a.format}`, count: all.length });
    },
  };
}

describe('the audit log view', () => {
  it('lists entries newest first, in words, a page at a time', async () => {
    const { user, bridge } = renderApp({ connections: [connection()], answers: auditAnswers() });
    await user.click(await screen.findByTestId('open-audit'));
    const view = await screen.findByRole('dialog', { name: 'Audit log' });
    const rows = await within(view).findAllByTestId('audit-row');
    expect(rows).toHaveLength(50);
    const first = rows[0]!;
    expect(first).toHaveTextContent('Acme Chat');
    expect(first).toHaveTextContent('Set role to Guest');
    expect(first).toHaveTextContent('Iago Ortiz');
    expect(first).toHaveTextContent('Member → ?');
    expect(first).toHaveTextContent('Failed');
    expect(first).toHaveTextContent('The server refused: this user is the last owner.');
    expect(rows[1]).toHaveTextContent('Audited 119');
    expect(rows[1]).toHaveTextContent('Member → Guest');
    expect(within(view).getByTestId('audit-range')).toHaveTextContent('1–50 of 120');
    expect(within(view).getByTestId('audit-newer')).toBeDisabled();

    await user.click(within(view).getByTestId('audit-older'));
    await waitFor(() =>
      expect(within(view).getAllByTestId('audit-row')[0]).toHaveTextContent('Audited 70'),
    );
    await user.click(within(view).getByTestId('audit-older'));
    await waitFor(() => expect(within(view).getAllByTestId('audit-row')).toHaveLength(20));
    expect(within(view).getByTestId('audit-range')).toHaveTextContent('101–120 of 120');
    expect(within(view).getByTestId('audit-older')).toBeDisabled();
    const offsets = bridge.calls
      .filter((c) => c.channel === 'audit:list')
      .map((c) => contract['audit:list'].arg.parse(c.arg).offset);
    expect(offsets).toEqual([0, 50, 100]);
  });

  it('exports as CSV and JSON and says where', async () => {
    const { user, bridge } = renderApp({ connections: [connection()], answers: auditAnswers() });
    await user.click(await screen.findByTestId('open-audit'));
    const view = await screen.findByRole('dialog', { name: 'Audit log' });
    await within(view).findAllByTestId('audit-row');
    await user.click(within(view).getByTestId('audit-export-csv'));
    expect(
      await screen.findByText('Exported 120 audit entries to /home/admin/audit.csv'),
    ).toBeInTheDocument();
    await user.click(within(view).getByTestId('audit-export-json'));
    expect(
      await screen.findByText('Exported 120 audit entries to /home/admin/audit.json'),
    ).toBeInTheDocument();
    expect(bridge.calls.filter((c) => c.channel === 'audit:export').map((c) => c.arg)).toEqual([
      { format: 'csv' },
      { format: 'json' },
    ]);
  });

  it('says when there is nothing yet, and why a page could not be read', async () => {
    let fail = false;
    const { user } = renderApp({
      connections: [connection()],
      answers: {
        'audit:list': () =>
          fail
            ? err(rollcallError('CACHE_UNAVAILABLE', 'The local database is locked.'))
            : ok({ total: 0, entries: [] }),
      },
    });
    await user.click(await screen.findByTestId('open-audit'));
    const view = await screen.findByRole('dialog', { name: 'Audit log' });
    expect(await within(view).findByTestId('audit-empty')).toBeInTheDocument();
    expect(within(view).getByTestId('audit-export-csv')).toBeDisabled();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    fail = true;
    await user.click(screen.getByTestId('open-audit'));
    const again = await screen.findByRole('dialog', { name: 'Audit log' });
    expect(await within(again).findByRole('alert')).toHaveTextContent(
      'The local database is locked.',
    );
  });
});
