/**
 * A `fetch` that crosses a thread: the sync worker (services/sync-worker.ts)
 * parses and writes on its own thread, but its requests must still go out
 * through the fetch core was given on the main thread (Electron's network
 * stack with system proxies, a test's fake, the bench's replay). The worker
 * side sends each request as a message; the main side runs it and streams
 * the answer's head and body back (each chunk copied once, then moved),
 * and an abort on either side ends the other.
 *
 * Node only; never imports `electron`.
 */
import type { FetchLike } from '../deps';

/** A message the worker side sends about one request. */
export type RelayRequest =
  | {
      t: 'fetch';
      id: number;
      url: string;
      init: {
        method: string;
        headers: [string, string][];
        body: string | null;
        redirect: RequestInit['redirect'];
        credentials: RequestInit['credentials'];
        /** `cache: 'no-store'`, as http.ts asks. */
        cache: string | null;
      };
    }
  | { t: 'abort'; id: number };

/** An error as it crossed the thread: its name, message and code, then its causes'. */
type ErrorChain = { name: string; message: string; code: string | null }[];

/** A message the main side sends about one request. */
export type RelayAnswer =
  | {
      t: 'head';
      id: number;
      status: number;
      statusText: string;
      type: string;
      url: string;
      redirected: boolean;
      headers: [string, string][];
    }
  | { t: 'chunk'; id: number; bytes: Uint8Array }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: ErrorChain };

/** Body chunks relayed in one turn of the main loop at most, and the time one turn may take. */
export const CHUNKS_PER_TURN = 64;
const TURN_MS = 8;

/** Posts a message, transferring the buffers listed. */
type Post<M> = (message: M, transfer?: ArrayBuffer[]) => void;

function chainOf(thrown: unknown): ErrorChain {
  const out: ErrorChain = [];
  let current: unknown = thrown;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const e = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown };
    out.push({
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(current),
      code: typeof e.code === 'string' ? e.code : null,
    });
    current = typeof current === 'object' ? e.cause : undefined;
  }
  return out;
}

function errorOf(chain: ErrorChain): Error {
  let cause: Error | undefined;
  for (let k = chain.length - 1; k >= 0; k--) {
    const link = chain[k] as ErrorChain[number];
    const error = new Error(link.message, cause ? { cause } : undefined);
    error.name = link.name;
    if (link.code !== null) Object.assign(error, { code: link.code });
    cause = error;
  }
  return cause ?? new Error('fetch failed');
}

function headerList(headers: RequestInit['headers']): [string, string][] {
  return [...new Headers(headers).entries()];
}

/** The request's `cache` mode, if it set one (http.ts asks for `no-store`). */
function cacheOf(init: RequestInit): string | null {
  const cache = (init as { cache?: unknown }).cache;
  return typeof cache === 'string' ? cache : null;
}

/** Statuses a `Response` may not carry a body with, or may not be built with at all. */
function bodiless(status: number): boolean {
  return status < 200 || status > 599 || [204, 205, 304].includes(status);
}

/**
 * The worker side: a `FetchLike` whose requests `post` sends to the main
 * side; feed every answer the main side sends to `receive`.
 */
export function relayedFetch(post: Post<RelayRequest>): {
  fetch: FetchLike;
  receive(answer: RelayAnswer): void;
} {
  let nextId = 1;
  const pending = new Map<
    number,
    {
      resolve: (r: Response) => void;
      reject: (e: Error) => void;
      body: ReadableStreamDefaultController<Uint8Array> | null;
    }
  >();

  const fetch: FetchLike = (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const id = nextId++;
      const signal = init.signal;
      if (signal?.aborted) {
        reject(errorOf(chainOf(signal.reason)));
        return;
      }
      const onAbort = (): void => {
        post({ t: 'abort', id });
        const one = pending.get(id);
        pending.delete(id);
        const reason = errorOf([
          { name: 'AbortError', message: 'This operation was aborted', code: null },
        ]);
        one?.reject(reason);
        try {
          one?.body?.error(reason);
        } catch {
          // Already closed.
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      pending.set(id, {
        resolve: (r) => resolve(r),
        reject: (e) => {
          settle();
          reject(e);
        },
        body: null,
      });
      post({
        t: 'fetch',
        id,
        url: input,
        init: {
          method: init.method ?? 'GET',
          headers: headerList(init.headers),
          body: typeof init.body === 'string' ? init.body : null,
          redirect: init.redirect ?? 'follow',
          credentials: init.credentials ?? 'omit',
          cache: cacheOf(init),
        },
      });
    });

  function receive(answer: RelayAnswer): void {
    const one = pending.get(answer.id);
    if (!one) return;
    if (answer.t === 'head') {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          one.body = controller;
        },
        cancel() {
          pending.delete(answer.id);
          post({ t: 'abort', id: answer.id });
        },
      });
      const empty = bodiless(answer.status);
      const response = new Response(empty ? null : stream, {
        status: empty ? 200 : answer.status,
        statusText: answer.statusText,
        headers: answer.headers,
      });
      Object.defineProperties(response, {
        status: { value: answer.status },
        type: { value: answer.type },
        url: { value: answer.url },
        redirected: { value: answer.redirected },
      });
      one.resolve(response);
    } else if (answer.t === 'chunk') {
      one.body?.enqueue(answer.bytes);
    } else if (answer.t === 'end') {
      pending.delete(answer.id);
      one.body?.close();
    } else {
      pending.delete(answer.id);
      const error = errorOf(answer.error);
      if (one.body) one.body.error(error);
      else one.reject(error);
    }
  }

  return { fetch, receive };
}

