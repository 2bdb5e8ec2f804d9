/**
 * Small labelled badges: roles (coloured, always with text, most with an
 * icon), bots, account states, and the kind of server. Colour is never the
 * only signal.
 *
 * Runs in the window.
 */
import { Bot, Clock, Crown, MessagesSquare, Shield, ShieldCheck, Sparkles } from 'lucide-react';
import type { ReactNode } from 'react';
import { CONNECTION_KIND_LABELS, ROLE_LABELS, type ConnectionKind, type Role } from '@shared/model';

const ROLE_ICONS: Partial<Record<Role, ReactNode>> = {
  owner: <Crown size={12} aria-hidden="true" />,
  administrator: <ShieldCheck size={12} aria-hidden="true" />,
  admin: <ShieldCheck size={12} aria-hidden="true" />,
  moderator: <Shield size={12} aria-hidden="true" />,
  pending: <Clock size={12} aria-hidden="true" />,
};

/** A role as a coloured badge with its name. */
export function RoleBadge({ role }: { role: Role }) {
  return (
    <span className={`badge role role-${role}`} data-testid="role-badge">
      {ROLE_ICONS[role]}
      {ROLE_LABELS[role]}
    </span>
  );
}

/** A plain badge: bot type, deactivated, gone, demo. */
export function Badge({
  tone = 'neutral',
  icon,
  children,
  title,
}: {
  tone?: 'neutral' | 'bot' | 'danger' | 'warn' | 'info' | 'ok';
  icon?: ReactNode;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      {icon}
      {children}
    </span>
  );
}

/** The bot badge: its type ("Generic bot"), or just "Bot". */
export function BotBadge({ label }: { label: string | null }) {
  return (
    <Badge tone="bot" icon={<Bot size={12} aria-hidden="true" />}>
      {label ?? 'Bot'}
    </Badge>
  );
}

/** The icon of a kind of server, with its name for screen readers. */
export function KindIcon({
  kind,
  size = 16,
  decorative = false,
}: {
  kind: ConnectionKind;
  size?: number;
  /** The kind's name is already written next to it. */
  decorative?: boolean;
}) {
  const Icon = kind === 'zulip' ? MessagesSquare : Sparkles;
  const label = CONNECTION_KIND_LABELS[kind];
  return (
    <span
      className={`kind-icon kind-${kind}`}
      style={{ width: size + 8, height: size + 8 }}
      {...(decorative
        ? { 'aria-hidden': true }
        : { role: 'img', 'aria-label': label, title: label })}
    >
      <Icon size={size} aria-hidden="true" />
    </span>
  );
}

/** What "Gone" means, on every badge that says it. */
const GONE_HINT = 'The server no longer lists this user; shown from the cache.';

/** The "Gone" badge, with what it means as its tooltip. */
export function GoneBadge() {
  return (
    <Badge tone="danger" title={GONE_HINT}>
      Gone
    </Badge>
  );
}
