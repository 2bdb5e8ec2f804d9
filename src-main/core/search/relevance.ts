/**
 * What "relevance" means for a directory search (the relevance order of
 * rule 5 of search-text.ts), written once: the reference search, the SQL
 * search and the in-memory index all rank with these functions, so the
 * three give one order.
 *
 * A match's tier, best first:
 * 1. its user ID, folded, is the query (the terms joined by one space);
 * 2. its email or delivery email, folded, or the part of one before the
 *    last "@", is the query;
 * 3. its name is the query: the same words (`wordsOf`), or the same
 *    letters once separators are dropped (`compactOf`: "jeanluc", "Jean-Luc");
 * 4. every term starts a word of the name (or of its compact form);
 * 5. every term starts a word of some field of the haystack;
 * 6. any other match.
 * Ties go by the name order (sort name, connection, user ID), ascending.
 *
 * Words are what lies between separators (`isSeparatorUnit`): whitespace,
 * line breaks and a fixed set of punctuation. A term starts a word when it
 * occurs right after a separator or at the start of the text, and its
 * first unit is no separator.
 *
 * Node only (plain TypeScript; no I/O).
 */
import { cutToLength, TEXT_CAPS } from '@shared/text-caps';
import { foldText } from './folding';

/** Separators besides whitespace: punctuation that splits a name, an email or a phone number into words. */
const SEPARATOR_PUNCTUATION =
  '-_.,;:@+/\\()[]{}<>"#!?&*=|~%$^\u00b7\u30fb\u3001\u3002\u2010\u2011\u2013\u2014';
const SEPARATOR_TABLE = new Uint8Array(0x10000);
for (const c of ' \t\n\r\f\v\u00a0\u3000' + SEPARATOR_PUNCTUATION) {
  SEPARATOR_TABLE[c.charCodeAt(0)] = 1;
}

/** Whether a UTF-16 unit separates words (see above). */
function isSeparatorUnit(c: number): boolean {
  return SEPARATOR_TABLE[c] === 1;
}

/** Whether position `at` of `text` starts a word: the start, or right after a separator, on a non-separator. */
export function isWordStart(text: string, at: number): boolean {
  return (
    !isSeparatorUnit(text.charCodeAt(at)) && (at === 0 || isSeparatorUnit(text.charCodeAt(at - 1)))
  );
}

/** The words of a folded text joined by one space: "jean-luc  picard" → "jean luc picard". */
function wordsOf(text: string): string {
  let out = '';
  let word = '';
  for (let i = 0; i < text.length; i++) {
    if (isSeparatorUnit(text.charCodeAt(i))) {
      if (word !== '') out = out === '' ? word : `${out} ${word}`;
      word = '';
    } else word += text[i] as string;
  }
  if (word !== '') out = out === '' ? word : `${out} ${word}`;
  return out;
}

/** A folded text with every separator dropped: "jean-luc picard" → "jeanlucpicard". */
export function compactOf(text: string): string {
  // The runs between separators, sliced: a text without one is returned as it is.
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isSeparatorUnit(text.charCodeAt(i))) continue;
    if (i > from) out += text.slice(from, i);
    from = i + 1;
  }
  return from === 0 ? text : from < text.length ? out + text.slice(from) : out;
}

/** Whether `term` can start a word at all: not empty, not led by a separator ("@example.org" cannot). */
export function canStartAWord(term: string): boolean {
  return term !== '' && !isSeparatorUnit(term.charCodeAt(0));
}

/** Whether `term` starts a word somewhere in `text` (see above). */
export function startsAWord(text: string, term: string): boolean {
  if (!canStartAWord(term)) return false;
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    if (at === 0 || isSeparatorUnit(text.charCodeAt(at - 1))) return true;
  }
  return false;
}

/**
 * The text tier 4 looks for word starts in: the sort name, and its compact
 * form on a line of its own. Joined, not concatenated: the index holds one
 * per user, and a concatenation (like `compactOf`'s, a unit at a time) is a
 * tree of strings the collector marks every time, about three objects a
 * user more at 100 000 users; `join` writes one flat string.
 */
