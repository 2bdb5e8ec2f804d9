/**
 * What a directory search means, written down once. The in-memory index
 * (search-index.ts) and the SQLite search of users-search-sql.ts must give the
 * same answers, so the rules live here, with a reference implementation
 * (`searchRows`) that the tests hold both against.
 *
 * THE RULES
 *
 * 1. Folding (`foldText`, folding.ts): well-formed UTF-16, apostrophes
 *    (' ` ´ ‘ ’ ʼ ʻ ′) dropped, Unicode NFKD, the combining marks (`\p{M}`)
 *    after a Latin, Greek, Cyrillic or Common character dropped (marks of
 *    other scripts are kept: they tell kana, Devanagari or Hebrew letters
 *    apart), `toLowerCase()` (locale-free), then the letters that have no
 *    decomposition are spelled out: ß→ss, æ→ae, œ→oe, ø→o, ł→l, đ→d, ð→d,
 *    þ→th, ı→i, ħ→h, ŧ→t, and final sigma ς→σ (JS lowercases Σ by context,
 *    so a term and a name must meet on one form), then NFC (the kept marks
 *    composed again) with Hangul syllables left in jamo. Folding is idempotent. "Zoë Müller" folds to "zoe
 *    muller"; "ÅSA" to "asa"; "O’Connor" to "oconnor"; が stays が.
 * 2. The haystack (`buildHaystack`): the folded name, username, email,
 *    delivery email, user ID, role label (ROLE_LABELS), bot type label (bots
 *    only), each group name and each profile field's text; folded, empty
 *    ones dropped. The name is followed by its compact form (separators of
 *    relevance.ts dropped: "jeanluc"), and every field by its form with the
 *    spaces, dashes, dots and parentheses between digits dropped
 *    ("+4930555501234"). Each distinct line once (in that order), joined with "\n".
 *    Terms never hold whitespace, so no term can match across two fields.
 *    At most TEXT_CAPS.searchText units (`capSearchText`): what lies past
 *    them is not searched, so no user costs the index more than that.
 * 3. Terms (`searchTerms`): the folded query split on whitespace (`/\s+/u`),
 *    empty pieces dropped. A user matches when EVERY term is a substring of
 *    the haystack (AND). No terms: everyone matches. Characters have no
 *    special meaning: `"`, `*`, `:`, `AND`, `NEAR(` are looked for literally.
 *    SQLite tests each term with `GLOB '*term*'` (its wildcards bracketed;
 *    `instr()` where a NUL is involved, users-search-where.ts); the in-memory
 *    index narrows with character n-grams and checks with `includes`; both
 *    are exact substring tests on code points.
 * 4. Filters: `connectionIds` (empty: all), `roles` (empty: all), `accounts`
 *    humans = not a bot, bots = a bot; `status` active = not deactivated and
 *    not gone, deactivated = deactivated or gone, all. `activity`
 *    inactiveSince = last active before `activeBefore` (never active users
 *    are NOT inactive since: they are their own choice), never = no last
 *    activity known. `joinedAfter` keeps joinedAt >= it, `joinedBefore`
 *    joinedAt < it; a user without a join time fails either bound. Times
 *    compare as `timeKey` (whole ms). `groups` (any of them) and
 *    `profileField` (a choice's key exactly, or a folded substring of a
 *    text value): filter-keys.ts.
 * 5. Order. Times are whole milliseconds (`timeKey`). Strings compare by Unicode code point (SQLite's BINARY on UTF-8;
 *    `compareCodePoints` here). `sortName` is the folded, trimmed name.
 *    - name: (sortName, connectionId, userId), all ascending or, for desc,
 *      all descending (the exact reverse).
 *    - role: roleRank in the asked direction, then sortName, connectionId,
 *      userId ascending.
 *    - lastActive / joined: users without a value last in BOTH directions,
 *      then the value in the asked direction, then sortName, connectionId,
 *      userId ascending.
 *    - relevance: with terms, the tier of relevance.ts (exact ID, exact
 *      email, whole name, name-word prefix, word prefix, substring), then
 *      sortName, connectionId, userId ascending; without terms, the name
 *      order ascending. The direction does not apply: the best is first.
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
import { cutToLength, TEXT_CAPS, storableText } from '@shared/text-caps';
import { foldText, searchTerms } from './folding';
import { filterKeysOf, keysMatch, type FilterKeys } from './filter-keys';
import { compactOf, rankQueryOf, relevanceTier, type RankFields } from './relevance';

export { foldText, searchTerms };

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

/** Digits on both sides of spaces, dashes, dots or parentheses: a formatted number's pieces. */
const DIGIT_GAPS_RE = /(?<=\d)[\s\-.()]+(?=\d)/gu;

/** Rule 2: the folded text a user's terms are looked for in. */
export function buildHaystack(user: DirectoryUser): string {
  const max = TEXT_CAPS.searchText;
  const seen = new Set<string>();
  let length = 0;
  const add = (folded: string): void => {
    if (folded === '' || seen.has(folded)) return; // A repeat (email = delivery email) adds nothing.
    seen.add(folded);
    length += folded.length + 1;
  };
  haystackFields(user).forEach((field, i) => {
    if (length > max) return; // The rest would be cut anyway: fold none of it.
    // Normalizers make text storable already (capText); a field made elsewhere is made so here.
    const folded = foldText(storableText(cutToLength(field, max)));
    add(folded);
    // "jeanluc" finds Jean-Luc; "4930555" finds "+49 30 5550 1234".
    if (i === 0 && field === user.name) add(compactOf(folded));
    add(folded.replace(DIGIT_GAPS_RE, ''));
  });
  return capSearchText([...seen].join('\n'));
}

