/**
 * The connections sidebar: every connection with its kind's icon, label,
 * user count, state (online, offline since, key rejected, syncing with a
 * progress bar) and last sync; "All connections" above them; actions to
 * add, sync, edit and remove; the About box at the top.
 *
 * Runs in the window.
 */
import { Ellipsis, LayoutGrid, Pencil, Plus, RefreshCw, ScrollText, Trash2 } from 'lucide-react';
import { CONNECTION_KIND_LABELS, type ConnectionSummary } from '@shared/model';
import { selectScope } from '../actions/select-scope';
import { startSync } from '../actions/start-sync';
import { connectionState, lastSyncText } from '../lib/connection-state';
import { modKeyLabel } from '../lib/keys';
import { absoluteDateTime, countText } from '../lib/time';
import { useClock } from '../stores/clock-store';
import { useAudit } from '../stores/audit-store';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useSync } from '../stores/sync-store';
import { useUi } from '../stores/ui-store';
import { useView } from '../stores/view-store';
import { AboutButton } from './AboutButton';
import { Badge, KindIcon } from './Badges';
import { MenuItem, PopoverButton } from './Menu';
import { SyncProgressBar } from './SyncProgressBar';

function ConnectionRow({ c, selected }: { c: ConnectionSummary; selected: boolean }) {
  const run = useSync((s) => s.runs[c.id]);
  const openEdit = useUi((s) => s.openEdit);
  const askRemove = useUi((s) => s.askRemove);
  const now = useClock((s) => s.now);
  const syncing = run?.running ?? c.syncing;
  const state = connectionState(c, syncing, now);
  /** The row's state line; the row's title repeats it whole, as a narrow sidebar cuts it. */
  const stateText =
    (state.tone === 'online' || state.tone === 'unknown') && !c.demo
      ? `${state.label} · ${lastSyncText(c, now, true)}`
      : state.label;
  return (
    <li
      className={`conn${selected ? ' is-selected' : ''}${syncing ? ' is-syncing' : ''}`}
      data-testid="connection-row"
      data-connection-id={c.id}
      data-state={state.tone}
    >
      <button
        type="button"
        className="conn-select"
        aria-current={selected ? 'true' : undefined}
        onClick={() => selectScope(c.id)}
        aria-label={`${c.label}, ${CONNECTION_KIND_LABELS[c.kind]}, ${countText(c.userCount)} users, ${state.label}`}
      >
        <KindIcon kind={c.kind} size={14} />
        <span className="conn-main">
          <span className="conn-top">
            <span className="conn-label" title={c.label}>
              {c.label}
            </span>
            <span className="conn-count">{countText(c.userCount)}</span>
          </span>
          <span
            className="conn-state"
            title={[
              stateText,
              c.lastSyncAt !== null ? `Last synced ${absoluteDateTime(c.lastSyncAt)}` : null,
            ]
              .filter(Boolean)
              .join(' · ')}
          >
            {c.demo ? (
              <Badge tone="info">Demo</Badge>
            ) : (
              <span className={`state-dot state-${state.tone}`} aria-hidden="true" />
            )}
            <span className="conn-state-text">{stateText}</span>
          </span>
        </span>
      </button>
      {syncing && run?.progress && (
        <div className="conn-progress">
          <SyncProgressBar progress={run.progress} compact />
        </div>
      )}
      <div className="conn-actions">
        <PopoverButton
          className="icon-button"
          ariaLabel={`Actions for ${c.label}`}
          label={<Ellipsis size={16} aria-hidden="true" />}
          align="end"
          testId="connection-actions"
        >
          {(close) => (
            <div className="menu">
              {!c.demo && (
                <MenuItem
                  icon={<RefreshCw size={14} aria-hidden="true" />}
                  onSelect={() => {
                    close();
                    selectScope(c.id);
                    void startSync(c.id);
                  }}
                  testId="menu-sync"
                >
                  Sync directory
                </MenuItem>
              )}
              {!c.demo && (
                <MenuItem
                  icon={<Pencil size={14} aria-hidden="true" />}
                  onSelect={() => {
                    close();
                    openEdit(c.id);
                  }}
                  testId="menu-edit"
                >
                  Edit connection…
                </MenuItem>
              )}
              <MenuItem
                icon={<Trash2 size={14} aria-hidden="true" />}
                danger
                onSelect={() => {
                  close();
                  askRemove(c.id);
                }}
                testId="menu-remove"
              >
                {c.demo ? 'Remove demo…' : 'Remove…'}
              </MenuItem>
            </div>
          )}
        </PopoverButton>
      </div>
    </li>
  );
}

