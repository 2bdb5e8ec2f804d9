/**
 * What a directory search means, written down once. The in-memory index
 * (search-index.ts) and the SQLite search of users-search-sql.ts must give the
 * same answers, so the rules live here, with a reference implementation
 * (`searchRows`) that the tests hold both against.
 *
 * THE RULES
 *
 * 1. Folding (`foldText`): well-formed UTF-16, Unicode NFKD, every combining
 *    mark (`\p{M}`) dropped, `toLowerCase()` (locale-free), then the letters
 *    that have no decomposition are spelled out: ß→ss, æ→ae, œ→oe, ø→o, ł→l,
 *    đ→d, ð→d, þ→th, ı→i, ħ→h, ŧ→t, and final sigma ς→σ (JS lowercases Σ by
 *    context, so a term and a name must meet on one form). Folding is
 *    idempotent. "Zoë Müller" folds to "zoe muller"; "ÅSA" to "asa".
 * 2. The haystack (`buildHaystack`): the folded name, username, email,
 *    delivery email, user ID, role label (ROLE_LABELS), bot type label (bots
 *    only), each group name and each profile field's text; folded, empty
 *    ones dropped, each distinct one once (in that order), joined with "\n".
 *    Terms never hold whitespace, so no term can match across two fields.
 *    At most TEXT_CAPS.searchText units (`capSearchText`): what lies past
 *    them is not searched, so no user costs the index more than that.
 * 3. Terms (`searchTerms`): the folded query split on whitespace (`/\s+/u`),
 *    empty pieces dropped. A user matches when EVERY term is a substring of
 *    the haystack (AND). No terms: everyone matches. Characters have no
 *    special meaning: `"`, `*`, `:`, `AND`, `NEAR(` are looked for literally.
 *    SQLite tests each term with `instr()` on the haystack; the in-memory
 *    index narrows with character n-grams and checks with `includes`; both
 *    are exact substring tests on code points.
 * 4. Filters: `connectionIds` (empty: all), `roles` (empty: all), `accounts`
 *    humans = not a bot, bots = a bot; `status` active = not deactivated and
 *    not gone, deactivated = deactivated or gone, all.
 * 5. Order. Times are whole milliseconds (`timeKey`). Strings compare by Unicode code point (SQLite's BINARY on UTF-8;
 *    `compareCodePoints` here). `sortName` is the folded, trimmed name.
 *    - name: (sortName, connectionId, userId), all ascending or, for desc,
 *      all descending (the exact reverse).
 *    - role: roleRank in the asked direction, then sortName, connectionId,
 *      userId ascending.
 *    - lastActive / joined: users without a value last in BOTH directions,
 *      then the value in the asked direction, then sortName, connectionId,
 *      userId ascending.
 * 6. Paging: `total` counts every match; `items` are the matches from
 *    `offset`, at most `limit`.
 *
 * Node only (it is plain TypeScript, but lives with the cache it defines).
 */
import {
  ROLE_LABELS,
  ROLE_RANK,
  type DirectoryUser,
  type Role,
  type SearchQuery,
} from '@shared/model';
import { cutToLength, TEXT_CAPS } from '@shared/text-caps';

const SPELLED_OUT: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ς: 'σ',
};
const SPELLED_OUT_RE = new RegExp(`[${Object.keys(SPELLED_OUT).join('')}]`, 'gu');
const MARKS_RE = /\p{M}+/gu;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Any change to folding or tokenizing must bump SEARCH_INDEX_VERSION (index-version.ts).
/** Rule 1: the one form text is compared in, for names, haystacks and terms alike. */
export function foldText(text: string): string {
  return text
    .replace(LONE_SURROGATE_RE, '\uFFFD')
    .normalize('NFKD')
    .replace(MARKS_RE, '')
    .toLowerCase()
    .replace(SPELLED_OUT_RE, (c) => SPELLED_OUT[c] ?? c);
}

/** Rule 3: the terms of a query, each folded and free of whitespace. */
export function searchTerms(text: string): string[] {
  return foldText(text)
    .split(/\s+/u)
    .filter((t) => t !== '');
}

/**
 * The fields of rule 2, unfolded, in order: also what the cache's columns
 * hold, and what the benchmarks' naive baseline filters, so both search the same text.
 */
export function haystackFields(user: DirectoryUser): string[] {
  const fields = [
    user.name,
    user.username ?? '',
    user.email ?? '',
    user.deliveryEmail ?? '',
    user.userId,
    ROLE_LABELS[user.role] ?? user.role,
    user.isBot ? (user.bot?.typeLabel ?? '') : '',
    ...user.groups.map((g) => g.name),
    ...user.profileFields.map((f) => f.text),
  ];
  return fields.filter((f) => typeof f === 'string' && f !== '');
}

