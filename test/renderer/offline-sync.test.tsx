// Offline banners and re-probing, key rejected, sync progress/cancel/summary, export.
import { act, screen, waitFor, within } from '@testing-library/react';
import { ok, rollcallError, type Result } from '@shared/errors';
import type { ConnectionSummary, SyncProgress, SyncSummary } from '@shared/model';
import { contract } from '@shared/contract';
import { SHOW_SAVED_EVERY_MS } from '@renderer/actions/show-saved-users';
import { useConnections } from '@renderer/stores/connections-store';
import { findCard, findCards, renderApp } from './harness';
import { cardVariants, connection, owuiConnection } from './fixtures';

const HOUR = 3_600_000;
const v = cardVariants();

function offline(): ConnectionSummary {
  return owuiConnection({
    lastSyncAt: Date.now() - 72 * HOUR,
    reachability: {
      state: 'offline',
      since: Date.now() - 2 * HOUR,
      error: rollcallError('OFFLINE'),
    },
  });
}

function progress(
  phase: SyncProgress['phase'],
  done: number,
  total: number | null,
  extra: Partial<SyncProgress> = {},
): SyncProgress {
  return {
    connectionId: 'acme-zulip',
    phase,
    done,
    total,
    message: '',
    retryAfterSeconds: null,
    summary: null,
    error: null,
    at: Date.now(),
    ...extra,
  };
}

describe('offline connections', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('says so and since when, keeps the cache usable, and goes when the server is back', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let server: 'down' | 'up' = 'down';
    const list = () => [
      connection(),
      server === 'down' ? offline() : owuiConnection({ lastSyncAt: Date.now() - 72 * HOUR }),
    ];
    const view = renderApp({ records: Object.values(v), connections: list() });
    const { bridge, user, setConnections } = view;
    const banner = await screen.findByTestId('offline-banner');
    expect(banner).toHaveTextContent(
      /Research Lab AI has been unreachable since .+ \(2 hours ago\)/,
    );
    expect(banner).toHaveTextContent(
      'The cached directory stays fully usable: it is the copy from 3 days ago',
    );
    expect(
      within(screen.getByRole('navigation', { name: 'Connections' })).getByText(/^Offline since/),
    ).toBeInTheDocument();

    // Cached cards of the offline connection still open.
    await user.click(await findCard(v.owuiAdmin.user.userId));
    expect(await screen.findByTestId('section-groups')).toHaveTextContent('Engineering');

    // Every 30 s the offline connection is tested again.
    const tests = () => bridge.calls.filter((c) => c.channel === 'connections:test');
    expect(tests()).toHaveLength(0);
    act(() => vi.advanceTimersByTime(30_000));
    await waitFor(() => expect(tests()).toHaveLength(1));
    expect(tests()[0]!.arg).toEqual({ id: 'lab-openwebui' });
    expect(screen.getByTestId('offline-banner')).toBeInTheDocument();

    // The OS says the machine went offline, then that the network is back: tested at once;
    // the server answers; both banners go.
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(await screen.findByTestId('os-offline-banner')).toHaveTextContent(
      'This computer is offline.',
    );
    server = 'up';
    setConnections(list());
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    expect(screen.queryByTestId('os-offline-banner')).not.toBeInTheDocument();
    await waitFor(() => expect(tests()).toHaveLength(2));
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).not.toBeInTheDocument());
  });

  it('gathers several unreachable connections into one banner, each with its own retry', async () => {
    const zulipDown = connection({
      lastSyncAt: Date.now() - 5 * 60_000,
      reachability: { state: 'offline', since: Date.now() - HOUR, error: rollcallError('OFFLINE') },
    });
    const { bridge, user } = renderApp({
      records: Object.values(v),
      connections: [zulipDown, offline()],
    });
    const group = await screen.findByTestId('offline-group-banner');
    expect(group).toHaveTextContent('2 connections are unreachable');
    expect(group).toHaveTextContent('Their cached directories stay fully usable.');
    // One line per connection, and no separate banner for either.
    const lines = within(group).getAllByTestId('offline-banner');
    expect(lines.map((l) => l.dataset.connectionId)).toEqual(['acme-zulip', 'lab-openwebui']);
    expect(lines[0]).toHaveTextContent(/^Acme Chat has been unreachable since .+ \(1 hour ago\)/);
    expect(lines[0]).toHaveTextContent('cached copy from 5 minutes ago');
    expect(lines[1]).toHaveTextContent('cached copy from 3 days ago');
    expect(screen.getAllByTestId('offline-banner')).toHaveLength(2);
    // Each line retries its own connection.
    await user.click(within(lines[1]!).getByRole('button', { name: 'Try Research Lab AI again' }));
    await waitFor(() =>
      expect(
        bridge.calls.filter((c) => c.channel === 'connections:test').map((c) => c.arg),
      ).toEqual([{ id: 'lab-openwebui' }]),
    );
  });

  it('says when the key was rejected and offers to replace it', async () => {
    const { user } = renderApp({
      records: Object.values(v),
      connections: [
        connection({
          reachability: {
            state: 'unauthorized',
            since: Date.now(),
            error: rollcallError('UNAUTHORIZED', undefined, { serverMessage: 'Invalid API key' }),
          },
        }),
      ],
    });
    const banner = await screen.findByTestId('key-rejected-banner');
    expect(banner).toHaveTextContent('Acme Chat rejected the API key');
    expect(banner).toHaveTextContent('Invalid API key');
    await user.click(within(banner).getByRole('button', { name: 'Replace key…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit Acme Chat' });
    await user.click(within(dialog).getByRole('button', { name: 'Replace key…' }));
    expect(within(dialog).getByLabelText('New API key')).toBeInTheDocument();
  });
});

