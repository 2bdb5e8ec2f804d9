/**
 * Dictionaries keyed by strings a server chose (group ids, subtypes, JSON
 * keys). A plain object literal answers `constructor`, `toString` or
 * `__proto__` with what it inherits, so every such lookup goes through an
 * own-property check, and every such dictionary is built without a
 * prototype, where `__proto__` is just a key.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */

/** An empty dictionary without a prototype: any string is an ordinary key in it. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The value under `key` if the object itself holds it; never an inherited member. */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