/** Rule 5: the key "sort by name" uses (at most TEXT_CAPS.sortName units). */
export function sortNameOf(name: string): string {
  const max = TEXT_CAPS.sortName;
  return cutToLength(foldText(storableText(cutToLength(name.trimStart(), max))).trim(), max);
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
export interface SearchRow extends RankFields {
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
  /** Groups and profile field values (filter-keys.ts). */
  filterKeys: FilterKeys;
}

/** The search columns of a user, as the cache computes them. */
export function searchRowOf(user: DirectoryUser, gone = false): SearchRow {
  return {
    connectionId: user.connectionId,
    userId: user.userId,
    email: user.email,
    deliveryEmail: user.deliveryEmail,
    searchText: buildHaystack(user),
    sortName: sortNameOf(user.name),
    role: user.role,
    roleRank: ROLE_RANK[user.role],
    isBot: user.isBot,
    deactivated: user.deactivated,
    gone,
    lastActiveAt: timeKey(user.presence?.lastActiveAt),
    joinedAt: timeKey(user.joinedAt),
    filterKeys: filterKeysOf(user),
  };
}

/** The filter part of a query (rules 3 and 4). */
export type SearchFilter = Pick<
  SearchQuery,
  | 'text'
  | 'connectionIds'
  | 'roles'
  | 'accounts'
  | 'status'
  | 'activity'
  | 'activeBefore'
  | 'joinedAfter'
  | 'joinedBefore'
  | 'groups'
  | 'profileField'
>;

/** Rule 4's time filters for one row (their own rule, so the export and the facets share it). */
function timesMatch(
  row: Pick<SearchRow, 'lastActiveAt' | 'joinedAt'>,
  filter: Pick<SearchFilter, 'activity' | 'activeBefore' | 'joinedAfter' | 'joinedBefore'>,
): boolean {
  const last = row.lastActiveAt;
  if (filter.activity === 'never' && last !== null) return false;
  if (filter.activity === 'inactiveSince' && (last === null || last >= filter.activeBefore)) {
    return false;
  }
  const joined = row.joinedAt;
  if (filter.joinedAfter !== null && (joined === null || joined < filter.joinedAfter)) return false;
  if (filter.joinedBefore !== null && (joined === null || joined >= filter.joinedBefore)) {
    return false;
  }
  return true;
}

/** Rules 3 and 4 for one row, with the terms already split (also what facets.ts counts by). */
export function rowMatchesFilter(
  row: SearchRow,
  filter: SearchFilter,
  terms: readonly string[],
): boolean {
  if (filter.connectionIds.length > 0 && !filter.connectionIds.includes(row.connectionId)) {
    return false;
  }
  if (filter.roles.length > 0 && !filter.roles.includes(row.role)) return false;
  if (filter.accounts === 'humans' && row.isBot) return false;
  if (filter.accounts === 'bots' && !row.isBot) return false;
  const inactive = row.deactivated || row.gone;
  if (filter.status === 'active' && inactive) return false;
  if (filter.status === 'deactivated' && !inactive) return false;
  if (!timesMatch(row, filter)) return false;
  if (!keysMatch(row.connectionId, row.filterKeys, filter)) return false;
  return terms.every((t) => row.searchText.includes(t));
}

/** The name order of rule 5: (sortName, connectionId, userId) ascending. */
function nameOrder(a: RankedRow, b: RankedRow): number {
  return (
    compareCodePoints(a.sortName, b.sortName) ||
    compareCodePoints(a.connectionId, b.connectionId) ||
    compareCodePoints(a.userId, b.userId)
  );
}

/** What the relevance order reads of a row. */
type RankedRow = RankFields & { connectionId: string };

/**
 * Rule 5's relevance order, in place: by tier (relevance.ts) for these
 * terms, then the name order. The SQL search ranks the matches it read with
 * this, so it cannot drift from the reference.
 */
export function sortByRelevance<T extends RankedRow>(rows: T[], terms: readonly string[]): T[] {
  let i = 0;
  for (const tier of byTier(rows, terms)) for (const r of tier.sort(nameOrder)) rows[i++] = r;
  return rows;
}

/** The rows in one list per tier, best first (no terms: every row in the first). */
function byTier<T extends RankedRow>(rows: readonly T[], terms: readonly string[]): T[][] {
  if (terms.length === 0) return [[...rows]];
  const q = rankQueryOf(terms);
  const tiers: T[][] = [[], [], [], [], [], []];
  for (const r of rows) tiers[relevanceTier(r, q) - 1]!.push(r);
  return tiers;
}

/**
 * `sortByRelevance(rows, terms).slice(offset, offset + limit)`, sorting only
 * the tiers the page reaches: a first page of 4 000 matches of "mu" sorts
 * the few hundred whose name starts with it, not all of them.
 */
export function pageByRelevance<T extends RankedRow>(
  rows: readonly T[],
  terms: readonly string[],
  offset: number,
  limit: number,
): T[] {
  const page: T[] = [];
  let skip = Math.max(0, offset);
  for (const tier of byTier(rows, terms)) {
    if (page.length >= limit) break;
    if (skip >= tier.length) {
      skip -= tier.length;
      continue;
    }
    tier.sort(nameOrder);
    for (let i = skip; i < tier.length && page.length < limit; i++) page.push(tier[i]!);
    skip = 0;
  }
  return page;
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
  const ties = nameOrder;
  switch (sort) {
    case 'relevance':
      return nameOrder;
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
  const matches = rows.filter((r) => rowMatchesFilter(r, query, terms));
  if (query.sort === 'relevance') sortByRelevance(matches, terms);
  else matches.sort(compareRows(query.sort, query.direction));
  return { total: matches.length, items: matches.slice(query.offset, query.offset + query.limit) };
}
