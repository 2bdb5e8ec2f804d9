// The virtualized grid: bounded DOM at 100 000 results, stale answers, keyboard movement.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ok, type Result } from '@shared/errors';
import type { SearchQuery, SearchResult, UserSummary } from '@shared/model';
import { summarize } from '@shared/summary';
import { contract } from '@shared/contract';
import { findCards, renderApp } from './harness';
import { zulipUser } from './fixtures';

function synthetic(i: number): UserSummary {
  return summarize(
    zulipUser({ userId: String(i), name: `Person ${String(i).padStart(6, '0')}` }).user,
  );
}

function searchCalls(calls: { channel: string; arg: unknown }[]): SearchQuery[] {
  return calls
    .filter((c) => c.channel === 'users:search')
    .map((c) => contract['users:search'].arg.parse(c.arg));
}

/** `users:search` over 100 000 synthetic people, "Person 000000" on, in name order. */
function hundredThousand(arg: unknown): Result<SearchResult> {
  const q = contract['users:search'].arg.parse(arg);
  const items = Array.from({ length: Math.min(q.limit, 100_000 - q.offset) }, (_, k) =>
    synthetic(q.offset + k),
  );
  return ok({ total: 100_000, items });
}

describe('the virtualized grid', () => {
  it('keeps the DOM bounded with 100 000 results and fetches by window', async () => {
    const { bridge } = renderApp({
      answers: { 'users:search': hundredThousand },
    });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    expect(grid).toHaveAttribute('aria-rowcount', String(100_000 / 4));
    const cells = () => grid.querySelectorAll('[role="gridcell"]').length;
    expect(cells()).toBeGreaterThan(8);
    expect(cells()).toBeLessThan(60);
    expect(screen.getByTestId('result-count')).toHaveTextContent('100,000 users');
    // Every request asks for a window, never for everything.
    for (const q of searchCalls(bridge.calls)) expect(q.limit).toBeLessThanOrEqual(100);

    // Scroll far down: the cards there appear, fetched by their own window.
    act(() => {
      grid.scrollTop = 176 * 20_000;
      fireEvent.scroll(grid);
    });
    await waitFor(() => expect(within(grid).queryByText('Person 080000')).toBeInTheDocument());
    expect(cells()).toBeLessThan(60);
    expect(
      searchCalls(bridge.calls).some((q) => q.offset <= 80_000 && q.offset + q.limit > 80_000),
    ).toBe(true);
    expect(within(grid).queryByText('Person 000000')).not.toBeInTheDocument();
  });

  it('draws rows ahead only while the view scrolls, and on both sides once it is still', async () => {
    renderApp({
      answers: { 'users:search': hundredThousand },
    });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    const drawn = () =>
      [...grid.querySelectorAll('[role="row"]')].map(
        (r) => Number(r.getAttribute('aria-rowindex')) - 1,
      );
    // At rest at the top: the 5 rows an 800-pixel box shows (176 each), and 2 below.
    await waitFor(() => expect(drawn()).toEqual([0, 1, 2, 3, 4, 5, 6]));

    // Down to row 1 000: while it moves, the rows in view and 1 ahead, none behind...
    act(() => {
      grid.scrollTop = 16 + 176 * 1000;
      fireEvent.scroll(grid);
    });
    expect(drawn()).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    // ...and once it is still, 2 more on each side.
    await waitFor(
      () => expect(drawn()).toEqual([998, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006]),
      { timeout: 5_000 },
    );

    // Back up: the one row ahead is now above.
    act(() => {
      grid.scrollTop = 16 + 176 * 500;
      fireEvent.scroll(grid);
    });
    expect(drawn()).toEqual([499, 500, 501, 502, 503, 504]);
    await waitFor(() => expect(drawn()).toEqual([498, 499, 500, 501, 502, 503, 504, 505, 506]), {
      timeout: 5_000,
    });
  });

  it('says when a search is listed by name while the index loads, and asks again once it is ready', async () => {
    const people = Array.from({ length: 30 }, (_, i) => synthetic(i));
    let indexReady = false;
    const { bridge, user } = renderApp({
      answers: {
        'users:search': (arg) => {
          const q = contract['users:search'].arg.parse(arg);
          const hits = people.filter((p) => p.name.includes(q.text.trim()));
          const page = { total: hits.length, items: hits.slice(q.offset, q.offset + q.limit) };
          return ok(q.text !== '' && !indexReady ? { ...page, rankedByName: true as const } : page);
        },
      },
    });
    await findCards();
    // Other events and answers ranked as asked: nothing is said, and nothing asked again.
    act(() => bridge.emit('directory:search-ready', null));
    expect(screen.queryByTestId('ranking-note')).not.toBeInTheDocument();
    const asked = () => searchCalls(bridge.calls).filter((q) => q.text === 'Person').length;

    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'Person');
    const note = await screen.findByTestId('ranking-note');
    expect(screen.getByTestId('result-count')).toHaveTextContent('by name while indexing');
    expect(note).toHaveAttribute('title', expect.stringContaining('ranked as soon as'));
    const before = asked();

    indexReady = true;
    act(() => bridge.emit('directory:search-ready', null));
    await waitFor(() => expect(screen.queryByTestId('ranking-note')).not.toBeInTheDocument());
    expect(asked()).toBeGreaterThan(before);
  });

  it('starts a new question at the top, and scrolls nothing to get there when it is there', async () => {
    const people = Array.from({ length: 2_000 }, (_, i) => synthetic(i));
    const { user } = renderApp({
      answers: {
        'users:search': (arg) => {
          const q = contract['users:search'].arg.parse(arg);
          const hits = people.filter((p) => p.name.includes(q.text.trim()));
          return ok({ total: hits.length, items: hits.slice(q.offset, q.offset + q.limit) });
        },
      },
    });
    await findCards();
    const grid = screen.getByRole('grid', { name: 'Users' });
    act(() => {
      grid.scrollTop = 176 * 200;
      fireEvent.scroll(grid);
    });
    await waitFor(() => expect(within(grid).queryByText('Person 000800')).toBeInTheDocument());
    const box = screen.getByRole('searchbox', { name: 'Search users' });
    await user.type(box, 'P');
    expect(grid.scrollTop).toBe(0);
    await waitFor(() => expect(within(grid).queryByText('Person 000000')).toBeInTheDocument());

    // Typing on at the top: nothing to scroll, so no scroll asked (it would force a layout).
    const scrollTo = vi.spyOn(Element.prototype, 'scrollTo');
    try {
      await user.type(box, 'erson 0001');
      await waitFor(() => expect(within(grid).queryByText('Person 000100')).toBeInTheDocument());
      expect(scrollTo).not.toHaveBeenCalled();
      expect(grid.scrollTop).toBe(0);
    } finally {
      scrollTo.mockRestore();
    }
  });

  it('searches on every keystroke and ignores answers that arrive late', async () => {
    const pending = new Map<string, (r: Result<SearchResult>) => void>();
    const names = ['Alice Archer', 'Bob Abbott', 'Carol Chen'].map((n, i) =>
      summarize(zulipUser({ userId: String(i + 1), name: n }).user),
    );
    const { bridge, user } = renderApp({
      answers: {
        'users:search': (arg) => {
          const q = contract['users:search'].arg.parse(arg);
          if (q.text === '') return ok({ total: names.length, items: names });
          return new Promise((resolve) => pending.set(q.text, resolve));
        },
      },
    });
    await findCards();
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'ab');
    expect(searchCalls(bridge.calls).map((q) => q.text)).toEqual(['', 'a', 'ab']);
    const answer = (text: string) => {
      const hits = names.filter((n) => n.name.toLowerCase().includes(text));
      act(() => pending.get(text)!({ ok: true, value: { total: hits.length, items: hits } }));
    };
    answer('ab'); // the newest answer lands first...
    answer('a'); // ...and the older one after it must not replace it.
    await waitFor(() => expect(screen.getByTestId('result-count')).toHaveTextContent(/^1 user$/));
    const cards = await findCards();
    expect(cards.map((c) => c.dataset.userId)).toEqual(['2']);
  });

  it('moves between cards with the arrows, opens with Enter, closes with Esc back to the card', async () => {
    const records = Array.from({ length: 12 }, (_, i) =>
      zulipUser({ userId: String(i + 1), name: `Member ${String.fromCharCode(65 + i)}` }),
    );
    const { user } = renderApp({ records });
    const cards = await findCards();
    expect(cards[0]).toHaveAttribute('tabindex', '0');
    expect(cards.filter((c) => c.getAttribute('tabindex') === '0')).toHaveLength(1);
    await user.tab();
    // Tab order: sidebar and toolbar controls first; focus the grid's card directly to start.
    act(() => cards[0]!.focus());
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toHaveTextContent('Member B');
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toHaveTextContent('Member F');
    await user.keyboard('{End}');
    expect(document.activeElement).toHaveTextContent('Member H');
    await user.keyboard('{ArrowLeft}{Enter}');
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Member G');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('detail-panel')).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toHaveTextContent('Member G'));
  });

  it('shows the result count against the cache and an empty state with ways out', async () => {
    const records = [
      zulipUser({ userId: '1', name: 'Iago Ortiz', role: 'owner' }),
      zulipUser({ userId: '2', name: 'Zoë Lindqvist', role: 'guest' }),
    ];
    const { user } = renderApp({ records });
    await findCards();
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'nobody here');
    const empty = await screen.findByTestId('empty-results');
    expect(within(empty).getByRole('heading')).toHaveTextContent('No users match nobody here');
    expect(within(empty).getByText('nobody here').tagName).toBe('Q');
    await user.click(within(empty).getByRole('button', { name: 'Clear search' }));
    expect(await findCards()).toHaveLength(2);
    expect(screen.getByRole('searchbox', { name: 'Search users' })).toHaveValue('');
  });
});
