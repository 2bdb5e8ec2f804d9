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
