/**
 * Small helpers the core tests share: Node's own fetch as the injected
 * FetchLike, a sleep that records waits instead of taking them (while still
 * honouring cancellation), and a way to catch the RollcallError a call
 * fails with.
 */
import { RollcallFailure, type RollcallError } from '@shared/errors';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '@core/net/http';
import type { Sleep } from '@core/net/rate-limit';
import type { FetchLike } from '@core/deps';

/** Node's fetch, as main would pass Electron's. */
export const nodeFetch: FetchLike = (input, init) => fetch(input, init);

/** A sleep that returns at once and remembers how long it was asked to wait (ms). */
export function recordingSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms, signal) => {
      waits.push(ms);
      if (signal?.aborted) throw new RollcallFailure({ code: 'CANCELLED', message: 'Cancelled.' });
    },
  };
}

/** An HTTP client over Node's fetch with instant, recorded sleeps unless told otherwise. */
export function testClient(
  options: Partial<HttpClientOptions> = {},
): HttpClient & { waits: number[] } {
  const { sleep, waits } = recordingSleep();
  const client = createHttpClient({ fetch: nodeFetch, sleep, ...options });
  return Object.assign(client, { waits });
}

/** The RollcallError a promise (or function) fails with; fails the test if it does not fail so. */
export async function failureOf(run: Promise<unknown> | (() => unknown)): Promise<RollcallError> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (error) {
    if (error instanceof RollcallFailure) return error.error;
    throw new Error(`expected a RollcallFailure, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a RollcallFailure, but it succeeded');
}

/** Drains an async generator into an array. */
export async function collect<T>(gen: AsyncGenerator<T, void, void>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}
