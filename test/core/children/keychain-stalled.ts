// Child of secrets.test.ts: run while the Secret Service is frozen (SIGSTOP)
// or locked. Times each call of the real keytar store and reports what it
// threw, so the parent can check the time box and the fail-fast guard.
import { createKeytarSecretStore } from '@core/store/secrets';
import { RollcallFailure, type RollcallError } from '@shared/errors';

async function timed(
  run: () => Promise<unknown>,
): Promise<{ ms: number; value: unknown; error: RollcallError | null }> {
  const started = Date.now();
  try {
    const value = await run();
    return { ms: Date.now() - started, value, error: null };
  } catch (thrown) {
    if (!(thrown instanceof RollcallFailure)) throw thrown;
    return { ms: Date.now() - started, value: null, error: thrown.error };
  }
}

/** A timed-out keytar call may still be running: run-ts.mjs must not wait for it at exit. */
export const exitHard = true;

export async function main(args: { timeoutMs: number }): Promise<unknown> {
  const store = createKeytarSecretStore({ timeoutMs: args.timeoutMs });
  const first = await timed(() => store.get('conn-stalled'));
  const second = await timed(() => store.set('conn-stalled', 'stalled-secret-value'));
  const probe = await store.probe();
  return { first, second, probe };
}
