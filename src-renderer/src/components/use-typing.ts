/**
 * Whether the admin is typing: the text changed less than `quietMs` ago.
 * The grid draws lighter cards and the table lighter rows meanwhile, so
 * each keystroke's answer costs its frame less.
 *
 * Runs in the window.
 */
import { useEffect, useState } from 'react';
import { useDirectory } from '../stores/directory-store';

/** How long after the last change of the searched text it still counts as typing. */
const TYPING_QUIET_MS = 300;

/**
 * True from the render that sees a new `text` until `quietMs` pass without
 * another change (every change restarts the wait). Comparing the text with
 * the last settled one instead would miss a word typed and then cleared:
 * back to the settled text, the clear would draw full cards in its own
 * keystroke.
 */
export function useTyping(text: string, quietMs: number): boolean {
  const [seen, setSeen] = useState(text);
  const [typing, setTyping] = useState(false);
  // A new text: typing from this render on (React re-renders at once, before committing).
  if (seen !== text) {
    setSeen(text);
    setTyping(true);
  }
  useEffect(() => {
    if (!typing) return;
    const timer = setTimeout(() => setTyping(false), quietMs);
    return () => clearTimeout(timer);
  }, [typing, seen, quietMs]);
  return typing;
}

/**
 * Whether the admin is typing into the search box (other filters do not
 * count): what the grid's and the table's lighter drawing both follow.
 */
export function useSearchTyping(): boolean {
  return useTyping(
    useDirectory((s) => s.filters.text),
    TYPING_QUIET_MS,
  );
}
