/**
 * Zulip's failures in words an admin can act on: its error codes and
 * statuses (401 INVALID_API_KEY, 400 "No such user", 403, 404 on old
 * servers) and answers that lack Zulip's success envelope.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure, type RollcallError } from '@shared/errors';
import type { JsonValue } from '@shared/model';
import type { HttpErrorInfo } from '../net/http';
import type { ZulipUserRef } from '@shared/server-url';
import { field, isObject, str, type JsonObject } from './json';

/** What a Zulip server is called in BAD_RESPONSE messages, so every one names it the same. */
export const ZULIP_PRODUCT = 'a Zulip server';

/** Where to find the right URL, appended to "not Zulip here" and the client's "not the API" messages. */
export const ZULIP_URL_HINT =
  'Enter the address you open Zulip at in a browser, like https://chat.example.com.';

const KEY_HELP =
  'Generate a new key in Zulip: Settings → Account & privacy → API key, and check the login email.';

/**
 * Zulip's error bodies in words an admin can act on; undefined leaves the
 * HTTP client's generic wording. `ref` names the user a lookup asked for.
 */
export function describeZulipError(
  info: HttpErrorInfo,
  ref?: ZulipUserRef,
): RollcallError | undefined {
  const body = isObject(info.body) ? info.body : null;
  const code = body ? str(field(body, 'code')) : null;
  const extra = {
    status: info.status,
    url: info.url,
    ...(info.serverMessage ? { serverMessage: info.serverMessage } : {}),
  };
  if (info.credentialsDropped) return undefined;
  switch (code) {
    case 'INVALID_API_KEY':
      return rollcallError(
        'UNAUTHORIZED',
        `The server said this API key is invalid. ${KEY_HELP}`,
        extra,
      );
    case 'USER_DEACTIVATED':
      return rollcallError(
        'UNAUTHORIZED',
        'The account this API key belongs to is deactivated. Use the key of an active administrator.',
        extra,
      );
    case 'REALM_DEACTIVATED':
      return rollcallError(
        'UNAUTHORIZED',
        'This Zulip organization is deactivated: its users can no longer be read.',
        extra,
      );
    case 'UNAUTHORIZED':
      return rollcallError(
        'UNAUTHORIZED',
        'Zulip did not receive the credentials. If a proxy sits in front of Zulip, it may be removing the Authorization header.',
        extra,
      );
    default:
      break;
  }
  if (info.status === 400 && info.serverMessage === 'No such user') {
    return rollcallError(
      'NOT_FOUND',
      ref
        ? ref.kind === 'zulip-id'
          ? `Zulip has no user with ID ${ref.userId}, or this account may not see them.`
          : `Zulip found no user with the email ${ref.email} that this account may see. Try their user ID, or check the address.`
        : 'Zulip has no such user, or this account may not see them.',
      extra,
    );
  }
  if (info.status === 401)
    return rollcallError('UNAUTHORIZED', `Zulip rejected the credentials. ${KEY_HELP}`, extra);
  if (info.status === 403) {
    return rollcallError(
      'FORBIDDEN',
      'Zulip refused: the account this key belongs to may not do this. Use the key of an organization administrator.',
      extra,
    );
  }
  if (info.status === 404 && body && str(field(body, 'result')) === 'error') {
    return rollcallError(
      'NOT_FOUND',
      'This Zulip server does not offer this request; it may be too old. Rollcall needs Zulip 4.0 or newer.',
      extra,
    );
  }
  return undefined;
}

/**
 * Checks Zulip's success envelope and returns the body: a 200 from another
 * server (a login page, a proxy) is BAD_RESPONSE, never a user.
 */
export function zulipSuccessBody(json: JsonValue, url: string): JsonObject {
  if (!isObject(json) || field(json, 'result') !== 'success') {
    throw new RollcallFailure(
      rollcallError(
        'BAD_RESPONSE',
        `${url} answered, but not the way Zulip does. Check that the URL is your Zulip server. ${ZULIP_URL_HINT}`,
        { url },
      ),
    );
  }
  return json;
}

/** The action a Zulip refusal answers, and the user it was for. */
export interface ZulipActionTarget {
  action: 'set-role' | 'deactivate' | 'reactivate';
  userId: string;
  name: string;
}

const ACTION_VERBS: Record<ZulipActionTarget['action'], string> = {
  'set-role': 'change the role of',
  deactivate: 'deactivate',
  reactivate: 'reactivate',
};

