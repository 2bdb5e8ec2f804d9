/**
 * Channel name -> the function that answers it. Main's ipc.ts and the browser
 * test harness both call `createDispatcher`, so the window meets the same
 * parsing, the same errors and the same behaviour in tests as in the app.
 *
 * Node only; never imports `electron`.
 */
import { platform } from 'node:os';
import type { z } from 'zod';
import {
  contract,
  isChannel,
  type Channel,
  type ParsedArgOf,
  type ResultOf,
} from '@shared/contract';
import {
  err,
  fail,
  ok,
  rollcallError,
  RollcallFailure,
  toRollcallError,
  type Result,
  type RollcallError,
} from '@shared/errors';
import type { FileAnswer } from './app-page';
import type { CoreDeps } from './deps';

/** One function per channel, taking the parsed argument. */
export type Handlers = {
  [C in Channel]: (arg: ParsedArgOf<C>) => Promise<ResultOf<C>>;
};

/** Answers one raw request: any channel name, any argument, always a `Result`. */
export type Dispatch = (channel: unknown, arg: unknown) => Promise<Result<unknown>>;

function notImplemented(channel: Channel): never {
  fail('NOT_IMPLEMENTED', `${channel} is not available in this version of Rollcall yet.`);
}

/** Builds every channel's handler over the given dependencies. */
export function createHandlers(deps: CoreDeps): Handlers {
  return {
    'app:info': async () => ({
      name: 'Rollcall',
      version: deps.appVersion,
      userDataDir: deps.userDataDir,
      platform: platform(),
      keychain: await deps.secrets.probe(),
      database: null,
      counts: { connections: 0, users: 0, avatars: 0 },
    }),
    'connections:list': async () => notImplemented('connections:list'),
    'connections:save': async () => notImplemented('connections:save'),
    'connections:remove': async () => notImplemented('connections:remove'),
    'connections:test': async () => notImplemented('connections:test'),
    'users:lookup': async () => notImplemented('users:lookup'),
    'users:get': async () => notImplemented('users:get'),
    'users:search': async () => notImplemented('users:search'),
    'directory:sync': async () => notImplemented('directory:sync'),
    'directory:cancel-sync': async () => notImplemented('directory:cancel-sync'),
    'directory:export': async () => notImplemented('directory:export'),
    'demo:load': async () => notImplemented('demo:load'),
    'shell:open-external': async () => notImplemented('shell:open-external'),
  };
}

/** Turns a failed zod parse into one INVALID_INPUT error naming the field. */
export function invalidInput(error: z.ZodError): RollcallError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  const what = issue?.message ?? 'The request is malformed.';
  return rollcallError('INVALID_INPUT', field ? `${field}: ${what}` : what, field ? { field } : {});
}

/**
 * Wraps handlers in the checks every request gets: a known channel, an
 * argument that passes its schema (else the handler is not called), and any
 * throw turned into an error value. Unexpected throws are logged (redacted)
 * and reported as INTERNAL without their text.
 */
export function createDispatcher(handlers: Handlers, deps: Pick<CoreDeps, 'log'>): Dispatch {
  return async (channel, arg) => {
    if (!isChannel(channel)) {
      return err(rollcallError('INVALID_INPUT', 'Unknown request.'));
    }
    const parsed = contract[channel].arg.safeParse(arg);
    if (!parsed.success) return err(invalidInput(parsed.error));
    try {
      const handler = handlers[channel] as (a: unknown) => Promise<unknown>;
      return ok(await handler(parsed.data));
    } catch (thrown) {
      if (!(thrown instanceof RollcallFailure)) {
        deps.log.error(`${channel} failed unexpectedly`, {
          error: thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown),
        });
      }
      return err(toRollcallError(thrown));
    }
  };
}

/** Everything main (or the test harness) holds of a running core. */
export interface Core {
  handlers: Handlers;
  dispatch: Dispatch;
  /** Serves `rollcall-avatar://<connectionId>/<userId>`: the cached picture, or 404. */
  serveAvatar(connectionId: string, userId: string): Promise<FileAnswer>;
  /** Releases files and timers; the app calls it on quit. */
  close(): Promise<void>;
}

/** Starts core over its dependencies. */
export async function openCore(deps: CoreDeps): Promise<Core> {
  const handlers = createHandlers(deps);
  return {
    handlers,
    dispatch: createDispatcher(handlers, deps),
    serveAvatar: async () => ({
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: new TextEncoder().encode('No picture'),
    }),
    close: async () => {},
  };
}
