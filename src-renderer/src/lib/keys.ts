/**
 * Keyboard helpers: the platform's command key (Cmd on macOS, Ctrl
 * elsewhere) for shortcuts and their labels.
 *
 * Runs in the window.
 */

/** Whether we run on macOS, where shortcuts use Cmd. */
function isMac(): boolean {
  const platform =
    (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ??
    navigator.platform ??
    '';
  return /mac/i.test(platform);
}

/** The label of the command key: "⌘" or "Ctrl". */
export function modKeyLabel(): string {
  return isMac() ? '⌘' : 'Ctrl';
}

/** Whether an event carries the command modifier (either key counts, so both work everywhere). */
export function hasModKey(event: { ctrlKey: boolean; metaKey: boolean }): boolean {
  return event.ctrlKey || event.metaKey;
}
