/**
 * One user as a card in the grid: picture, name, status emoji, email, role,
 * bot type and owner, presence, local time, and up to two lines of what
 * matters most (status, bot owner, groups, summary profile fields). Fixed
 * height, so the virtualized grid can place it without measuring. While
 * the admin types, the grid asks for the head only (`lite`): picture, name
 * and email, so each keystroke's answer is drawn in a frame.
 *
 * Runs in the window.
 */
import { Bot, Check, Clock3, Users } from 'lucide-react';
import { forwardRef, memo, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import type { UserSummary } from '@shared/model';
import { hasModKey } from '../lib/keys';
import { presenceOf, type PresenceView } from '../lib/presence';
import { CUT_TITLE, wasCut } from '../lib/profile';
import { clickEndedSelectionIn } from '../lib/text-selection';
import {
  absoluteDate,
  absoluteDateTime,
  calendarDate,
  relativeTime,
  userLocalTime,
} from '../lib/time';
import { useClock } from '../stores/clock-store';
import { Avatar } from './Avatar';
import { Badge, BotBadge, GoneBadge, KindIcon, RoleBadge } from './Badges';

/** Height of a card in pixels (the grid's rows are this plus the gap). */
export const CARD_HEIGHT = 164;

interface UserCardProps {
  user: UserSummary;
  /** Shows which kind of server the user is on (when several are listed). */
  showKind: boolean;
  connectionLabel?: string;
  /**
   * The handlers get the card's `index` back, so the grid can pass the same
   * functions to every card and a card re-renders only when its own props change.
   */
  onOpen: (user: UserSummary, index: number) => void;
  /**
   * Selection without opening: ctrl/cmd-click and Space toggle, shift-click
   * extends a range. Without it, those open the card like a plain click.
   */
  onPick?: (user: UserSummary, index: number, how: 'toggle' | 'range') => void;
  tabIndex?: number;
  onFocus?: (index: number) => void;
  onKeyDown?: (e: KeyboardEvent<HTMLDivElement>, index: number) => void;
  colIndex?: number;
  index?: number;
  /** In the selection: a check mark and `aria-selected`. */
  selected?: boolean;
  /** Shown in the detail panel. */
  open?: boolean;
  /** While typing: the head only (picture, name, email). */
  lite?: boolean;
}

/** Lines under the badges, most telling first. */
function detailLines(
  user: UserSummary,
): { key: string; icon?: 'bot' | 'groups'; label?: string; text: string }[] {
  const lines: { key: string; icon?: 'bot' | 'groups'; label?: string; text: string }[] = [];
  if (user.isBot) {
    lines.push({
      key: 'owner',
      icon: 'bot',
      label: 'Owner',
      text: user.botOwnerName ?? (user.botOwnerId ? `User ${user.botOwnerId}` : 'No owner'),
    });
  }
  if (user.status && (user.status.message || user.status.emoji)) {
    lines.push({
      key: 'status',
      text: [user.status.emoji, user.status.message].filter(Boolean).join(' '),
    });
  }
  if (user.groups.length > 0) {
    lines.push({ key: 'groups', icon: 'groups', label: 'Groups', text: user.groups.join(', ') });
  }
  for (const f of user.summaryFields) {
    const text = f.type === 'date' ? calendarDate(f.text) : f.text;
    lines.push({ key: `f-${f.name}`, label: f.name, text });
  }
  return lines.slice(0, 2);
}

/**
 * The presence line: "Active now", "Last active ...". Deactivated and gone
 * users already carry a badge, so their line says when they were last seen;
 * bots without presence say when they were added.
 */
function metaLabel(user: UserSummary, presence: PresenceView, now: number): ReactNode {
  if (user.isBot && presence.tone === 'unknown') {
    return (
      <span className="muted">
        {user.joinedAt !== null ? `Added ${absoluteDate(user.joinedAt)}` : 'Bot account'}
      </span>
    );
  }
  const ended = presence.tone === 'deactivated' || presence.tone === 'gone';
  const text = ended
    ? presence.lastActiveAt !== null
      ? `Last active ${relativeTime(presence.lastActiveAt, now)}`
      : 'Never active'
    : presence.label;
  return (
    <span
      className={`presence-text presence-${ended ? 'away' : presence.tone}`}
      // The whole text, since a narrow card cuts it, and the exact date.
      title={presence.lastActiveAt ? `${text} (${absoluteDateTime(presence.lastActiveAt)})` : text}
    >
      <span className="ellipsis">{text}</span>
    </span>
  );
}

/**
 * A user card; activates on click, Enter or Space. Memoized: a keystroke
 * re-renders the grid, and cards whose user and state did not change must
 * cost nothing then.
 */
export const UserCard = memo(
  forwardRef<HTMLDivElement, UserCardProps>(function UserCard(
    {
      user,
      showKind,
      connectionLabel,
      onOpen,
      tabIndex = -1,
      onFocus,
      onKeyDown,
      colIndex,
      index,
      selected,
      open,
      onPick,
      lite,
    },
    ref,
  ) {
    const now = useClock((s) => s.now);
    const presence = presenceOf(user, now);
    const clock = lite ? null : userLocalTime(user, now);
    const lines = lite ? [] : detailLines(user);
    const dim = user.deactivated || user.gone;

    const onClick = (e: MouseEvent<HTMLDivElement>): void => {
      if (onPick && (e.shiftKey || hasModKey(e))) {
        e.preventDefault();
        onPick(user, index ?? 0, e.shiftKey ? 'range' : 'toggle');
        return;
      }
      // Selecting text inside a card must not open it.
      if (clickEndedSelectionIn(e, e.currentTarget)) return;
      e.preventDefault();
      onOpen(user, index ?? 0);
    };

    return (
      <div
        ref={ref}
        role="gridcell"
        aria-colindex={colIndex}
        aria-selected={selected ?? false}
        tabIndex={tabIndex}
        className={`card${dim ? ' is-dim' : ''}${selected ? ' is-selected' : ''}${open ? ' is-open' : ''}`}
        data-testid="user-card"
        data-user-id={user.userId}
        data-connection-id={user.connectionId}
        data-index={index}
        onClick={onClick}
        onMouseDown={(e) => {
          // Shift-click selects a range of cards, not the text between them.
          if (onPick && e.shiftKey) e.preventDefault();
        }}
        onFocus={onFocus ? () => onFocus(index ?? 0) : undefined}
        onKeyDown={(e) => {
          if (e.key === ' ' && onPick) {
            e.preventDefault();
            onPick(user, index ?? 0, 'toggle');
            return;
          }
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onOpen(user, index ?? 0);
            return;
          }
          onKeyDown?.(e, index ?? 0);
        }}
      >
        <div className="card-head">
          <Avatar
            connectionId={user.connectionId}
            userId={user.userId}
            avatarKey={user.avatarKey}
            name={user.name}
            size={40}
            presence={presence.tone}
          />
          <div className="card-title">
            <div
              className="card-name"
              title={wasCut(user, 'name') ? `${user.name}\n${CUT_TITLE}` : user.name}
            >
              {/* <bdi>: a right-to-left name, or one carrying direction overrides, cannot reorder what follows it. */}
              <bdi className="card-name-text">{user.name}</bdi>
              {user.status?.emoji && (
                <span className="status-emoji" title={user.status.message ?? undefined}>
                  {user.status.emoji}
                </span>
              )}
            </div>
            <div
              className="card-email"
              title={
                user.email && wasCut(user, 'email')
                  ? `${user.email}\n${CUT_TITLE}`
                  : (user.email ?? undefined)
              }
            >
              {user.email ? <bdi>{user.email}</bdi> : <span className="muted">No email shown</span>}
            </div>
          </div>
          {selected && (
            // aria-selected says it to screen readers; the mark says it without colour.
            <span className="card-check" aria-hidden="true" data-testid="card-check">
              <Check size={12} />
            </span>
          )}
          {showKind && (
            <span className="card-kind" title={connectionLabel}>
              <KindIcon kind={user.kind} size={12} />
            </span>
          )}
        </div>
        {!lite && (
          <>
            <div className="card-badges">
              {!(user.isBot && user.role === 'member') && <RoleBadge role={user.role} />}
              {user.gone ? (
                <GoneBadge />
              ) : (
                user.deactivated && <Badge tone="danger">Deactivated</Badge>
              )}
              {user.isBot && <BotBadge label={user.botTypeLabel} />}
            </div>
            <div className="card-meta">
              <span className="presence-slot">{metaLabel(user, presence, now)}</span>
              {clock && (
                <span className="card-clock" title={`${clock.zone} (${clock.offset})`}>
                  <Clock3 size={12} aria-hidden="true" />
                  {clock.time}
                  <span className="visually-hidden"> local time</span>
                </span>
              )}
            </div>
            <div className="card-lines">
              {lines.map((l) => (
                <div
                  className="card-line"
                  key={l.key}
                  title={l.label ? `${l.label}: ${l.text}` : l.text}
                >
                  {l.icon === 'bot' && <Bot size={12} aria-hidden="true" />}
                  {l.icon === 'groups' && <Users size={12} aria-hidden="true" />}
                  {l.label && <span className="card-line-label">{l.label}</span>}
                  <span className="card-line-text">{l.text}</span>
                </div>
              ))}
            </div>
          </>
        )}
      </div>
    );
  }),
);
