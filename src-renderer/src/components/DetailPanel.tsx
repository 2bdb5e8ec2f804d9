/**
 * The detail panel: everything the server returned about one user, grouped
 * and labelled (identity, role, bot, presence and status, local time,
 * dates, groups, custom profile fields by type, about, and whatever else
 * the server sent), a collapsible "Raw JSON" tab, "Refresh from server",
 * "Copy as JSON", and where the copy came from and how old it is.
 *
 * Runs in the window.
 */
import { Braces, Clock3, Copy, History, LoaderCircle, TriangleAlert, X } from 'lucide-react';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import {
  CONNECTION_KIND_LABELS,
  type CutField,
  type DirectoryUser,
  type UserRecord,
  type UserSummary,
} from '@shared/model';
import { summarize } from '@shared/summary';
import { closeDetail } from '../actions/close-detail';
import { copyText } from '../lib/clipboard';
import { ERROR_TITLES } from '../lib/errors';
import { presenceOf } from '../lib/presence';
import {
  CUT_HINT,
  FIELD_TYPE_LABELS,
  ROLE_DESCRIPTIONS,
  flattenExtra,
  wasCut,
} from '../lib/profile';
import { absoluteDateTime, relativeTime, userLocalTime } from '../lib/time';
import { useClock } from '../stores/clock-store';
import { findConnection, useConnections } from '../stores/connections-store';
import { personKey, useDetail } from '../stores/detail-store';
import { useUi } from '../stores/ui-store';
import { Avatar } from './Avatar';
import { Badge, BotBadge, GoneBadge, KindIcon, RoleBadge } from './Badges';
import { DetailActions } from './DetailActions';
import { ErrorNotice } from './ErrorNotice';
import { JsonTree } from './JsonTree';
import { Mono, Row, Section, When } from './DetailRows';
import { ProfileFieldView } from './ProfileFieldView';
import { UserQuickActions } from './UserQuickActions';

/** Characters of a name or email the header shows; the Identity section shows it all. */
const HEADER_TEXT_MAX = 160;

/**
 * Text cut to fit the fixed header: a server can send a name of any length,
 * and an unbounded header pushed the tabs and the profile out of reach.
 */
function headerText(text: string): string {
  const chars = Array.from(text);
  return chars.length > HEADER_TEXT_MAX ? `${chars.slice(0, HEADER_TEXT_MAX - 1).join('')}…` : text;
}

