/**
 * Fetches that let the sync benchmarks separate the network from the rest:
 * a recording fetch (what a sync asked the fake for, byte for byte, and how
 * many requests it had in flight at once), a replaying one (the same
 * answers from memory, so a sync costs parse + normalize + write only), and
 * the raw-fetch baseline (the same URLs from the same fake, bodies read and
 * dropped, at the same concurrency).
 *
 * Runs in Node (bench processes).
 */
import type { FetchLike } from '@core/deps';

/** One recorded answer. */
export interface Recorded {
  url: string;
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
  /** Request headers sent (credentials included: never written anywhere). */
  requestHeaders: [string, string][];
}

/** A fetch that records every answer, in request order. */
export interface Recorder {
  fetch: FetchLike;
  /** Answers whose body was read to the end, in the order they were requested. */
  answers(): Recorded[];
  /** Most requests in flight at the same time (from the call until the body's end). */
  maxInFlight: number;
  reset(): void;
}

function headerPairs(init: RequestInit | undefined): [string, string][] {
  return [...new Headers(init?.headers ?? {}).entries()];
}

function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Records what passes through `inner` (Node's fetch by default) without
 * holding anything back: each body streams on to the caller as it arrives
 * and is kept once the caller has read it to the end, so a recorded run is
 * also a true end-to-end run.
 */
export function recordingFetch(inner: FetchLike = (i, n) => fetch(i, n)): Recorder {
  let inFlight = 0;
  // Bodies are joined when the answers are asked for, not as they end: a
  // 62 MB copy at the end of the body would land on the loop being measured.
  type Pending = Omit<Recorded, 'body'> & { chunks: Uint8Array[] };
  let slots: (Recorded | Pending | null)[] = [];
  const settle = (p: Pending): Recorded => {
    const { chunks, ...rest } = p;
    const done = { ...rest, body: concat(chunks) };
    const at = slots.indexOf(p);
    if (at >= 0) slots[at] = done;
    return done;
  };
  const recorder: Recorder = {
    maxInFlight: 0,
    answers: () =>
      slots
        .filter((a): a is Recorded | Pending => a !== null)
        .map((a) => ('chunks' in a ? settle(a) : a)),
    reset() {
      slots = [];
      recorder.maxInFlight = 0;
    },
    async fetch(input, init) {
      const slot = slots.length;
      const mine = slots;
      mine.push(null);
      inFlight++;
      recorder.maxInFlight = Math.max(recorder.maxInFlight, inFlight);
      let open = true;
      const finish = (): void => {
        if (open) inFlight--;
        open = false;
      };
      try {
        const response = await inner(input, init);
        const headers = [...response.headers.entries()];
        const keep = (chunks: Uint8Array[]): void => {
          mine[slot] = {
            url: input,
            status: response.status,
            headers,
            chunks,
            requestHeaders: headerPairs(init),
          };
        };
        if (!response.body) {
          keep([]);
          finish();
          return response;
        }
        const chunks: Uint8Array[] = [];
        const body = response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              chunks.push(chunk);
              controller.enqueue(chunk);
            },
            flush() {
              keep(chunks);
              finish();
            },
          }),
        );
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers,
        });
      } catch (thrown) {
        finish();
        throw thrown;
      }
    },
  };
  return recorder;
}

/** A fetch whose implementation can be swapped while core holds it. */
export function switchableFetch(initial: FetchLike): {
  fetch: FetchLike;
  use(next: FetchLike): void;
} {
  let current = initial;
  return {
    fetch: (input, init) => current(input, init),
    use(next) {
      current = next;
    },
  };
}

/** Socket-sized pieces of a recorded body (views, not copies). */
const REPLAY_CHUNK_BYTES = 64 * 1024;

function chunked(body: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array<ArrayBuffer>> {
  let at = 0;
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (at >= body.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(body.subarray(at, at + REPLAY_CHUNK_BYTES));
      at += REPLAY_CHUNK_BYTES;
    },
  });
}

/** Answers from recorded answers (by URL), never touching the network. */
export function replayFetch(answers: readonly Recorded[]): FetchLike {
  const byUrl = new Map(answers.map((a) => [a.url, a]));
  return async (input, init) => {
    if (init?.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    const a = byUrl.get(input);
    if (!a) throw new TypeError(`fetch failed: ${input} was not recorded`);
    // Streamed in network-sized chunks, as a socket delivers it: one 62 MB
    // chunk would make undici copy it whole in one go on the measured loop.
    return new Response(a.status === 204 || a.status === 304 ? null : chunked(a.body), {
      status: a.status,
      headers: a.headers,
    });
  };
}

/**
 * The network floor of a sync or lookup: fetches the same URLs with the
 * same headers from the same server, reading each body to its end, at most
 * `concurrency` at a time. Returns the wall time in ms.
 */
export async function rawFetchAll(
  answers: readonly Recorded[],
  concurrency: number,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < answers.length) {
      const a = answers[next++] as Recorded;
      const response = await fetch(a.url, { headers: a.requestHeaders, redirect: 'manual' });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return performance.now() - t0;
}

/** Total bytes of recorded bodies. */
export function recordedBytes(answers: readonly Recorded[]): number {
  return answers.reduce((n, a) => n + a.body.byteLength, 0);
}