/** A server message as compared: lower case, no trailing period or space. */
function messageKey(message: string | undefined): string {
  return (message ?? '')
    .trim()
    .replace(/[.!]+$/, '')
    .toLowerCase();
}

/**
 * The refusals of `PATCH /users/{id}`, `DELETE /users/{id}` and `POST
 * /users/{id}/reactivate` in words: each `msg` of zerver/views/users.py and
 * zerver/lib/users.py (access_user_common) that these endpoints raise, with
 * the 400 they come with, and any 403 as "this key may not", never as
 * "the credentials were rejected". Undefined leaves `describeZulipError`
 * (invalid key, deactivated account or organization, ...).
 */
export function describeZulipActionError(
  info: HttpErrorInfo,
  target: ZulipActionTarget,
): RollcallError | undefined {
  if (info.credentialsDropped) return undefined;
  const body = isObject(info.body) ? info.body : null;
  if (info.status !== 400 && info.status !== 403 && info.status !== 404) return undefined;
  const extra = {
    status: info.status,
    url: info.url,
    ...(info.serverMessage ? { serverMessage: info.serverMessage } : {}),
  };
  const { name } = target;
  const verb = ACTION_VERBS[target.action];
  const forbidden = (message: string): RollcallError => rollcallError('FORBIDDEN', message, extra);
  const invalid = (message: string): RollcallError =>
    rollcallError('INVALID_INPUT', message, extra);
  switch (messageKey(info.serverMessage)) {
    case 'no such user':
      return rollcallError(
        'NOT_FOUND',
        `Zulip has no user with ID ${target.userId} that this key may manage (${name}): they may have been removed. Sync to refresh the list.`,
        extra,
      );
    case 'user is deactivated':
      return invalid(`${name} is already deactivated, so Zulip did not deactivate them again.`);
    case 'user is already active':
      return invalid(`${name} is already active, so Zulip did not reactivate them.`);
    case 'insufficient permission':
      return forbidden(
        `Zulip refused to ${verb} ${name}: the account this key belongs to may not manage them. Use the API key of an organization administrator.`,
      );
    case 'must be an organization owner':
      return forbidden(
        target.action === 'set-role'
          ? `Only an organization owner can give or take away the owner role, so Zulip refused to change the role of ${name}. Use an owner's API key.`
          : `Only an organization owner can ${verb} ${name}, an owner (or a bot only owners manage). Use an owner's API key.`,
      );
    case 'must be an organization administrator':
      return forbidden(
        `Only an organization administrator can ${verb} ${name}, so Zulip refused. Use an administrator's API key.`,
      );
    case 'cannot deactivate the only organization owner':
      return forbidden(
        `${name} is the organization's only owner, and Zulip never deactivates its only owner. Make someone else an owner first.`,
      );
    case 'the owner permission cannot be removed from the only organization owner':
      return forbidden(
        `${name} is the organization's only owner, and Zulip never takes the owner role from its only owner. Make someone else an owner first.`,
      );
    case 'guests cannot be organization administrators':
      return invalid(
        `This Zulip server does not make a guest an administrator in one step. Make ${name} a member first, then an administrator.`,
      );
    case 'invalid role':
      return invalid(
        `This Zulip server does not know that role (moderators need Zulip 4.0 or newer), so the role of ${name} was not changed.`,
      );
    case 'name is already in use':
      return invalid(
        `Zulip will not reactivate the bot ${name}: an active bot already has that name. Rename one of them in Zulip first.`,
      );
    default:
      break;
  }
  const code = body ? str(field(body, 'code')) : null;
  if (code === 'INVALID_API_KEY' || code === 'USER_DEACTIVATED' || code === 'REALM_DEACTIVATED')
    return undefined;
  if (info.status === 403) {
    return forbidden(
      `Zulip refused to ${verb} ${name}: the account this key belongs to may not do this. Use the API key of an organization administrator (an owner for owners).`,
    );
  }
  if (info.status === 404) {
    return body && str(field(body, 'result')) === 'error'
      ? rollcallError(
          'NOT_FOUND',
          `This Zulip server does not offer to ${verb} users through its API; it may be too old. Rollcall needs Zulip 4.0 or newer.`,
          extra,
        )
      : undefined;
  }
  return info.serverMessage
    ? invalid(`Zulip refused to ${verb} ${name}: “${info.serverMessage}”`)
    : invalid(`Zulip refused to ${verb} ${name} as an invalid request (HTTP 400).`);
}