/** Rule 2: a haystack cut to its cap, as the index grams it and the cache stores it. */
export function capSearchText(text: string): string {
  return cutToLength(text, TEXT_CAPS.searchText);
}

/** Rule 2: the folded text a user's terms are looked for in. */
export function buildHaystack(user: DirectoryUser): string {
  const max = TEXT_CAPS.searchText;
  const seen = new Set<string>();
  let length = 0;
  for (const field of haystackFields(user)) {
    if (length > max) break; // The rest would be cut anyway: fold none of it.
    const folded = foldText(cutToLength(field, max));
    if (folded === '' || seen.has(folded)) continue; // A repeat (email = delivery email) adds nothing.
    seen.add(folded);
    length += folded.length + 1;
  }
  return capSearchText([...seen].join('\n'));
}

/** Rule 5: the key "sort by name" uses (at most TEXT_CAPS.sortName units). */
export function sortNameOf(name: string): string {
  const max = TEXT_CAPS.sortName;
  return cutToLength(foldText(cutToLength(name.trimStart(), max)).trim(), max);
}

/** Rule 5: compares two strings by code point, as SQLite's BINARY collation does on UTF-8. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF) encode code points above U+FFFF: move them above U+E000-FFFF.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** A time as the cache sorts it: whole milliseconds, or null when absent or not a number. */
export function timeKey(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null;
}

/** What the reference search needs of a user: the cache's search columns. */
export interface SearchRow {
  connectionId: string;
  userId: string;
  searchText: string;
  sortName: string;
  role: Role;
  roleRank: number;
  isBot: boolean;
  deactivated: boolean;
  gone: boolean;
  lastActiveAt: number | null;
  joinedAt: number | null;
}

/** The search columns of a user, as the cache computes them. */
export function searchRowOf(user: DirectoryUser, gone = false): SearchRow {
  return {
    connectionId: user.connectionId,
    userId: user.userId,
    searchText: buildHaystack(user),
    sortName: sortNameOf(user.name),
    role: user.role,
    roleRank: ROLE_RANK[user.role],
    isBot: user.isBot,
    deactivated: user.deactivated,
    gone,
    lastActiveAt: timeKey(user.presence?.lastActiveAt),
    joinedAt: timeKey(user.joinedAt),
  };
}

/** The filter part of a query (rules 3 and 4). */
export type SearchFilter = Pick<
  SearchQuery,
  'text' | 'connectionIds' | 'roles' | 'accounts' | 'status'
>;

/** Rules 3 and 4 for one row, with the terms already split. */
function rowMatches(row: SearchRow, filter: SearchFilter, terms: readonly string[]): boolean {
  if (filter.connectionIds.length > 0 && !filter.connectionIds.includes(row.connectionId)) {
    return false;
  }
  if (filter.roles.length > 0 && !filter.roles.includes(row.role)) return false;
  if (filter.accounts === 'humans' && row.isBot) return false;
  if (filter.accounts === 'bots' && !row.isBot) return false;
  const inactive = row.deactivated || row.gone;
  if (filter.status === 'active' && inactive) return false;
  if (filter.status === 'deactivated' && !inactive) return false;
  return terms.every((t) => row.searchText.includes(t));
}

function compareNullsLast(a: number | null, b: number | null, sign: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return sign * (a - b);
}

/** Rule 5 as a comparator. */
function compareRows(
  sort: SearchQuery['sort'],
  direction: SearchQuery['direction'],
): (a: SearchRow, b: SearchRow) => number {
  const sign = direction === 'desc' ? -1 : 1;
  const ties = (a: SearchRow, b: SearchRow): number =>
    compareCodePoints(a.sortName, b.sortName) ||
    compareCodePoints(a.connectionId, b.connectionId) ||
    compareCodePoints(a.userId, b.userId);
  switch (sort) {
    case 'name':
      return (a, b) => sign * ties(a, b);
    case 'role':
      return (a, b) => sign * (a.roleRank - b.roleRank) || ties(a, b);
    case 'lastActive':
      return (a, b) => compareNullsLast(a.lastActiveAt, b.lastActiveAt, sign) || ties(a, b);
    case 'joined':
      return (a, b) => compareNullsLast(a.joinedAt, b.joinedAt, sign) || ties(a, b);
  }
}

/** The reference search over rows in memory: rules 1-6, nothing else. */
export function searchRows<T extends SearchRow>(
  rows: readonly T[],
  query: SearchQuery,
): { total: number; items: T[] } {
  const terms = searchTerms(query.text);
  const matches = rows.filter((r) => rowMatches(r, query, terms));
  matches.sort(compareRows(query.sort, query.direction));
  return { total: matches.length, items: matches.slice(query.offset, query.offset + query.limit) };
}
