/**
 * The table view's columns: what each shows for a user, its header, its
 * width, and the search sort key a click on its header sets (only the keys
 * the search can sort by). Custom profile fields that the organization puts
 * in the profile summary become optional columns, one per field name.
 *
 * Runs in the window.
 */
import type { ReactNode } from 'react';
import { ROLE_LABELS, type SortKey, type UserSummary } from '@shared/model';
import { CUT_TITLE, wasCut } from '../lib/profile';
import { absoluteDate, absoluteDateTime, calendarDate, relativeTime } from '../lib/time';
import { Avatar } from './Avatar';
import { KindIcon, RoleBadge } from './Badges';

/** What a cell needs besides the user. */
interface CellContext {
  now: number;
  connectionLabel: string | undefined;
}

/** One column of the table. */
export interface TableColumn {
  id: string;
  label: string;
  /**
   * Width before the admin drags it: columns not dragged share the table's
   * width in these proportions, down to `minWidth` each, and only then
   * does the table scroll sideways.
   */
  width: number;
  /** Narrowest a column not dragged gets before the table scrolls sideways. */
  minWidth: number;
  /** The search sort its header sets; none: not sortable. */
  sortKey?: Exclude<SortKey, 'relevance'>;
  /** Always shown (the name says whose row it is). */
  fixed?: boolean;
  /** Shown until the admin hides it. */
  shownByDefault: boolean;
  cell(user: UserSummary, ctx: CellContext): ReactNode;
}

/** Prefix of a custom profile field's column id. */
const FIELD_PREFIX = 'field:';
/** Most custom-field columns offered, whatever the results carry. */
const MAX_FIELD_COLUMNS = 12;

/**
 * A cell's text, cut with an ellipsis and whole in its title (`title` when
 * it says more, such as the cut note), with `detail` after it (the exact date).
 */
function Text({
  text,
  title,
  detail,
  muted,
}: {
  text: string;
  title?: string;
  detail?: string;
  muted?: boolean;
}) {
  const whole = title ?? text;
  return (
    <span
      className={muted ? 'cell-text muted' : 'cell-text'}
      title={detail ? `${whole} (${detail})` : whole}
    >
      <bdi>{text}</bdi>
    </span>
  );
}

/** Active, deactivated, gone, or a bot (in one of those states). */
function stateText(user: UserSummary): string {
  const base = user.gone ? 'Gone' : user.deactivated ? 'Deactivated' : 'Active';
  if (!user.isBot) return base;
  return base === 'Active' ? 'Bot' : `${base} bot`;
}

/** The built-in columns, in their default order. */
const BASE_COLUMNS: readonly TableColumn[] = [
  {
    id: 'name',
    label: 'Name',
    width: 180,
    minWidth: 140,
    sortKey: 'name',
    fixed: true,
    shownByDefault: true,
    cell: (user) => (
      <span className="cell-name">
        <Avatar
          connectionId={user.connectionId}
          userId={user.userId}
          avatarKey={user.avatarKey}
          name={user.name}
          size={18}
        />
        <Text
          text={user.name}
          title={wasCut(user, 'name') ? `${user.name}\n${CUT_TITLE}` : user.name}
        />
      </span>
    ),
  },
  {
    id: 'email',
    label: 'Email',
    width: 230,
    minWidth: 170,
    shownByDefault: true,
    cell: (user) =>
      user.email ? (
        <Text
          text={user.email}
          title={wasCut(user, 'email') ? `${user.email}\n${CUT_TITLE}` : user.email}
        />
      ) : (
        <Text text="No email shown" muted />
      ),
  },
  {
    id: 'role',
    label: 'Role',
    width: 124,
    minWidth: 116,
    sortKey: 'role',
    shownByDefault: true,
    cell: (user) => (
      // A narrowed column cuts the badge: the title keeps the role readable.
      <span className="cell-badge" title={ROLE_LABELS[user.role]}>
        <RoleBadge role={user.role} />
      </span>
    ),
  },
  {
    id: 'state',
    label: 'State',
    width: 92,
    minWidth: 80,
    shownByDefault: true,
    cell: (user) => {
      const text = stateText(user);
      const tone = user.gone || user.deactivated ? 'state-off' : user.isBot ? 'state-bot' : '';
      return (
        <span className={`cell-state ${tone}`} title={user.botTypeLabel ?? text}>
          {text}
        </span>
      );
    },
  },
  {
    id: 'lastActive',
    label: 'Last active',
    width: 132,
    minWidth: 122,
    sortKey: 'lastActive',
    shownByDefault: true,
    cell: (user, { now }) => {
      const at = user.presence?.lastActiveAt ?? null;
      if (at === null) return <Text text="Never" muted />;
      return <Text text={relativeTime(at, now)} detail={absoluteDateTime(at)} />;
    },
  },
  {
    id: 'joined',
    label: 'Joined',
    width: 110,
    minWidth: 108,
    sortKey: 'joined',
    shownByDefault: true,
    cell: (user) =>
      user.joinedAt === null ? (
        <Text text="Unknown" muted />
      ) : (
        <Text text={absoluteDate(user.joinedAt)} detail={absoluteDateTime(user.joinedAt)} />
      ),
  },
  {
    id: 'groups',
    label: 'Groups',
    width: 140,
    minWidth: 100,
    shownByDefault: true,
    cell: (user) =>
      user.groups.length === 0 ? (
        <Text text="None" muted />
      ) : (
        <Text text={user.groups.join(', ')} />
      ),
  },
  {
    id: 'connection',
    label: 'Connection',
    width: 130,
    minWidth: 100,
    shownByDefault: true,
    cell: (user, { connectionLabel }) => (
      <span className="cell-name">
        <KindIcon kind={user.kind} size={12} />
        <Text text={connectionLabel ?? user.connectionId} />
      </span>
    ),
  },
];

/** A column for one custom profile field: hidden until chosen. */
function fieldColumn(name: string): TableColumn {
  return {
    id: FIELD_PREFIX + name,
    label: name,
    width: 160,
    minWidth: 110,
    shownByDefault: false,
    cell: (user) => {
      const field = user.summaryFields.find((f) => f.name === name);
      if (!field) return null;
      return <Text text={field.type === 'date' ? calendarDate(field.text) : field.text} />;
    },
  };
}

/**
 * Every column the results allow: the built-ins, then one per custom field
 * name found on the loaded users (first seen first, at most a dozen), plus
 * any field the admin chose earlier, so it stays until they hide it.
 */
export function availableColumns(
  users: Iterable<UserSummary>,
  chosen: readonly string[],
): TableColumn[] {
  const names = new Set<string>();
  for (const id of chosen) {
    if (id.startsWith(FIELD_PREFIX)) names.add(id.slice(FIELD_PREFIX.length));
  }
  for (const user of users) {
    for (const f of user.summaryFields) {
      if (names.size >= MAX_FIELD_COLUMNS) break;
      names.add(f.name);
    }
  }
  return [...BASE_COLUMNS, ...[...names].slice(0, MAX_FIELD_COLUMNS).map(fieldColumn)];
}