/** The grouped, labelled profile of one user. */
function Profile({
  record,
  summary,
  now,
}: {
  record: UserRecord;
  summary: UserSummary;
  now: number;
}) {
  const user: DirectoryUser = record.user;
  const people = useDetail((s) => s.people);
  const openUser = useDetail((s) => s.openUser);
  const resolvePeople = useDetail((s) => s.resolvePeople);
  const connection = findConnection(
    useConnections((s) => s.list),
    user.connectionId,
  );
  const presence = presenceOf({ ...user, gone: record.goneAt !== null }, now);
  const clock = userLocalTime({ ...user, gone: record.goneAt !== null }, now);
  const ownerId = user.bot?.ownerId ?? null;

  useEffect(() => {
    const ids = new Set<string>();
    if (ownerId) ids.add(ownerId);
    for (const f of user.profileFields) for (const id of f.userIds ?? []) ids.add(id);
    if (ids.size > 0) resolvePeople(user.connectionId, [...ids]);
  }, [user, ownerId, resolvePeople]);

  const fields = [...user.profileFields].sort((a, b) => a.order - b.order);
  /** The hint of a row whose value was cut to its cap (the raw JSON has it whole). */
  const cut = (field: CutField, also?: string): string | undefined =>
    [also, wasCut(user, field) ? CUT_HINT : undefined].filter(Boolean).join(' · ') || undefined;
  const extra = flattenExtra(user.extra);
  const ownerName =
    (ownerId && people.get(personKey(user.connectionId, ownerId))) || summary.botOwnerName || null;

  return (
    <div className="detail-profile">
      {user.status && (user.status.emoji || user.status.message) && (
        <Section title="Status" testId="section-status">
          <Row label="Status">
            <span className="status-line">
              {user.status.emoji && <span className="status-emoji">{user.status.emoji}</span>}
              {user.status.message}
            </span>
          </Row>
          <Row label="Clears">
            {user.status.expiresAt !== null ? (
              <When at={user.status.expiresAt} now={now} />
            ) : (
              'Never'
            )}
          </Row>
        </Section>
      )}

      <Section title="Identity" testId="section-identity">
        <Row label="Name" hint={cut('name')}>
          {user.name}
        </Row>
        <Row label="User ID">
          <Mono>{user.userId}</Mono>
        </Row>
        {user.kind === 'zulip' ? (
          <>
            <Row label="Email" hint={cut('deliveryEmail', 'real address')}>
              {user.deliveryEmail}
            </Row>
            <Row label="API email" hint={cut('email')}>
              {user.email}
            </Row>
          </>
        ) : (
          <>
            <Row label="Email" hint={cut('email')}>
              {user.email}
            </Row>
            <Row label="Username" hint={cut('username')}>
              {user.username}
            </Row>
          </>
        )}
        <Row label="Connection">
          <span className="inline-icon">
            <KindIcon kind={user.kind} size={12} />
            {connection?.label ?? user.connectionId}
            <span className="muted">({CONNECTION_KIND_LABELS[user.kind]})</span>
          </span>
        </Row>
      </Section>

      <Section title="Role and permissions" testId="section-role">
        <Row label="Role">
          <span className="role-row">
            <RoleBadge role={user.role} />
            <span className="muted">{ROLE_DESCRIPTIONS[user.role]}</span>
          </span>
        </Row>
        <Row label="Account">
          {record.goneAt !== null
            ? 'No longer on the server'
            : user.deactivated
              ? 'Deactivated'
              : user.isBot
                ? 'Bot, active'
                : 'Active'}
        </Row>
      </Section>

      {user.isBot && (
        <Section title="Bot" testId="section-bot">
          <Row label="Type">
            <BotBadge label={user.bot?.typeLabel ?? null} />
          </Row>
          <Row label="Owner">
            {ownerId ? (
              <button
                type="button"
                className="person-link"
                onClick={() => void openUser(user.connectionId, ownerId)}
              >
                {ownerName ?? `User ${ownerId}`}
              </button>
            ) : (
              'No owner'
            )}
          </Row>
        </Section>
      )}

      <Section title="Activity and time" testId="section-activity">
        {/* One row: the presence in words, and the exact last-active time beside it. */}
        <Row label="Presence">
          <span>
            <span className={`presence-text presence-${presence.tone}`}>{presence.label}</span>
            {presence.lastActiveAt !== null && (
              <span className="muted">
                {' · '}
                {presence.label.startsWith('Last active') ? '' : 'last active '}
                <time
                  dateTime={new Date(presence.lastActiveAt).toISOString()}
                  title={absoluteDateTime(presence.lastActiveAt)}
                >
                  {absoluteDateTime(presence.lastActiveAt)}
                </time>
              </span>
            )}
          </span>
        </Row>
        {/* Each row gets one child, null when there is nothing, so it says "Not set". */}
        {!user.deactivated && record.goneAt === null && (
          <Row label="Local time">
            {clock ? (
              <span>
                {clock.time}{' '}
                <span className="muted">
                  · {clock.zone} <span className="nowrap">({clock.offset})</span>
                </span>
              </span>
            ) : user.timezone ? (
              <span className="muted">Unknown zone “{user.timezone}”</span>
            ) : null}
          </Row>
        )}
        <Row label="Joined">
          {user.joinedAt !== null ? <When at={user.joinedAt} now={now} /> : null}
        </Row>
        {user.kind === 'openwebui' && (
          <Row label="Updated">
            {user.updatedAt !== null ? <When at={user.updatedAt} now={now} /> : null}
          </Row>
        )}
      </Section>

      {(user.kind === 'openwebui' || user.groups.length > 0) && (
        <section className="detail-section" aria-label="Groups" data-testid="section-groups">
          <h3>Groups{wasCut(user, 'groups') && <span className="kv-hint">{CUT_HINT}</span>}</h3>
          {user.groups.length > 0 ? (
            <ul className="chip-list">
              {user.groups.map((g) => (
                <li key={g.id} className="chip" title={g.id}>
                  {g.name}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">In no group.</p>
          )}
        </section>
      )}

      {fields.length > 0 && (
        <Section title="Profile fields" testId="section-fields">
          {fields.map((f) => (
            <div className="kv-row" key={f.fieldId} data-field-type={f.type}>
              <dt>
                {f.name}
                {FIELD_TYPE_LABELS[f.type].toLowerCase() !== f.name.toLowerCase() && (
                  <span className="kv-hint">{FIELD_TYPE_LABELS[f.type]}</span>
                )}
                {f.cut && <span className="kv-hint">{CUT_HINT}</span>}
              </dt>
              <dd>
                <ProfileFieldView field={f} connectionId={user.connectionId} />
              </dd>
            </div>
          ))}
        </Section>
      )}

      {(user.bio || user.gender || user.dateOfBirth || user.kind === 'openwebui') && (
        <Section title="About" testId="section-about">
          <Row label="Bio" hint={cut('bio')}>
            {user.bio && <span className="pre-wrap">{user.bio}</span>}
          </Row>
          <Row label="Gender" hint={cut('gender')}>
            {user.gender}
          </Row>
          <Row label="Date of birth">{user.dateOfBirth}</Row>
        </Section>
      )}

      {extra.length > 0 && (
        <Section
          title={`More from the server${wasCut(user, 'extra') ? ` (${CUT_HINT})` : ''}`}
          testId="section-extra"
        >
          {extra.map((r) => (
            <Row key={r.path.join('/')} label={r.path.join(' › ')}>
              {r.value === '—' ? (
                <span className="muted">Empty</span>
              ) : (
                <span className="break">{r.value}</span>
              )}
            </Row>
          ))}
        </Section>
      )}
    </div>
  );
}

/** The panel at the window's right edge. */
export function DetailPanel() {
  const target = useDetail((s) => s.target);
  const record = useDetail((s) => s.record);
  const cardSummary = useDetail((s) => s.summary);
  const origin = useDetail((s) => s.origin);
  const loading = useDetail((s) => s.loading);
  const error = useDetail((s) => s.error);
  const refreshing = useDetail((s) => s.refreshing);
  const refreshError = useDetail((s) => s.refreshError);
  const tab = useDetail((s) => s.tab);
  const setTab = useDetail((s) => s.setTab);
  const refresh = useDetail((s) => s.refresh);
  const toast = useUi((s) => s.toast);
  const now = useClock((s) => s.now);
  const [expandAll, setExpandAll] = useState(false);
  const titleId = useId();
  const tabsId = useId();
  const panel = useRef<HTMLElement>(null);

  if (!target) return null;
  const summary: UserSummary | null = record
    ? { ...summarize(record.user, record.goneAt), botOwnerName: cardSummary?.botOwnerName ?? null }
    : cardSummary;
  const presence = summary ? presenceOf(summary, now) : null;
  const clock = summary ? userLocalTime(summary, now) : null;

  const copyJson = async (): Promise<void> => {
    if (!record) return;
    const ok = await copyText(JSON.stringify(record.raw, null, 2));
    toast(
      ok ? 'Copied the JSON the server sent.' : 'Could not copy to the clipboard.',
      ok ? 'info' : 'error',
    );
  };
  const onTabKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const next = tab === 'profile' ? 'raw' : 'profile';
    setTab(next);
    panel.current?.querySelector<HTMLElement>(`[data-tab="${next}"]`)?.focus();
  };

  return (
    <aside
      ref={panel}
      className="detail"
      aria-labelledby={titleId}
      data-testid="detail-panel"
      data-user-id={target.userId}
    >
      <header className="detail-header">
        {summary ? (
          <>
            <Avatar
              connectionId={summary.connectionId}
              userId={summary.userId}
              avatarKey={summary.avatarKey}
              name={summary.name}
              size={56}
              presence={presence?.tone}
            />
            <div className="detail-title">
              <h2
                id={titleId}
                title={summary.name !== headerText(summary.name) ? summary.name : undefined}
              >
                <bdi>{headerText(summary.name)}</bdi>
                {summary.status?.emoji && (
                  <span className="status-emoji" title={summary.status.message ?? undefined}>
                    {' '}
                    {headerText(summary.status.emoji)}
                  </span>
                )}
              </h2>
              {summary.email && <p className="detail-email">{headerText(summary.email)}</p>}
              <div className="card-badges">
                <RoleBadge role={summary.role} />
                {summary.isBot && <BotBadge label={summary.botTypeLabel} />}
                {summary.gone ? (
                  <GoneBadge />
                ) : (
                  summary.deactivated && <Badge tone="danger">Deactivated</Badge>
                )}
              </div>
              <p className="detail-presence">
                {presence && (
                  <span className={`presence-text presence-${presence.tone}`}>
                    {presence.label}
                  </span>
                )}
                {clock && (
                  <span className="detail-clock" title={`${clock.zone} (${clock.offset})`}>
                    <Clock3 size={12} aria-hidden="true" />
                    {clock.time} local time
                  </span>
                )}
              </p>
            </div>
          </>
        ) : (
          <div className="detail-title">
            <h2 id={titleId}>User {target.userId}</h2>
          </div>
        )}
        <button
          type="button"
          className="icon-button detail-close"
          aria-label="Close details"
          onClick={() => closeDetail()}
        >
          <X size={16} aria-hidden="true" />
        </button>
      </header>

      <DetailActions
        target={target}
        canAct={record !== null}
        refreshing={refreshing}
        onRefresh={() => void refresh()}
        onCopy={() => void copyJson()}
      >
        {record && <UserQuickActions record={record} />}
      </DetailActions>

      {record?.goneAt !== null && record?.goneAt !== undefined && (
        <div className="notice notice-warn" role="status">
          <TriangleAlert size={16} aria-hidden="true" className="notice-icon" />
          <p className="notice-text">
            The server no longer has this user (noticed {relativeTime(record.goneAt, now)}). This is
            the last copy Rollcall saw.
          </p>
        </div>
      )}
      {record && (origin.stale || refreshError) && (
        <div className="notice notice-warn" role="status" data-testid="stale-notice">
          <History size={16} aria-hidden="true" className="notice-icon" />
          <div className="notice-body">
            <p className="notice-title">
              {ERROR_TITLES[(refreshError ?? origin.stale)!.code]}: showing the copy from{' '}
              {relativeTime(record.fetchedAt, now)}
            </p>
            <p className="notice-text">{(refreshError ?? origin.stale)!.message}</p>
            {(refreshError ?? origin.stale)!.serverMessage && (
              <p className="notice-server">
                The server said: <q>{(refreshError ?? origin.stale)!.serverMessage}</q>
              </p>
            )}
          </div>
        </div>
      )}

      <div className="tabs" role="tablist" aria-label="Views of this user" onKeyDown={onTabKey}>
        <button
          type="button"
          role="tab"
          id={`${tabsId}-profile`}
          data-tab="profile"
          aria-selected={tab === 'profile'}
          aria-controls={`${tabsId}-profile-panel`}
          tabIndex={tab === 'profile' ? 0 : -1}
          className="tab"
          onClick={() => setTab('profile')}
        >
          Profile
        </button>
        <button
          type="button"
          role="tab"
          id={`${tabsId}-raw`}
          data-tab="raw"
          aria-selected={tab === 'raw'}
          aria-controls={`${tabsId}-raw-panel`}
          tabIndex={tab === 'raw' ? 0 : -1}
          className="tab"
          onClick={() => setTab('raw')}
          data-testid="raw-tab"
        >
          <Braces size={14} aria-hidden="true" />
          Raw JSON
        </button>
      </div>

      <div
        className="detail-body"
        role="tabpanel"
        id={`${tabsId}-${tab}-panel`}
        aria-labelledby={`${tabsId}-${tab}`}
        tabIndex={0}
      >
        {error && <ErrorNotice error={error} title="Could not open this user" />}
        {loading && !record && (
          <div className="detail-loading" aria-busy="true">
            <LoaderCircle size={16} aria-hidden="true" className="spin" /> Loading the cached copy…
          </div>
        )}
        {record && summary && tab === 'profile' && (
          <Profile record={record} summary={summary} now={now} />
        )}
        {record && tab === 'raw' && (
          <div className="raw">
            <div className="raw-actions">
              <button
                type="button"
                className="button small"
                onClick={() => setExpandAll((v) => !v)}
              >
                {expandAll ? 'Collapse all' : 'Expand all'}
              </button>
              <button type="button" className="button small" onClick={() => void copyJson()}>
                <Copy size={14} aria-hidden="true" />
                Copy
              </button>
            </div>
            <JsonTree key={expandAll ? 'all' : 'some'} value={record.raw} expandAll={expandAll} />
          </div>
        )}
      </div>

      {record && (
        <footer className="detail-footer" data-testid="detail-source">
          {refreshing && (
            <span className="refreshing">
              <LoaderCircle size={12} aria-hidden="true" className="spin" /> Refreshing from the
              server…
            </span>
          )}
          <span>
            {origin.source === 'network' ? 'From the server' : 'From the cache'} · fetched{' '}
            <time
              dateTime={new Date(record.fetchedAt).toISOString()}
              title={absoluteDateTime(record.fetchedAt)}
            >
              {relativeTime(record.fetchedAt, now)}
            </time>{' '}
            <span className="muted">({absoluteDateTime(record.fetchedAt)})</span>
          </span>
        </footer>
      )}
    </aside>
  );
}
