/**
 * The one way Rollcall talks to a server. Every request gets a timeout that
 * covers the body too, cancellation, a body-size cap enforced while
 * streaming, a content-type check (a web page is never parsed as data),
 * redirects followed by hand so credentials never reach another origin,
 * 429 + Retry-After honoured a bounded number of times, and every failure
 * turned into a `RollcallFailure` whose message says what to do.
 *
 * Node only; never imports `electron`. The `fetch` is injected: main passes
 * Electron's `net.fetch` (system proxies), tests pass Node's.
 */
import { rollcallError, RollcallFailure, type ErrorCode, type RollcallError } from '@shared/errors';
import type { JsonValue } from '@shared/model';
import type { FetchLike } from '../deps';
import { JsonSliceError, parseJsonInSlices } from './json-slices';

/** Credentials for one server; sent only to the origin of the request's first URL. */
export type Credentials =
  { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

/** What a failed response looked like, for a provider to turn into its own words. */
export interface HttpErrorInfo {
  status: number;
  /** The URL that answered (after redirects), without credentials. */
  url: string;
  /** The parsed JSON body, when the server sent JSON. */
  body: JsonValue | null;
  /** The server's own words, pulled from the usual fields (`msg`, `detail`, ...). */
  serverMessage: string | undefined;
  /** The first request went to another origin and credentials were left behind. */
  credentialsDropped: boolean;
  /** The error the client would raise on its own. */
  fallback: RollcallError;
}

/** One request. Only GET: Rollcall never changes anything on a server. */
export interface HttpRequest {
  url: string;
  credentials?: Credentials | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per-attempt limit covering headers and body; defaults to the client's. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes; defaults to the client's. */
  maxBytes?: number;
  /** Called before each wait for a 429, with the seconds it will wait. */
  onWait?: (seconds: number) => void;
  /** Turns a failed response into a provider-specific error; undefined keeps the fallback. */
  describeError?: (info: HttpErrorInfo) => RollcallError | undefined;
  /** Appended to NOT_AN_API messages: how this product's URL should look. */
  urlHint?: string;
}

/** A JSON answer. */
export interface JsonResponse {
  status: number;
  /** Where the answer came from after redirects. */
  url: string;
  headers: Headers;
  json: JsonValue;
}

/** A binary answer. */
export interface BytesResponse {
  status: number;
  url: string;
  headers: Headers;
  contentType: string;
  bytes: Uint8Array;
}

/** The client providers are given. */
export interface HttpClient {
  /** GETs JSON: non-JSON answers are NOT_AN_API, invalid JSON is BAD_RESPONSE. */
  getJson(request: HttpRequest): Promise<JsonResponse>;
  /** GETs bytes whose content type passes `accept` (the avatar fetcher checks images). */
  getBytes(
    request: HttpRequest & { accept: (contentType: string) => boolean },
  ): Promise<BytesResponse>;
}

/** Waits `ms`, or rejects with CANCELLED as soon as `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How the client behaves; every field has a sensible default. */
export interface HttpClientOptions {
  fetch: FetchLike;
  /** Per attempt, headers and body: 15 s. */
  timeoutMs?: number;
  /** Default body cap: 2 MB (one user). Lists pass their own (64 MB). */
  maxBytes?: number;
  /** How many times a 429 is waited out before giving up: 3. */
  maxRetries?: number;
  /** A single wait longer than this is not waited: RATE_LIMITED at once. 120 s. */
  maxWaitSeconds?: number;
  /** Redirects followed per request: 5. */
  maxRedirects?: number;
  sleep?: Sleep;
  /** For HTTP-date Retry-After values. */
  now?: () => number;
  userAgent?: string;
}

/** Body caps the providers use. */
export const ONE_USER_MAX_BYTES = 2 * 1024 * 1024;
/** A page of users, or a list endpoint (presence, groups) of a large organization. */
export const LIST_MAX_BYTES = 64 * 1024 * 1024;
/**
 * One answer holding a whole organization (Zulip's `GET /users`): 100 000
 * generated users with eight profile fields are 60 MB, so a list cap would
 * refuse real large organizations.
 */
export const DIRECTORY_MAX_BYTES = 256 * 1024 * 1024;
/** A large body is assembled this many bytes per turn of the event loop. */
const COPY_SLICE_BYTES = 4 * 1024 * 1024;
/** JSON bodies larger than this are parsed in slices (json-slices.ts), not in one `JSON.parse`. */
export const SLICED_PARSE_MIN_BYTES = 1024 * 1024;
/** Error bodies are read only this far: enough for any server's message. */
const ERROR_BODY_MAX_BYTES = 256 * 1024;

/** The default sleep: a timer that a signal can cut short. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function cancelled(): RollcallFailure {
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

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
  }
}

function authorizationOf(credentials: Credentials): string {
  if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  return `Basic ${Buffer.from(bytes).toString('base64')}`;
}

/** Whether a content type is JSON (`application/json`, `application/*+json`). */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function isHtml(contentType: string | null, firstBytes: Uint8Array): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/html' || type === 'application/xhtml+xml') return true;
  const head = new TextDecoder().decode(firstBytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
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

/**
 * Seconds to wait from a Retry-After header (seconds, possibly fractional,
 * or an HTTP date), else from Zulip's `retry-after` body field.
 */
export function retryAfterSeconds(
  header: string | null,
  body: JsonValue | null,
  now: number,
): number | null {
  if (header !== null) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const v = body['retry-after'];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return null;
}

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
  const make = (c: ErrorCode, message: string): RollcallError =>
    rollcallError(c, message, { url: shown });
  if (/Redirect was cancelled/i.test(text)) {
    // Electron's net.fetch cannot return a redirect by hand (see fetchOverNetRequest).
    return make(
      'BAD_RESPONSE',
      `${host} answered with a redirect that Rollcall's network layer could not follow. Use the final server URL.`,
    );
  }

  if (net) {
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
  if (code) {
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
        break;
    }
  }
  if (/bad port/i.test(text)) return make('INVALID_INPUT', unsafePortMessage(url));
  return make('OFFLINE', `${host} cannot be reached. Check the URL and your network connection.`);
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

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The request's URL, which must be absolute http(s): anything else is a caller's mistake. */
function checkedUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RollcallFailure(
      rollcallError('INVALID_INPUT', 'That server URL is not valid.', { field: 'baseUrl' }),
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RollcallFailure(
      rollcallError(
        'INVALID_INPUT',
        `Rollcall only talks to servers over http(s), not ${parsed.protocol}.`,
        {
          field: 'baseUrl',
        },
      ),
    );
  }
  return parsed;
}

interface Attempt {
  response: Response;
  url: string;
  credentialsDropped: boolean;
  timedOut: () => boolean;
  done: () => void;
}

/** Builds the client over an injected fetch. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const defaultMax = options.maxBytes ?? ONE_USER_MAX_BYTES;
  const maxRetries = options.maxRetries ?? 3;
  const maxWait = options.maxWaitSeconds ?? 120;
  const maxRedirects = options.maxRedirects ?? 5;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const userAgent = options.userAgent ?? 'Rollcall';

  /** One attempt: the redirect chain up to a final response, under one timer. */
  async function attempt(request: HttpRequest, accept: string): Promise<Attempt> {
    const first = checkedUrl(request.url);
    const controller = new AbortController();
    let timedOut = false;
    const limit = request.timeoutMs ?? timeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limit);
    const onCallerAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    };

    const visited = new Set<string>();
    let url = first.href;
    let credentialsDropped = false;
    try {
      for (let hop = 0; ; hop++) {
        visited.add(url);
        const sameOrigin = new URL(url).origin === first.origin && !credentialsDropped;
        const headers: Record<string, string> = {
          Accept: accept,
          'User-Agent': userAgent,
          ...(request.headers ?? {}),
        };
        if (request.credentials && sameOrigin)
          headers.Authorization = authorizationOf(request.credentials);
        // No cookies and no HTTP cache: Electron's net.fetch would otherwise
        // use the session's, and users' data must not linger there.
        const init: RequestInit & { cache: 'no-store' } = {
          method: 'GET',
          headers,
          redirect: 'manual',
          signal: controller.signal,
          credentials: 'omit',
          cache: 'no-store',
        };
        let response: Response;
        try {
          response = await options.fetch(url, init);
        } catch (error) {
          throw failureFromThrow(error, url, request.signal, timedOut, limit);
        }
        if (response.type === 'opaqueredirect') {
          throw new RollcallFailure(
            rollcallError(
              'BAD_RESPONSE',
              `${displayUrl(url)} redirected somewhere Rollcall cannot follow. Use the final server URL instead.`,
              { url: displayUrl(url) },
            ),
          );
        }
        if (!REDIRECT_STATUSES.has(response.status)) {
          return { response, url, credentialsDropped, timedOut: () => timedOut, done };
        }
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get('location');
        const shown = displayUrl(url);
        if (!location) {
          throw new RollcallFailure(
            rollcallError(
              'BAD_RESPONSE',
              `${shown} answered with a redirect (HTTP ${response.status}) but no destination.`,
              { url: shown, status: response.status },
            ),
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new RollcallFailure(
            rollcallError('BAD_RESPONSE', `${shown} redirected to an invalid address.`, {
              url: shown,
              status: response.status,
            }),
          );
        }
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          throw new RollcallFailure(
            rollcallError(
              'BAD_RESPONSE',
              `${shown} redirected to a ${next.protocol} address, which Rollcall never follows.`,
              { url: shown, status: response.status },
            ),
          );
        }
        next.hash = '';
        if (visited.has(next.href)) {
          throw new RollcallFailure(
            rollcallError(
              'BAD_RESPONSE',
              `${shown} redirects in a loop. Check the server URL and the server's proxy configuration.`,
              { url: shown, status: response.status },
            ),
          );
        }
        if (hop + 1 > maxRedirects) {
          throw new RollcallFailure(
            rollcallError(
              'BAD_RESPONSE',
              `${displayUrl(request.url)} redirected more than ${maxRedirects} times. Use the final server URL instead.`,
              { url: shown, status: response.status },
            ),
          );
        }
        if (next.origin !== first.origin) credentialsDropped = true;
        url = next.href;
      }
    } catch (error) {
      done();
      throw error;
    }
  }

  /** Reads a body up to `max` bytes; the attempt's timer and signals still apply. */
  async function readBody(a: Attempt, request: HttpRequest, max: number): Promise<Uint8Array> {
    const declared = Number(a.response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > max) {
      await a.response.body?.cancel().catch(() => undefined);
      throw tooLarge(a.url, max);
    }
    const body = a.response.body;
    if (!body) return new Uint8Array();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    // A large body of known length is copied into place as it arrives (no
    // second copy of tens of megabytes at the end), and every few megabytes
    // the event loop gets a turn even when the chunks are already waiting.
    let filled: Uint8Array | null =
      Number.isFinite(declared) && declared >= COPY_SLICE_BYTES ? new Uint8Array(declared) : null;
    let sinceYield = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > max) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge(a.url, max);
        }
        if (filled && total <= filled.length) {
          filled.set(value, total - value.byteLength);
        } else {
          if (filled) {
            // Longer than declared (a compressed length): keep what came so far as a chunk.
            chunks.push(filled.subarray(0, total - value.byteLength));
            filled = null;
          }
          chunks.push(value);
        }
        sinceYield += value.byteLength;
        if (sinceYield >= COPY_SLICE_BYTES) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } catch (error) {
      if (error instanceof RollcallFailure) throw error;
      throw failureFromThrow(
        error,
        a.url,
        request.signal,
        a.timedOut(),
        request.timeoutMs ?? timeoutMs,
        true,
      );
    }
    if (filled) return total === filled.length ? filled : filled.subarray(0, total);
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
      sinceYield += c.byteLength;
      if (sinceYield >= COPY_SLICE_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return out;
  }

  function failureFromThrow(
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

  function tooLarge(url: string, max: number): RollcallFailure {
    const mb = Math.round((max / (1024 * 1024)) * 10) / 10;
    return new RollcallFailure(
      rollcallError(
        'TOO_LARGE',
        `${hostOf(url)} sent more than ${mb} MB for one answer, more than Rollcall accepts. Check the server URL; if it is right, the server sent something unexpected.`,
        { url: displayUrl(url) },
      ),
    );
  }

  /** Runs attempts, waiting out 429s; returns the final non-error attempt. */
  async function run(request: HttpRequest, accept: string): Promise<Attempt> {
    for (let retry = 0; ; retry++) {
      if (request.signal?.aborted) throw cancelled();
      const a = await attempt(request, accept);
      const status = a.response.status;
      if (status >= 200 && status < 300) return a;

      // An error: read a little of the body for the server's own words.
      let raw: Uint8Array = new Uint8Array();
      try {
        raw = await readBody(a, request, ERROR_BODY_MAX_BYTES);
      } catch (error) {
        if (error instanceof RollcallFailure && error.error.code === 'CANCELLED') throw error;
        // Keep going with no body: the status says enough.
      } finally {
        a.done();
      }
      const contentType = a.response.headers.get('content-type');
      let body: JsonValue | null = null;
      if (isJsonContentType(contentType)) {
        try {
          body = JSON.parse(new TextDecoder().decode(raw)) as JsonValue;
        } catch {
          body = null;
        }
      }
      const shown = displayUrl(a.url);
      const serverMessage = serverMessageOf(body);

      if (status === 429) {
        const wait = retryAfterSeconds(a.response.headers.get('retry-after'), body, now());
        const seconds = wait ?? Math.min(maxWait, 2 ** retry);
        const extra = {
          status,
          url: shown,
          retryAfterSeconds: seconds,
          ...(serverMessage ? { serverMessage } : {}),
        };
        if (retry >= maxRetries || seconds > maxWait) {
          const limited = rollcallError(
            'RATE_LIMITED',
            retry > 0 && retry >= maxRetries
              ? `The server is still rate limiting Rollcall after ${retry} wait${retry === 1 ? '' : 's'}; it asks for ${formatSeconds(seconds)} more. Try again after that.`
              : `The server is rate limiting Rollcall and asks it to wait ${formatSeconds(seconds)}. Try again after that.`,
            extra,
          );
          const info = {
            status,
            url: shown,
            body,
            serverMessage,
            credentialsDropped: a.credentialsDropped,
            fallback: limited,
          };
          throw new RollcallFailure(request.describeError?.(info) ?? limited);
        }
        request.onWait?.(seconds);
        await sleep(seconds * 1000, request.signal);
        continue;
      }

      const html = isHtml(contentType, raw);
      let fallback = statusFallback(status, shown, serverMessage, html, request.urlHint);
      if (a.credentialsDropped && (status === 401 || status === 403)) {
        fallback = rollcallError(
          'UNAUTHORIZED',
          `The server redirected Rollcall from ${displayUrl(request.url)} to ${shown}, another origin, and Rollcall never sends the key across origins. Use ${new URL(a.url).origin} as the server URL.`,
          { status, url: shown, ...(serverMessage ? { serverMessage } : {}) },
        );
      }
      const described = request.describeError?.({
        status,
        url: shown,
        body,
        serverMessage,
        credentialsDropped: a.credentialsDropped,
        fallback,
      });
      throw new RollcallFailure(described ?? fallback);
    }
  }

  return {
    async getJson(request) {
      const a = await run(request, 'application/json');
      const shown = displayUrl(a.url);
      let raw: Uint8Array;
      try {
        raw = await readBody(a, request, request.maxBytes ?? defaultMax);
      } finally {
        a.done();
      }
      const contentType = a.response.headers.get('content-type');
      if (!isJsonContentType(contentType)) {
        const what = isHtml(contentType, raw)
          ? 'a web page'
          : `${contentType?.split(';')[0] || 'untyped data'}`;
        throw new RollcallFailure(
          rollcallError(
            'NOT_AN_API',
            `${shown} answered with ${what}, not the API's JSON. Check the server URL.${request.urlHint ? ` ${request.urlHint}` : ''}`,
            { url: shown, status: a.response.status },
          ),
        );
      }
      const notUtf8 = (): RollcallFailure =>
        new RollcallFailure(
          rollcallError('BAD_RESPONSE', `${shown} sent data that is not valid UTF-8 text.`, {
            url: shown,
            status: a.response.status,
          }),
        );
      const malformed = (): RollcallFailure =>
        new RollcallFailure(
          rollcallError(
            'BAD_RESPONSE',
            `${shown} sent JSON that is cut off or malformed. Try again; if it persists, check the server and any proxy in between.`,
            { url: shown, status: a.response.status },
          ),
        );
      let json: JsonValue;
      if (raw.byteLength > SLICED_PARSE_MIN_BYTES) {
        // A whole directory (Zulip's 100 000 users are 62 MB): parsed in
        // slices so the event loop, Electron's main process, keeps turning.
        try {
          json = await parseJsonInSlices(raw);
        } catch (thrown) {
          if (thrown instanceof JsonSliceError)
            throw thrown.kind === 'utf8' ? notUtf8() : malformed();
          throw thrown;
        }
        return { status: a.response.status, url: a.url, headers: a.response.headers, json };
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw notUtf8();
      }
      try {
        json = JSON.parse(text) as JsonValue;
      } catch {
        throw malformed();
      }
      return { status: a.response.status, url: a.url, headers: a.response.headers, json };
    },

    async getBytes(request) {
      const a = await run(
        request,
        'image/avif,image/webp,image/png,image/jpeg,image/gif,*/*;q=0.5',
      );
      const contentType =
        a.response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
      let accepted = false;
      let refusal: unknown = null;
      try {
        accepted = request.accept(contentType);
      } catch (error) {
        refusal = error;
      }
      if (!accepted) {
        a.done();
        await a.response.body?.cancel().catch(() => undefined);
        if (refusal !== null) throw refusal;
        throw new RollcallFailure(
          rollcallError(
            'BAD_RESPONSE',
            `${displayUrl(a.url)} sent ${contentType || 'untyped data'}, not a picture Rollcall shows.`,
            { url: displayUrl(a.url), status: a.response.status },
          ),
        );
      }
      try {
        const bytes = await readBody(a, request, request.maxBytes ?? defaultMax);
        return {
          status: a.response.status,
          url: a.url,
          headers: a.response.headers,
          contentType,
          bytes,
        };
      } finally {
        a.done();
      }
    },
  };
}

