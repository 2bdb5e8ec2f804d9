/**
 * How the HTTP client's failures read: every `RollcallError` that http.ts
 * raises is worded here, from a status and the server's own words, from a
 * transport failure (Node's `fetch failed` causes, Electron's `net::ERR_*`),
 * or from a size, type or rate limit the client refused (refused URLs and
 * redirects are worded in url-errors.ts). Each
 * message says what happened and what to do; none carries a credential.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure, type ErrorCode, type RollcallError } from '@shared/errors';
import type { JsonValue } from '@shared/model';
import type { HttpRequest } from './http';

/** The failure for a request the caller cancelled. */
export function cancelled(): RollcallFailure {
  return new RollcallFailure(rollcallError('CANCELLED'));
}

/** The URL as safe to show: no user info, no fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.hash = '';
    return u.href;
  } catch {
    return '(an invalid URL)';
  }
}

/** The host (with port) to name in a message, or "the server". */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

/** How deep `serverMessageOf` looks: real error shapes nest two levels at most. */
const SERVER_MESSAGE_MAX_DEPTH = 4;

/**
 * The server's own words from the error shapes Zulip, Open WebUI and proxies
 * use. Looks only a few levels deep: a hostile body nested thousands of
 * levels must not exhaust the stack.
 */
export function serverMessageOf(body: JsonValue | null, depth = 0): string | undefined {
  if (depth > SERVER_MESSAGE_MAX_DEPTH) return undefined;
  if (typeof body === 'string') return body.slice(0, 500) || undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  for (const key of ['msg', 'detail', 'message', 'error_description', 'error']) {
    const v = body[key];
    if (typeof v === 'string' && v.trim() !== '') return v.slice(0, 500);
    if (Array.isArray(v)) {
      // FastAPI validation errors: [{ loc, msg, ... }]
      const parts = v
        .map((item) =>
          typeof item === 'object' &&
          item !== null &&
          !Array.isArray(item) &&
          typeof item.msg === 'string'
            ? item.msg
            : typeof item === 'string'
              ? item
              : null,
        )
        .filter((m): m is string => m !== null);
      if (parts.length > 0) return parts.join('; ').slice(0, 500);
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const nested = serverMessageOf(v, depth + 1);
      if (nested) return nested;
    }
  }
  return undefined;
}

// No answer: the connection failed

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** Pulls the system error code out of Node's `fetch failed` and its nested causes. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (typeof current !== 'object') break;
    const c = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof c.code === 'string' && c.code !== 'ABORT_ERR') return c.code;
    if (Array.isArray(c.errors)) {
      for (const inner of c.errors) {
        const code = causeCode(inner);
        if (code) return code;
      }
    }
    current = c.cause;
  }
  return undefined;
}

/** The messages of an error and its causes, joined: where Electron's `net::ERR_*` codes appear. */
function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof Error) parts.push(current.message);
    else if (typeof current === 'string') parts.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' | ');
}

/** Builds an error with the failed request's URL attached. */
type MakeError = (code: ErrorCode, message: string) => RollcallError;

/**
 * A network failure (no HTTP answer) as a RollcallError. Understands Node's
 * `TypeError: fetch failed` with a `cause.code`, and Electron's `net::ERR_*`
 * messages.
 */
export function networkError(error: unknown, url: string): RollcallError {
  const host = hostOf(url);
  const shown = displayUrl(url);
  const code = causeCode(error);
  const text = messagesOf(error);
  const net = /net::(ERR_[A-Z_]+)/.exec(text)?.[1];
  const make: MakeError = (c, message) => rollcallError(c, message, { url: shown });
  if (/Redirect was cancelled/i.test(text)) {
    // Electron's net.fetch cannot return a redirect by hand (see net-request.ts).
    return make(
      'BAD_RESPONSE',
      `${host} answered with a redirect that Rollcall's network layer could not follow. Use the final server URL.`,
    );
  }

  if (net) return chromiumNetError(net, host, url, make);
  const known = code ? systemCodeError(code, host, url, make) : undefined;
  if (known) return known;
  if (/bad port/i.test(text)) return make('INVALID_INPUT', unsafePortMessage(url));
  return make('OFFLINE', `${host} cannot be reached. Check the URL and your network connection.`);
}