/**
 * The main side: runs each request the worker side sends with `fetch` and
 * streams its answer back through `post`. `close` aborts what is in flight.
 *
 * At most `maxInFlight` run at once; the rest wait here, in order, and each
 * starts as soon as one ends. The worker may then ask for pages well ahead
 * of what it has read: while it writes (its loop busy for hundreds of
 * milliseconds) they keep going out, as many at a time as before, instead
 * of each waiting for the worker to see the one before it end.
 */
export function serveRelayedFetch(
  fetch: FetchLike,
  post: Post<RelayAnswer>,
  maxInFlight = Number.POSITIVE_INFINITY,
): { handle(request: RelayRequest): void; close(): void } {
  const inFlight = new Map<number, AbortController>();
  const queued = new Map<number, Extract<RelayRequest, { t: 'fetch' }>>();
  let running = 0;

  const startNext = (): void => {
    while (running < maxInFlight && queued.size > 0) {
      const [id, next] = queued.entries().next().value as [
        number,
        Extract<RelayRequest, { t: 'fetch' }>,
      ];
      queued.delete(id);
      running++;
      void run(next).finally(() => {
        running--;
        startNext();
      });
    }
  };

  async function run(request: Extract<RelayRequest, { t: 'fetch' }>): Promise<void> {
    const { id } = request;
    const controller = new AbortController();
    inFlight.set(id, controller);
    try {
      const { method, headers, body, redirect, credentials, cache } = request.init;
      // `cache` is in the DOM's RequestInit and Electron's fetch, not in Node's type.
      const init = {
        method,
        headers,
        ...(body === null ? {} : { body }),
        ...(redirect ? { redirect } : {}),
        ...(credentials ? { credentials } : {}),
        ...(cache === null ? {} : { cache }),
        signal: controller.signal,
      };
      const response = await fetch(request.url, init as RequestInit);
      post({
        t: 'head',
        id,
        status: response.status,
        statusText: response.statusText,
        type: response.type,
        url: response.url,
        redirected: response.redirected,
        headers: [...response.headers.entries()],
      });
      const reader = response.body?.getReader();
      if (reader) {
        controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), {
          once: true,
        });
        let chunks = 0;
        let since = performance.now();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // Always a copy, then moved: a stream's chunk may still be held by
          // whoever made it (a tee, a recorder, a replayed body, a pooled
          // buffer), and moving that would detach it under them.
          const own = value.slice();
          post({ t: 'chunk', id, bytes: own }, [own.buffer as ArrayBuffer]);
          // A body already received is read chunk after chunk in microtasks,
          // never giving the loop a turn: tens of megabytes held main for
          // 150-300 ms. Every few chunks or milliseconds, the loop goes first.
          if (++chunks % CHUNKS_PER_TURN === 0 || performance.now() - since > TURN_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            since = performance.now();
          }
        }
      }
      post({ t: 'end', id });
    } catch (thrown) {
      post({ t: 'error', id, error: chainOf(thrown) });
    } finally {
      inFlight.delete(id);
    }
  }

  return {
    handle(request) {
      if (request.t === 'fetch') {
        queued.set(request.id, request);
        startNext();
      } else if (queued.delete(request.id)) {
        // Aborted before it went out: the worker side has settled it already.
      } else inFlight.get(request.id)?.abort();
    },
    close() {
      queued.clear();
      for (const controller of inFlight.values()) controller.abort();
      inFlight.clear();
    },
  };
}