export function rankNameOf(sortName: string): string {
  const compact = compactOf(sortName);
  return compact === '' || compact === sortName ? sortName : [sortName, compact].join('\n');
}

/** What ranking reads of a row: columns the cache holds. */
export interface RankFields {
  userId: string;
  email: string | null;
  deliveryEmail: string | null;
  sortName: string;
  searchText: string;
}

/**
 * The exact keys of a row, each led by the tier it gives: "1" its folded
 * user ID, "2" each folded email and local part, "3" its name's words and
 * compact form. A query whose key is among them reaches that tier.
 */
export function exactKeysOf(row: RankFields): string[] {
  const keys = new Set<string>();
  const add = (tier: string, key: string): void => {
    if (key !== '') keys.add(tier + key);
  };
  add('1', foldText(cutToLength(row.userId, TEXT_CAPS.sortName)));
  for (const email of [row.email, row.deliveryEmail]) {
    if (typeof email !== 'string' || email === '') continue;
    const folded = foldText(cutToLength(email, TEXT_CAPS.sortName));
    add('2', folded);
    const at = folded.lastIndexOf('@');
    if (at > 0) add('2', folded.slice(0, at));
  }
  add('3', wordsOf(row.sortName));
  add('3', compactOf(row.sortName));
  return [...keys];
}

/** A query as ranking reads it: its folded terms and the keys tiers 1-3 look for. */
export interface RankQuery {
  terms: readonly string[];
  /** The keys giving tiers 1, 2 and 3 (the last has two: words and compact form). */
  idKey: string;
  emailKey: string;
  nameKeys: readonly string[];
  /** The terms joined by one space, and its compact form: what `relevanceTier` compares. */
  whole: string;
  compact: string;
}

/** The rank query of a query's terms (searchTerms of search-text.ts). */
export function rankQueryOf(terms: readonly string[]): RankQuery {
  const whole = terms.join(' ');
  const compact = compactOf(whole);
  const names = [wordsOf(whole), compact].filter((k) => k !== '').map((k) => `3${k}`);
  return {
    terms,
    idKey: `1${whole}`,
    emailKey: `2${whole}`,
    nameKeys: [...new Set(names)],
    whole,
    compact,
  };
}

/** Whether an email, folded, or its part before the last "@", is `whole` (tier 2's keys). */
function emailIs(email: string | null, whole: string): boolean {
  if (typeof email !== 'string' || email === '') return false;
  const folded = foldText(cutToLength(email, TEXT_CAPS.sortName));
  if (folded === whole) return true;
  const at = folded.lastIndexOf('@');
  return at === whole.length && folded.startsWith(whole);
}

/**
 * The tier (1 best, 6 last) of a row that matches `q`'s terms (see above):
 * the tier whose key among `exactKeysOf(row)` the query's keys meet first,
 * else tiers 4-6. Written without making the row's keys: the SQL search
 * tiers every match it ranks (2 000 at most) while the window waits. Tier
 * 3 is one comparison: a name key of the query is one of the row's exactly
 * when their compact forms are the same and not empty, since each name key
 * is made of the same letters as the compact form
 * (test/core/search-relevance.test.ts checks it against the keys).
 */
export function relevanceTier(row: RankFields, q: RankQuery): number {
  const { whole } = q;
  if (whole !== '' && foldText(cutToLength(row.userId, TEXT_CAPS.sortName)) === whole) return 1;
  if (whole !== '' && (emailIs(row.email, whole) || emailIs(row.deliveryEmail, whole))) return 2;
  const compact = compactOf(row.sortName);
  if (q.compact !== '' && compact === q.compact) return 3;
  // Tier 4's text is the sort name and its compact form on a line of its own
  // (`rankNameOf`); no term holds a line break, so each part is tested alone.
  const { sortName } = row;
  if (q.terms.every((t) => startsAWord(sortName, t) || startsAWord(compact, t))) return 4;
  if (q.terms.every((t) => startsAWord(row.searchText, t))) return 5;
  return 6;
}