/** Words for Chromium's `net::ERR_*` codes (Electron's network stack); an unknown one names itself. */
function chromiumNetError(net: string, host: string, url: string, make: MakeError): RollcallError {
  if (
    net.startsWith('ERR_CERT_') ||
    net.startsWith('ERR_SSL_') ||
    net === 'ERR_BAD_SSL_CLIENT_AUTH_CERT'
  )
    return make('TLS', tlsMessage(host, net));
  switch (net) {
    case 'ERR_NAME_NOT_RESOLVED':
    case 'ERR_NAME_RESOLUTION_FAILED':
      return make('OFFLINE', dnsMessage(host));
    case 'ERR_INTERNET_DISCONNECTED':
      return make('OFFLINE', 'This computer is offline. Connect to a network and try again.');
    case 'ERR_CONNECTION_REFUSED':
      return make('OFFLINE', refusedMessage(host));
    case 'ERR_TIMED_OUT':
    case 'ERR_CONNECTION_TIMED_OUT':
      return make(
        'TIMEOUT',
        `${host} did not answer in time. Check that the server is up, then try again.`,
      );
    case 'ERR_PROXY_CONNECTION_FAILED':
    case 'ERR_TUNNEL_CONNECTION_FAILED':
      return make(
        'OFFLINE',
        `The proxy server could not be reached on the way to ${host}. Check the system proxy settings.`,
      );
    case 'ERR_UNSAFE_PORT':
      return make('INVALID_INPUT', unsafePortMessage(url));
    default:
      return make(
        'OFFLINE',
        `The connection to ${host} failed (${net}). Check the URL and your network connection.`,
      );
  }
}

/** Words for Node's system and undici error codes; undefined for one it does not know. */
function systemCodeError(
  code: string,
  host: string,
  url: string,
  make: MakeError,
): RollcallError | undefined {
  if (
    TLS_CODES.has(code) ||
    code.startsWith('CERT_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_')
  )
    return make('TLS', tlsMessage(host, code));
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return make('OFFLINE', dnsMessage(host));
    case 'ECONNREFUSED':
      return make('OFFLINE', refusedMessage(host));
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return make(
        'OFFLINE',
        `The connection to ${host} was cut off before it answered. Try again; if it keeps happening, check the server and any proxy in between.`,
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return make(
        'OFFLINE',
        `${host} cannot be reached from this network. Check your connection or VPN.`,
      );
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return make(
        'TIMEOUT',
        `${host} did not answer in time. Check that the server is up, then try again.`,
      );
    default:
      return undefined;
  }
}

function dnsMessage(host: string): string {
  return `The server name ${host.replace(/:\d+$/, '')} could not be found. Check the URL for typos, and your network connection.`;
}

function refusedMessage(host: string): string {
  return `${host} refused the connection. Check the URL and port, and that the server is running.`;
}

function tlsMessage(host: string, detail: string): string {
  return `The secure connection to ${host} failed: its certificate is not trusted (${detail}). If the server uses its own certificate authority, add it to this computer's trusted certificates.`;
}

function unsafePortMessage(url: string): string {
  let port = '';
  try {
    port = new URL(url).port;
  } catch {
    /* keep empty */
  }
  return `Port ${port || '(this one)'} is blocked for web requests, as browsers block it. Serve the API on another port.`;
}

/**
 * What a thrown fetch or body read means: the caller's cancel, the client's
 * own timer (before or during the body), a connection dropped mid-body, or
 * a network failure worded by `networkError`.
 */
export function failureFromThrow(
  error: unknown,
  url: string,
  callerSignal: AbortSignal | undefined,
  timedOut: boolean,
  limitMs: number,
  whileReading = false,
): RollcallFailure {
  if (error instanceof RollcallFailure) return error;
  if (callerSignal?.aborted) return cancelled();
  const shown = displayUrl(url);
  if (timedOut) {
    const seconds = Math.round(limitMs / 100) / 10;
    return new RollcallFailure(
      rollcallError(
        'TIMEOUT',
        whileReading
          ? `${hostOf(url)} started answering but did not finish within ${seconds} s. Try again; a slow network or an overloaded server can cause this.`
          : `${hostOf(url)} did not answer within ${seconds} s. Check that the server is up, then try again.`,
        { url: shown },
      ),
    );
  }
  if (whileReading) {
    return new RollcallFailure(
      rollcallError(
        'OFFLINE',
        `The connection to ${hostOf(url)} dropped while it was answering. Try again.`,
        { url: shown },
      ),
    );
  }
  return new RollcallFailure(networkError(error, url));
}

