/**
 * The quit path. Electron leaves its event loop right after `will-quit`, so
 * work started there without waiting never finishes: the database and its
 * checkpoint worker were never closed. Instead the first `will-quit` is
 * held (`preventDefault`), core closes under a time bound (a keychain call
 * stuck in a native thread must not keep a windowless app alive), and then
 * `app.exit()` ends the process, which fires no second `will-quit`.
 *
 * Runs in Electron's main process.
 */
import type { Logger } from '../core/log';

/** How long closing core may take before the app exits anyway. */
const CLOSE_BOUND_MS = 5_000;

/** The part of Electron's `app` the quit path uses. */
export interface QuittingApp {
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  exit(code?: number): void;
}

/** Holds the first quit until `close()` has finished (or the bound ran out), then exits. */
export function closeBeforeQuit(
  app: QuittingApp,
  close: () => Promise<void>,
  log: Logger,
  boundMs: number = CLOSE_BOUND_MS,
): void {
  let closing = false;
  app.on('will-quit', (event) => {
    event.preventDefault();
    if (closing) return;
    closing = true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => resolve('bound'), boundMs);
    });
    const closed = close().then(
      () => 'closed' as const,
      (thrown: unknown) => {
        log.error('closing the cache failed at quit', {
          error: thrown instanceof Error ? thrown.message : String(thrown),
        });
        return 'failed' as const;
      },
    );
    void Promise.race([closed, bound]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === 'bound') log.warn('quitting before the cache finished closing', { boundMs });
      // A hang past the bound is still the quit that was asked for; a failure is not.
      app.exit(outcome === 'failed' ? 1 : 0);
    });
  });
}
