/**
 * Errors as values. Electron keeps only the message of a thrown error across
 * IPC, so every failure that can reach the window is a plain `RollcallError`
 * object with a code the UI can branch on and a sentence a person can act on.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */

/** Every code a `RollcallError` may carry. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'TIMEOUT',
  'OFFLINE',
  'TLS',
  'NOT_AN_API',
  'BAD_RESPONSE',
  'TOO_LARGE',
  'SERVER_ERROR',
  'CANCELLED',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_BUSY',
  'CACHE_UNAVAILABLE',
  'NOT_IMPLEMENTED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A failure that crosses a boundary (IPC, the bridge, the network client). */
export interface RollcallError {
  code: ErrorCode;
  /** What happened and what to do about it, in words for the admin. */
  message: string;
  /** The server's own text, verbatim, where it gave one. */
  serverMessage?: string;
  /** HTTP status, when the failure came from a response. */
  status?: number;
  /** The URL that failed (never with credentials in it). */
  url?: string;
  /** Seconds the server asked us to wait (429 Retry-After). */
  retryAfterSeconds?: number;
  /** The form field a validation error belongs to. */
  field?: string;
}

/** The sentence shown when a caller has nothing more specific to say. */
const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  INVALID_INPUT: 'That input is not valid.',
  NOT_FOUND: 'The server has no such user.',
  UNAUTHORIZED: 'The server rejected the credentials. Check the API key and login email.',
  FORBIDDEN: 'The server refused: this account lacks the permission needed.',
  RATE_LIMITED: 'The server is rate limiting requests. Try again shortly.',
  TIMEOUT: 'The server did not answer in time.',
  OFFLINE: 'The server cannot be reached. Check the URL and your network connection.',
  TLS: 'The secure connection failed: the server certificate is not trusted.',
  NOT_AN_API: 'That URL answered with a web page, not the API. Check the server URL.',
  BAD_RESPONSE: 'The server answered with data Rollcall does not understand.',
  TOO_LARGE: 'The server answered with more data than Rollcall accepts.',
  SERVER_ERROR: 'The server failed while answering. Try again later.',
  CANCELLED: 'Cancelled.',
  KEYCHAIN_UNAVAILABLE: 'The system keychain is not available.',
  KEYCHAIN_BUSY: 'The keychain is busy with other requests. Wait a moment and try again.',
  CACHE_UNAVAILABLE: 'The local cache could not be opened.',
  NOT_IMPLEMENTED: 'This is not available yet.',
  INTERNAL: 'Something went wrong inside Rollcall.',
};

/** Builds an error value; the message defaults to the code's sentence. */
export function rollcallError(
  code: ErrorCode,
  message?: string,
  extra: Omit<RollcallError, 'code' | 'message'> = {},
): RollcallError {
  return { code, message: message ?? DEFAULT_MESSAGES[code], ...extra };
}

/**
 * The thrown form of a `RollcallError`, for use inside one process. The IPC
 * dispatcher turns it back into a value before anything crosses a boundary.
 */
export class RollcallFailure extends Error {
  readonly error: RollcallError;

  constructor(error: RollcallError) {
    super(error.message);
    this.name = 'RollcallFailure';
    this.error = error;
  }
}

/** Throws a `RollcallFailure` built like `rollcallError`. */
export function fail(
  code: ErrorCode,
  message?: string,
  extra?: Omit<RollcallError, 'code' | 'message'>,
): never {
  throw new RollcallFailure(rollcallError(code, message, extra));
}

/** Narrows unknown data (an IPC result, a caught value) to a `RollcallError`. */
export function isRollcallError(value: unknown): value is RollcallError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { code?: unknown; message?: unknown };
  return (
    typeof v.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(v.code) &&
    typeof v.message === 'string'
  );
}

/**
 * Whatever was thrown, as a `RollcallError`. Unknown throws become INTERNAL
 * with a generic message: their text may hold anything (a URL with a token,
 * a stack) and is not shown to the user.
 */
export function toRollcallError(thrown: unknown): RollcallError {
  if (thrown instanceof RollcallFailure) return thrown.error;
  if (isRollcallError(thrown)) return thrown;
  return rollcallError('INTERNAL');
}

/** Result of every IPC call: a value or an error, never a throw. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: RollcallError };

/** Wraps a value as a successful `Result`. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Wraps an error as a failed `Result`. */
export function err<T = never>(error: RollcallError): Result<T> {
  return { ok: false, error };
}