// An answer the client refuses

/** A body over the cap, declared or counted while streaming. */
export function tooLarge(url: string, max: number): RollcallFailure {
  const mb = Math.round((max / (1024 * 1024)) * 10) / 10;
  return new RollcallFailure(
    rollcallError(
      'TOO_LARGE',
      `${hostOf(url)} sent more than ${mb} MB for one answer, more than Rollcall accepts. Check the server URL; if it is right, the server sent something unexpected.`,
      { url: displayUrl(url) },
    ),
  );
}

/** A successful answer that is not JSON (a web page, or another type) where JSON was asked for. */
export function notAnApiError(
  shown: string,
  contentType: string | null,
  html: boolean,
  urlHint: string | undefined,
  status: number,
): RollcallError {
  const what = html ? 'a web page' : `${contentType?.split(';')[0] || 'untyped data'}`;
  return rollcallError(
    'NOT_AN_API',
    `${shown} answered with ${what}, not the API's JSON. Check the server URL.${urlHint ? ` ${urlHint}` : ''}`,
    { url: shown, status },
  );
}

/** A JSON body whose bytes are not UTF-8. */
export function notUtf8Error(shown: string, status: number): RollcallError {
  return rollcallError('BAD_RESPONSE', `${shown} sent data that is not valid UTF-8 text.`, {
    url: shown,
    status,
  });
}

/** A JSON body that does not parse: usually cut off on the way. */
export function malformedJsonError(shown: string, status: number): RollcallError {
  return rollcallError(
    'BAD_RESPONSE',
    `${shown} sent JSON that is cut off or malformed. Try again; if it persists, check the server and any proxy in between.`,
    { url: shown, status },
  );
}

/** Bytes whose content type the caller's `accept` refused (the avatar fetcher wants pictures). */
export function notAPictureError(url: string, contentType: string, status: number): RollcallError {
  return rollcallError(
    'BAD_RESPONSE',
    `${displayUrl(url)} sent ${contentType || 'untyped data'}, not a picture Rollcall shows.`,
    { url: displayUrl(url), status },
  );
}

// An error status

/** A failed answer as the client read it: what the wording below works from. */
export interface FailedAnswer {
  status: number;
  /** The URL that answered, after redirects (credentials still in it, if any). */
  url: string;
  /** The parsed JSON body, when the server sent JSON. */
  body: JsonValue | null;
  /** The first request went to another origin and credentials were left behind. */
  credentialsDropped: boolean;
}

/** The parts of a request the wording reads. */
type WordedRequest = Pick<HttpRequest, 'url' | 'urlHint' | 'describeError'>;

/**
 * A 429 given up on (after the waits allowed, or asking for a wait too long
 * to make, or longer than the call's budget has left), unless the provider's `describeError` words it better.
 */
export function rateLimitedError(
  request: WordedRequest,
  answer: FailedAnswer,
  wait: { seconds: number; retry: number },
): RollcallError {
  const { status, body } = answer;
  const { seconds, retry } = wait;
  const shown = displayUrl(answer.url);
  const serverMessage = serverMessageOf(body);
  const extra = {
    status,
    url: shown,
    retryAfterSeconds: seconds,
    ...(serverMessage ? { serverMessage } : {}),
  };
  const limited = rollcallError(
    'RATE_LIMITED',
    retry > 0
      ? `The server is still rate limiting Rollcall after ${retry} wait${retry === 1 ? '' : 's'}; it asks for ${formatSeconds(seconds)} more. Try again after that.`
      : `The server is rate limiting Rollcall and asks it to wait ${formatSeconds(seconds)}. Try again after that.`,
    extra,
  );
  const info = {
    status,
    url: shown,
    body,
    serverMessage,
    credentialsDropped: answer.credentialsDropped,
    fallback: limited,
  };
  return request.describeError?.(info) ?? limited;
}

/**
 * The error for a failed status other than 429: the client's own wording
 * (or, after credentials were left behind on another origin, why a key was
 * refused), unless the provider's `describeError` words it better.
 */
