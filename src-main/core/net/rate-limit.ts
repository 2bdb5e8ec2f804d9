/**
 * Waiting out a server's rate limit: how long it asks for (Retry-After, or
 * Zulip's body field), the sleep a signal can cut short, and the budget a
 * watched call (a lookup, a test, a picture) may spend on waits in all.
 * Split from http.ts, which does the waiting.
 *
 * Node only; never imports `electron`.
 */
import type { JsonValue } from '@shared/model';
import { cancelled } from './http-errors';

/** Seconds a call may still spend waiting for rate limits; the client subtracts each wait. */
export interface WaitBudget {
  seconds: number;
}

/**
 * What a call someone is watching (a lookup, a connection test, a picture)
 * may wait for rate limits in all: a short wait passes unnoticed, a longer
 * one fails at once saying when to try again, rather than holding the
 * answer for minutes with nothing shown. A sync shows its waits and can be
 * cancelled, so it has no such budget.
 */
export const INTERACTIVE_WAIT_SECONDS = 30;

/** A fresh budget of `INTERACTIVE_WAIT_SECONDS` for one call. */
export function interactiveWaitBudget(): WaitBudget {
  return { seconds: INTERACTIVE_WAIT_SECONDS };
}

/** Waits `ms`, or rejects with CANCELLED as soon as `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

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
