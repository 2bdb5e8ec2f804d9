/**
 * Channel name -> the service function that answers it. Main's ipc.ts and the browser
 * test harness both call `createDispatcher`, so the window meets the same
 * parsing, the same errors and the same behaviour in tests as in the app.
 *
 * Node only; never imports `electron`.
 */
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
  ok,
  rollcallError,
  RollcallFailure,
  toRollcallError,
  type Result,
  type RollcallError,
} from '@shared/errors';
import type { FileAnswer } from './app-page';
import type { CoreDeps } from './deps';
import type { ActionsService } from './services/actions';
import type { AppInfoService } from './services/app-info';
import type { AvatarsService } from './services/avatars';
import type { ConnectionsService } from './services/connections';
import type { DemoService } from './services/demo';
import type { ExportService } from './services/export';
import type { LinksService } from './services/links';
import type { LookupService } from './services/lookup';
import type { SearchService } from './services/search';
import type { SyncService } from './services/sync';

/** One function per channel, taking the parsed argument. */
export type Handlers = {
  [C in Channel]: (arg: ParsedArgOf<C>) => Promise<ResultOf<C>>;
};

/** Answers one raw request: any channel name, any argument, always a `Result`. */
export type Dispatch = (channel: unknown, arg: unknown) => Promise<Result<unknown>>;

/** One service per capability, as open-core.ts builds them. */
export interface Services {
  appInfo: AppInfoService;
  connections: ConnectionsService;
  lookup: LookupService;
  search: SearchService;
  sync: SyncService;
  export: ExportService;
  demo: DemoService;
  links: LinksService;
  avatars: AvatarsService;
  actions: ActionsService;
}

/** Maps every channel to the service that answers it. */
export function createHandlers(services: Services): Handlers {
  return {
    'app:info': () => services.appInfo.appInfo(),
    'connections:list': () => services.connections.list(),
    'connections:save': (arg) => services.connections.save(arg),
    'connections:remove': (arg) => services.connections.remove(arg),
    'connections:test': (arg) => services.connections.test(arg),
    'users:lookup': (arg) => services.lookup.lookup(arg),
    'users:get': (arg) => services.lookup.getUser(arg),
    'users:search': (arg) => services.search.search(arg),
    'directory:filter-choices': (arg) => services.search.filterChoices(arg),
    'directory:sync': (arg) => services.sync.sync(arg),
    'directory:cancel-sync': (arg) => services.sync.cancel(arg),
    'directory:export': (arg) => services.export.exportDirectory(arg),
    'actions:available': (arg) => services.actions.available(arg),
    'actions:plan': (arg) => services.actions.plan(arg),
    'actions:run': (arg) => services.actions.run(arg),
    'actions:cancel': (arg) => services.actions.cancel(arg),
    'audit:list': (arg) => services.actions.listAudit(arg),
    'audit:export': (arg) => services.actions.exportAudit(arg),
    'demo:load': () => services.demo.loadDemo(),
    'shell:open-external': (arg) => services.links.openExternal(arg),
  };
}

/** Turns a failed zod parse into one INVALID_INPUT error naming the field. */
function invalidInput(error: z.ZodError): RollcallError {
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
  /** Serves `rollcall-avatar://<connectionId>/<userId>`: the cached picture, or 204 (none). */
  serveAvatar(connectionId: string, userId: string): Promise<FileAnswer>;
  /** Releases files and timers; the app calls it on quit. */
  close(): Promise<void>;
}
