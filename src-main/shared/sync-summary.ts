/**
 * What a finished sync says about the members it skipped because they
 * could not be read: one sentence, the same in core's last progress
 * message and in the window's sync summary.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */
import type { SyncSummary } from './model';

/** "3 users could not be read (first: its user_id -5 is …)."; null when none were skipped. */
export function unreadableText(
  summary: Pick<SyncSummary, 'unreadable' | 'unreadableReason'>,
): string | null {
  const n = summary.unreadable;
  if (n <= 0) return null;
  const who = n === 1 ? '1 user' : `${n.toLocaleString('en-US')} users`;
  const reason = summary.unreadableReason?.slice(0, 300);
  return `${who} could not be read${reason ? ` (${n === 1 ? '' : 'first: '}${reason})` : ''}; the rest were synced.`;
}
