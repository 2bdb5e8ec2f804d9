// The theme choice: system, light or dark, applied as <html data-theme>
// (the stylesheet's dark tokens key on it) and remembered across restarts.
import { act, screen, within } from '@testing-library/react';
import { startTheme, useTheme } from '@renderer/lib/theme';
import { findCard, renderApp } from './harness';
import { cardVariants } from './fixtures';

function fakeSystem(dark: boolean): { flip(next: boolean): void } {
  let listener: (() => void) | null = null;
  let matches = dark;
  window.matchMedia = ((query: string) => ({
    get matches() {
      return query.includes('dark') ? matches : !matches;
    },
    addEventListener: (_: string, l: () => void) => (listener = l),
    removeEventListener: () => {},
  })) as unknown as typeof window.matchMedia;
  return {
    flip(next) {
      matches = next;
      listener?.();
    },
  };
}

describe('the theme choice', () => {
  afterEach(() => {
    window.localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it('follows the system until chosen, then keeps the choice', () => {
    const system = fakeSystem(true);
    startTheme();
    expect(useTheme.getState().choice).toBe('system');
    expect(document.documentElement.dataset.theme).toBe('dark');
    system.flip(false);
    expect(document.documentElement.dataset.theme).toBe('light');
    act(() => useTheme.getState().setChoice('dark'));
    system.flip(false);
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('is remembered: the next start applies it before the window renders', () => {
    fakeSystem(false);
    act(() => useTheme.getState().setChoice('dark'));
    delete document.documentElement.dataset.theme;
    useTheme.setState({ choice: 'system' });
    startTheme();
    expect(useTheme.getState().choice).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('ignores a remembered value it does not know', () => {
    fakeSystem(false);
    window.localStorage.setItem('rollcall.theme', 'neon');
    startTheme();
    expect(useTheme.getState().choice).toBe('system');
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('is chosen in the About popover', async () => {
    fakeSystem(false);
    startTheme();
    const { user } = renderApp({ records: Object.values(cardVariants()) });
    await findCard('8');
    await user.click(screen.getByTestId('about-button'));
    const group = await screen.findByRole('radiogroup', { name: 'Theme' });
    await user.click(within(group).getByTestId('theme-dark'));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(window.localStorage.getItem('rollcall.theme')).toBe('dark');
  });
});
