/**
 * Filter chips and sort for the grid: connection, role, humans/bots,
 * active/deactivated (each choice with its count from core's facets; the
 * last two only where a Zulip connection is in scope: Open WebUI has no
 * bots and no deactivation), "More filters" (inactive since, never active,
 * joined after/before, member of a group, a Zulip profile field's value:
 * KeyFilters.tsx) shown as removable chips once set, sort key and
 * direction, and the result count.
 *
 * Runs in the window.
 */
import { useState } from 'react';
import { ArrowDownWideNarrow, ArrowUpNarrowWide, ChevronDown, X } from 'lucide-react';
import {
  OPENWEBUI_ROLES,
  ROLE_LABELS,
  ZULIP_ROLES,
  type ConnectionSummary,
  type Role,
  type SortKey,
} from '@shared/model';
import { countText } from '../lib/time';
import { useConnections } from '../stores/connections-store';
import { hasNarrowingFilters, useDirectory } from '../stores/directory-store';
import { KeyFilterSections, useKeyFilterChips } from './KeyFilters';
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

const DAY_MS = 86_400_000;

/** The time `n` days before now: where "inactive for n days" starts. */
function daysAgo(n: number): number {
  return Math.max(0, Date.now() - n * DAY_MS);
}

/** A count beside a choice, once core has counted; nothing before. */
function Count({ n }: { n: number | undefined }) {
  if (n === undefined) return null;
  return (
    <>
      {' '}
      <span className="chip-count">{countText(n)}</span>
    </>
  );
}

/** The connections the search covers: the chosen ones, or all when none is chosen. */
function useScope(): ConnectionSummary[] {
  const list = useConnections((s) => s.list);
  const ids = useDirectory((s) => s.filters.connectionIds);
  return ids.length > 0 ? list.filter((c) => ids.includes(c.id)) : list;
}

