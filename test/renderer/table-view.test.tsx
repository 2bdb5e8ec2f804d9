// The table view beside the cards: the switch (remembered), the column chooser, sorting from a
// header, resizing, the keyboard and the selection shared with the grid, and a bounded DOM.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ok } from '@shared/errors';
import { contract } from '@shared/contract';
import type { SearchQuery, UserSummary } from '@shared/model';
import { summarize } from '@shared/summary';
import { resetStores } from '@renderer/stores/reset';
import { useView } from '@renderer/stores/view-store';
import { findCards, renderApp } from './harness';
import { connection, owuiConnection, zulipUser } from './fixtures';

function person(i: number, extra: Partial<UserSummary> = {}): UserSummary {
  return {
    ...summarize(
      zulipUser({ userId: String(i), name: `Person ${String(i).padStart(6, '0')}` }).user,
    ),
    ...extra,
  };
}

/** A search answered from `count` synthetic users, each with a "Team" summary field. */
function syntheticSearch(count: number) {
  return (arg: unknown) => {
    const q = contract['users:search'].arg.parse(arg);
    const items = Array.from({ length: Math.max(0, Math.min(q.limit, count - q.offset)) }, (_, k) =>
      person(q.offset + k, {
        summaryFields: [
          { name: 'Team', type: 'short_text', text: `Team ${(q.offset + k) % 3}`, url: null },
        ],
      }),
    );
    return ok({ total: count, items });
  };
}

function searchCalls(calls: { channel: string; arg: unknown }[]): SearchQuery[] {
  return calls
    .filter((c) => c.channel === 'users:search')
    .map((c) => contract['users:search'].arg.parse(c.arg));
}

async function findTable(): Promise<HTMLElement> {
  const table = await screen.findByTestId('user-table');
  await waitFor(() =>
    expect(within(table).getAllByTestId('table-row')[0]).toHaveAttribute('data-user-id'),
  );
  return table;
}

function rows(table: HTMLElement): HTMLElement[] {
  return within(table).getAllByTestId('table-row');
}

function row(table: HTMLElement, name: string): HTMLElement {
  const found = rows(table).find((r) => r.textContent?.includes(name));
  if (!found) throw new Error(`no row ${name}`);
  return found;
}

function headers(table: HTMLElement): string[] {
  return within(table)
    .getAllByRole('columnheader')
    .map((h) => h.textContent ?? '');
}

function selectedRows(table: HTMLElement): string[] {
  return rows(table)
    .filter((r) => r.getAttribute('aria-selected') === 'true')
    .map((r) => r.getAttribute('data-user-id') ?? '');
}

/** As if the table was chosen in an earlier session: remembered, and read at start. */
function startOnTable(): void {
  window.localStorage.setItem('rollcall.view', 'table');
  useView.getState().reset();
}

