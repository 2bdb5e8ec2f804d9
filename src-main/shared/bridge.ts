/**
 * Builds `window.rollcall`, the window's only way to reach main, from two
 * primitives. The preload passes ones made of ipcRenderer; the browser test
 * harness passes ones made of Playwright's exposeFunction. Either way the
 * window sees the same narrow, typed object, one method a channel.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */
import {
  CHANNELS,
  EVENT_NAMES,
  contract,
  events,
  type ArgOf,
  type Channel,
  type Contract,
  type EventName,
  type PayloadOf,
  type ResultOf,
} from './contract';
import { AVATAR_HOST, AVATAR_SCHEME } from './csp';
import { err, isRollcallError, rollcallError, type Result } from './errors';

/** Sends one request to main and resolves with its raw answer. */
export type RawInvoke = (channel: Channel, arg: unknown) => Promise<unknown>;
/** Listens to one event from main; returns the function that stops listening. */
export type RawSubscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

type ArgsOf<C extends Channel> =
  // Channels whose every argument field is optional may be called with none.
  Record<never, never> extends ArgOf<C> ? [arg?: ArgOf<C>] : [arg: ArgOf<C>];

type ChannelMethods = {
  [C in Channel as Contract[C]['method']]: (...args: ArgsOf<C>) => Promise<Result<ResultOf<C>>>;
};

type EventMethods = {
  [E in EventName as (typeof events)[E]['method']]: (
    listener: (payload: PayloadOf<E>) => void,
  ) => () => void;
};

/** Pure helpers that need no round trip to main. */
interface LocalMethods {
  /**
   * The URL of a user's cached picture. The window never fetches avatars
   * from servers itself: main serves them, so no token reaches the page.
   */
  avatarUrl(connectionId: string, userId: string, key?: string | null): string;
}

/** The API the window sees as `window.rollcall`. */
export type RollcallApi = ChannelMethods & EventMethods & LocalMethods;

/** Options of `createBridge`; the defaults are the app's. */
export interface BridgeOptions {
  /** Where avatars are served: the avatar protocol in the app, an HTTP path in tests. */
  avatarBase?: string;
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  return v.ok === false && isRollcallError(v.error);
}

/** Builds the typed API over raw invoke/subscribe functions. */
export function createBridge(
  invoke: RawInvoke,
  subscribe: RawSubscribe,
  options: BridgeOptions = {},
): RollcallApi {
  const avatarBase = options.avatarBase ?? `${AVATAR_SCHEME}://${AVATAR_HOST}/`;
  const api: Record<string, unknown> = {};
  api.avatarUrl = (connectionId: string, userId: string, key?: string | null): string =>
    `${avatarBase}${encodeURIComponent(connectionId)}/${encodeURIComponent(userId)}` +
    (key ? `?v=${encodeURIComponent(key)}` : '');
  for (const name of CHANNELS) {
    api[contract[name].method] = async (arg?: unknown): Promise<Result<unknown>> => {
      let answer: unknown;
      try {
        answer = await invoke(name, arg ?? {});
      } catch {
        return err(rollcallError('INTERNAL', "Rollcall's main process did not answer."));
      }
      return isResult(answer)
        ? answer
        : err(rollcallError('INTERNAL', "Rollcall's main process gave a malformed answer."));
    };
  }
  for (const name of EVENT_NAMES) {
    api[events[name].method] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      return subscribe(name, (payload) => listener(payload));
    };
  }
  return Object.freeze(api) as unknown as RollcallApi;
}
