/**
 * The one way Rollcall talks to a server. Every request gets a timeout that
 * covers the body too, cancellation, a body-size cap enforced while
 * streaming, a content-type check (a web page is never parsed as data),
 * redirects followed by hand so credentials never reach another origin,
 * 429 + Retry-After honoured a bounded number of times, and every failure
 * turned into a `RollcallFailure` whose message says what to do (the words
 * are in http-errors.ts).
 *
 * Node only; never imports `electron`. The `fetch` is injected: main passes
 * `fetchOverNetRequest(net.request)` (net-request.ts: Chromium's network
 * stack, so system proxies apply), tests pass Node's.
 */
import { RollcallFailure, type RollcallError } from '@shared/errors';
import type { JsonValue } from '@shared/model';
import type { FetchLike } from '../deps';
import {
  cancelled,
  displayUrl,
  failureFromThrow,
  type FailedAnswer,
  keyNotCheckedError,
  malformedJsonError,
  notAnApiError,
  notAPictureError,
  notUtf8Error,
  rateLimitedError,
  statusError,
  tooLarge,
} from './http-errors';
import { JsonSliceError, parseJsonInSlices } from './json-slices';
import { abortableSleep, retryAfterSeconds, type Sleep, type WaitBudget } from './rate-limit';
import { REDIRECT_STATUSES, redirectTarget } from './redirects';
import {
  credentialsInUrlError,
  invalidUrlError,
  opaqueRedirectError,
  redirectRefusedError,
  unsupportedSchemeError,
} from './url-errors';

/**
 * Credentials for one server; sent only to the origin of the request's first
 * URL. A JSON answer from elsewhere is refused (`getJson`).
 */
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

/**
 * A write's body: form fields (Zulip) or JSON (Open WebUI). Only the user
 * actions of issue 15 send one; every read is a GET without a body.
 */
export type WriteBody =
  { kind: 'form'; fields: Record<string, string> } | { kind: 'json'; value: JsonValue };

/**
 * One request: a GET, or (for an action on a user) a POST, PATCH or DELETE.
 * A write never follows a redirect: it is refused, so a change is never
 * sent on to an address the connection does not name.
 */
export interface HttpRequest {
  url: string;
  /** GET unless given. */
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Sent with a write; never with a GET. */
  body?: WriteBody;
  credentials?: Credentials | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per-attempt limit covering headers and body; defaults to the client's. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes; defaults to the client's. */
  maxBytes?: number;
  /** Called before each wait for a 429, with the seconds it will wait. */
  onWait?: (seconds: number) => void;
  /**
   * What the call this request belongs to may still spend waiting out 429s,
   * shared by its requests and spent by each wait: a wait that does not fit
   * is not waited, RATE_LIMITED at once. None: only the client's bounds.
   */
  waitBudget?: WaitBudget;
  /** Turns a failed response into a provider-specific error; undefined keeps the fallback. */
  describeError?: (info: HttpErrorInfo) => RollcallError | undefined;
  /** Appended to NOT_AN_API messages: how this product's URL should look. */
  urlHint?: string;
  /**
   * Whether the credentials may follow a redirect that stays on the origin
   * (default yes). Pictures say no: only the picture path they were checked
   * against is trusted with the key, not wherever the server sends them next.
   */
  credentialsFollowRedirects?: boolean;
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
interface BytesResponse {
  status: number;
  url: string;
  headers: Headers;
  contentType: string;
  bytes: Uint8Array;
}

/** The client providers are given. */
export interface HttpClient {
  /**
   * Requests JSON (a GET unless `method` says otherwise): non-JSON answers
   * are NOT_AN_API, invalid JSON is BAD_RESPONSE.
   */
  getJson(request: HttpRequest): Promise<JsonResponse>;
  /** GETs bytes whose content type passes `accept` (the avatar fetcher checks images). */
  getBytes(
    request: HttpRequest & { accept: (contentType: string) => boolean },
  ): Promise<BytesResponse>;
}

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
  /**
   * JSON bodies larger than this are parsed in slices that yield to the
   * event loop (json-slices.ts); default 1 MB, for Electron's main process.
   * The sync worker's loop waits on nothing but a cancel, so it parses its
   * bodies in one `JSON.parse`: 3-4 times faster than the slices, whose
   * scan for each value's end was 2 s of a 100 000-user sync.
   */
  slicedParseMinBytes?: number;
}

/** Body caps the providers use. */
const ONE_USER_MAX_BYTES = 2 * 1024 * 1024;
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
const SLICED_PARSE_MIN_BYTES = 1024 * 1024;
/** Error bodies are read only this far: enough for any server's message. */
const ERROR_BODY_MAX_BYTES = 256 * 1024;

