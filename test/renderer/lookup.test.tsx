// Look up by ID: the happy path and every error state, in words with the server text.
import { screen, within } from '@testing-library/react';
import { err, ok, rollcallError, type RollcallError } from '@shared/errors';
import { contract } from '@shared/contract';
import { findCard, renderApp } from './harness';
import { cardVariants, lookupResult } from './fixtures';

const v = cardVariants();

async function lookUp(error: RollcallError, ref = '9999') {
  const view = renderApp({
    records: Object.values(v),
    answers: { 'users:lookup': () => err(error) },
  });
  await findCard('8');
  await view.user.type(screen.getByTestId('lookup-input'), `${ref}{Enter}`);
  const alert = await screen.findByTestId('lookup-error');
  return { ...view, alert };
}

describe('look up by ID', () => {
  it('fetches on Enter for the chosen connection and opens the card', async () => {
    const { user, bridge } = renderApp({
      records: Object.values(v),
      answers: { 'users:lookup': () => ok(lookupResult(v.owuiAdmin)) },
    });
    await findCard('8');
    await user.selectOptions(
      screen.getByRole('combobox', { name: 'Connection to look up in' }),
      'Research Lab AI',
    );
    const input = screen.getByTestId('lookup-input');
    expect(input).toHaveAttribute('placeholder', 'Look up by id or email');
    await user.type(input, `  ${v.owuiAdmin.user.userId} {Enter}`);
    const panel = await screen.findByTestId('detail-panel');
    expect(within(panel).getByRole('heading', { level: 2 })).toHaveTextContent('Alex Admin');
    const call = bridge.calls.find((c) => c.channel === 'users:lookup')!;
    expect(contract['users:lookup'].arg.parse(call.arg)).toEqual({
      connectionId: 'lab-openwebui',
      ref: v.owuiAdmin.user.userId,
      waitForNetwork: false,
    });
  });

  it('accepts the shared-{chat_id} form and reports what the server answered', async () => {
    const { alert, bridge } = await lookUp(
      rollcallError('NOT_FOUND', 'The server has no such user.', {
        status: 400,
        serverMessage: "We could not find what you're looking for :/",
      }),
      'shared-3f2a9c',
    );
    expect(alert).toHaveTextContent('No user “shared-3f2a9c” on Acme Chat');
    expect(alert).toHaveTextContent(
      "The server said (HTTP 400): We could not find what you're looking for :/",
    );
    expect(bridge.calls.filter((c) => c.channel === 'users:lookup')).toHaveLength(1);
  });

  it('not found, with the server text', async () => {
    const { alert } = await lookUp(
      rollcallError('NOT_FOUND', 'The server has no such user.', {
        status: 400,
        serverMessage: 'No such user',
      }),
    );
    expect(alert).toHaveAttribute('role', 'alert');
    expect(alert).toHaveTextContent('No user “9999” on Acme Chat');
    expect(alert).toHaveTextContent('No such user');
  });

  it('no permission', async () => {
    const { alert } = await lookUp(
      rollcallError('FORBIDDEN', 'The server refused: this account lacks the permission needed.', {
        status: 401,
        serverMessage:
          'You do not have permission to access this resource. Please contact your administrator for assistance.',
      }),
    );
    expect(alert).toHaveTextContent('Acme Chat does not let this key see “9999”');
    expect(alert).toHaveTextContent('lacks the permission needed');
    expect(alert).toHaveTextContent('Please contact your administrator');
  });

  it('rate limited, with the wait counting down', async () => {
    const { alert } = await lookUp(
      rollcallError('RATE_LIMITED', 'The server is rate limiting requests. Try again shortly.', {
        status: 429,
        retryAfterSeconds: 28.7,
        serverMessage: 'API usage exceeded rate limit',
      }),
    );
    expect(alert).toHaveTextContent('Acme Chat is rate limiting requests');
    expect(within(alert).getByTestId('retry-wait')).toHaveTextContent(
      /You can try again in 2[89] s\./,
    );
    expect(alert).toHaveTextContent('API usage exceeded rate limit');
    // The wait is said once: the countdown, not also "Try again shortly".
    expect(alert).toHaveTextContent('The server is rate limiting requests.');
    expect(alert).not.toHaveTextContent(/shortly/i);
  });

  it('the lookup error sits in the toolbar flow, not over the filters', async () => {
    const { alert } = await lookUp(rollcallError('NOT_FOUND', 'No user 9999.'));
    // A sibling of the search form, not a popover inside it.
    expect(alert.closest('form')).toBeNull();
    expect(alert.closest('.lookup-error')).not.toBeNull();
  });

  it('not an API URL', async () => {
    const { alert } = await lookUp(
      rollcallError(
        'NOT_AN_API',
        'That URL answered with a web page, not the API. Check the server URL.',
        {
          status: 200,
          url: 'https://chat.acme.example/api/users/9999',
        },
      ),
    );
    expect(alert).toHaveTextContent("Acme Chat's URL is not its API");
    expect(alert).toHaveTextContent('answered with a web page');
  });

  it('offline with nothing cached', async () => {
    const { alert } = await lookUp(rollcallError('OFFLINE'));
    expect(alert).toHaveTextContent('Acme Chat cannot be reached, and “9999” is not in the cache');
  });

  it('key rejected', async () => {
    const { alert } = await lookUp(
      rollcallError('UNAUTHORIZED', undefined, { status: 401, serverMessage: 'Invalid API key' }),
    );
    expect(alert).toHaveTextContent('Acme Chat rejected the API key');
    expect(alert).toHaveTextContent('Invalid API key');
  });

  it('offline but cached: the card opens with "showing the copy from 3 days ago"', async () => {
    const cached = { ...v.zulipGuest, fetchedAt: Date.now() - 3 * 86_400_000 };
    const { user } = renderApp({
      records: Object.values(v),
      answers: {
        'users:lookup': () =>
          ok(
            lookupResult(cached, {
              source: 'cache',
              stale: rollcallError('OFFLINE'),
              refreshing: false,
            }),
          ),
      },
    });
    await findCard('8');
    await user.type(screen.getByTestId('lookup-input'), '31{Enter}');
    const notice = await screen.findByTestId('stale-notice');
    expect(notice).toHaveTextContent('Server unreachable: showing the copy from 3 days ago');
    expect(screen.queryByTestId('lookup-error')).not.toBeInTheDocument();
  });

  it('says what to type when the box is empty, without asking the server', async () => {
    const { user, bridge } = renderApp({ records: Object.values(v) });
    await findCard('8');
    await user.type(screen.getByTestId('lookup-input'), '   {Enter}');
    expect(await screen.findByTestId('lookup-error')).toHaveTextContent(
      'Type a Zulip user ID or email.',
    );
    expect(bridge.calls.some((c) => c.channel === 'users:lookup')).toBe(false);
    await user.type(screen.getByTestId('lookup-input'), '8');
    expect(screen.queryByTestId('lookup-error')).not.toBeInTheDocument();
  });
});
