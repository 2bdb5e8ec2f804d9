/**
 * How much of a server's text Rollcall works on: one cap per kind of field.
 * A server can send a name of ten megabytes; the payload is kept whole (the
 * raw view has it), but the user, the card, the search text and every page
 * hold the text cut to its cap and marked as cut, so one such field costs
 * what any other does. Both providers' normalizers, the card (summary.ts)
 * and the search text (search-text.ts) cut with this table.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */
import type { CutField } from './model';

/** The most UTF-16 units kept of each kind of text; longer text is cut to this, "…" included. */
export const TEXT_CAPS = {
  /** A person's display name, a username, a key owner's name. */
  name: 256,
  /** An email address (RFC 5321 allows 254; 320 is what forms accept). */
  email: 320,
  /** A label: a group's or a profile field's name, a choice, a gender, an ID shown as a name. */
  label: 256,
  /** A profile field's hint. */
  hint: 1024,
  /** A status message. */
  status: 1024,
  /** A status emoji (one emoji, however many code points it joins). */
  emoji: 64,
  /** A custom profile field's value (Zulip's long text is the longest). */
  fieldValue: 4096,
  /** A bio. */
  bio: 8192,
  /**
   * Server-rendered HTML. Not cut (half a tag is not HTML): above this it is
   * dropped and the plain value shown, since sanitizing half a megabyte of
   * nested tags froze the window for seconds.
   */
  renderedHtml: 64 * 1024,
  /** Any string inside a kept extra (Open WebUI's info, settings, oauth; Zulip's unknown role). */
  extra: 4096,
  /** A timezone name (the longest IANA name is 32): a longer one is dropped, not cut. */
  timezone: 100,
  /** A link or picture URL: a longer one is dropped, not cut (half a URL leads elsewhere). */
  url: 8192,
  /** A line of text on a card: a summary field's text. */
  cardLine: 256,
  /** The folded text a user is searched by: what the index makes n-grams of, per user. */
  searchText: 16 * 1024,
  /** The folded name a user is sorted by. */
  sortName: 256,
} as const;

/** A kind of text with a cap. */
export type TextKind = keyof typeof TEXT_CAPS;

/** The most groups and summary fields a card carries (it shows two lines). */
export const CARD_LIST_CAPS = { groups: 20, summaryFields: 4 } as const;

/** What ends a cut text. */
export const CUT_MARK = '…';

/**
 * The first `max` UTF-16 units of `text` (one fewer when that would split a
 * surrogate pair), unmarked: for text nobody reads as such (search text).
 */
export function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** What stands for a unit of text the cache cannot store: the Unicode replacement character. */
const STAND_IN = '\uFFFD';

/**
 * `text` as the cache stores it, each unit it could not store replaced by
 * U+FFFD, so the search index built from memory during a sync and the one
 * built from the file at the next start hold the same text:
 * - a NUL (U+0000): the cache's SQLite binding ends a string at its first
 *   NUL, so "Ann\0Lee" would be stored as "Ann" and "Lee" never found;
 * - a lone surrogate (half of a UTF-16 pair): UTF-8 cannot encode it, and
 *   the binding writes U+FFFD in its place.
 * The length stays the same (one unit for one), so a replacement is never
 * mistaken for a cut, and the admin sees that the server sent something
 * there. The payload keeps the text as it came (JSON escapes both).
 */
export function storableText(text: string): string {
  const whole = text.isWellFormed() ? text : text.toWellFormed();
  return whole.includes('\0') ? whole.replaceAll('\0', STAND_IN) : whole;
}

/**
 * `text` cut to the cap of its kind, ending in "…", or as it is when it
 * fits, made storable (`storableText`): every server text a user is
 * made of passes here. Never splits a surrogate pair; cutting a cut text
 * changes nothing. Cut or not, a text keeps its length unless it was cut.
 */
export function capText(text: string, kind: TextKind): string {
  const max = TEXT_CAPS[kind];
  const clean = storableText(text);
  if (clean.length <= max) return clean;
  return `${cutToLength(clean, max - CUT_MARK.length)}${CUT_MARK}`;
}

/**
 * Cuts a user's fields and remembers which were cut, so the user (and its
 * card) can say so: `cut()` is undefined when nothing was.
 */
export interface TextCutter {
  /** `text` cut to its kind's cap; `field` is noted when it was cut. */
  cap(text: string, kind: TextKind, field: CutField): string;
  /** Like `cap`, passing null through. */
  capOrNull(text: string | null, kind: TextKind, field: CutField): string | null;
  /** Notes `field` as cut (for text cut elsewhere). */
  mark(field: CutField): void;
  /** The fields cut so far, in the order first cut; undefined when none. */
  cut(): CutField[] | undefined;
}

/** A cutter with nothing cut yet. */
export function textCutter(): TextCutter {
  const fields: CutField[] = [];
  const mark = (field: CutField): void => {
    if (!fields.includes(field)) fields.push(field);
  };
  const cap = (text: string, kind: TextKind, field: CutField): string => {
    const capped = capText(text, kind);
    // A unit made storable keeps the length: only a shorter text was cut.
    if (capped.length !== text.length) mark(field);
    return capped;
  };
  return {
    cap,
    capOrNull: (text, kind, field) => (text === null ? null : cap(text, kind, field)),
    mark,
    cut: () => (fields.length > 0 ? [...fields] : undefined),
  };
}
