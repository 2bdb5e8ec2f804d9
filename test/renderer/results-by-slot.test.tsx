// Cards and rows are drawn by position (a keystroke updates them in place),
// and cards are lighter while typing, yet focus, selection and what a screen
// reader hears follow the user.
import { act, screen, waitFor, within } from '@testing-library/react';
import { ok } from '@shared/errors';
import { contract } from '@shared/contract';
import type { UserSummary } from '@shared/model';
import { summarize } from '@shared/summary';
import { useDirectory } from '@renderer/stores/directory-store';
import { useView } from '@renderer/stores/view-store';
import { findCards, renderApp } from './harness';
import { gridBox } from './setup';
import { zulipUser } from './fixtures';

const members = Array.from({ length: 8 }, (_, i) =>
  summarize(
    zulipUser({ userId: String(i + 1), name: `Member ${String.fromCharCode(65 + i)}` }).user,
  ),
);

/** Answers searches from `order()`; a text keeps the users whose name holds it. */
function answersFrom(order: () => UserSummary[]) {
  return {
    'users:search': (arg: unknown) => {
      const q = contract['users:search'].arg.parse(arg);
      const hits = order().filter((u) => u.name.toLowerCase().includes(q.text.toLowerCase()));
      return ok({ total: hits.length, items: hits.slice(q.offset, q.offset + q.limit) });
    },
  };
}

/** The results as the grid or table shows them: index → user id. */
function shown(root: HTMLElement): string[] {
  return [...root.querySelectorAll<HTMLElement>('[data-index]')]
    .sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index))
    .map((el) => el.dataset.userId ?? '');
}

function at(root: HTMLElement, index: number): HTMLElement {
  const el = root.querySelector<HTMLElement>(`[data-index="${index}"]`);
  if (!el) throw new Error(`nothing at ${index}`);
  return el;
}

