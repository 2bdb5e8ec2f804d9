/**
 * What an admin copies or opens about one user: a Zulip mention that
 * Zulip's markdown resolves, and the user's page in the server's own web
 * UI.
 *
 * Runs in the window (pure functions).
 */
import type { ConnectionKind } from '@shared/model';

/**
 * A Zulip mention of a user. Zulip reads `@**Name|ID**` as "the user with
 * this ID, whose full name is Name (any case)" and `@**|ID**` as "the user
 * with this ID" (zerver/lib/mention.py). Its mention pattern allows no `*`
 * in the text, and `.+` allows no line break; a name with either, or one
 * the cache cut short (it would no longer match the full name), gets the
 * ID-only form, which Zulip renders with the current name. A `|` in a name
 * is fine: Zulip splits at the last `|` before the digits.
 */
export function zulipMention(name: string, userId: string, nameCut = false): string {
  const id = /^\d+$/.test(userId) ? userId : '';
  const usable = !nameCut && name.trim() !== '' && !/[*\r\n]/.test(name);
  return usable ? `@**${name}|${id}**` : `@**|${id}**`;
}

/** The words for "open in the server's web UI", per kind. */
export const OPEN_IN_LABELS: Record<ConnectionKind, string> = {
  zulip: 'Open in Zulip',
  openwebui: 'Open in Open WebUI',
};

/**
 * Where the server's own web UI shows this user: Zulip's profile overlay
 * (`#user/{id}`), or Open WebUI's admin users list (it has no page per
 * user: the admin searches there). Null for a base URL that is not http(s).
 */
export function serverUserPageUrl(
  kind: ConnectionKind,
  baseUrl: string,
  userId: string,
): string | null {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    return null;
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return null;
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return kind === 'zulip' ? `${root}/#user/${encodeURIComponent(userId)}` : `${root}/admin/users`;
}
