/**
 * Rule 1 of search-text.ts: the one form names, haystacks and terms are
 * compared in, and the terms of a query. In a file of its own so the
 * ranking (relevance.ts) and the haystack (search-text.ts) fold alike.
 *
 * Node only (plain TypeScript; no I/O).
 */

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
/**
 * Apostrophes and the marks typed for them (' ` ´ ‘ ’ ʼ ʻ ′ and the
 * fullwidth forms): dropped, so "o'connor" meets "O’Connor".
 */
const APOSTROPHES_RE = /['`\u00b4\u2018\u2019\u02bc\u02bb\u2032\uff07\uff40]/gu;
/**
 * Combining marks after a Latin, Greek or Cyrillic letter (or a symbol,
 * digit or space), where dropping accents is the convention: "ë" is "e".
 * Marks in other scripts tell letters apart (kana dakuten, Devanagari
 * vowel signs, Hebrew points) and are kept.
 */
const STRIPPED_MARKS_RE =
  /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}])\p{M}+/gu;
const LEADING_MARKS_RE = /^\p{M}+/u;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HANGUL_SYLLABLE_RE = /[\uac00-\ud7a3]/gu;
const PLAIN_ASCII_RE = /^[\x20-\x26\x28-\x5f\x61-\x7e]*$/;

// Any change to folding or tokenizing must bump SEARCH_INDEX_VERSION (index-version.ts).
/** Rule 1: the one form text is compared in, for names, haystacks and terms alike. */
export function foldText(text: string): string {
  // Most text is plain ASCII without apostrophes: lowercasing is all it needs.
  if (PLAIN_ASCII_RE.test(text)) return text.toLowerCase();
  return (
    text
      .replace(LONE_SURROGATE_RE, '\uFFFD')
      .replace(APOSTROPHES_RE, '')
      .normalize('NFKD')
      .replace(APOSTROPHES_RE, '')
      .replace(STRIPPED_MARKS_RE, '$1')
      .replace(LEADING_MARKS_RE, '')
      .toLowerCase()
      .replace(SPELLED_OUT_RE, (c) => SPELLED_OUT[c] ?? c)
      .normalize('NFC')
      // Hangul stays in jamo, as NFKD left it: "바" (typed on the way to "박") finds "박".
      .replace(HANGUL_SYLLABLE_RE, (c) => c.normalize('NFD'))
  );
}

/** Rule 3: the terms of a query, each folded and free of whitespace. */
export function searchTerms(text: string): string[] {
  return foldText(text)
    .split(/\s+/u)
    .filter((t) => t !== '');
}
