// The root: first screen with app facts, errors in words, the About box once connected.
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '@renderer/App';
import { ok } from '@shared/errors';
import { installFakeBridge } from './fake-bridge';
import {
  cardVariants,
  connection,
  FixtureDirectory,
  directoryAnswers,
  owuiConnection,
} from './fixtures';
import { appInfo } from './harness';

describe('App', () => {
  it('shows the version and data folder from app:info on the first screen', async () => {
    installFakeBridge({
      'app:info': () => ok(appInfo()),
      'connections:list': () => ok([]),
    });
    render(<App />);
    expect(await screen.findByTestId('app-version')).toHaveTextContent('9.8.7');
    expect(screen.getByTestId('data-folder')).toHaveTextContent('/home/admin/.config/Rollcall');
    expect(screen.getByRole('heading', { name: 'Rollcall' })).toBeInTheDocument();
  });

  it('shows each failure in words when nothing is implemented yet', async () => {
    installFakeBridge({});
    render(<App />);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent).join(' ')).toContain('not available yet');
    // The first screen is still there, with its three ways in.
    expect(screen.getByRole('button', { name: /Add a Zulip server/ })).toBeInTheDocument();
  });

  it('keeps the version and data folder reachable from the About box once connected', async () => {
    const dir = new FixtureDirectory(Object.values(cardVariants()));
    installFakeBridge({
      'app:info': () => ok(appInfo()),
      ...directoryAnswers(dir, () => [connection(), owuiConnection()]),
    });
    const user = userEvent.setup();
    render(<App />);
    const about = await screen.findByRole('button', { name: 'About Rollcall' });
    expect(screen.queryByTestId('app-version')).not.toBeInTheDocument();
    await user.click(about);
    expect(screen.getByTestId('app-version')).toHaveTextContent('9.8.7');
    expect(screen.getByTestId('data-folder')).toHaveTextContent('/home/admin/.config/Rollcall');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('app-version')).not.toBeInTheDocument());
    expect(about).toHaveFocus();
  });
});
