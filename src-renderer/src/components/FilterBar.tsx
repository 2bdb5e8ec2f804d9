/**
 * Filter chips and sort for the grid: connection, role, humans/bots,
 * active/deactivated, sort key and direction, and the result count.
 *
 * Runs in the window.
 */
import { ArrowDownWideNarrow, ArrowUpNarrowWide, ChevronDown } from 'lucide-react';
import { OPENWEBUI_ROLES, ROLE_LABELS, ZULIP_ROLES, type Role, type SortKey } from '@shared/model';
import { countText } from '../lib/time';
import { useConnections } from '../stores/connections-store';
import { hasNarrowingFilters, useDirectory } from '../stores/directory-store';
import { PopoverButton } from './Menu';
import { Segmented } from './Segmented';

const SORT_LABELS: Record<SortKey, string> = {
  relevance: 'Relevance',
  name: 'Name',
  role: 'Role',
  lastActive: 'Last active',
  joined: 'Joined',
};

/** Which way each key sorts first: names A-Z, but newest activity first; relevance has one way. */
export const NATURAL_DIRECTION: Record<SortKey, 'asc' | 'desc'> = {
  relevance: 'asc',
  name: 'asc',
  role: 'asc',
  lastActive: 'desc',
  joined: 'desc',
};

function toggle<T>(list: T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

function ConnectionFilter() {
  const list = useConnections((s) => s.list);
  const selected = useDirectory((s) => s.filters.connectionIds);
  const setFilters = useDirectory((s) => s.setFilters);
  const text =
    selected.length === 0
      ? 'All'
      : selected.length === 1
        ? (list.find((c) => c.id === selected[0])?.label ?? '1 connection')
        : `${selected.length} connections`;
  return (
    <PopoverButton
      className="chip-button"
      active={selected.length > 0}
      label={
        <>
          <span className="chip-key">Connection</span> {text}
          <ChevronDown size={14} aria-hidden="true" />
        </>
      }
      popoverLabel="Filter by connection"
      testId="filter-connection"
    >
      {() => (
        <fieldset className="check-list">
          <legend className="visually-hidden">Connections to show</legend>
          {list.map((c) => (
            <label key={c.id} className="check">
              <input
                type="checkbox"
                checked={selected.includes(c.id)}
                onChange={() => setFilters({ connectionIds: toggle(selected, c.id) })}
              />
              {c.label}
            </label>
          ))}
        </fieldset>
      )}
    </PopoverButton>
  );
}

function RoleFilter() {
  const list = useConnections((s) => s.list);
  const roles = useDirectory((s) => s.filters.roles);
  const setFilters = useDirectory((s) => s.setFilters);
  const groups: { title: string; roles: readonly Role[] }[] = [];
  if (list.some((c) => c.kind === 'zulip')) groups.push({ title: 'Zulip', roles: ZULIP_ROLES });
  if (list.some((c) => c.kind === 'openwebui'))
    groups.push({ title: 'Open WebUI', roles: OPENWEBUI_ROLES });
  const text =
    roles.length === 0
      ? 'Any'
      : roles.length <= 2
        ? roles.map((r) => ROLE_LABELS[r]).join(', ')
        : `${roles.length} roles`;
  return (
    <PopoverButton
      className="chip-button"
      active={roles.length > 0}
      label={
        <>
          <span className="chip-key">Role</span> {text}
          <ChevronDown size={14} aria-hidden="true" />
        </>
      }
      popoverLabel="Filter by role"
      testId="filter-role"
    >
      {() => (
        <div className="check-groups">
          {groups.map((g) => (
            <fieldset key={g.title} className="check-list">
              <legend>{g.title}</legend>
              {g.roles.map((r) => (
                <label key={r} className="check">
                  <input
                    type="checkbox"
                    checked={roles.includes(r)}
                    onChange={() => setFilters({ roles: toggle(roles, r) })}
                  />
                  {ROLE_LABELS[r]}
                </label>
              ))}
            </fieldset>
          ))}
          {roles.length > 0 && (
            <button type="button" className="link-button" onClick={() => setFilters({ roles: [] })}>
              Any role
            </button>
          )}
        </div>
      )}
    </PopoverButton>
  );
}

function SortControl() {
  const sort = useDirectory((s) => s.filters.sort);
  const direction = useDirectory((s) => s.filters.direction);
  const chooseSort = useDirectory((s) => s.chooseSort);
  const sortChosen = useDirectory((s) => s.sortChosen);
  const DirectionIcon = direction === 'asc' ? ArrowUpNarrowWide : ArrowDownWideNarrow;
  return (
    <div className="sort">
      <PopoverButton
        className="chip-button"
        align="end"
        label={
          <>
            <span className="chip-key">Sort</span> {SORT_LABELS[sort]}
            <ChevronDown size={14} aria-hidden="true" />
          </>
        }
        popoverLabel="Sort by"
        testId="sort-key"
      >
        {(close) => (
          <fieldset className="check-list">
            <legend>Sort by</legend>
            {(Object.keys(SORT_LABELS) as SortKey[]).map((k) => (
              <label key={k} className="check">
                <input
                  type="radio"
                  name="rc-sort"
                  checked={sort === k}
                  onChange={() => {
                    chooseSort({ sort: k, direction: NATURAL_DIRECTION[k] });
                    close();
                  }}
                  // Picking the sort already shown (chosen for the admin while typing) makes it theirs.
                  onClick={() => {
                    if (sort !== k || sortChosen) return;
                    chooseSort({ sort: k, direction });
                    close();
                  }}
                />
                {SORT_LABELS[k]}
              </label>
            ))}
          </fieldset>
        )}
      </PopoverButton>
      <button
        type="button"
        className="icon-button"
        aria-label={
          direction === 'asc'
            ? 'Ascending order; switch to descending'
            : 'Descending order; switch to ascending'
        }
        title={
          sort === 'relevance'
            ? 'Best match first'
            : direction === 'asc'
              ? 'Ascending'
              : 'Descending'
        }
        // Relevance has one way: the best match first.
        disabled={sort === 'relevance'}
        onClick={() => chooseSort({ sort, direction: direction === 'asc' ? 'desc' : 'asc' })}
        data-testid="sort-direction"
      >
        <DirectionIcon size={16} aria-hidden="true" />
      </button>
    </div>
  );
}

/** "342 users" or "342 of 1,322 users". */
function ResultCount() {
  const total = useDirectory((s) => s.total);
  const filters = useDirectory((s) => s.filters);
  const list = useConnections((s) => s.list);
  if (total === null) return <p className="result-count" data-testid="result-count" />;
  const scope =
    filters.connectionIds.length > 0
      ? list.filter((c) => filters.connectionIds.includes(c.id))
      : list;
  const cached = scope.reduce((n, c) => n + c.userCount, 0);
  const narrowed = filters.text !== '' || hasNarrowingFilters(filters);
  return (
    <p className="result-count" aria-live="polite" data-testid="result-count">
      <strong>{countText(total)}</strong>
      {narrowed && cached >= total
        ? ` of ${countText(cached)} users`
        : total === 1
          ? ' user'
          : ' users'}
    </p>
  );
}

/** The row of filters above the grid. */
export function FilterBar() {
  const list = useConnections((s) => s.list);
  const filters = useDirectory((s) => s.filters);
  const setFilters = useDirectory((s) => s.setFilters);
  const clearFilters = useDirectory((s) => s.clearFilters);
  return (
    <div className="filters" role="group" aria-label="Filters and sort">
      {/* The filters wrap among themselves; the count and the sort keep the first row's end. */}
      <div className="filter-chips">
        {list.length > 1 && <ConnectionFilter />}
        <RoleFilter />
        <Segmented
          label="Accounts"
          value={filters.accounts}
          onChange={(accounts) => setFilters({ accounts })}
          options={[
            { value: 'all', label: 'All', testId: 'accounts-all' },
            { value: 'humans', label: 'Humans', testId: 'accounts-humans' },
            { value: 'bots', label: 'Bots', testId: 'accounts-bots' },
          ]}
        />
        <Segmented
          label="Status"
          value={filters.status}
          onChange={(status) => setFilters({ status })}
          options={[
            { value: 'all', label: 'All', testId: 'status-all' },
            { value: 'active', label: 'Active', testId: 'status-active' },
            { value: 'deactivated', label: 'Deactivated', testId: 'status-deactivated' },
          ]}
        />
        {hasNarrowingFilters(filters) && (
          <button
            type="button"
            className="link-button"
            onClick={clearFilters}
            data-testid="clear-filters"
          >
            Clear filters
          </button>
        )}
      </div>
      <div className="filter-tail">
        <ResultCount />
        <SortControl />
      </div>
    </div>
  );
}