/** A date input's "YYYY-MM-DD" as local midnight in ms, null when empty or not a date. */
function dateValue(text: string): number | null {
  if (text === '') return null;
  const ms = Date.parse(`${text}T00:00`);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** A time as a date input shows it (local). */
function dateText(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

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
  // The roles of the kinds searched: Open WebUI's roles are no use on a Zulip-only scope.
  const list = useScope();
  const roles = useDirectory((s) => s.filters.roles);
  const facets = useDirectory((s) => s.facets);
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
                  <Count n={facets?.roles.find((f) => f.role === r)?.count} />
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

/** Activity, join dates, groups and profile fields, in one popover. */
function MoreFilters() {
  const filters = useDirectory((s) => s.filters);
  const setFilters = useDirectory((s) => s.setFilters);
  const scope = useScope();
  const [days, setDays] = useState(30);
  const set =
    filters.activity !== 'all' ||
    filters.joinedAfter !== null ||
    filters.joinedBefore !== null ||
    filters.groups.length > 0 ||
    filters.profileField !== null;
  const inactiveFor = (n: number) =>
    setFilters({ activity: 'inactiveSince', activeBefore: daysAgo(n) });
  return (
    <PopoverButton
      className="chip-button"
      active={set}
      label={
        <>
          More filters
          <ChevronDown size={14} aria-hidden="true" />
        </>
      }
      popoverLabel="More filters"
      testId="filter-more"
    >
      {() => (
        <div className="more-filters">
          <div className="check-groups">
            <fieldset className="check-list">
              <legend>Last active</legend>
              <label className="check">
                <input
                  type="radio"
                  name="rc-activity"
                  checked={filters.activity === 'all'}
                  onChange={() => setFilters({ activity: 'all' })}
                />
                Any time
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="rc-activity"
                  checked={filters.activity === 'inactiveSince'}
                  onChange={() => inactiveFor(days)}
                  data-testid="activity-inactive"
                />
                Inactive for
                <input
                  type="number"
                  min={1}
                  max={36500}
                  value={days}
                  aria-label="Days inactive"
                  data-testid="activity-days"
                  onChange={(e) => {
                    const n = Math.min(36500, Math.max(1, Math.round(Number(e.target.value) || 1)));
                    setDays(n);
                    if (filters.activity === 'inactiveSince') inactiveFor(n);
                  }}
                />
                days or more
              </label>
              <label className="check">
                <input
                  type="radio"
                  name="rc-activity"
                  checked={filters.activity === 'never'}
                  onChange={() => setFilters({ activity: 'never' })}
                  data-testid="activity-never"
                />
                Never active
              </label>
            </fieldset>
            <fieldset className="check-list">
              <legend>Joined</legend>
              <label className="check">
                After
                <input
                  type="date"
                  value={dateText(filters.joinedAfter)}
                  data-testid="joined-after"
                  onChange={(e) => setFilters({ joinedAfter: dateValue(e.target.value) })}
                />
              </label>
              <label className="check">
                Before
                <input
                  type="date"
                  value={dateText(filters.joinedBefore)}
                  data-testid="joined-before"
                  onChange={(e) => setFilters({ joinedBefore: dateValue(e.target.value) })}
                />
              </label>
            </fieldset>
          </div>
          <KeyFilterSections scope={scope} />
        </div>
      )}
    </PopoverButton>
  );
}

/**
 * The "More filters" that are set, each as a chip that removes it; with
 * `kindFilters`, also the account and status choices whose controls are
 * hidden (the scope became Open WebUI-only) but still narrow the search.
 */
function ActiveFilterChips({ kindFilters }: { kindFilters: boolean }) {
  const filters = useDirectory((s) => s.filters);
  const setFilters = useDirectory((s) => s.setFilters);
  const keyChips = useKeyFilterChips();
  const chips: { key: string; text: string; clear: () => void }[] = [];
  if (kindFilters && filters.accounts !== 'all') {
    chips.push({
      key: 'accounts',
      text: filters.accounts === 'bots' ? 'Bots only' : 'Humans only',
      clear: () => setFilters({ accounts: 'all' }),
    });
  }
  if (kindFilters && filters.status !== 'all') {
    chips.push({
      key: 'status',
      text: filters.status === 'active' ? 'Active only' : 'Deactivated only',
      clear: () => setFilters({ status: 'all' }),
    });
  }
  if (filters.activity === 'inactiveSince') {
    chips.push({
      key: 'inactive',
      text: `Inactive since ${dateText(filters.activeBefore)}`,
      clear: () => setFilters({ activity: 'all' }),
    });
  }
  if (filters.activity === 'never') {
    chips.push({
      key: 'never',
      text: 'Never active',
      clear: () => setFilters({ activity: 'all' }),
    });
  }
  if (filters.joinedAfter !== null) {
    chips.push({
      key: 'joined-after',
      text: `Joined after ${dateText(filters.joinedAfter)}`,
      clear: () => setFilters({ joinedAfter: null }),
    });
  }
  if (filters.joinedBefore !== null) {
    chips.push({
      key: 'joined-before',
      text: `Joined before ${dateText(filters.joinedBefore)}`,
      clear: () => setFilters({ joinedBefore: null }),
    });
  }
  chips.push(...keyChips);
  return (
    <>
      {chips.map((c) => (
        <button
          key={c.key}
          type="button"
          className="chip-button is-active"
          onClick={c.clear}
          aria-label={`Remove filter: ${c.text}`}
          title={c.text}
          data-testid={`chip-${c.key}`}
        >
          <span className="chip-text">{c.text}</span>
          <X size={14} aria-hidden="true" />
        </button>
      ))}
    </>
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
  const rankedByName = useDirectory((s) => s.rankedByName);
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
      {rankedByName && (
        <span
          className="result-note"
          data-testid="ranking-note"
          title="The search index is still loading. Until it is ready, a search that matches this many users is listed by name, not by relevance; it is ranked as soon as the index is ready."
        >
          {' '}
          · by name while indexing
        </span>
      )}
    </p>
  );
}

/** The row of filters above the grid. */
export function FilterBar() {
  const list = useConnections((s) => s.list);
  const filters = useDirectory((s) => s.filters);
  const setFilters = useDirectory((s) => s.setFilters);
  const clearFilters = useDirectory((s) => s.clearFilters);
  const facets = useDirectory((s) => s.facets);
  // Open WebUI has no bots and no deactivation (its is_active means "seen in the last minutes"):
  // the two choices are offered only where a Zulip connection is searched.
  const scope = useScope();
  const zulipInScope = scope.length === 0 || scope.some((c) => c.kind === 'zulip');
  return (
    <div className="filters" role="group" aria-label="Filters and sort">
      {/* The filters wrap among themselves; the count and the sort keep the first row's end. */}
      <div className="filter-chips">
        {list.length > 1 && <ConnectionFilter />}
        <RoleFilter />
        {zulipInScope && (
          <Segmented
            label="Accounts"
            value={filters.accounts}
            onChange={(accounts) => setFilters({ accounts })}
            options={[
              { value: 'all', label: 'All', testId: 'accounts-all' },
              {
                value: 'humans',
                label: (
                  <>
                    Humans
                    <Count n={facets?.accounts.humans} />
                  </>
                ),
                testId: 'accounts-humans',
              },
              {
                value: 'bots',
                label: (
                  <>
                    Bots
                    <Count n={facets?.accounts.bots} />
                  </>
                ),
                testId: 'accounts-bots',
              },
            ]}
          />
        )}
        {zulipInScope && (
          <Segmented
            label="Status"
            value={filters.status}
            onChange={(status) => setFilters({ status })}
            options={[
              { value: 'all', label: 'All', testId: 'status-all' },
              {
                value: 'active',
                label: (
                  <>
                    Active
                    <Count n={facets?.status.active} />
                  </>
                ),
                testId: 'status-active',
              },
              {
                value: 'deactivated',
                label: (
                  <>
                    Deactivated
                    <Count n={facets?.status.deactivated} />
                  </>
                ),
                testId: 'status-deactivated',
              },
            ]}
          />
        )}
        <MoreFilters />
        <ActiveFilterChips kindFilters={!zulipInScope} />
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
