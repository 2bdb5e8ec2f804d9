/**
 * The window's theme: the system's (prefers-color-scheme), or light or
 * dark whatever the system says. The choice is remembered in the window's
 * localStorage (UI state only, never anything secret) and applied as
 * `data-theme` on <html>, which the stylesheet's dark tokens key on.
 *
 * Runs in the window.
 */
import { create } from 'zustand';

/** What the admin chose. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'rollcall.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function isChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

/** The remembered choice; "system" when none, or when storage cannot be read. */
function readChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(KEY);
    return isChoice(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}

function systemIsDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(DARK_QUERY).matches;
}

/** Sets <html data-theme> to what `choice` means right now. */
function apply(choice: ThemeChoice): void {
  const dark = choice === 'dark' || (choice === 'system' && systemIsDark());
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

interface ThemeState {
  choice: ThemeChoice;
  setChoice(choice: ThemeChoice): void;
}

/** The theme choice; setting it applies and remembers it. */
export const useTheme = create<ThemeState>()((set) => ({
  choice: 'system',
  setChoice(choice) {
    try {
      window.localStorage.setItem(KEY, choice);
    } catch {
      // Not remembered, still applied.
    }
    apply(choice);
    set({ choice });
  },
}));

/**
 * Applies the remembered theme before the first paint, and follows the
 * system's changes while the choice is "system".
 */
export function startTheme(): void {
  const choice = readChoice();
  useTheme.setState({ choice });
  apply(choice);
  if (typeof window.matchMedia === 'function') {
    window
      .matchMedia(DARK_QUERY)
      .addEventListener('change', () => apply(useTheme.getState().choice));
  }
}
