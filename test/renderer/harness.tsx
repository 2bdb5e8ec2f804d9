/**
 * Renders the whole window over the fake bridge with fixture answers: the
 * usual start of a component test that needs the directory on screen.
 */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '@renderer/App';
import { ok } from '@shared/errors';
import type { AppInfo, ConnectionSummary, UserRecord } from '@shared/model';
import { installFakeBridge, type Answers } from './fake-bridge';
import { FixtureDirectory, connection, directoryAnswers, owuiConnection } from './fixtures';

/** What `app:info` answers in tests. */
export function appInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  return {
    name: 'Rollcall',
    version: '9.8.7',
    userDataDir: '/home/admin/.config/Rollcall',
    platform: 'linux',
    keychain: { state: 'available', message: null },
    database: null,
    counts: { connections: 0, users: 0, avatars: 0 },
    ...overrides,
  };
}

/** What `renderApp` puts behind the window. */
export interface RenderOptions {
  records?: UserRecord[];
  connections?: ConnectionSummary[];
  answers?: Answers;
}

/** Renders <App/> with a directory of `records` behind `connections`. */
export function renderApp(options: RenderOptions = {}) {
  const dir = new FixtureDirectory(options.records ?? []);
  let list = options.connections ?? [connection(), owuiConnection()];
  const bridge = installFakeBridge({
    'app:info': () => ok(appInfo()),
    ...directoryAnswers(dir, () => list),
    ...options.answers,
  });
  const user = userEvent.setup();
  const view = render(<App />);
  return {
    ...view,
    bridge,
    dir,
    user,
    setConnections(next: ConnectionSummary[]) {
      list = next;
    },
  };
}

/** Every card in the grid, once the first results arrived. */
export async function findCards(): Promise<HTMLElement[]> {
  const grid = await screen.findByRole('grid', { name: 'Users' });
  await within(grid).findAllByTestId('user-card');
  return within(grid).getAllByTestId('user-card');
}

/** The card of one user. */
export async function findCard(userId: string): Promise<HTMLElement> {
  const cards = await findCards();
  const card = cards.find((c) => c.dataset.userId === userId);
  if (!card)
    throw new Error(`no card for ${userId}; have ${cards.map((c) => c.dataset.userId).join(',')}`);
  return card;
}