describe('sync', () => {
  it('shows progress by phase with done/total, can cancel, and sums up when done', async () => {
    let finish: (r: Result<SyncSummary>) => void = () => {};
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: {
        'directory:sync': () => new Promise((resolve) => (finish = resolve)),
        'directory:cancel-sync': () => ok({ cancelled: true }),
      },
    });
    await findCards();
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync directory' }));
    expect(bridge.calls.find((c) => c.channel === 'directory:sync')?.arg).toEqual({
      connectionId: 'acme-zulip',
    });
    const panel = await screen.findByTestId('sync-panel');
    expect(panel).toHaveTextContent('Starting');
    act(() => bridge.emit('directory:sync-progress', progress('fetching', 1200, 3400)));
    expect(within(panel).getByTestId('sync-progress-text')).toHaveTextContent(
      'Fetching users · 1,200 of 3,400 · 35%',
    );
    const bar = within(panel).getByRole('progressbar', { name: 'Sync progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '1200');
    expect(bar).toHaveAttribute('aria-valuemax', '3400');
    // The sidebar row shows it too.
    expect(screen.getByRole('progressbar', { name: /^Sync: Fetching users/ })).toBeInTheDocument();
    act(() =>
      bridge.emit(
        'directory:sync-progress',
        progress('waiting', 1200, 3400, { retryAfterSeconds: 12 }),
      ),
    );
    expect(within(panel).getByTestId('sync-progress-text')).toHaveTextContent(
      'Waiting for the rate limit: 12 s',
    );

    await user.click(within(panel).getByRole('button', { name: 'Cancel' }));
    expect(
      bridge.calls.filter((c) => c.channel === 'directory:cancel-sync').map((c) => c.arg),
    ).toEqual([{ connectionId: 'acme-zulip' }]);
    expect(within(panel).getByRole('button', { name: 'Cancelling…' })).toBeDisabled();

    const summary: SyncSummary = {
      added: 12,
      updated: 340,
      unchanged: 2890,
      gone: 3,
      total: 3245,
      startedAt: Date.now() - 4200,
      finishedAt: Date.now(),
      unreadable: 0,
      unreadableReason: null,
    };
    const searchesBefore = bridge.calls.filter((c) => c.channel === 'users:search').length;
    act(() => bridge.emit('directory:sync-progress', progress('done', 3400, 3400, { summary })));
    await act(async () => finish(ok(summary)));
    const done = await screen.findByTestId('sync-summary');
    expect(done).toHaveTextContent('Synced Acme Chat: 3,245 users in 4.2 s');
    expect(done).toHaveTextContent('12 added340 updated3 gone2,890 unchanged');
    expect(within(done).queryByTestId('sync-unreadable')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sync-panel')).not.toBeInTheDocument();
    // The results are asked for again so new users show.
    await waitFor(() =>
      expect(bridge.calls.filter((c) => c.channel === 'users:search').length).toBeGreaterThan(
        searchesBefore,
      ),
    );
    await user.click(within(done).getByRole('button', { name: 'Dismiss sync summary' }));
    expect(screen.queryByTestId('sync-summary')).not.toBeInTheDocument();
  });

  it('says how many users could not be read, with the first reason (issue 13)', async () => {
    const summary: SyncSummary = {
      added: 2,
      updated: 0,
      unchanged: 0,
      gone: 0,
      total: 2,
      startedAt: Date.now() - 1000,
      finishedAt: Date.now(),
      unreadable: 3,
      unreadableReason: 'its user_id -5 is not a whole number from 1 up',
    };
    const { user } = renderApp({
      records: Object.values(v),
      answers: { 'directory:sync': () => ok(summary) },
    });
    await findCards();
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync directory' }));
    const done = await screen.findByTestId('sync-summary');
    expect(within(done).getByTestId('sync-unreadable')).toHaveTextContent(
      '3 users could not be read (first: its user_id -5 is not a whole number from 1 up); the rest were synced.',
    );
  });

  it('says why a sync stopped and offers to try again; a cancel is said calmly', async () => {
    let answer: Result<SyncSummary> = {
      ok: false,
      error: rollcallError('RATE_LIMITED', undefined, {
        retryAfterSeconds: 40,
        serverMessage: 'API usage exceeded rate limit',
      }),
    };
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: { 'directory:sync': () => answer },
    });
    await findCards();
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync directory' }));
    const failed = await screen.findByTestId('sync-error');
    expect(failed).toHaveTextContent('Sync of Acme Chat stopped');
    expect(failed).toHaveTextContent('API usage exceeded rate limit');
    answer = { ok: false, error: rollcallError('CANCELLED') };
    await user.click(within(failed).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('sync-cancelled')).toHaveTextContent(
      'Sync of Acme Chat cancelled.',
    );
    expect(bridge.calls.filter((c) => c.channel === 'directory:sync')).toHaveLength(2);
  });

  it('shows users as a first sync saves them, at most every 1.5 s, and not in a re-sync', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const zulip = Object.values(v).filter((r) => r.user.connectionId === 'acme-zulip');
    const owui = Object.values(v).filter((r) => r.user.connectionId !== 'acme-zulip');
    expect(zulip.length).toBeGreaterThanOrEqual(3);
    const { user, bridge, dir } = renderApp({
      records: owui,
      answers: { 'directory:sync': () => new Promise(() => {}) },
    });
    await findCards();
    await user.click(screen.getByRole('button', { name: /^Acme Chat,/ }));
    const empty = await screen.findByTestId('empty-directory');
    expect(empty).toHaveTextContent('Sync the directory to fetch everyone');
    await user.click(within(empty).getByRole('button', { name: 'Sync directory' }));
    await waitFor(() =>
      expect(screen.getByTestId('empty-directory')).toHaveTextContent(
        'Users appear here as the sync saves them.',
      ),
    );
    expect(
      within(screen.getByTestId('empty-directory')).queryByRole('button', {
        name: 'Sync directory',
      }),
    ).not.toBeInTheDocument();
    const asked = (channel: string) => bridge.calls.filter((c) => c.channel === channel).length;
    const searches = asked('users:search');
    const lists = asked('connections:list');

    // Nothing saved yet: nothing to ask.
    act(() => bridge.emit('directory:sync-progress', progress('writing', 0, zulip.length)));
    expect(asked('users:search')).toBe(searches);

    // Two saved: the window asks at once and shows them, and the sidebar counts them.
    dir.put(zulip[0]!);
    dir.put(zulip[1]!);
    act(() => bridge.emit('directory:sync-progress', progress('fetching', 2, zulip.length)));
    expect(asked('users:search')).toBe(searches + 1);
    expect(asked('connections:list')).toBe(lists + 1);
    await waitFor(() => expect(screen.getAllByTestId('user-card')).toHaveLength(2));
    const row = () =>
      screen.getAllByTestId('connection-row').find((r) => r.dataset.connectionId === 'acme-zulip')!;
    await waitFor(() => expect(row()).toHaveTextContent(/Acme Chat\s*2/));

    // One more within 1.5 s: not yet; once 1.5 s have passed, the next event shows it.
    dir.put(zulip[2]!);
    const settled = asked('users:search');
    vi.setSystemTime(Date.now() + SHOW_SAVED_EVERY_MS - 100);
    act(() => bridge.emit('directory:sync-progress', progress('fetching', 3, zulip.length)));
    expect(asked('users:search')).toBe(settled);
    vi.setSystemTime(Date.now() + 100);
    act(() => bridge.emit('directory:sync-progress', progress('writing', 3, zulip.length)));
    expect(asked('users:search')).toBe(settled + 1);
    await waitFor(() => expect(screen.getAllByTestId('user-card')).toHaveLength(3));

    // As many cached as the server has: a re-sync asks nothing until it ends.
    for (const r of zulip.slice(3)) dir.put(r);
    await act(async () => {
      await useConnections.getState().load();
    });
    const before = asked('users:search');
    vi.setSystemTime(Date.now() + 10 * SHOW_SAVED_EVERY_MS);
    act(() =>
      bridge.emit('directory:sync-progress', progress('fetching', zulip.length, zulip.length)),
    );
    expect(asked('users:search')).toBe(before);
  });

  it('shows a sync that main started on its own, from its events', async () => {
    const { bridge } = renderApp({ records: Object.values(v) });
    await findCards();
    act(() => bridge.emit('directory:sync-progress', progress('fetching', 30, null)));
    const row = screen
      .getAllByTestId('connection-row')
      .find((r) => r.dataset.connectionId === 'acme-zulip')!;
    expect(row).toHaveAttribute('data-state', 'syncing');
    expect(within(row).getByRole('progressbar')).not.toHaveAttribute('aria-valuenow');
  });
});

