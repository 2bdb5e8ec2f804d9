/**
 * Open WebUI's failures in words an admin can act on: its `{"detail": ...}`
 * texts (a non-admin gets 401, not 403; API keys may be turned off or
 * fenced off) and the statuses around them.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, type RollcallError } from '@shared/errors';
import { capText } from '@shared/text-caps';
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

/** Open WebUI's texts the user routes raise (backend/open_webui/constants.py, routers/users.py). */
const ACTION_PROHIBITED = 'The requested action has been restricted as a security measure.';
const EMAIL_TAKEN =
  'Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.';
const DELETE_USER_ERROR =
  'Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.';
const PRIMARY_ADMIN_UNVERIFIED = 'Could not verify primary admin status.';
const SOMETHING_WENT_WRONG = 'Something went wrong :/';

/** The action an Open WebUI refusal answers, and the user it was for. */
export interface OpenWebUIActionTarget {
  action: 'set-role' | 'delete';
  userId: string;
  name: string;
  /** The address sent in the update form. */
  email: string | null;
}

/**
 * The refusals of `POST /users/{id}/update` and `DELETE /users/{id}` in
 * words (routers/users.py): the primary admin (403 ACTION_PROHIBITED, or the
 * 500 older servers turn it into), self-deletion, an email now taken, an
 * unknown id, a save or delete that failed, and a form the server wants
 * otherwise (422). Undefined leaves `describeOpenWebUIError` (non-admin
 * key, API keys off, invalid token, ...).
 */
export function describeOpenWebUIActionError(
  info: HttpErrorInfo,
  target: OpenWebUIActionTarget,
): RollcallError | undefined {
  if (info.credentialsDropped) return undefined;
  const detail = info.serverMessage;
  const extra = {
    status: info.status,
    url: info.url,
    ...(detail ? { serverMessage: detail } : {}),
  };
  const { name } = target;
  const verb = target.action === 'delete' ? 'delete' : 'change the role of';
  if (detail === ACTION_PROHIBITED) {
    return rollcallError(
      'FORBIDDEN',
      target.action === 'delete'
        ? `Open WebUI refused to delete ${name}: it never deletes its primary administrator (the first account), nor the account of the key in use.`
        : `Open WebUI refused to change the role of ${name}: the primary administrator (the first account) cannot be changed by other admins, and keeps the admin role.`,
      extra,
    );
  }
  if (detail === PRIMARY_ADMIN_UNVERIFIED) {
    return rollcallError(
      'FORBIDDEN',
      `Open WebUI refused to ${verb} ${name} with an internal error (“${PRIMARY_ADMIN_UNVERIFIED}”). Servers before the fix answer this way when ${name} is the primary administrator (the first account), whom no other admin may change or delete; it can also be a database fault. Nothing was changed.`,
      extra,
    );
  }
  if (info.status === 400 && detail === EMAIL_TAKEN) {
    return rollcallError(
      'INVALID_INPUT',
      `Open WebUI refused to ${verb} ${name}: the email address Rollcall sent with it${target.email ? ` (${capText(target.email, 'email')})` : ''} now belongs to another account, so their details changed on the server. Sync, then try again.`,
      extra,
    );
  }
  if (info.status === 400 && detail === USER_NOT_FOUND) {
    return rollcallError(
      'NOT_FOUND',
      `Open WebUI has no user with id ${target.userId} (${name}): they may have been deleted. Sync to refresh the list.`,
      extra,
    );
  }
  if (info.status === 500 && detail === DELETE_USER_ERROR) {
    return rollcallError(
      'SERVER_ERROR',
      `Open WebUI could not delete ${name}: it failed while deleting. Try again; if it persists, check the server's logs.`,
      extra,
    );
  }
  if (
    info.status === 400 &&
    detail !== undefined &&
    (detail === SOMETHING_WENT_WRONG || detail.startsWith('[ERROR:'))
  ) {
    return rollcallError(
      'SERVER_ERROR',
      `Open WebUI could not save the new role of ${name} (“${detail}”). Try again; if it persists, check the server's logs.`,
      extra,
    );
  }
  if (info.status === 422) {
    return rollcallError(
      'INVALID_INPUT',
      `This Open WebUI server wants the ${target.action === 'delete' ? 'request' : 'update form'} for ${name} otherwise: ${detail ?? 'it did not say how'}. It may be a version Rollcall does not know.`,
      extra,
    );
  }
  return undefined;
}
