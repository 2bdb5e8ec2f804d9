/**
 * A connection's state in words for the sidebar and banners: online,
 * offline since when, key rejected, not checked yet, syncing.
 *
 * Runs in the window (pure functions).
 */
import type { ConnectionSummary } from '@shared/model';
import { relativeTime, relativeTimeShort, sinceText } from './time';

/** The colour family of a connection's state dot. */
type ConnectionTone = 'online' | 'offline' | 'unauthorized' | 'unknown' | 'syncing';

/** A connection's state: its tone and the words for it. */
export interface ConnectionStateView {
  tone: ConnectionTone;
  label: string;
}

/** The state line of a connection. */
export function connectionState(
  c: ConnectionSummary,
  syncing: boolean,
  now: number = Date.now(),
): ConnectionStateView {
  if (syncing || c.syncing) return { tone: 'syncing', label: 'Syncing' };
  if (c.demo) return { tone: 'online', label: 'Sample data, offline' };
  const since = c.reachability.since;
  switch (c.reachability.state) {
    case 'online':
      return { tone: 'online', label: 'Online' };
    case 'offline':
      return {
        tone: 'offline',
        label: since !== null ? `Offline since ${sinceText(since, now)}` : 'Offline',
      };
    case 'unauthorized':
      return { tone: 'unauthorized', label: 'Key rejected' };
    default:
      return { tone: 'unknown', label: c.hasSecret ? 'Not checked yet' : 'No API key' };
  }
}

/** "synced 3 minutes ago" or "never synced"; `short` gives "synced 3m ago". */
export function lastSyncText(
  c: ConnectionSummary,
  now: number = Date.now(),
  short = false,
): string {
  if (c.lastSyncAt === null) return 'never synced';
  return `synced ${short ? relativeTimeShort(c.lastSyncAt, now) : relativeTime(c.lastSyncAt, now)}`;
}