/** "1.5 seconds", "1 minute", "2 minutes 30 seconds". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) {
    const s = Math.round(seconds * 10) / 10;
    return `${s} second${s === 1 ? '' : 's'}`;
  }
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m} minute${m === 1 ? '' : 's'}${s > 0 ? ` ${s} second${s === 1 ? '' : 's'}` : ''}`;
}

// ---------------------------------------------------------------------------
// Electron

/** The options Rollcall gives Electron's `net.request` (a subset of its ClientRequestConstructorOptions). */
export interface NetRequestOptions {
  method: string;
  url: string;
  redirect: 'manual';
  credentials: 'omit';
  useSessionCookies: false;
  cache: 'no-store';
}

/** The part of Electron's `IncomingMessage` the adapter reads. */
export interface NetIncomingMessage {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string | string[]>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'aborted', listener: () => void): unknown;
}

/** The part of Electron's `ClientRequest` the adapter drives. */
export interface NetClientRequest {
  setHeader(name: string, value: string): void;
  on(event: 'response', listener: (response: NetIncomingMessage) => void): unknown;
  on(
    event: 'redirect',
    listener: (
      statusCode: number,
      method: string,
      redirectUrl: string,
      responseHeaders: Record<string, string[]>,
    ) => void,
  ): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  abort(): void;
  end(): void;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * A FetchLike over Electron's `net.request` (Chromium's network stack, so
 * system proxies apply) that returns redirects as 3xx responses, which the
 * client above needs to keep credentials on their origin. Electron's own
 * `net.fetch` cannot: with `redirect: 'manual'` it never answers the
 * ClientRequest's `redirect` event, so every redirect rejects with
 * "Redirect was cancelled" (electron/electron#43715; lib/browser/api/net-fetch.ts).
 * Main passes `fetchOverNetRequest(net.request)`; no cookies, no HTTP cache.
 */
export function fetchOverNetRequest(
  request: (options: NetRequestOptions) => NetClientRequest,
): FetchLike {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      let settled = false;
      let body: ReadableStreamDefaultController<Uint8Array> | null = null;
      const req = request({
        method: init.method ?? 'GET',
        url: input,
        redirect: 'manual',
        credentials: 'omit',
        useSessionCookies: false,
        cache: 'no-store',
      });
      const fail = (error: unknown): void => {
        if (!settled) {
          settled = true;
          reject(error);
        } else if (body) {
          try {
            body.error(error);
          } catch {
            /* already closed */
          }
          body = null;
        }
      };
      signal?.addEventListener(
        'abort',
        () => {
          fail(abortReason(signal));
          req.abort();
        },
        { once: true },
      );
      new Headers(init.headers).forEach((value, name) => req.setHeader(name, value));

      req.on('redirect', (statusCode, _method, redirectUrl, responseHeaders) => {
        if (settled) return;
        settled = true;
        const headers = new Headers();
        for (const [name, values] of Object.entries(responseHeaders)) {
          for (const v of values) headers.append(name, v);
        }
        headers.set('location', redirectUrl);
        resolve(new Response(null, { status: statusCode, headers }));
        // Not following it: Electron then cancels the request, which is the point.
      });

      req.on('response', (res) => {
        if (settled) return;
        settled = true;
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const stream = NULL_BODY_STATUSES.has(res.statusCode)
          ? null
          : new ReadableStream<Uint8Array>({
              start(controller) {
                body = controller;
                res.on('data', (chunk) => body?.enqueue(new Uint8Array(chunk)));
                res.on('end', () => {
                  body?.close();
                  body = null;
                });
                res.on('error', (error) => fail(error));
                res.on('aborted', () => fail(new Error('net::ERR_CONNECTION_RESET')));
              },
              cancel() {
                body = null;
                req.abort();
              },
            });
        resolve(
          new Response(stream, { status: res.statusCode, statusText: res.statusMessage, headers }),
        );
      });

      req.on('error', (error) => fail(error));
      req.end();
    });
}