describe('results drawn by position', () => {
  afterEach(() => window.localStorage.clear());

  it('updates the cards in place on a keystroke, and their names with them', async () => {
    const { user } = renderApp({ answers: answersFrom(() => members) });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    const firstSlot = at(grid, 0);
    expect(firstSlot).toHaveTextContent('Member A');
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'member c');
    await waitFor(() => expect(shown(grid)).toEqual(['3']));
    // The same element, now showing the one result: reused, not re-created...
    expect(at(grid, 0)).toBe(firstSlot);
    // ...and what it says is the new user's, nothing left of the old one.
    expect(firstSlot).toHaveTextContent('Member C');
    expect(firstSlot).not.toHaveTextContent('Member A');
    expect(firstSlot).toHaveAttribute('data-user-id', '3');
    expect(within(firstSlot).getByText('Member C').tagName).toBe('BDI');
  });

  it('moves focus and selection with the user when the results reorder under them', async () => {
    let order = members;
    const { user } = renderApp({ answers: answersFrom(() => order) });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    act(() => at(grid, 2).focus());
    expect(document.activeElement).toHaveTextContent('Member C');
    await user.keyboard(' '); // select Member C
    expect(at(grid, 2)).toHaveAttribute('aria-selected', 'true');

    // A refresh (after a sync) answers in another order: Member C is now 6th.
    order = [...members].reverse();
    act(() => useDirectory.getState().refresh());
    await waitFor(() => expect(shown(grid)).toEqual(['8', '7', '6', '5', '4', '3', '2', '1']));
    await waitFor(() => expect(document.activeElement).toHaveTextContent('Member C'));
    expect(document.activeElement).toBe(at(grid, 5));
    expect(at(grid, 5)).toHaveAttribute('tabindex', '0');
    expect(grid.querySelectorAll('[tabindex="0"]')).toHaveLength(1);
    // Selection is the user's: Member F now sits in C's old slot and is not selected.
    expect(at(grid, 5)).toHaveAttribute('aria-selected', 'true');
    expect(at(grid, 2)).toHaveTextContent('Member F');
    expect(at(grid, 2)).toHaveAttribute('aria-selected', 'false');

    // The keyboard goes on from where the user is now.
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(at(grid, 6));
    expect(document.activeElement).toHaveTextContent('Member B');
    await user.keyboard('{Enter}');
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Member B');
  });

  it('keeps focus on the user when the columns change, and on the card focused next', async () => {
    // The grid's width, as a ResizeObserver reports it (jsdom has none): a detail panel opening and closing.
    const resized: (() => void)[] = [];
    vi.stubGlobal(
      'ResizeObserver',
      class {
        constructor(private readonly report: () => void) {}
        observe(): void {
          resized.push(this.report);
        }
        unobserve(): void {}
        disconnect(): void {}
      },
    );
    try {
      renderApp({ answers: answersFrom(() => members) });
      await findCards();
      const grid = screen.getByRole('grid', { name: 'Users' });
      const cols = (): number => Number(grid.getAttribute('aria-colcount'));
      const resize = (width: number): void =>
        act(() => {
          gridBox.width = width;
          for (const report of resized) report();
        });
      const wide = cols();
      const focusedUser = (): string | undefined =>
        (document.activeElement as HTMLElement | null)?.dataset.userId;
      // The first card of the second row.
      act(() => at(grid, wide).focus());
      expect(focusedUser()).toBe(members[wide]?.userId);
      resize(gridBox.width - 300);
      expect(cols()).toBeLessThan(wide);
      await waitFor(() => expect(focusedUser()).toBe(members[wide]?.userId));
      resize(1200);
      expect(cols()).toBe(wide);
      await waitFor(() => expect(focusedUser()).toBe(members[wide]?.userId));
      expect(document.activeElement).toBe(at(grid, wide));
      // The admin moves on to the next card: focus stays where they put it.
      act(() => at(grid, wide + 1).focus());
      await act(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
      expect(document.activeElement).toBe(at(grid, wide + 1));
      expect(focusedUser()).toBe(members[wide + 1]?.userId);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('keeps focus on its slot when the focused user left the results', async () => {
    let order = members;
    renderApp({ answers: answersFrom(() => order) });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    act(() => at(grid, 1).focus());
    order = members.filter((u) => u.userId !== '2');
    act(() => useDirectory.getState().refresh());
    await waitFor(() => expect(shown(grid)).toEqual(['1', '3', '4', '5', '6', '7', '8']));
    expect(document.activeElement).toBe(at(grid, 1));
    expect(document.activeElement).toHaveTextContent('Member C');
  });

  it('in the table too, focus follows the user and rows are reused on a keystroke', async () => {
    window.localStorage.setItem('rollcall.view', 'table');
    useView.getState().reset();
    let order = members;
    const { user } = renderApp({ answers: answersFrom(() => order) });
    const table = await screen.findByTestId('user-table');
    await waitFor(() => expect(shown(table)).toHaveLength(8));
    act(() => at(table, 1).focus());
    expect(document.activeElement).toHaveTextContent('Member B');
    order = [...members].reverse();
    act(() => useDirectory.getState().refresh());
    await waitFor(() => expect(shown(table)[0]).toBe('8'));
    await waitFor(() => expect(document.activeElement).toBe(at(table, 6)));
    expect(document.activeElement).toHaveTextContent('Member B');
    await user.keyboard('{ArrowUp}');
    expect(document.activeElement).toHaveTextContent('Member C');

    const firstRow = at(table, 0);
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'member e');
    await waitFor(() => expect(shown(table)).toEqual(['5']));
    expect(at(table, 0)).toBe(firstRow);
    expect(firstRow).toHaveTextContent('Member E');
    expect(firstRow).toHaveAttribute('data-connection-id', members[4]!.connectionId);
  });

  it('draws lighter cards while typing, with names, selection and keys intact', async () => {
    const { user } = renderApp({ answers: answersFrom(() => members) });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    act(() => at(grid, 3).focus());
    await user.keyboard(' '); // select Member D
    expect(within(at(grid, 0)).getByTestId('role-badge')).toBeInTheDocument();

    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'member');
    await waitFor(() => expect(shown(grid)).toHaveLength(8));
    // Typing: the head only (picture, name, email), no badges or lines.
    const d = at(grid, 3);
    expect(within(d).queryByTestId('role-badge')).not.toBeInTheDocument();
    expect(within(d).getByText('Member D').tagName).toBe('BDI');
    expect(d).toHaveTextContent(members[3]!.email!);
    expect(d).toHaveAttribute('role', 'gridcell');
    expect(d).toHaveAttribute('aria-selected', 'true');
    expect(at(grid, 2)).toHaveAttribute('aria-selected', 'false');
    // The keyboard works on light cards.
    act(() => at(grid, 0).focus());
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(at(grid, 1));
    expect(document.activeElement).toHaveTextContent('Member B');

    // Once typing pauses, the full cards come back.
    await waitFor(() => expect(within(at(grid, 3)).getByTestId('role-badge')).toBeInTheDocument());
    expect(at(grid, 3)).toHaveAttribute('aria-selected', 'true');
    expect(document.activeElement).toBe(at(grid, 1));
  });

  it('draws lighter table rows while typing: the first two columns, the rest once it pauses', async () => {
    window.localStorage.setItem('rollcall.view', 'table');
    useView.getState().reset();
    const { user } = renderApp({ answers: answersFrom(() => members) });
    const table = await screen.findByTestId('user-table');
    await waitFor(() => expect(shown(table)).toHaveLength(8));
    const cells = (index: number) => within(at(table, index)).getAllByRole('gridcell');
    expect(within(at(table, 3)).getByTestId('role-badge')).toBeInTheDocument();
    const columns = cells(3).length;
    act(() => at(table, 3).focus());
    await user.keyboard(' '); // select Member D

    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'member');
    await waitFor(() => expect(shown(table)).toHaveLength(8));
    // Typing: the name and the email, every cell still there (empty) for the layout and readers.
    const d = at(table, 3);
    expect(cells(3)).toHaveLength(columns);
    expect(cells(3)[0]).toHaveTextContent('Member D');
    expect(cells(3)[1]).toHaveTextContent(members[3]!.email!);
    expect(within(d).queryByTestId('role-badge')).not.toBeInTheDocument();
    for (const cell of cells(3).slice(2)) expect(cell).toBeEmptyDOMElement();
    expect(d).toHaveAttribute('aria-selected', 'true');

    // Once typing pauses, every column is filled again.
    await waitFor(() => expect(within(at(table, 3)).getByTestId('role-badge')).toBeInTheDocument());
    expect(
      cells(3)
        .slice(2)
        .every((cell) => cell.textContent !== ''),
    ).toBe(true);
  });
});
