/**
 * What the group and profile-field filters (rule 4 of search-text.ts) read
 * of a user, and the rules themselves, written once for the reference
 * search, the in-memory index (filter-bits.ts) and the SQL search
 * (users-search-where.ts). The cache stores it as JSON in `users.filter_json`
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
 * One user's groups and profile field values, as the filters read them, in
 * one flat string: how many group IDs lead, then each entry as its length
 * and its text (`encodeFilterKeys`); the entries are the group IDs (each
 * once), then [fieldId, value as the server sent it, folded text] per
 * field with a value. One heap object a slot: an object over an array of
 * strings was three and more, at 100 000 users about 300 000 of the
 * index's million objects and 35 MB, and the collector's pauses, which
 * hold the loop, grow with the objects it marks and moves (issue 17). The
 * field filter reads it in place.
 */
export type FilterKeys = string;

/** A user in no group and with no field value (most Open WebUI users). */
export const NO_FILTER_KEYS: FilterKeys = '';

/** Lengths below this take one unit; longer ones two (up to 2^30 units). */
const SHORT = 0x8000;

/** A count or a length as one or two UTF-16 units. */
function lengthUnits(n: number): string {
  return n < SHORT
    ? String.fromCharCode(n)
    : String.fromCharCode(SHORT | (n >>> 15), n & (SHORT - 1));
}

/**
 * Where the entry whose length `readLength` just read begins: a second
 * result without an object per call (every read here is synchronous).
 */
let afterLength = 0;

/** The count or length at `at` (NaN past the end); sets `afterLength`. */
function readLength(keys: string, at: number): number {
  const c = keys.charCodeAt(at);
  if (c < SHORT) {
    afterLength = at + 1;
    return c;
  }
  afterLength = at + 2;
  return ((c & (SHORT - 1)) << 15) | keys.charCodeAt(at + 1);
}

/** The keys of these group IDs and [fieldId, value, folded text] triples. */
export function encodeFilterKeys(
  groupIds: readonly string[],
  fields: readonly (readonly [string, string, string])[],
): FilterKeys {
  if (groupIds.length === 0 && fields.length === 0) return NO_FILTER_KEYS;
  const parts = [lengthUnits(groupIds.length)];
  for (const id of groupIds) parts.push(lengthUnits(id.length), id);
  for (const f of fields) for (const t of f) parts.push(lengthUnits(t.length), t);
  // `join` writes one flat string; `+=` would leave a tree of pieces.
  return parts.join('');
}

/**
 * Whether `keys` is what `encodeFilterKeys` makes: every length within the
 * text, the entries ending exactly at its end, at least the group IDs it
 * announces, and whole triples after them. A saved index is checked so.
 */
export function isFilterKeys(keys: string): boolean {
  if (keys === NO_FILTER_KEYS) return true;
  const groups = readLength(keys, 0);
  if (!(groups >= 0)) return false;
  let at = afterLength;
  let entries = 0;
  while (at < keys.length) {
    const n = readLength(keys, at);
    if (!(n >= 0) || afterLength + n > keys.length) return false;
    at = afterLength + n;
    entries++;
  }
  return entries >= groups && (entries - groups) % 3 === 0 && entries > 0;
}

/** Where the entries after the group IDs of `keys` begin (`keys` not empty). */
function afterGroups(keys: string): number {
  let groups = readLength(keys, 0);
  let at = afterLength;
  for (; groups > 0; groups--) at = readLength(keys, at) + afterLength;
  return at;
}

/** Every entry of `keys` from `from`, as strings. */
function entriesFrom(keys: string, from: number): string[] {
  const out: string[] = [];
  for (let at = from; at < keys.length;) {
    const n = readLength(keys, at);
    at = afterLength + n;
    out.push(keys.slice(afterLength, at));
  }
  return out;
}

/** The group IDs of `keys`. */
export function groupIdsOf(keys: FilterKeys): string[] {
  if (keys === NO_FILTER_KEYS) return [];
  const groups = readLength(keys, 0);
  return entriesFrom(keys, afterLength).slice(0, groups);
}

/** The [fieldId, value, folded text] of each field of `keys`. */
export function fieldsOf(keys: FilterKeys): [string, string, string][] {
  if (keys === NO_FILTER_KEYS) return [];
  const entries = entriesFrom(keys, afterGroups(keys));
  const out: [string, string, string][] = [];
  for (let i = 0; i + 2 < entries.length; i += 3) {
    out.push([entries[i] as string, entries[i + 1] as string, entries[i + 2] as string]);
  }
  return out;
}

/** Whether the entry of `keys` from `start` to `end` is exactly `text`. */
function entryIs(keys: string, start: number, end: number, text: string): boolean {
  return end - start === text.length && keys.startsWith(text, start);
}

/** Whether the entry of `keys` from `start` to `end` contains `text`. */
function entryHas(keys: string, start: number, end: number, text: string): boolean {
  // The first match from `start` on: if it ends past `end`, so does every later one.
  const at = keys.indexOf(text, start);
  return at !== -1 && at + text.length <= end;
}

/** Whether `keys` hold a group of `wanted`. */
export function inAnyGroup(keys: FilterKeys, wanted: ReadonlySet<string>): boolean {
  if (keys === NO_FILTER_KEYS) return false;
  let groups = readLength(keys, 0);
  let at = afterLength;
  for (; groups > 0; groups--) {
    const n = readLength(keys, at);
    at = afterLength + n;
    if (wanted.has(keys.slice(afterLength, at))) return true;
  }
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
  const groupIds: string[] = [];
  for (const x of g) {
    if (!Array.isArray(x) || x.length !== 2 || !x.every(isString)) return null;
    if (!groupIds.includes(x[0] as string)) groupIds.push(x[0] as string);
  }
  const fields: [string, string, string][] = [];
  for (const x of f) {
    if (!Array.isArray(x) || x.length !== 3 || !x.every(isString)) return null;
    fields.push([x[0] as string, x[1] as string, x[2] as string]);
  }
  return encodeFilterKeys(groupIds, fields);
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
  if (connectionId !== test.connectionId || keys === NO_FILTER_KEYS) return false;
  for (let at = afterGroups(keys); at < keys.length;) {
    // A triple: field ID, value, folded text.
    const idEnd = readLength(keys, at) + afterLength;
    const idStart = afterLength;
    const valueEnd = readLength(keys, idEnd) + afterLength;
    const valueStart = afterLength;
    const textEnd = readLength(keys, valueEnd) + afterLength;
    const textStart = afterLength;
    at = textEnd;
    if (!entryIs(keys, idStart, idEnd, test.fieldId)) continue;
    if (
      test.choice
        ? entryIs(keys, valueStart, valueEnd, test.needle)
        : entryHas(keys, textStart, textEnd, test.needle)
    ) {
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
