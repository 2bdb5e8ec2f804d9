// Acting on users from the window: the entries (selection, filtered set, detail panel), the
// preview with skips and the typed confirmation, progress with the rate-limit wait and Cancel,
// results with "Retry the N failed", and errors in words.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ActionRunSummary } from '@shared/actions';
import { contract } from '@shared/contract';
import { err, ok, rollcallError, type Result } from '@shared/errors';
import { PREVIEW_ROWS } from '@renderer/components/ActionPreview';
import { useDirectory } from '@renderer/stores/directory-store';
import { guestPlan, progress, result, summaryOf, zulipAvailability } from './action-fixtures';
import { cardVariants, connection, zulipUser } from './fixtures';
import { findCards, renderApp } from './harness';
import type { Answers } from './fake-bridge';

function members(n: number) {
  return Array.from({ length: n }, (_, i) =>
    zulipUser({ userId: String(i + 1), name: `Member ${String.fromCharCode(65 + i)}` }),
  );
}

function planCalls(calls: { channel: string; arg: unknown }[]) {
  return calls
    .filter((c) => c.channel === 'actions:plan')
    .map((c) => contract['actions:plan'].arg.parse(c.arg));
}

/** One Zulip connection, three members, and the action answers given. */
function renderActing(answers: Answers = {}) {
  return renderApp({
    records: members(3),
    connections: [connection()],
    answers: { 'actions:available': () => ok(zulipAvailability()), ...answers },
  });
}

/** Selects every card with ctrl-clicks and opens "Act on these…". */
async function actOnAllCards(user: ReturnType<typeof renderApp>['user']) {
  for (const card of await findCards()) fireEvent.click(card, { ctrlKey: true });
  await user.click(screen.getByTestId('act-on-selection'));
  return screen.findByTestId('act-menu');
}

describe('the act-on-users entries', () => {
  it('over the filtered set: needs one connection, then lists the actions with reasons', async () => {
    const { user, bridge } = renderApp({
      records: members(3),
      answers: { 'actions:available': () => ok(zulipAvailability()) },
    });
    await findCards();
    // Two connections in scope: the menu says acting needs one, and asks nothing of core.
    await user.click(screen.getByTestId('act-on-results'));
    expect(await screen.findByTestId('act-blocked')).toHaveTextContent(
      'Acting on users needs one connection',
    );
    expect(bridge.calls.some((c) => c.channel === 'actions:available')).toBe(false);
    await user.keyboard('{Escape}');

    act(() =>
      useDirectory.getState().setFilters({ connectionIds: ['acme-zulip'], text: 'member' }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('act-on-results')).toHaveAccessibleName('Act on these 3 users'),
    );
    await user.click(screen.getByTestId('act-on-results'));
    const menu = await screen.findByTestId('act-menu');
    const guest = await within(menu).findByTestId('act-set-role:guest');
    expect(guest).toBeEnabled();
    const owner = within(menu).getByTestId('act-set-role:owner');
    expect(owner).toBeDisabled();
    expect(owner).toHaveAccessibleDescription(/Only an owner may make owners/);
    expect(owner).toHaveTextContent('this key belongs to an administrator');

    await user.click(guest);
    const [plan] = planCalls(bridge.calls);
    expect(plan).toMatchObject({
      connectionId: 'acme-zulip',
      action: { kind: 'set-role', role: 'guest' },
      target: { kind: 'query', query: { text: 'member', connectionIds: ['acme-zulip'] } },
    });
  });

  it('over a selection: its users, or a reason when it spans connections', async () => {
    const v = cardVariants();
    const { user, bridge } = renderApp({
      records: [...members(2), v.owuiAdmin],
      answers: { 'actions:available': () => ok(zulipAvailability()) },
    });
    const cards = await findCards();
    for (const card of cards) fireEvent.click(card, { ctrlKey: true });
    expect(screen.getByTestId('selection-count')).toHaveTextContent('3 selected');
    await user.click(screen.getByTestId('act-on-selection'));
    expect(await screen.findByTestId('act-blocked')).toHaveTextContent(
      'The selection spans 2 connections',
    );
    await user.keyboard('{Escape}');

    const owui = cards.find((c) => c.dataset.connectionId === 'lab-openwebui')!;
    fireEvent.click(owui, { ctrlKey: true });
    await user.click(screen.getByTestId('act-on-selection'));
    await user.click(await screen.findByTestId('act-deactivate'));
    expect(planCalls(bridge.calls)[0]).toMatchObject({
      connectionId: 'acme-zulip',
      action: { kind: 'deactivate' },
      target: { kind: 'users' },
    });
    const target = planCalls(bridge.calls)[0]!.target;
    expect(target.kind === 'users' && [...target.userIds].sort()).toEqual(['1', '2']);
  });

  it('in the detail panel: the same menu, as a plan of one', async () => {
    const { user, bridge } = renderActing({ 'actions:plan': () => ok(guestPlan(1)) });
    const [first] = await findCards();
    await user.click(first!);
    const panel = await screen.findByTestId('detail-panel');
    await user.click(await within(panel).findByTestId('act-on-user'));
    await user.click(await screen.findByTestId('act-set-role:guest'));
    expect(planCalls(bridge.calls)[0]).toMatchObject({
      connectionId: 'acme-zulip',
      target: { kind: 'users', userIds: [first!.dataset.userId] },
    });
    expect(await screen.findByTestId('action-preview')).toBeInTheDocument();
  });
});

