/**
 * The stand-in for a missing picture: initials on a colour derived from the
 * user id, so the same person keeps the same colour across restarts and
 * connections, and no layout shifts while the real picture loads.
 *
 * Runs in the window (pure functions).
 */
import { shortHash } from '@shared/summary';

/**
 * Backgrounds that all carry white text at WCAG AA (4.5:1 or better), in
 * both themes, and are far enough apart to tell neighbours apart.
 */
export const AVATAR_COLOURS = [
  '#1d4ed8',
  '#7c3aed',
  '#be185d',
  '#b91c1c',
  '#b45309',
  '#4d7c0f',
  '#047857',
  '#0e7490',
  '#4338ca',
  '#a21caf',
  '#9a3412',
  '#475569',
] as const;

/** A stable colour for a user: the same id always gets the same one. */
export function avatarColour(connectionId: string, userId: string): string {
  const index = parseInt(shortHash(`${connectionId}/${userId}`), 16) % AVATAR_COLOURS.length;
  return AVATAR_COLOURS[index] ?? AVATAR_COLOURS[0];
}

/**
 * One or two letters from a name: first and last word for Latin-like names,
 * the first character for scripts without spaces (CJK). Never empty.
 */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/u)
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return '?';
  const first = firstLetter(words[0]!);
  if (words.length === 1) return first;
  const last = firstLetter(words[words.length - 1]!);
  return `${first}${last}`;
}

function firstLetter(word: string): string {
  const match = /[\p{L}\p{N}]/u.exec(word);
  return (match ? match[0] : (Array.from(word)[0] ?? '?')).toLocaleUpperCase();
}
