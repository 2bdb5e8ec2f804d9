// Selecting users in the grid: click, ctrl/cmd-click, shift-click, Space, shift+arrows, and a
// selection kept by user across scrolling and new searches.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useSelection } from '@renderer/stores/selection-store';
import { findCards, renderApp } from './harness';
import { connection, zulipUser } from './fixtures';

/** Twelve members A..L, one connection. */
function twelve() {
  return Array.from({ length: 12 }, (_, i) =>
    zulipUser({ userId: String(i + 1), name: `Member ${String.fromCharCode(65 + i)}` }),
  );
}

/** The names on the selected cards, in grid order. */
function selectedNames(): string[] {
  const grid = screen.getByRole('grid', { name: 'Users' });
  return within(grid)
    .getAllByTestId('user-card')
    .filter((c) => c.getAttribute('aria-selected') === 'true')
    .map((c) => c.querySelector('.card-name-text')?.textContent ?? '');
}

function cardNamed(cards: HTMLElement[], letter: string): HTMLElement {
  const card = cards.find((c) => c.textContent?.includes(`Member ${letter}`));
  if (!card) throw new Error(`no card Member ${letter}`);
  return card;
}

describe('selecting users in the grid', () => {
  it('a click selects one and opens it; ctrl-click toggles; shift-click selects a range', async () => {
    renderApp({ records: twelve(), connections: [connection()] });
    const cards = await findCards();
    expect(screen.getByRole('grid', { name: 'Users' })).toHaveAttribute(
      'aria-multiselectable',
      'true',
    );
    expect(screen.queryByTestId('selection-bar')).not.toBeInTheDocument();

    fireEvent.click(cardNamed(cards, 'B'));
    await screen.findByTestId('detail-panel');
    expect(selectedNames()).toEqual(['Member B']);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('1 selected');
    // Not colour alone: the selected card carries a check mark.
    expect(within(cardNamed(await findCards(), 'B')).getByTestId('card-check')).toBeInTheDocument();
    expect(within(cardNamed(await findCards(), 'C')).queryByTestId('card-check')).toBeNull();

    fireEvent.click(cardNamed(await findCards(), 'D'), { ctrlKey: true });
    fireEvent.click(cardNamed(await findCards(), 'F'), { metaKey: true });
    expect(selectedNames()).toEqual(['Member B', 'Member D', 'Member F']);
    // Ctrl-click does not open: the panel still shows B.
    expect(
      within(screen.getByTestId('detail-panel')).getByRole('heading', { level: 2 }),
    ).toHaveTextContent('Member B');
    fireEvent.click(cardNamed(await findCards(), 'D'), { ctrlKey: true });
    expect(selectedNames()).toEqual(['Member B', 'Member F']);

    // Shift-click: from the last ctrl-click (D, toggled off) to I, added to what was there.
    fireEvent.click(cardNamed(await findCards(), 'I'), { shiftKey: true });
    expect(selectedNames()).toEqual([
      'Member B',
      'Member D',
      'Member E',
      'Member F',
      'Member G',
      'Member H',
      'Member I',
    ]);
    // A second shift-click moves the range's end instead of adding another range.
    fireEvent.click(cardNamed(await findCards(), 'E'), { shiftKey: true });
    expect(selectedNames()).toEqual(['Member B', 'Member D', 'Member E', 'Member F']);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('4 selected');

    fireEvent.click(screen.getByTestId('clear-selection'));
    expect(selectedNames()).toEqual([]);
    expect(screen.queryByTestId('selection-bar')).not.toBeInTheDocument();
  });

  it('Space toggles the focused card without opening it, and shift+arrows extend', async () => {
    const { user } = renderApp({ records: twelve(), connections: [connection()] });
    const cards = await findCards();
    act(() => cards[0]!.focus());
    await user.keyboard(' ');
    expect(selectedNames()).toEqual(['Member A']);
    expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument();
    await user.keyboard(' ');
    expect(selectedNames()).toEqual([]);

    await user.keyboard('{ArrowRight}{ArrowRight}');
    expect(document.activeElement).toHaveTextContent('Member C');
    await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
    expect(document.activeElement).toHaveTextContent('Member E');
    expect(selectedNames()).toEqual(['Member C', 'Member D', 'Member E']);
    // Down a row (4 columns at this width): the range grows to I.
    await user.keyboard('{Shift>}{ArrowDown}{/Shift}');
    expect(selectedNames()).toEqual([
      'Member C',
      'Member D',
      'Member E',
      'Member F',
      'Member G',
      'Member H',
      'Member I',
    ]);
    // Plain arrows move without touching the selection; Enter still opens.
    await user.keyboard('{ArrowRight}{Enter}');
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Member J');
  });

  it('keeps the selection by user across a new search', async () => {
    const { user } = renderApp({ records: twelve(), connections: [connection()] });
    const cards = await findCards();
    fireEvent.click(cardNamed(cards, 'B'), { ctrlKey: true });
    fireEvent.click(cardNamed(cards, 'K'), { ctrlKey: true });
    const search = screen.getByRole('searchbox', { name: 'Search users' });
    await user.type(search, 'Member K');
    await waitFor(async () => expect(await findCards()).toHaveLength(1));
    expect(selectedNames()).toEqual(['Member K']);
    // B is out of view but still selected.
    expect(screen.getByTestId('selection-count')).toHaveTextContent('2 selected');
    await user.clear(search);
    await waitFor(async () => expect(await findCards()).toHaveLength(12));
    expect(selectedNames()).toEqual(['Member B', 'Member K']);
  });
});

describe('the selection model', () => {
  const at = (i: number) => ({ connectionId: 'c', userId: String(i) });
  const ids = () => [...useSelection.getState().selected.values()].map((u) => u.userId).sort();

  it('adds a shift range to what was selected when the anchor was set', () => {
    const s = useSelection.getState();
    s.toggle(at(0), 0, 1);
    s.toggle(at(5), 5, 1);
    s.extendTo(7, 1, at);
    expect(ids()).toEqual(['0', '5', '6', '7']);
    s.extendTo(3, 1, at);
    expect(ids()).toEqual(['0', '3', '4', '5']);
  });

  it('does not range from an anchor set in an earlier question', () => {
    const s = useSelection.getState();
    s.selectOnly(at(2), 2, 1);
    s.extendTo(6, 2, at);
    expect(ids()).toEqual(['6']);
  });

  it('skips rows not loaded instead of inventing users', () => {
    const s = useSelection.getState();
    s.selectOnly(at(0), 0, 1);
    s.extendTo(4, 1, (i) => (i === 2 ? undefined : at(i)));
    expect(ids()).toEqual(['0', '1', '3', '4']);
  });

  it('keeps users apart by connection, even with the same user ID', () => {
    const s = useSelection.getState();
    s.toggle({ connectionId: 'a', userId: '1' }, 0, 1);
    s.toggle({ connectionId: 'b', userId: '1' }, 1, 1);
    expect(useSelection.getState().selected.size).toBe(2);
    s.keepOnly((u) => u.connectionId !== 'a');
    expect([...useSelection.getState().selected.values()]).toEqual([
      { connectionId: 'b', userId: '1' },
    ]);
  });
});
