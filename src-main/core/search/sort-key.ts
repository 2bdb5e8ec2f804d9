/**
 * The sort keys of the search index: strings whose JavaScript order is the
 * code point order of rule 5 (search-text.ts), so the index compares names,
 * user IDs and connection IDs with plain `<`.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */

/**
 * A string whose UTF-16 order (JavaScript's `<`) is the code point order of
 * the original (rule 5): units U+E000-FFFF move below the surrogates, which
 * move to the top, exactly as `compareCodePoints` does. Most strings have no
 * unit at or above U+D800 and are returned as they are.
 */
export function codePointSortKey(text: string): string {
  let i = 0;
  while (i < text.length && text.charCodeAt(i) < 0xd800) i++;
  if (i === text.length) return text;
  const units: number[] = [];
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    units.push(c < 0xd800 ? c : c >= 0xe000 ? c - 0x800 : c + 0x2000);
  }
  let out = '';
  for (let j = 0; j < units.length; j += 4096) {
    out += String.fromCharCode(...units.slice(j, j + 4096));
  }
  return out;
}