/** The left column. */
export function Sidebar() {
  const list = useConnections((s) => s.list);
  const scope = useDirectory((s) => s.filters.connectionIds);
  const openAdd = useUi((s) => s.openAdd);
  const totalUsers = list.reduce((n, c) => n + c.userCount, 0);
  const all = scope.length === 0;
  const table = useView((s) => s.view === 'table');
  return (
    <nav className="sidebar" aria-label="Connections">
      <div className="brand">
        <img src="./icon.svg" alt="" width={22} height={22} />
        <span className="brand-name">Rollcall</span>
        <AboutButton />
      </div>
      <button
        type="button"
        className={all ? 'scope-all is-selected' : 'scope-all'}
        aria-current={all ? 'true' : undefined}
        onClick={() => selectScope(null)}
        data-testid="scope-all"
      >
        <LayoutGrid size={16} aria-hidden="true" />
        <span>All connections</span>
        <span className="conn-count">{countText(totalUsers)}</span>
      </button>
      <div className="sidebar-heading">
        <h2 id="connections-heading">Connections</h2>
        <PopoverButton
          className="icon-button"
          ariaLabel="Add a connection"
          title="Add a connection"
          label={<Plus size={16} aria-hidden="true" />}
          align="end"
          testId="add-connection"
        >
          {(close) => (
            <div className="menu">
              <MenuItem
                icon={<KindIcon kind="zulip" size={12} decorative />}
                onSelect={() => {
                  close();
                  openAdd('zulip');
                }}
                testId="add-zulip"
              >
                Zulip server…
              </MenuItem>
              <MenuItem
                icon={<KindIcon kind="openwebui" size={12} decorative />}
                onSelect={() => {
                  close();
                  openAdd('openwebui');
                }}
                testId="add-openwebui"
              >
                Open WebUI server…
              </MenuItem>
            </div>
          )}
        </PopoverButton>
      </div>
      <ul className="conn-list" aria-labelledby="connections-heading">
        {list.map((c) => (
          <ConnectionRow key={c.id} c={c} selected={scope.length === 1 && scope[0] === c.id} />
        ))}
      </ul>
      <button
        type="button"
        className="button small sidebar-audit"
        onClick={() => useAudit.getState().show()}
        data-testid="open-audit"
      >
        <ScrollText size={14} aria-hidden="true" />
        Audit log
      </button>
      <section className="sidebar-foot" aria-label="Keyboard shortcuts">
        <dl className="shortcuts">
          <dt>
            <kbd className="kbd">{modKeyLabel()} K</kbd>
          </dt>
          <dd>Search</dd>
          <dt>
            <kbd className="kbd">{modKeyLabel()} L</kbd>
          </dt>
          <dd>Look up by ID</dd>
          <dt>
            <kbd className="kbd">{table ? '↑ ↓' : '← ↑ → ↓'}</kbd>
          </dt>
          <dd>{table ? 'Move between rows' : 'Move between cards'}</dd>
          <dt>
            <kbd className="kbd">Enter</kbd> <kbd className="kbd">Esc</kbd>
          </dt>
          <dd>Open, close</dd>
          <dt>
            <kbd className="kbd">Space</kbd>{' '}
            <kbd className="kbd">{table ? 'Shift ↑↓' : 'Shift ←→'}</kbd>
          </dt>
          <dd>Select</dd>
        </dl>
      </section>
    </nav>
  );
}
