/**
 * Telling from an error answer that the other product answered: a Zulip
 * connection pointed at Open WebUI (or the reverse) otherwise reads as
 * "the key was rejected", and no new key will fix it. Zulip wraps every
 * error in `{"result":"error","msg":...,"code":...}`; Open WebUI (FastAPI)
 * answers `{"detail": ...}` and never carries `result`.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, type RollcallError } from '@shared/errors';
import type { ConnectionKind, JsonValue } from '@shared/model';
import type { HttpErrorInfo } from '../net/http';
import { field, isObject } from './json';

/** Names of the products, as the messages say them. */
const PRODUCT_NAMES: Record<ConnectionKind, string> = {
  zulip: 'Zulip',
  openwebui: 'Open WebUI',
};

/** "a Zulip server", "an Open WebUI server". */
const A_SERVER: Record<ConnectionKind, string> = {
  zulip: 'a Zulip server',
  openwebui: 'an Open WebUI server',
};

/** Zulip's error envelope: `result: "error"` with a `msg` string. */
function isZulipErrorBody(body: JsonValue | null): boolean {
  return (
    isObject(body) && field(body, 'result') === 'error' && typeof field(body, 'msg') === 'string'
  );
}

/** Open WebUI's (FastAPI's) error body: a `detail` (text or list) and no Zulip envelope. */
function isOpenWebUIErrorBody(body: JsonValue | null): boolean {
  if (!isObject(body) || field(body, 'result') !== undefined) return false;
  const detail = field(body, 'detail');
  return typeof detail === 'string' || Array.isArray(detail);
}

/** Which product wrote this error body, when its shape says so; null when it does not. */
function productOf(body: JsonValue | null): ConnectionKind | null {
  if (isZulipErrorBody(body)) return 'zulip';
  if (isOpenWebUIErrorBody(body)) return 'openwebui';
  return null;
}

/**
 * The error for an answer written by the other product than the connection
 * expects, or undefined when the answer is its own product's (or says
 * nothing either way). Belongs to the connection's kind, not its key.
 */
export function wrongProductError(
  expected: ConnectionKind,
  info: HttpErrorInfo,
): RollcallError | undefined {
  if (info.credentialsDropped) return undefined;
  const answered = productOf(info.body);
  if (answered === null || answered === expected) return undefined;
  const theirs = PRODUCT_NAMES[answered];
  return rollcallError(
    'NOT_AN_API',
    `This looks like ${A_SERVER[answered]}, not ${PRODUCT_NAMES[expected]}: ${info.url} answered the way ${theirs} does (HTTP ${info.status}). Choose ${theirs} for this connection, or check the server URL.`,
    {
      status: info.status,
      url: info.url,
      field: 'kind',
      ...(info.serverMessage ? { serverMessage: info.serverMessage } : {}),
    },
  );
}
