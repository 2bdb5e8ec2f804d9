/**
 * Small, total readers for untrusted JSON: each takes anything and returns a
 * value of the asked type or a fallback, so normalizers never throw on a
 * strange payload, and converters shared by both providers (timestamps,
 * avatar URLs, safe links).
 *
 * Node only; never imports `electron` (pure).
 */
import { ownValue } from '@shared/dictionary';
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { AvatarSource, JsonValue } from '@shared/model';
import { capText, TEXT_CAPS, type TextKind } from '@shared/text-caps';

/** A plain JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** A JSON object (not null, not an array): the only shape a user can be. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property only: `__proto__` and `constructor` in a payload are just keys. */
export function field(obj: JsonObject, key: string): JsonValue | undefined {
  return ownValue(obj, key);
}

/** The value if it is a string, else null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A string with something in it, trimmed of nothing (names keep their spaces). */
export function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Levels below which `capJsonText` leaves a value as it is (redaction hides what is deeper). */
const CAP_DEPTH = 64;

/**
 * A JSON value with every string in it (keys left alone) cut to the cap of
 * `kind`, made storable (`capText`); the same value when no string changed,
 * so a plain payload costs no copy. `onCut` hears of each string that was
 * cut (a unit made storable is not a cut). Server keys are defined as own
 * properties, never assigned.
 */
