/**
 * A `RollcallError` in words for the window: a short title for the code,
 * the message core wrote, the server's own text, and how long to wait when
 * rate limited. Also maps a failed field (from zod or a connection test)
 * to the form input it belongs to.
 *
 * Runs in the window (pure functions).
 */
import { ownValue } from '@shared/dictionary';
import type { ErrorCode, RollcallError } from '@shared/errors';

/** Headline per code, as an admin would say it. */
export const ERROR_TITLES: Record<ErrorCode, string> = {
  INVALID_INPUT: 'Check the input',
  NOT_FOUND: 'Not found',
  UNAUTHORIZED: 'Key rejected',
  FORBIDDEN: 'No permission',
  RATE_LIMITED: 'Rate limited',
  TIMEOUT: 'No answer in time',
  OFFLINE: 'Server unreachable',
  TLS: 'Certificate not trusted',
  NOT_AN_API: 'Not an API URL',
  BAD_RESPONSE: 'Unexpected answer',
  TOO_LARGE: 'Answer too large',
  SERVER_ERROR: 'Server error',
  CANCELLED: 'Cancelled',
  KEYCHAIN_UNAVAILABLE: 'Keychain unavailable',
  KEYCHAIN_BUSY: 'Keychain busy',
  CACHE_UNAVAILABLE: 'Cache unavailable',
  NOT_IMPLEMENTED: 'Not available yet',
  INTERNAL: 'Something went wrong',
};

/** The form inputs of the connection dialog. */
export type ConnectionField = 'kind' | 'label' | 'baseUrl' | 'loginEmail' | 'secret';

const FIELD_NAMES: Record<string, ConnectionField> = {
  kind: 'kind',
  label: 'label',
  baseUrl: 'baseUrl',
  url: 'baseUrl',
  site: 'baseUrl',
  loginEmail: 'loginEmail',
  email: 'loginEmail',
  secret: 'secret',
  key: 'secret',
  apiKey: 'secret',
};

/**
 * Which input an error belongs to: its `field` (a zod path such as
 * `draft.baseUrl`) when given, else what the code implies for a connection
 * test (a rejected key is the key's fault, a web page is the URL's).
 */
export function connectionFieldOf(error: RollcallError): ConnectionField | null {
  if (error.field) {
    const last = error.field.split('.').pop() ?? '';
    const mapped = ownValue(FIELD_NAMES, last);
    if (mapped) return mapped;
  }
  switch (error.code) {
    case 'NOT_AN_API':
    case 'TLS':
      return 'baseUrl';
    case 'UNAUTHORIZED':
      return 'secret';
    default:
      return null;
  }
}

/** The message without a leading zod path ("draft.baseUrl: ") that the field already shows. */
export function fieldMessage(error: RollcallError): string {
  return error.field ? error.message.replace(/^[\w.]+:\s*/, '') : error.message;
}

/**
 * The error's sentence without a vague "Try again shortly/later." at its
 * end: when the server said how long to wait, the notice counts it down, and
 * saying both ("Try again shortly" next to "in 29 s") says it twice.
 */
export function messageBesideCountdown(message: string): string {
  const trimmed = message.replace(
    /\s*(Try again|Wait a moment and try again)( shortly| later)?\.\s*$/i,
    '',
  );
  return trimmed === '' ? message : trimmed;
}
