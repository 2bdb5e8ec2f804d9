/**
 * Electron's `net.request` as a `FetchLike` that hands redirects back as 3xx
 * responses, so the client in http.ts can follow them by hand and keep
 * credentials on their origin. Also the shapes of the `net.request` parts it
 * drives, for main to pass the real one and tests an emulation.
 *
 * Node only; never imports `electron`: main passes `net.request` in.
 */
import type { FetchLike } from '../deps';

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
  /** Sends the request, with a write's body when there is one. */
  end(chunk?: string): void;
}

/** Statuses a `Response` must be built without a body for (its constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** What `fetch` rejects with on abort: the signal's reason, else an AbortError as fetch gives. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * A FetchLike over Electron's `net.request` (Chromium's network stack, so
 * system proxies apply) that returns redirects as 3xx responses, which the
 * client in http.ts needs to keep credentials on their origin. Electron's own
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
      // A write's body (http.ts sends form or JSON text): anything else is a caller's mistake.
      if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
        reject(new TypeError('fetchOverNetRequest sends text bodies only'));
        return;
      }
      const payload = init.body ?? undefined;
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
      req.end(payload);
    });
}
