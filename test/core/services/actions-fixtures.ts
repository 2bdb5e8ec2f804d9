// A small world for the actions service (issue 15): a real cache with a
// tested connection, a "server" held in a Map that the stand-in provider
// reads and changes the way a real one would (fetchUser answers its copy,
// applyAction changes it), and the real actions service over both. Tests
// change the server's behaviour per user to make it refuse, lie or vanish.
import type { ActionSpec } from '@shared/actions';
import type { ConnectionKind, DirectoryUser, KeyOwner } from '@shared/model';
import { directUserId } from '@shared/server-url';
import { silentLogger } from '@core/log';
import type { CallOptions, FetchedUser, ProviderSession } from '@core/providers';
import { createActionsService } from '@core/services/actions';
import { toWrite } from '@core/services/user-writes';
import { createActionFacts } from '@core/store/action-facts';
import { createAuditRepo, type AuditRepo } from '@core/store/audit-repo';
import { makeUser } from '../cache-fixtures';
import {
  failure,
  openWebUIContext,
  openWorld,
  providersWith,
  saveOpenWebUI,
  saveZulip,
  standInProvider,
  zulipContext,
  type StandInProvider,
  type World,
} from './service-fixtures';

/** What the fake server does on an action; the default applies it. */
type ApplyHook = (
  current: FetchedUser,
  action: ActionSpec,
  options: CallOptions | undefined,
) => Promise<void> | void;

export interface ActionsWorld {
  world: World;
  connectionId: string;
  connectionLabel: string;
  /** The server's users, by ID: what fetchUser answers. */
  server: Map<string, DirectoryUser>;
  provider: StandInProvider;
  /** Options each applyAction call was given. */
  applyOptions: (CallOptions | undefined)[];
  /** Replaces what the server does on an action (per test). */
  onApply: { hook: ApplyHook | null };
  audit: AuditRepo;
  service: ReturnType<typeof createActionsService>;
  /** Where the audit export dialog answers (null: cancelled). */
  savePath: { value: string | null };
  close(): void;
}

/** Applies an action to a server copy the way the server would. */
export function applyToServer(
  server: Map<string, DirectoryUser>,
  userId: string,
  action: ActionSpec,
): void {
  const u = server.get(userId);
  if (!u) throw failure('NOT_FOUND');
  if (action.kind === 'delete') server.delete(userId);
  else if (action.kind === 'set-role') server.set(userId, { ...u, role: action.role });
  else server.set(userId, { ...u, deactivated: action.kind === 'deactivate' });
}

/**
 * A connection of `kind` tested as `who`, with `users` both cached and on
 * the server (the same copy unless a test changes one of them).
 */
export async function openActionsWorld(
  kind: ConnectionKind,
  who: KeyOwner | null,
  users: (Partial<DirectoryUser> & { userId: string })[],
): Promise<ActionsWorld> {
  const world = openWorld();
  const conn = kind === 'zulip' ? await saveZulip(world) : await saveOpenWebUI(world);
  if (who) world.connections.setLastTest(conn.id, { ok: true, at: world.now(), who, error: null });
  const server = new Map<string, DirectoryUser>();
  for (const overrides of users) {
    const user = makeUser({ kind, ...overrides, connectionId: conn.id });
    server.set(user.userId, user);
    world.users.upsert(toWrite({ user, raw: { id: user.userId } }, world.now()));
  }
  const onApply: ActionsWorld['onApply'] = { hook: null };
  const applyOptions: ActionsWorld['applyOptions'] = [];
  const context = () =>
    kind === 'zulip' ? zulipContext(world.now()) : openWebUIContext(world.now());
  const provider = standInProvider(kind, {
    fetchUser: async (_session, ref) => {
      const id = directUserId(ref);
      const user = id === null ? undefined : server.get(id);
      if (!user) throw failure('NOT_FOUND', 'No such user.');
      return { user: { ...user }, raw: { id: user.userId }, context: context() };
    },
    applyAction: async () => {},
  });
  // The stand-in drops call options; this one keeps them, so a test can
  // see `onWait` passed and make the server ask for a wait.
  const recordCall = provider.applyAction.bind(provider);
  provider.applyAction = async (
    session: ProviderSession,
    current: FetchedUser,
    action: ActionSpec,
    options?: CallOptions,
  ) => {
    applyOptions.push(options);
    await recordCall(session, current, action);
    if (onApply.hook) await onApply.hook(current, action, options);
    else applyToServer(server, current.user.userId, action);
  };
  const audit = createAuditRepo(world.cache);
  const savePath: ActionsWorld['savePath'] = { value: null };
  const service = createActionsService({
    access: world.access,
    providers: providersWith(provider),
    users: world.users,
    contexts: world.contexts,
    reachability: world.reachability,
    facts: createActionFacts(world.cache),
    audit,
    emit: world.events.emit,
    now: world.now,
    log: silentLogger,
    chooseSavePath: async () => savePath.value,
    readOnly: false,
  });
  return {
    world,
    connectionId: conn.id,
    connectionLabel: conn.label,
    server,
    provider,
    applyOptions,
    onApply,
    audit,
    service,
    savePath,
    close: () => world.close(),
  };
}

/** A Zulip key owner of this role (user 1 unless said). */
export function zulipOwner(role: KeyOwner['role'], userId = '1'): KeyOwner {
  return { userId, name: 'Key Owner', email: 'key@example.com', role };
}

/** An Open WebUI admin key owner. */
export function openWebUIAdmin(userId = 'me'): KeyOwner {
  return { userId, name: 'Key Admin', email: 'key@example.com', role: 'admin' };
}