/** The `Authorization` header value for the credentials. */
function authorizationOf(credentials: Credentials): string {
  if (credentials.kind === 'bearer') return `Bearer ${credentials.token}`;
  const bytes = new TextEncoder().encode(`${credentials.username}:${credentials.password}`);
  return `Basic ${Buffer.from(bytes).toString('base64')}`;
}

/** Whether a content type is JSON (`application/json`, `application/*+json`). */
function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Whether an answer is a web page, by its type or, failing that, its first bytes. */
function isHtml(contentType: string | null, firstBytes: Uint8Array): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/html' || type === 'application/xhtml+xml') return true;
  const head = new TextDecoder().decode(firstBytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** The request's URL, which must be absolute http(s): anything else is a caller's mistake. */
function checkedUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RollcallFailure(invalidUrlError());
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new RollcallFailure(unsupportedSchemeError(parsed.protocol));
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new RollcallFailure(credentialsInUrlError(parsed.href));
  }
  return parsed;
}

/** One attempt's final (non-redirect) response, still under the attempt's timer. */
interface Attempt {
  response: Response;
  url: string;
  credentialsDropped: boolean;
  timedOut: () => boolean;
  done: () => void;
}

/** The client's options with every default filled in: what each step below reads. */
type ClientConfig = Required<HttpClientOptions>;

/** Builds the client over an injected fetch. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const config: ClientConfig = {
    // Looked up on every request and called on `options`, as it always was.
    fetch: (input, init) => options.fetch(input, init),
    timeoutMs: options.timeoutMs ?? 15_000,
    maxBytes: options.maxBytes ?? ONE_USER_MAX_BYTES,
    maxRetries: options.maxRetries ?? 3,
    maxWaitSeconds: options.maxWaitSeconds ?? 120,
    maxRedirects: options.maxRedirects ?? 5,
    sleep: options.sleep ?? abortableSleep,
    now: options.now ?? Date.now,
    userAgent: options.userAgent ?? 'Rollcall',
    slicedParseMinBytes: options.slicedParseMinBytes ?? SLICED_PARSE_MIN_BYTES,
  };
  return {
    getJson: (request) => getJson(config, request),
    getBytes: (request) => getBytes(config, request),
  };
}

/** One attempt: the redirect chain up to a final response, under one timer. */
async function attempt(
  config: ClientConfig,
  request: HttpRequest,
  accept: string,
): Promise<Attempt> {
  const first = checkedUrl(request.url);
  const controller = new AbortController();
  let timedOut = false;
  const limit = request.timeoutMs ?? config.timeoutMs;
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
      const sameOrigin =
        new URL(url).origin === first.origin &&
        !credentialsDropped &&
        (hop === 0 || request.credentialsFollowRedirects !== false);
      const init = requestInit(config, request, accept, sameOrigin, controller.signal);
      let response: Response;
      try {
        response = await config.fetch(url, init);
      } catch (error) {
        throw failureFromThrow(error, url, request.signal, timedOut, limit);
      }
      if (response.type === 'opaqueredirect') {
        throw new RollcallFailure(opaqueRedirectError(url));
      }
      if (!REDIRECT_STATUSES.has(response.status)) {
        return { response, url, credentialsDropped, timedOut: () => timedOut, done };
      }
      await response.body?.cancel().catch(() => undefined);
      if ((request.method ?? 'GET') !== 'GET') {
        const shown = displayUrl(url);
        throw new RollcallFailure(redirectRefusedError({ why: 'write' }, shown, response.status));
      }
      const next = redirectTarget(response, url, visited, hop, config.maxRedirects, request.url);
      if (next.origin !== first.origin) credentialsDropped = true;
      url = next.href;
    }
  } catch (error) {
    done();
    throw error;
  }
}

/**
 * One hop's request: GET, the caller's headers, and the credentials only
 * while the chain is still on the first URL's origin.
 */
function requestInit(
  config: ClientConfig,
  request: HttpRequest,
  accept: string,
  sameOrigin: boolean,
  signal: AbortSignal,
): RequestInit & { cache: 'no-store' } {
  const headers: Record<string, string> = {
    Accept: accept,
    'User-Agent': config.userAgent,
    ...(request.headers ?? {}),
  };
  if (request.credentials && sameOrigin)
    headers.Authorization = authorizationOf(request.credentials);
  const method = request.method ?? 'GET';
  let body: string | undefined;
  if (method !== 'GET' && request.body?.kind === 'form') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.body.fields).toString();
  } else if (method !== 'GET' && request.body?.kind === 'json') {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(request.body.value);
  }
  // No cookies and no HTTP cache: Electron's net.fetch would otherwise
  // use the session's, and users' data must not linger there.
  return {
    method,
    ...(body === undefined ? {} : { body }),
    headers,
    redirect: 'manual',
    signal,
    credentials: 'omit',
    cache: 'no-store',
  };
}

