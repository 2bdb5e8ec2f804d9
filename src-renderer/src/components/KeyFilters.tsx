/**
 * The group and profile-field filters of "More filters" (issue 16), and
 * their chips. Group and field IDs belong to one connection, so the
 * section works on one connection of the scope at a time (a select when
 * the scope holds several). Groups are checkboxes, any of them matching;
 * "Profile field" is offered only for Zulip, whose custom profile fields
 * Open WebUI has no equal of: a choice field offers its options, any other
 * field matches the typed text anywhere in the value, ignoring case and
 * accents, as the search box does.
 *
 * Runs in the window.
 */
import { useEffect, useId, useState } from 'react';
import type { ConnectionSummary, FilterChoices, SearchSpec } from '@shared/model';
import { countText } from '../lib/time';
import { useDirectory } from '../stores/directory-store';
import { useFilterChoices } from '../stores/filter-choices-store';

/** Above this many groups, a box to narrow the list by name. */
const FIND_GROUP_FROM = 8;

/** The connection a set group or field filter belongs to, if any. */
function keyedConnection(filters: SearchSpec): string | null {
  return filters.groups[0]?.connectionId ?? filters.profileField?.connectionId ?? null;
}

/** The groups of one connection as checkboxes, with a box to find one when there are many. */
function GroupList({ choices }: { choices: FilterChoices }) {
  const groups = useDirectory((s) => s.filters.groups);
  const setFilters = useDirectory((s) => s.setFilters);
  const [find, setFind] = useState('');
  const { connectionId } = choices;
  const isSet = (id: string): boolean =>
    groups.some((g) => g.connectionId === connectionId && g.groupId === id);
  const toggle = (id: string): void =>
    setFilters({
      groups: isSet(id)
        ? groups.filter((g) => !(g.connectionId === connectionId && g.groupId === id))
        : [...groups, { connectionId, groupId: id }],
    });
  const wanted = find.trim().toLowerCase();
  const shown = choices.groups.filter(
    (g) => wanted === '' || isSet(g.id) || g.name.toLowerCase().includes(wanted),
  );
  return (
    <fieldset className="check-list">
      <legend>Member of a group</legend>
      {choices.groups.length === 0 && <p className="filter-note">No groups in the cache.</p>}
      {choices.groups.length > FIND_GROUP_FROM && (
        <input
          type="search"
          className="input filter-find"
          placeholder="Find a group"
          aria-label="Find a group"
          value={find}
          onChange={(e) => setFind(e.target.value)}
          data-testid="group-find"
        />
      )}
      <div className="group-list">
        {shown.map((g) => (
          <label key={g.id} className="check" title={g.name}>
            <input
              type="checkbox"
              checked={isSet(g.id)}
              onChange={() => toggle(g.id)}
              data-testid={`group-${g.id}`}
            />
            <span className="check-text">{g.name}</span>{' '}
            <span className="chip-count">{countText(g.members)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Pick a field, then a value: a choice's option, or text the value contains. */
function ProfileFieldPicker({ choices }: { choices: FilterChoices }) {
  const field = useDirectory((s) => s.filters.profileField);
  const setFilters = useDirectory((s) => s.setFilters);
  const id = useId();
  const { connectionId } = choices;
  const mine = field !== null && field.connectionId === connectionId ? field : null;
  const [fieldId, setFieldId] = useState(mine?.fieldId ?? '');
  const [text, setText] = useState(mine?.match === 'text' ? mine.value : '');
  const def = choices.profileFields.find((f) => f.id === fieldId);
  if (choices.profileFields.length === 0) return null;
  const pickField = (next: string): void => {
    setFieldId(next);
    setText('');
    if (mine !== null) setFilters({ profileField: null });
  };
  const setValue = (value: string, match: 'choice' | 'text'): void =>
    setFilters({
      profileField: value === '' ? null : { connectionId, fieldId, match, value },
    });
  return (
    <fieldset className="check-list">
      <legend>Profile field</legend>
      <label className="field-row" htmlFor={`${id}-field`}>
        Field
      </label>
      <select
        id={`${id}-field`}
        className="select filter-select"
        value={fieldId}
        onChange={(e) => pickField(e.target.value)}
        data-testid="profile-field"
      >
        <option value="">Any field</option>
        {choices.profileFields.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </select>
      {def && def.type === 'choice' && (
        <>
          <label className="field-row" htmlFor={`${id}-value`}>
            Is
          </label>
          <select
            id={`${id}-value`}
            className="select filter-select"
            value={mine?.match === 'choice' ? mine.value : ''}
            onChange={(e) => setValue(e.target.value, 'choice')}
            data-testid="profile-value"
          >
            <option value="">Any value</option>
            {def.choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.text}
              </option>
            ))}
          </select>
        </>
      )}
      {def && def.type !== 'choice' && (
        <>
          <label className="field-row" htmlFor={`${id}-value`}>
            Contains
          </label>
          <input
            id={`${id}-value`}
            type="text"
            className="input filter-find"
            maxLength={200}
            value={text}
            placeholder="Any text, case and accents ignored"
            onChange={(e) => {
              setText(e.target.value);
              setValue(e.target.value.trim(), 'text');
            }}
            data-testid="profile-text"
          />
        </>
      )}
    </fieldset>
  );
}

/** The group and field sections of "More filters" for the connections in scope. */
export function KeyFilterSections({ scope }: { scope: ConnectionSummary[] }) {
  const filters = useDirectory((s) => s.filters);
  const load = useFilterChoices((s) => s.load);
  const byConnection = useFilterChoices((s) => s.byConnection);
  const errors = useFilterChoices((s) => s.errors);
  const keyed = keyedConnection(filters);
  const [picked, setPicked] = useState<string | null>(null);
  const connectionId =
    [picked, keyed, scope[0]?.id].find(
      (c): c is string => c !== null && c !== undefined && scope.some((s) => s.id === c),
    ) ?? null;
  useEffect(() => {
    if (connectionId !== null) void load(connectionId);
  }, [connectionId, load]);
  if (connectionId === null) return null;
  const choices = byConnection.get(connectionId);
  const error = errors.get(connectionId);
  return (
    <div className="key-filters" data-testid="key-filters">
      {scope.length > 1 && (
        <label className="field-row">
          Groups and fields of
          <select
            className="select filter-select"
            value={connectionId}
            onChange={(e) => setPicked(e.target.value)}
            data-testid="key-connection"
          >
            {scope.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {error && !choices && <p className="filter-note">{error.message}</p>}
      {choices && <GroupList key={`g-${connectionId}`} choices={choices} />}
      {choices?.kind === 'zulip' && (
        <ProfileFieldPicker key={`f-${connectionId}`} choices={choices} />
      )}
    </div>
  );
}

/** A removable chip's text and what removes it. */
interface KeyChip {
  key: string;
  text: string;
  clear: () => void;
}

/** One chip per group filter and one for the field filter, named from the last choices seen. */
export function useKeyFilterChips(): KeyChip[] {
  const groups = useDirectory((s) => s.filters.groups);
  const field = useDirectory((s) => s.filters.profileField);
  const setFilters = useDirectory((s) => s.setFilters);
  const byConnection = useFilterChoices((s) => s.byConnection);
  const chips: KeyChip[] = groups.map((g) => {
    const name =
      byConnection.get(g.connectionId)?.groups.find((x) => x.id === g.groupId)?.name ?? g.groupId;
    return {
      key: `group-${g.connectionId}-${g.groupId}`,
      text: `Group: ${name}`,
      clear: () => setFilters({ groups: groups.filter((x) => x !== g) }),
    };
  });
  if (field !== null) {
    const def = byConnection
      .get(field.connectionId)
      ?.profileFields.find((f) => f.id === field.fieldId);
    const name = def?.name ?? 'Profile field';
    const text =
      field.match === 'choice'
        ? `${name}: ${def?.choices.find((c) => c.key === field.value)?.text ?? field.value}`
        : `${name} contains “${field.value}”`;
    chips.push({ key: 'profile-field', text, clear: () => setFilters({ profileField: null }) });
  }
  return chips;
}
