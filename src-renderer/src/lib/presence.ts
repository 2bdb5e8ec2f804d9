/**
 * Presence in words: "Active now", "Idle", "Last active 5 minutes ago",
 * "Deactivated", "No longer on the server". Each kind of server has its own
 * idea of "now": Zulip's clients ping every 60 s and count 140 s as active;
 * Open WebUI counts 3 minutes since `last_active_at`.
 *
 * Runs in the window (pure functions).
 */
import type { ConnectionKind, Presence } from '@shared/model';
import { relativeTime } from './time';

/** How long after the last ping each kind still counts someone as active. */
const ACTIVE_WINDOW_MS: Record<ConnectionKind, number> = {
  zulip: 140_000,
  openwebui: 180_000,
};

/** The state a presence dot and label show. */
export type PresenceTone = 'active' | 'idle' | 'away' | 'unknown' | 'deactivated' | 'gone';

/** What presence shows: tone for the dot, words, and the time for a tooltip. */
export interface PresenceView {
  tone: PresenceTone;
  label: string;
  /** When they were last seen, for a tooltip with the absolute time. */
  lastActiveAt: number | null;
}

/** What a card and the detail panel say about whether someone is around. */
export function presenceOf(
  user: {
    kind: ConnectionKind;
    presence: Presence | null;
    deactivated: boolean;
    gone: boolean;
  },
  now: number = Date.now(),
): PresenceView {
  const lastActiveAt = user.presence?.lastActiveAt ?? null;
  if (user.gone) return { tone: 'gone', label: 'No longer on the server', lastActiveAt };
  if (user.deactivated) return { tone: 'deactivated', label: 'Deactivated', lastActiveAt };
  if (lastActiveAt === null)
    return { tone: 'unknown', label: 'No activity recorded', lastActiveAt };
  const age = now - lastActiveAt;
  if (age <= ACTIVE_WINDOW_MS[user.kind]) {
    if (user.kind === 'zulip' && user.presence?.idle) {
      return { tone: 'idle', label: 'Idle', lastActiveAt };
    }
    return { tone: 'active', label: 'Active now', lastActiveAt };
  }
  return { tone: 'away', label: `Last active ${relativeTime(lastActiveAt, now)}`, lastActiveAt };
}
