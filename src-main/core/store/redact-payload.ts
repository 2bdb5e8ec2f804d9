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
function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key) || /api[_-]?key|secret|password|token/i.test(key);
}

/** A copy of `value` with every credential-named key's value replaced. */
export function redactPayload(value: JsonValue, depth = 0): JsonValue {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    // No prototype: a `__proto__` key the server sent stays a key of the copy.
    const out = dictionary<JsonValue>();
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isCredentialKey(k) && v !== null && v !== '' && typeof v !== 'boolean'
          ? REDACTED
          : redactPayload(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** A user whose provider-specific extras are redacted the same way. */
export function redactUser(user: DirectoryUser): DirectoryUser {
  return { ...user, extra: redactPayload(user.extra) as DirectoryUser['extra'] };
}
