/**
 * Servers hand admins more than a directory needs: Open WebUI's per-user
 * `settings` can hold the user's own API keys for model providers and
 * direct connections. Rollcall keeps payloads for the raw view and offline
 * use, so every value under a key that names a credential is replaced
 * before anything is cached, shown or exported.
 *
 * Node only; never imports `electron`.
 */
import { dictionary } from '@shared/dictionary';
import type { DirectoryUser, JsonValue } from '@shared/model';

/** What a redacted value reads as. */
export const REDACTED = '[hidden by Rollcall]';

/** Keys whose values are credentials (matched on the key, case-insensitively). */
const CREDENTIAL_KEY =
  /(^|[_\-.\s])(api[_\-\s]?keys?|apikeys?|keys?|tokens?|access[_\-\s]?tokens?|refresh[_\-\s]?tokens?|id[_\-\s]?tokens?|secrets?|client[_\-\s]?secrets?|passwords?|passwd|pass|auth|authorization|bearer|cookies?|session[_\-\s]?id|private[_\-\s]?keys?|credentials?)$/i;

/** Whether a key names a credential. */
function testKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key) || /api[_-]?key|secret|password|token/i.test(key);
}

/** Keys already tested: a directory repeats the same few dozen keys for every user. */
const knownKeys = new Map<string, boolean>();
/** Past this many, keys are tested without being remembered (a hostile payload's keys are endless). */
const KNOWN_KEYS_MAX = 4096;
/** Keys longer than this are tested, never remembered. */
const KNOWN_KEY_CHARS = 64;

/** Whether a key names a credential (remembered for the short keys seen first). */
function isCredentialKey(key: string): boolean {
  const known = knownKeys.get(key);
  if (known !== undefined) return known;
  const result = testKey(key);
  if (key.length <= KNOWN_KEY_CHARS && knownKeys.size < KNOWN_KEYS_MAX) knownKeys.set(key, result);
  return result;
}

/** Whether a key's value is hidden: a credential's, unless empty, null or a flag. */
function hides(key: string, v: JsonValue): boolean {
  return v !== null && v !== '' && typeof v !== 'boolean' && isCredentialKey(key);
}

/**
 * `value` with every credential-named key's value replaced. What holds no
 * credential is returned as it is, not copied (a sync redacts every user's
 * payload, and most hold none); an object that changes is a copy with no
 * prototype, so a `__proto__` key the server sent stays a key of the copy.
 */
export function redactPayload(value: JsonValue, depth = 0): JsonValue {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) {
    let out: JsonValue[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = value[i] as JsonValue;
      const r = redactPayload(v, depth + 1);
      if (r !== v && out === null) out = value.slice(0, i);
      if (out !== null) out.push(r);
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    let out: Record<string, JsonValue> | null = null;
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i] as [string, JsonValue];
      const r = hides(k, v) ? REDACTED : redactPayload(v, depth + 1);
      if (r !== v && out === null) {
        out = dictionary<JsonValue>();
        for (let j = 0; j < i; j++) {
          const [pk, pv] = entries[j] as [string, JsonValue];
          out[pk] = pv;
        }
      }
      if (out !== null) out[k] = r;
    }
    return out ?? value;
  }
  return value;
}

/** A user whose provider-specific extras are redacted the same way. */
export function redactUser(user: DirectoryUser): DirectoryUser {
  return { ...user, extra: redactPayload(user.extra) as DirectoryUser['extra'] };
}