export function statusError(
  request: WordedRequest,
  answer: FailedAnswer,
  html: boolean,
): RollcallError {
  const { status, body } = answer;
  const shown = displayUrl(answer.url);
  const serverMessage = serverMessageOf(body);
  let fallback = statusFallback(status, shown, serverMessage, html, request.urlHint);
  if (answer.credentialsDropped && (status === 401 || status === 403)) {
    fallback = credentialsLeftBehindError(request.url, answer.url, status, serverMessage);
  }
  const described = request.describeError?.({
    status,
    url: shown,
    body,
    serverMessage,
    credentialsDropped: answer.credentialsDropped,
    fallback,
  });
  return described ?? fallback;
}

/**
 * A 401 or 403 after a redirect to another origin, where the credentials
 * were left behind: the fix is the final origin, not another key.
 */
function credentialsLeftBehindError(
  requestUrl: string,
  finalUrl: string,
  status: number,
  serverMessage: string | undefined,
): RollcallError {
  const shown = displayUrl(finalUrl);
  return rollcallError(
    'UNAUTHORIZED',
    `The server redirected Rollcall from ${displayUrl(requestUrl)} to ${shown}, another origin, and Rollcall never sends the key across origins. Use ${new URL(finalUrl).origin} as the server URL.`,
    { status, url: shown, ...(serverMessage ? { serverMessage } : {}) },
  );
}

/**
 * A success that came from another origin after a redirect: the key was
 * left behind, so nothing checked it and the answer is not the connection's.
 * The URL is what to fix, not the key.
 */
export function keyNotCheckedError(
  requestUrl: string,
  finalUrl: string,
  status: number,
): RollcallError {
  const shown = displayUrl(finalUrl);
  const origin = new URL(finalUrl).origin;
  return rollcallError(
    'UNAUTHORIZED',
    `The server redirected Rollcall from ${displayUrl(requestUrl)} to another origin, ${origin}, which answered; Rollcall never sends the key across origins, so the key was not sent there and could not be checked. If ${origin} is the real server, use it as the server URL.`,
    { status, url: shown, field: 'baseUrl' },
  );
}

/** The client's own words for a failed status, before a provider words it its own way. */
function statusFallback(
  status: number,
  url: string,
  serverMessage: string | undefined,
  html: boolean,
  urlHint: string | undefined,
): RollcallError {
  const extra = { status, url, ...(serverMessage ? { serverMessage } : {}) };
  if (status === 401)
    return rollcallError(
      'UNAUTHORIZED',
      'The server rejected the credentials. Check the API key (and login email).',
      extra,
    );
  if (status === 403)
    return rollcallError(
      'FORBIDDEN',
      'The server refused: the account this key belongs to lacks the permission needed.',
      extra,
    );
  if (status === 404)
    return html
      ? rollcallError(
          'NOT_AN_API',
          `${url} is a web page that does not exist, not the API. Check the server URL.${urlHint ? ` ${urlHint}` : ''}`,
          extra,
        )
      : rollcallError(
          'NOT_FOUND',
          'The server has no such thing at this address. Check the server URL.',
          extra,
        );
  if (status === 408 || status === 504)
    return rollcallError(
      'TIMEOUT',
      `The server (or a proxy in front of it) gave up waiting (HTTP ${status}). Try again later.`,
      extra,
    );
  if (status === 429)
    return rollcallError(
      'RATE_LIMITED',
      'The server is rate limiting Rollcall. Wait a minute, then try again.',
      extra,
    );
  if (status === 400 || status === 422)
    return rollcallError(
      'INVALID_INPUT',
      `The server refused the request as invalid (HTTP ${status}).`,
      extra,
    );
  if (status >= 500)
    return rollcallError(
      'SERVER_ERROR',
      `The server failed while answering (HTTP ${status}). Try again later; if it persists, check the server's logs.`,
      extra,
    );
  return rollcallError(
    'BAD_RESPONSE',
    `The server answered with an unexpected status (HTTP ${status}).`,
    extra,
  );
}

/** "1.5 seconds", "1 minute", "2 minutes 30 seconds". */
function formatSeconds(seconds: number): string {
  if (seconds < 60) {
    const s = Math.round(seconds * 10) / 10;
    return `${s} second${s === 1 ? '' : 's'}`;
  }
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m} minute${m === 1 ? '' : 's'}${s > 0 ? ` ${s} second${s === 1 ? '' : 's'}` : ''}`;
}
