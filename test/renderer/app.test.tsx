import { render, screen } from '@testing-library/react';
import { App } from '@renderer/App';
import { installFakeBridge } from './fake-bridge';

describe('App', () => {
  it('shows the version and data folder from app:info', async () => {
    installFakeBridge({
      'app:info': () => ({
        ok: true,
        value: {
          name: 'Rollcall',
          version: '9.8.7',
          userDataDir: '/home/admin/.config/Rollcall',
          platform: 'linux',
          keychain: { state: 'available', message: null },
          database: null,
          counts: { connections: 0, users: 0, avatars: 0 },
        },
      }),
    });
    render(<App />);
    expect(await screen.findByTestId('app-version')).toHaveTextContent('9.8.7');
    expect(screen.getByTestId('data-folder')).toHaveTextContent('/home/admin/.config/Rollcall');
  });

  it('shows the error in words when app:info fails', async () => {
    installFakeBridge({});
    render(<App />);
    expect(await screen.findByRole('alert')).toHaveTextContent('not available yet');
  });
});
