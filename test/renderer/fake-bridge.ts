/**
 * A `window.rollcall` for component tests: the real createBridge over an
 * invoke that answers from a table the test supplies, so components meet the
 * same Result values and event plumbing as in the app.
 */
import { createBridge, type RollcallApi } from '@shared/bridge';
import type { Channel, EventName } from '@shared/contract';
import { rollcallError, type Result } from '@shared/errors';

/** Scripted answers, one function a channel. */
export type Answers = Partial<
  Record<Channel, (arg: unknown) => Result<unknown> | Promise<Result<unknown>>>
>;

/** The installed bridge, its recorded calls, and a way to emit events. */
export interface FakeBridge {
  api: RollcallApi;
  calls: { channel: Channel; arg: unknown }[];
  emit(event: EventName, payload: unknown): void;
}

/** Installs a bridge answering from `answers` as window.rollcall. */
export function installFakeBridge(answers: Answers): FakeBridge {
  const calls: FakeBridge['calls'] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api = createBridge(
    async (channel, arg) => {
      calls.push({ channel, arg });
      const answer = answers[channel];
      return answer ? answer(arg) : { ok: false, error: rollcallError('NOT_IMPLEMENTED') };
    },
    (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    { avatarBase: 'http://avatars.test/' },
  );
  Object.defineProperty(window, 'rollcall', { value: api, configurable: true, writable: true });
  return {
    api,
    calls,
    emit: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
  };
}
