/**
 * Open WebUI's failures in words an admin can act on: its `{"detail": ...}`
 * texts (a non-admin gets 401, not 403; API keys may be turned off or
 * fenced off) and the statuses around them.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, type RollcallError } from '@shared/errors';
import type { HttpErrorInfo } from '../net/http';
import type { OpenWebUIUserRef } from '@shared/server-url';

/** Where to find the right URL, appended to the client's "not the API" messages. */
export const OPENWEBUI_URL_HINT =
  'Enter the address you open Open WebUI at in a browser, like https://chat.example.com; Rollcall adds /api/v1 itself.';
const KEY_HELP =
  'Create a new API key in Open WebUI (Settings → Account → API Keys), or paste a fresh JWT.';
/** Why a non-admin key is refused, both on a 401 from an admin route and by the connection test. */
export const OPENWEBUI_NON_ADMIN =
  'This key belongs to a non-admin account; Rollcall needs an admin key. Create one while signed in as an administrator.';

/** Open WebUI's own error texts (backend/open_webui/constants.py). */
const ACCESS_PROHIBITED =
  'You do not have permission to access this resource. Please contact your administrator for assistance.';
const USER_NOT_FOUND = "We could not find what you're looking for :/";
const API_KEY_NOT_ALLOWED = 'Use of API key is not enabled in the environment.';
const NOT_AUTHENTICATED = 'Not authenticated';

/**
 * Open WebUI's error texts in words an admin can act on; undefined leaves
 * the HTTP client's generic wording. `ref` names the user a lookup asked for.
 */
export function describeOpenWebUIError(
  info: HttpErrorInfo,
  ref?: OpenWebUIUserRef,
): RollcallError | undefined {
  if (info.credentialsDropped) return undefined;
  const detail = info.serverMessage;
  const extra = {
    status: info.status,
    url: info.url,
    ...(detail ? { serverMessage: detail } : {}),
  };
  if (detail === ACCESS_PROHIBITED && info.status === 401)
    return rollcallError('FORBIDDEN', OPENWEBUI_NON_ADMIN, extra);
  if (detail === ACCESS_PROHIBITED && info.status === 403) {
    return rollcallError(
      'FORBIDDEN',
      'The server does not let API keys use this part of the API. An administrator can allow it (Admin Panel → Settings → General → API key endpoint restrictions), or use a JWT instead of an API key.',
      extra,
    );
  }
  if (detail === API_KEY_NOT_ALLOWED) {
    return rollcallError(
      'FORBIDDEN',
      'API keys are turned off on this server. An administrator can enable them in Admin Panel → Settings → General; meanwhile a JWT works.',
      extra,
    );
  }
  if (detail === NOT_AUTHENTICATED) {
    return rollcallError(
      'UNAUTHORIZED',
      'Open WebUI did not receive the key. If a proxy sits in front of it, it may be removing the Authorization header.',
      extra,
    );
  }
  if (info.status === 401)
    return rollcallError(
      'UNAUTHORIZED',
      `The server said this key is invalid, expired or revoked. ${KEY_HELP}`,
      extra,
    );
  if (info.status === 400 && detail === USER_NOT_FOUND) {
    return rollcallError(
      'NOT_FOUND',
      ref?.kind === 'openwebui-shared-chat'
        ? `Open WebUI found no shared chat ${ref.chatId}, or this server no longer resolves shared chats to their owner.`
        : ref?.kind === 'openwebui-email'
          ? `Open WebUI has no user with the email ${ref.email}.`
          : ref
            ? `Open WebUI has no user with id ${ref.userId}.`
            : 'Open WebUI has no such user.',
      extra,
    );
  }
  if (info.status === 403)
    return rollcallError(
      'FORBIDDEN',
      `Open WebUI refused: ${detail ?? 'this key may not do this'}.`,
      extra,
    );
  return undefined;
}