/** Reads a body up to `max` bytes; the attempt's timer and signals still apply. */
async function readBody(
  config: ClientConfig,
  a: Attempt,
  request: HttpRequest,
  max: number,
): Promise<Uint8Array> {
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
      request.timeoutMs ?? config.timeoutMs,
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

/** Runs attempts, waiting out 429s; returns the final non-error attempt. */
async function run(config: ClientConfig, request: HttpRequest, accept: string): Promise<Attempt> {
  const { maxRetries, maxWaitSeconds: maxWait, sleep, now } = config;
  for (let retry = 0; ; retry++) {
    if (request.signal?.aborted) throw cancelled();
    const a = await attempt(config, request, accept);
    const status = a.response.status;
    if (status >= 200 && status < 300) return a;

    // An error: read a little of the body for the server's own words.
    let raw: Uint8Array = new Uint8Array();
    try {
      raw = await readBody(config, a, request, ERROR_BODY_MAX_BYTES);
    } catch (error) {
      if (error instanceof RollcallFailure && error.error.code === 'CANCELLED') throw error;
      // Keep going with no body: the status says enough.
    } finally {
      a.done();
    }
    const contentType = a.response.headers.get('content-type');
    const answer: FailedAnswer = {
      status,
      url: a.url,
      body: errorBodyJson(contentType, raw),
      credentialsDropped: a.credentialsDropped,
    };

    if (status === 429) {
      const wait = retryAfterSeconds(a.response.headers.get('retry-after'), answer.body, now());
      const seconds = wait ?? Math.min(maxWait, 2 ** retry);
      const budget = request.waitBudget;
      if (retry >= maxRetries || seconds > maxWait || (budget && seconds > budget.seconds)) {
        throw new RollcallFailure(rateLimitedError(request, answer, { seconds, retry }));
      }
      if (budget) budget.seconds -= seconds;
      request.onWait?.(seconds);
      await sleep(seconds * 1000, request.signal);
      continue;
    }
    throw new RollcallFailure(statusError(request, answer, isHtml(contentType, raw)));
  }
}

/** An error answer's body as JSON, when it says it is JSON and parses; else null. */
function errorBodyJson(contentType: string | null, raw: Uint8Array): JsonValue | null {
  if (!isJsonContentType(contentType)) return null;
  try {
    return JSON.parse(new TextDecoder().decode(raw)) as JsonValue;
  } catch {
    return null;
  }
}

/**
 * `HttpClient.getJson`: the body under its cap, checked to be JSON, then
 * parsed. A request with credentials must be answered by their origin with
 * them applied: a success from another origin (reached by a redirect, the
 * key left behind) never checked the key, so it is refused.
 */
async function getJson(config: ClientConfig, request: HttpRequest): Promise<JsonResponse> {
  const a = await run(config, request, 'application/json');
  if (request.credentials && a.credentialsDropped) {
    a.done();
    await a.response.body?.cancel().catch(() => undefined);
    throw new RollcallFailure(keyNotCheckedError(request.url, a.url, a.response.status));
  }
  const shown = displayUrl(a.url);
  let raw: Uint8Array;
  try {
    raw = await readBody(config, a, request, request.maxBytes ?? config.maxBytes);
  } finally {
    a.done();
  }
  const contentType = a.response.headers.get('content-type');
  if (!isJsonContentType(contentType)) {
    const html = isHtml(contentType, raw);
    throw new RollcallFailure(
      notAnApiError(shown, contentType, html, request.urlHint, a.response.status),
    );
  }
  const notUtf8 = (): RollcallFailure =>
    new RollcallFailure(notUtf8Error(shown, a.response.status));
  const malformed = (): RollcallFailure =>
    new RollcallFailure(malformedJsonError(shown, a.response.status));
  let json: JsonValue;
  if (raw.byteLength > config.slicedParseMinBytes) {
    // A whole directory (Zulip's 100 000 users are 62 MB): parsed in
    // slices so the event loop, Electron's main process, keeps turning.
    try {
      json = await parseJsonInSlices(raw);
    } catch (thrown) {
      if (thrown instanceof JsonSliceError) throw thrown.kind === 'utf8' ? notUtf8() : malformed();
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
}

/** `HttpClient.getBytes`: the content type put to the caller's `accept` first, then the body. */
async function getBytes(
  config: ClientConfig,
  request: HttpRequest & { accept: (contentType: string) => boolean },
): Promise<BytesResponse> {
  const a = await run(
    config,
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
    throw new RollcallFailure(notAPictureError(a.url, contentType, a.response.status));
  }
  try {
    const bytes = await readBody(config, a, request, request.maxBytes ?? config.maxBytes);
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
}