describe('the action dialog', () => {
  it('previews who changes (capped), who is skipped by reason, and the undo note', async () => {
    const { user } = renderActing({
      'actions:plan': () => ok(guestPlan(PREVIEW_ROWS + 50, {}, 12)),
    });
    await actOnAllCards(user);
    await user.click(await screen.findByTestId('act-set-role:guest'));
    const dialog = await screen.findByRole('dialog', { name: 'Make 250 users Guests' });
    expect(within(dialog).getByTestId('preview-counts')).toHaveTextContent(
      '250 users will change · 13 skipped',
    );
    expect(within(dialog).getAllByTestId('change-row')).toHaveLength(PREVIEW_ROWS);
    expect(within(dialog).getAllByTestId('change-row')[0]).toHaveTextContent('Change 0');
    expect(within(dialog).getAllByTestId('change-row')[0]).toHaveTextContent('Member');
    expect(within(dialog).getAllByTestId('change-row')[0]).toHaveTextContent('Guest');
    expect(within(dialog).getByTestId('change-more')).toHaveTextContent('50 more users');
    const groups = within(dialog).getByTestId('skip-groups');
    expect(within(groups).getByTestId('skip-already')).toHaveTextContent('12 Already a Guest.');
    expect(within(groups).getByTestId('skip-self')).toHaveTextContent('1 The key’s own account.');
    expect(within(dialog).getByTestId('undo-note')).toHaveAttribute('data-reversible', 'true');
    expect(within(dialog).getByTestId('undo-note')).not.toHaveTextContent('Cannot be undone');
    expect(within(dialog).getByTestId('run-action')).toBeEnabled();
    expect(within(dialog).queryByTestId('confirm-input')).toBeNull();
  });

  it('keeps Run disabled until the confirmation is typed as core checks it, and sends it', async () => {
    const plan = guestPlan(40, {
      action: { kind: 'delete' },
      title: 'Delete 40 users',
      reversible: false,
      undoNote: 'Open WebUI keeps no copy of a deleted user.',
      confirmation: { kind: 'count', expected: '40', prompt: 'Type 40 to delete 40 users.' },
    });
    const { user, bridge } = renderActing({
      'actions:plan': () => ok(plan),
      'actions:run': () => new Promise<Result<ActionRunSummary>>(() => undefined),
    });
    await actOnAllCards(user);
    await user.click(await screen.findByTestId('act-set-role:guest'));
    const dialog = await screen.findByRole('dialog', { name: 'Delete 40 users' });
    const note = within(dialog).getByTestId('undo-note');
    expect(note).toHaveAttribute('data-reversible', 'false');
    expect(note).toHaveClass('notice-warn');
    expect(note).toHaveTextContent('Cannot be undone. Open WebUI keeps no copy');
    const input = within(dialog).getByLabelText('Type 40 to delete 40 users.');
    const run = within(dialog).getByTestId('run-action');
    expect(run).toBeDisabled();
    for (const wrong of ['4', '4 0', '400', '40.']) {
      await user.clear(input);
      await user.type(input, wrong);
      expect(run).toBeDisabled();
    }
    // Spaces around it do not count, in the window as in core (confirmationMatches).
    await user.clear(input);
    await user.type(input, ' 40 ');
    expect(run).toBeEnabled();
    await user.clear(input);
    await user.type(input, '40');
    expect(run).toBeEnabled();
    await user.click(run);
    const sent = bridge.calls.find((c) => c.channel === 'actions:run');
    expect(sent?.arg).toEqual({ planId: 'plan-1', confirmation: '40' });
  });

  it('shows progress and the rate-limit wait, and Cancel sends the run ID', async () => {
    let finish: (r: Result<ActionRunSummary>) => void = () => undefined;
    const { user, bridge } = renderActing({
      'actions:plan': () => ok(guestPlan(3)),
      'actions:run': () => new Promise((resolve) => (finish = resolve)),
      'actions:cancel': () => ok({ cancelled: true }),
    });
    await actOnAllCards(user);
    await user.click(await screen.findByTestId('act-set-role:guest'));
    await user.click(await screen.findByTestId('run-action'));
    const cancel = await screen.findByTestId('cancel-action');
    // No run ID yet: nothing to cancel by name.
    expect(cancel).toBeDisabled();
    // Someone else's run is not this dialog's.
    act(() => bridge.emit('actions:progress', progress({ planId: 'other', runId: 'x', done: 2 })));
    expect(cancel).toBeDisabled();
    act(() => bridge.emit('actions:progress', progress({ phase: 'checking' })));
    expect(screen.getByTestId('action-progress-text')).toHaveTextContent('Checking the users');
    act(() =>
      bridge.emit('actions:progress', progress({ done: 1, latest: result('100', 'applied') })),
    );
    expect(screen.getByRole('progressbar', { name: 'Action progress' })).toHaveAttribute(
      'aria-valuenow',
      '1',
    );
    // The count once, not "1 of 3 done · 1/3".
    expect(screen.getByTestId('action-progress-text').textContent).toBe('1 of 3 done');
    act(() =>
      bridge.emit('actions:progress', progress({ phase: 'waiting', done: 1, waitSeconds: 12 })),
    );
    expect(screen.getByTestId('action-progress-text')).toHaveTextContent(
      "Waiting 12 s for the server's rate limit",
    );
    // A phase whose words carry no count adds it.
    expect(screen.getByTestId('action-progress-text')).toHaveTextContent('1/3');
    // Closing now would hide a run still changing users: the dialog stays.
    await user.keyboard('{Escape}');
    expect(screen.getByTestId('action-dialog')).toBeInTheDocument();

    await user.click(cancel);
    const sent = bridge.calls.filter((c) => c.channel === 'actions:cancel');
    expect(sent.map((c) => c.arg)).toEqual([{ runId: 'run-7' }]);
    expect(cancel).toHaveTextContent('Cancelling…');

    await act(async () =>
      finish(
        ok(
          summaryOf(
            [result('100', 'applied'), result('101', 'cancelled'), result('102', 'cancelled')],
            true,
          ),
        ),
      ),
    );
    const results = await screen.findByTestId('action-results');
    expect(within(results).getByTestId('run-cancelled')).toBeInTheDocument();
    expect(within(results).getByTestId('count-applied')).toHaveTextContent('Applied 1');
    expect(within(results).getByTestId('count-cancelled')).toHaveTextContent('Cancelled 2');
    expect(screen.queryByTestId('retry-failed')).toBeNull();
  });

  it('shows each outcome with its words, and retries the failed as a new plan of them', async () => {
    let plans = 0;
    const { user, bridge } = renderActing({
      'actions:plan': () =>
        ok(plans++ === 0 ? guestPlan(3) : guestPlan(2, { planId: 'plan-2', title: 'Retry' })),
      'actions:run': () =>
        ok(
          summaryOf([
            result('100', 'applied'),
            result('101', 'failed', 'The server refused: user is a bot.'),
            result('102', 'failed', 'Could not reach the server.'),
          ]),
        ),
    });
    await actOnAllCards(user);
    await user.click(await screen.findByTestId('act-set-role:guest'));
    await user.click(await screen.findByTestId('run-action'));
    const results = await screen.findByTestId('action-results');
    expect(within(results).getByTestId('count-applied')).toHaveTextContent('Applied 1');
    expect(within(results).getByTestId('count-failed')).toHaveTextContent('Failed 2');
    const rows = within(results).getAllByTestId('result-row');
    // Failures first: they need the admin.
    expect(rows.map((r) => r.dataset.outcome)).toEqual(['failed', 'failed', 'applied']);
    expect(rows[0]).toHaveTextContent('The server refused: user is a bot.');
    const retry = screen.getByTestId('retry-failed');
    expect(retry).toHaveTextContent('Retry the 2 failed users');
    await user.click(retry);
    const second = planCalls(bridge.calls)[1];
    expect(second).toEqual({
      connectionId: 'acme-zulip',
      action: { kind: 'set-role', role: 'guest' },
      target: { kind: 'users', userIds: ['101', '102'] },
    });
    expect(await screen.findByRole('dialog', { name: 'Retry' })).toBeInTheDocument();
    // The directory is asked again after the run, so the cards show what changed.
    expect(bridge.calls.filter((c) => c.channel === 'users:search').length).toBeGreaterThan(1);
  });

  it('drops the users a delete removed from the selection, and keeps the rest', async () => {
    const { user } = renderActing({
      'actions:plan': () =>
        ok(guestPlan(2, { action: { kind: 'delete' }, title: 'Delete 2 users' })),
      'actions:run': () =>
        ok({
          ...summaryOf([result('1', 'applied'), result('2', 'failed', 'Refused.')]),
          action: { kind: 'delete' as const },
        }),
    });
    await actOnAllCards(user);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('3 selected');
    await user.click(await screen.findByTestId('act-deactivate'));
    await user.click(await screen.findByTestId('run-action'));
    await screen.findByTestId('action-results');
    expect(screen.getByTestId('selection-count')).toHaveTextContent('2 selected');
  });

  it('shows why a plan or a run could not be made, in words', async () => {
    let runs = 0;
    const { user } = renderActing({
      'actions:plan': () =>
        runs === 0
          ? err(rollcallError('OFFLINE', 'Acme Chat cannot be reached.'))
          : ok(guestPlan(3)),
      'actions:run': () => err(rollcallError('FORBIDDEN', 'This key may not change roles.')),
    });
    await actOnAllCards(user);
    await user.click(await screen.findByTestId('act-set-role:guest'));
    const error = await screen.findByTestId('action-error');
    expect(error).toHaveTextContent('Could not prepare this action');
    expect(error).toHaveTextContent('Acme Chat cannot be reached.');
    expect(screen.getByTestId('close-action')).toHaveTextContent('Close');
    await user.click(screen.getByTestId('close-action'));
    await waitFor(() => expect(screen.queryByTestId('action-dialog')).toBeNull());

    runs = 1;
    await user.click(screen.getByTestId('act-on-selection'));
    await user.click(await screen.findByTestId('act-set-role:guest'));
    await user.click(await screen.findByTestId('run-action'));
    const runError = await screen.findByTestId('action-error');
    expect(runError).toHaveTextContent('Could not run it');
    expect(runError).toHaveTextContent('This key may not change roles.');
    // Back on the preview, which can be run again.
    expect(screen.getByTestId('action-preview')).toBeInTheDocument();
  });
});