export function capJsonText(
  value: JsonValue,
  kind: TextKind,
  onCut?: () => void,
  depth = 0,
): JsonValue {
  if (typeof value === 'string') {
    const capped = capText(value, kind);
    if (capped.length !== value.length) onCut?.();
    return capped;
  }
  if (value === null || typeof value !== 'object' || depth > CAP_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: JsonValue[] | null = null;
    value.forEach((v, i) => {
      const capped = capJsonText(v, kind, onCut, depth + 1);
      if (capped !== v) (out ??= value.slice())[i] = capped;
    });
    return out ?? value;
  }
  let out: JsonObject | null = null;
  for (const key of Object.keys(value)) {
    const v = value[key] as JsonValue;
    const capped = capJsonText(v, kind, onCut, depth + 1);
    if (capped === v) continue;
    out ??= { ...value };
    Object.defineProperty(out, key, {
      value: capped,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out ?? value;
}

/** The value if it is a finite number, else null (no NaN or Infinity into the model). */
export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The value if it is a safe integer, else null (IDs and codes). */
export function int(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/** The value if it is a boolean, else null: `"false"` is not false. */
export function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** Earliest and latest plausible instants: anything else is a unit mistake or garbage. */
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

/**
 * Epoch milliseconds from a Unix timestamp in seconds. Values too large to
 * be seconds are taken as milliseconds, then microseconds, then
 * nanoseconds (servers and imports have used all four); implausible results
 * are null.
 */
export function secondsToMs(value: unknown): number | null {
  const n = num(value);
  if (n === null || n <= 0) return null;
  let ms = n * 1000;
  if (ms > MAX_MS) ms = n;
  if (ms > MAX_MS) ms = n / 1000;
  if (ms > MAX_MS) ms = n / 1_000_000;
  ms = Math.round(ms);
  return ms >= MIN_MS && ms <= MAX_MS ? ms : null;
}

/** Epoch milliseconds from an ISO 8601 string, or null. */
export function isoToMs(value: unknown): number | null {
  const s = str(value);
  if (s === null || s.length > 64) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS ? ms : null;
}

/** A plausible date of birth or field date: YYYY-MM-DD (kept as text), else null. */
export function isoDay(value: unknown): string | null {
  const s = str(value);
  if (s === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return null;
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  return Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ? null : day;
}

/** An http(s) URL without credentials, normalized; null for anything else. */
export function safeHttpUrl(value: unknown): string | null {
  const s = str(value);
  if (s === null || s.length > TEXT_CAPS.url) return null;
  let url: URL;
  try {
    url = new URL(s.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null;
  return url.href;
}

/** Data URLs larger than this are fetched through the server's image route instead. */
export const MAX_INLINE_AVATAR_CHARS = 256 * 1024;

/**
 * Where a picture URL points, relative to the connection: a relative path
 * is resolved against the base URL (path prefix kept) and fetched with the
 * connection's credentials; an absolute URL on the same origin likewise;
 * any other origin is external (no credentials); `data:image/...` is inline.
 */
export function avatarFromUrl(value: unknown, baseUrl: string): AvatarSource {
  const s = nonEmpty(value)?.trim();
  if (!s || s.length > 16 * 1024 * 1024) return { kind: 'none' };
  if (/^data:/i.test(s)) {
    return /^data:image\/[a-z0-9.+-]+[;,]/i.test(s) && s.length <= MAX_INLINE_AVATAR_CHARS
      ? { kind: 'inline', dataUrl: s }
      : { kind: 'none' };
  }
  const base = parsedBase(baseUrl);
  if (base === null) return { kind: 'none' };
  let resolved: URL;
  try {
    if (s.startsWith('/') && !s.startsWith('//')) {
      // Root-relative paths are relative to the app, which may live under a prefix.
      const path =
        base.prefix !== '' && (s === base.prefix || s.startsWith(`${base.prefix}/`))
          ? s
          : `${base.prefix}${s}`;
      resolved = new URL(path, base.origin);
    } else {
      resolved = new URL(s, base.href);
    }
  } catch {
    return { kind: 'none' };
  }
  if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') return { kind: 'none' };
  if (resolved.username !== '' || resolved.password !== '' || resolved.hostname === '') {
    return { kind: 'none' };
  }
  return resolved.origin === base.origin
    ? { kind: 'server', url: resolved.href }
    : { kind: 'external', url: resolved.href };
}

/** Base URLs parsed once: a sync resolves 100 000 avatars against the same one. */
const bases = new Map<string, { href: string; origin: string; prefix: string } | null>();
function parsedBase(baseUrl: string): { href: string; origin: string; prefix: string } | null {
  let entry = bases.get(baseUrl);
  if (entry === undefined) {
    try {
      const url = new URL(`${baseUrl.replace(/\/+$/, '')}/`);
      entry = { href: url.href, origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
    } catch {
      entry = null;
    }
    if (bases.size > 100) bases.clear();
    bases.set(baseUrl, entry);
  }
  return entry;
}

/**
 * The BAD_RESPONSE of a user a normalizer cannot read, with the short
 * reason on its own: a lookup shows the whole message, a sync skips the
 * member and reports the reason of the first one it skipped.
 */
export class UnreadableUser extends RollcallFailure {
  constructor(
    product: string,
    readonly reason: string,
  ) {
    super(
      rollcallError(
        'BAD_RESPONSE',
        `The server sent a user Rollcall cannot read (${reason}). Is this really ${product}?`,
      ),
    );
    this.name = 'UnreadableUser';
  }
}

/** Throws the BAD_RESPONSE every normalizer uses for a payload it cannot read. */
export function badUser(product: string, what: string): never {
  throw new UnreadableUser(product, what);
}

/** A server value as a message may quote it: short, and typed when it is not text or a number. */
export function quoted(value: unknown): string {
  if (value === undefined) return 'none';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/**
 * A context check (`asZulipContext`, `asOpenWebUIContext`) run once per
 * object: a sync normalizes and digests 100 000 members against one context,
 * and a check that built a new object each time also defeated the digest
 * memo keyed by that object (source-digest.ts `contextDigest`), hashing every
 * group name again for every member. Contexts are never edited once built.
 */
export function checkedOncePerObject<T>(
  check: (value: unknown) => T | null,
): (value: unknown) => T | null {
  const checked = new WeakMap<object, T | null>();
  return (value) => {
    if (typeof value !== 'object' || value === null) return null;
    if (checked.has(value)) return checked.get(value) ?? null;
    const result = check(value);
    checked.set(value, result);
    return result;
  };
}