describe('the table view', () => {
  afterEach(() => window.localStorage.clear());

  it('is one switch away from the cards and remembered for the next start', async () => {
    const { user } = renderApp({ answers: { 'users:search': syntheticSearch(5) } });
    await findCards();
    expect(screen.queryByTestId('user-table')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('view-table'));
    const table = await findTable();
    expect(table).toHaveAttribute('role', 'grid');
    expect(screen.queryByTestId('user-card')).not.toBeInTheDocument();
    expect(window.localStorage.getItem('rollcall.view')).toBe('table');
    // The sidebar's key legend speaks of rows now, and of cards again after switching back.
    const legend = screen.getByRole('region', { name: 'Keyboard shortcuts' });
    expect(legend).toHaveTextContent('Move between rows');
    expect(legend).not.toHaveTextContent('cards');
    await user.click(screen.getByTestId('view-cards'));
    expect(legend).toHaveTextContent('Move between cards');
    await user.click(screen.getByTestId('view-table'));
    await findTable();

    // A new start (fresh stores, a new window) opens on the table.
    cleanup();
    resetStores();
    renderApp({ answers: { 'users:search': syntheticSearch(5) } });
    await findTable();
    expect(screen.getByTestId('view-table')).toHaveClass('is-selected');
  });

  it('chooses its columns, custom profile fields among them, remembered per connection scope', async () => {
    startOnTable();
    const { user } = renderApp({ answers: { 'users:search': syntheticSearch(5) } });
    let table = await findTable();
    expect(headers(table)).toEqual([
      'Name',
      'Email',
      'Role',
      'State',
      'Last active',
      'Joined',
      'Groups',
      'Connection',
    ]);
    await user.click(screen.getByTestId('column-chooser'));
    expect(screen.getByTestId('show-column-name')).toBeDisabled();
    await user.click(screen.getByTestId('show-column-email'));
    await user.click(screen.getByTestId('show-column-field:Team'));
    expect(headers(table)).not.toContain('Email');
    expect(headers(table).at(-1)).toBe('Team');
    expect(row(table, 'Person 000001')).toHaveTextContent('Team 1');

    // Remembered for this scope (all connections) across a restart...
    cleanup();
    resetStores();
    const next = renderApp({ answers: { 'users:search': syntheticSearch(5) } });
    table = await findTable();
    expect(headers(table)).not.toContain('Email');
    expect(headers(table)).toContain('Team');
    // ...while one connection alone has its own columns, the defaults until changed.
    await next.user.click(screen.getByTestId('filter-connection'));
    await next.user.click(screen.getByRole('checkbox', { name: owuiConnection().label }));
    await waitFor(() => expect(headers(table)).toContain('Email'));
    expect(headers(table)).not.toContain('Team');
  });

  it('ignores a remembered layout that is not one', async () => {
    window.localStorage.setItem('rollcall.table:*', '{"columns":"name","__proto__":{"x":1}}');
    startOnTable();
    renderApp({ answers: { 'users:search': syntheticSearch(3) } });
    const table = await findTable();
    expect(headers(table)).toContain('Email');
  });

  it('sorts from a sortable header, flipping the direction on a second click', async () => {
    startOnTable();
    const { bridge, user } = renderApp({ answers: { 'users:search': syntheticSearch(5) } });
    const table = await findTable();
    const last = () => searchCalls(bridge.calls).at(-1)!;
    expect(screen.getByTestId('column-name')).toHaveAttribute('aria-sort', 'ascending');

    await user.click(screen.getByTestId('sort-by-lastActive'));
    expect(last()).toMatchObject({ sort: 'lastActive', direction: 'desc' });
    expect(screen.getByTestId('column-lastActive')).toHaveAttribute('aria-sort', 'descending');
    expect(screen.getByTestId('column-name')).not.toHaveAttribute('aria-sort');
    await user.click(screen.getByTestId('sort-by-lastActive'));
    expect(last()).toMatchObject({ sort: 'lastActive', direction: 'asc' });
    await user.click(screen.getByTestId('sort-by-joined'));
    expect(last()).toMatchObject({ sort: 'joined', direction: 'desc' });
    await user.click(screen.getByTestId('sort-by-role'));
    expect(last()).toMatchObject({ sort: 'role', direction: 'asc' });
    // The sort control above shows the same choice.
    expect(screen.getByTestId('sort-key')).toHaveTextContent('Role');
    // Columns the search cannot sort by have no sort button.
    expect(within(screen.getByTestId('column-email')).queryByRole('button')).toBeNull();
    expect(within(screen.getByTestId('column-groups')).queryByRole('button')).toBeNull();
    expect(table).toBeInTheDocument();
  });

  it('resizes a column from the keyboard and remembers the width', async () => {
    startOnTable();
    renderApp({ answers: { 'users:search': syntheticSearch(3) } });
    const table = await findTable();
    const handle = screen.getByTestId('resize-email');
    expect(handle).toHaveAttribute('role', 'separator');
    const before = Number(handle.getAttribute('aria-valuenow'));
    // Not dragged yet, every column shares the width (no fixed one).
    const fixed = (): string[] =>
      rows(table)[0]!.style.gridTemplateColumns.match(/(?<![(\d])\d+px(?!\s*,)/g) ?? [];
    expect(rows(table)[0]!.style.gridTemplateColumns).toContain('fr');
    expect(fixed()).toEqual([]);
    fireEvent.keyDown(handle, { key: 'ArrowRight' });
    fireEvent.keyDown(handle, { key: 'ArrowRight' });
    expect(Number(screen.getByTestId('resize-email').getAttribute('aria-valuenow'))).toBe(
      before + 32,
    );
    expect(rows(table)[0]!.style.gridTemplateColumns).toContain(`${before + 32}px`);
    // The one the admin set is fixed; the others still share what is left.
    expect(fixed()).toEqual([`${before + 32}px`]);
    expect(window.localStorage.getItem('rollcall.table:*')).toContain(`["email",${before + 32}]`);
  });

  it('moves with the keyboard and selects with the same model as the cards', async () => {
    startOnTable();
    const { user } = renderApp({
      records: Array.from({ length: 12 }, (_, i) =>
        zulipUser({ userId: String(i + 1), name: `Member ${String.fromCharCode(65 + i)}` }),
      ),
      connections: [connection()],
    });
    const table = await findTable();
    expect(table).toHaveAttribute('aria-multiselectable', 'true');
    expect(table).toHaveAttribute('aria-rowcount', '13');
    const first = rows(table)[0]!;
    expect(first).toHaveAttribute('aria-rowindex', '2');
    expect(first).toHaveAttribute('tabindex', '0');
    act(() => first.focus());
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toHaveTextContent('Member B');
    await user.keyboard(' ');
    expect(selectedRows(table)).toEqual(['2']);
    expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument();
    await user.keyboard('{Shift>}{ArrowDown}{ArrowDown}{/Shift}');
    expect(document.activeElement).toHaveTextContent('Member D');
    expect(selectedRows(table)).toEqual(['2', '3', '4']);
    fireEvent.click(row(table, 'Member G'), { ctrlKey: true });
    expect(screen.getByTestId('selection-count')).toHaveTextContent('4 selected');
    fireEvent.click(row(table, 'Member I'), { shiftKey: true });
    expect(selectedRows(table)).toEqual(['2', '3', '4', '7', '8', '9']);
    expect(screen.getByTestId('act-on-selection')).toBeEnabled();

    // The cards show the same selection, and extend it from the same anchor.
    await user.click(screen.getByTestId('view-cards'));
    const cards = await findCards();
    expect(
      cards.filter((c) => c.getAttribute('aria-selected') === 'true').map((c) => c.dataset.userId),
    ).toEqual(['2', '3', '4', '7', '8', '9']);
    await user.click(screen.getByTestId('view-table'));
    const again = await findTable();
    expect(selectedRows(again)).toEqual(['2', '3', '4', '7', '8', '9']);

    // Enter opens the detail; Esc closes it and focus returns to the row.
    act(() => row(again, 'Member E').focus());
    await user.keyboard('{End}');
    expect(document.activeElement).toHaveTextContent('Member L');
    await user.keyboard('{Home}{ArrowDown}{Enter}');
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Member B');
    expect(selectedRows(again)).toEqual(['2']);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toHaveTextContent('Member B'));
  });

  it('keeps at most about 60 rows in the DOM with 100 000 users, fetching by window', async () => {
    startOnTable();
    const { bridge } = renderApp({ answers: { 'users:search': syntheticSearch(100_000) } });
    const table = await findTable();
    expect(table).toHaveAttribute('aria-rowcount', '100001');
    expect(rows(table).length).toBeGreaterThan(20);
    expect(rows(table).length).toBeLessThanOrEqual(60);
    for (const q of searchCalls(bridge.calls)) expect(q.limit).toBeLessThanOrEqual(100);

    // Scroll to row 80 000, at the height the rows say they have.
    const rowHeight = parseFloat(rows(table)[0]!.style.height);
    expect(rowHeight).toBeGreaterThan(0);
    act(() => {
      table.scrollTop = rowHeight * 80_000;
      fireEvent.scroll(table);
    });
    await waitFor(() => expect(within(table).queryByText('Person 080000')).toBeInTheDocument());
    expect(rows(table).length).toBeLessThanOrEqual(60);
    const shown = within(table).getByText('Person 080000').closest('[role="row"]')!;
    expect(shown).toHaveAttribute('aria-rowindex', '80002');
    expect(within(table).queryByText('Person 000000')).not.toBeInTheDocument();
  });
});