describe('export', () => {
  it('exports the current result as CSV or JSON with the current filters', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: { 'directory:export': () => ok({ path: '/home/admin/rollcall.csv', count: 2 }) },
    });
    await findCards();
    await user.click(screen.getByTestId('accounts-humans'));
    await user.type(screen.getByRole('searchbox', { name: 'Search users' }), 'a');
    await user.click(screen.getByRole('button', { name: /Export/ }));
    await user.click(screen.getByRole('button', { name: 'CSV, for spreadsheets' }));
    await waitFor(() =>
      expect(screen.getByTestId('toasts')).toHaveTextContent(
        'Exported 2 users to /home/admin/rollcall.csv',
      ),
    );
    const call = bridge.calls.find((c) => c.channel === 'directory:export')!;
    expect(contract['directory:export'].arg.parse(call.arg)).toEqual({
      format: 'csv',
      query: {
        text: 'a',
        connectionIds: [],
        roles: [],
        accounts: 'humans',
        status: 'all',
        activity: 'all',
        activeBefore: 0,
        joinedAfter: null,
        joinedBefore: null,
        groups: [],
        profileField: null,
        facets: false,
        // Text typed: the window sorts by relevance, and the export keeps that order.
        sort: 'relevance',
        direction: 'asc',
      },
    });
  });

  it('merges the summaries of several syncs into one notice, one line each', async () => {
    const { bridge, user } = renderApp({ records: Object.values(v) });
    await findCards();
    const summary = (total: number): SyncSummary => ({
      added: 1,
      updated: 2,
      unchanged: total - 3,
      gone: 0,
      total,
      startedAt: Date.now() - 1000,
      finishedAt: Date.now(),
      unreadable: 0,
      unreadableReason: null,
    });
    act(() => {
      bridge.emit('directory:sync-progress', progress('done', 10, 10, { summary: summary(10) }));
      bridge.emit(
        'directory:sync-progress',
        progress('done', 20, 20, { connectionId: 'lab-openwebui', summary: summary(20) }),
      );
    });
    const rows = await screen.findAllByTestId('sync-summary');
    expect(rows.map((r) => r.getAttribute('data-connection-id'))).toEqual([
      'acme-zulip',
      'lab-openwebui',
    ]);
    // One notice holds both.
    expect(rows[0]!.closest('.notice')).toBe(rows[1]!.closest('.notice'));
    await user.click(within(rows[0]!).getByRole('button', { name: 'Dismiss sync summary' }));
    expect(screen.getAllByTestId('sync-summary')).toHaveLength(1);
  });
});
