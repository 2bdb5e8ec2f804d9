/**
 * What the group and profile-field filters (rule 4 of search-text.ts) read
 * of a user, and the rules themselves, written once for the reference
 * search, the in-memory index (filter-bits.ts) and the SQL search
 * (users-search-sql.ts). The cache stores it as JSON in `users.filter_json`
 * (migration 10): `{"g":[[groupId, name]...],"f":[[fieldId, value, folded text]...]}`.
 * Group names travel only for the list of groups the window offers; the
 * filters read IDs.
 *
 * - groups: a user matches when it belongs to at least one of the listed
 *   groups of its own connection (group IDs are per connection).
 * - profileField `choice`: the user's value of that field of that
 *   connection is exactly the choice's key (Zulip stores the key).
 * - profileField `text`: the folded text of the user's value (rule 1)
 *   contains the folded typed value, as a search term would.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { DirectoryUser, SearchQuery } from '@shared/model';
import { foldText } from './folding';

/**
 * One user's groups and profile field values, as the filters read them,
 * packed in one array of strings: the group IDs (each once), then
 * [fieldId, value as the server sent it, folded text] per field with a
 * value. A slot's keys are three heap objects where an object of arrays of
 * triples was about fifteen: at 100 000 users those were 1.4 of the
 * index's 3.4 million objects, and the collector's pauses, which hold the
 * loop, grow with the objects it marks and moves (issue 17).
 */
export interface FilterKeys {
  /** How many group IDs lead `packed`. */
  readonly groups: number;
  readonly packed: readonly string[];
}

/** A user in no group and with no field value (shared: most Open WebUI users). */
export const NO_FILTER_KEYS: FilterKeys = Object.freeze({
  groups: 0,
  packed: Object.freeze([]),
});

/** The group IDs of `keys` (a copy). */
export function groupIdsOf(keys: FilterKeys): string[] {
  return keys.packed.slice(0, keys.groups);
}

/** The [fieldId, value, folded text] of each field of `keys` (copies). */
export function fieldsOf(keys: FilterKeys): [string, string, string][] {
  const out: [string, string, string][] = [];
  const p = keys.packed;
  for (let i = keys.groups; i + 2 < p.length; i += 3) {
    out.push([p[i] as string, p[i + 1] as string, p[i + 2] as string]);
  }
  return out;
}

/** Whether `keys` hold a group of `wanted`. */
export function inAnyGroup(keys: FilterKeys, wanted: ReadonlySet<string>): boolean {
  const p = keys.packed;
  for (let i = 0; i < keys.groups; i++) if (wanted.has(p[i] as string)) return true;
  return false;
}

/** The query parts of the two filters. */
export type KeyFilter = Pick<SearchQuery, 'groups' | 'profileField'>;

/** What `filter_json` holds of a user: its groups (with names) and field values. */
interface FilterParts {
  g: unknown[];
  f: unknown[];
}

/** A user's groups and field values, as `filter_json` stores them. */
function filterPartsOf(user: DirectoryUser): FilterParts {
  const g = user.groups.map((x) => [x.id, x.name]);
  const f = user.profileFields
    .filter((x) => x.value !== '' || x.text !== '')
    .map((x) => [x.fieldId, x.value, foldText(x.text)]);
  return { g, f };
}

/**
 * A user's stored filter JSON and the keys it parses to, made from one walk
 * of the user: a sync writes the one and indexes the other, without parsing
 * back what it just wrote.
 */
export function filterJsonAndKeysOf(user: DirectoryUser): { json: string; keys: FilterKeys } {
  const parts = filterPartsOf(user);
  return { json: JSON.stringify(parts), keys: keysOfParts(parts) ?? NO_FILTER_KEYS };
}

/** The keys of a user, as the reference search reads them. */
export function filterKeysOf(user: DirectoryUser): FilterKeys {
  return keysOfParts(filterPartsOf(user)) ?? NO_FILTER_KEYS;
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** The keys of parsed filter JSON; null when it is not what `filterJsonAndKeysOf` writes. */
function keysOfParts({ g, f }: FilterParts): FilterKeys | null {
  const packed: string[] = [];
  for (const x of g) {
    if (!Array.isArray(x) || x.length !== 2 || !x.every(isString)) return null;
    if (!packed.includes(x[0] as string)) packed.push(x[0] as string);
  }
  const groups = packed.length;
  for (const x of f) {
    if (!Array.isArray(x) || x.length !== 3 || !x.every(isString)) return null;
    packed.push(x[0] as string, x[1] as string, x[2] as string);
  }
  return packed.length === 0 ? NO_FILTER_KEYS : { groups, packed };
}

/**
 * Parses stored filter JSON; null when it is not what `filterJsonAndKeysOf` writes.
 * Checked by hand, not with zod: the index reads it for every row at start.
 */
export function parseFilterJson(json: unknown): FilterKeys | null {
  if (json === '' || json === '{}') return NO_FILTER_KEYS;
  let value: unknown;
  try {
    value = JSON.parse(String(json));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { g, f } = value as { g?: unknown; f?: unknown };
  if (!Array.isArray(g) || !Array.isArray(f)) return null;
  return keysOfParts({ g, f });
}

/** The groups of the filter by connection, so a row is checked with one lookup. */
export function groupsByConnection(filter: KeyFilter): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { connectionId, groupId } of filter.groups) {
    let set = out.get(connectionId);
    if (!set) out.set(connectionId, (set = new Set()));
    set.add(groupId);
  }
  return out;
}

/** Whether keys of a user of `connectionId` pass the group filter (`wanted` from `groupsByConnection`). */
function groupsMatch(
  connectionId: string,
  keys: FilterKeys,
  wanted: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  const set = wanted.get(connectionId);
  return set !== undefined && inAnyGroup(keys, set);
}

/** The profile-field filter with its value folded once (text) or kept (choice). */
export interface FieldTest {
  connectionId: string;
  fieldId: string;
  choice: boolean;
  needle: string;
}

/** The field filter of a query, ready to test rows; null when it has none. */
export function fieldTestOf(filter: KeyFilter): FieldTest | null {
  const f = filter.profileField;
  if (f === null) return null;
  const choice = f.match === 'choice';
  return {
    connectionId: f.connectionId,
    fieldId: f.fieldId,
    choice,
    needle: choice ? f.value : foldText(f.value),
  };
}

/** Whether keys of a user of `connectionId` pass the field filter. */
export function fieldMatches(connectionId: string, keys: FilterKeys, test: FieldTest): boolean {
  if (connectionId !== test.connectionId) return false;
  const p = keys.packed;
  for (let i = keys.groups; i + 2 < p.length; i += 3) {
    if (p[i] !== test.fieldId) continue;
    if (test.choice ? p[i + 1] === test.needle : (p[i + 2] as string).includes(test.needle)) {
      return true;
    }
  }
  return false;
}

/** Rule 4's group and field filters for one row. */
export function keysMatch(connectionId: string, keys: FilterKeys, filter: KeyFilter): boolean {
  if (filter.groups.length > 0 && !groupsMatch(connectionId, keys, groupsByConnection(filter))) {
    return false;
  }
  const test = fieldTestOf(filter);
  return test === null || fieldMatches(connectionId, keys, test);
}
