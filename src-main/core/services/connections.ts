/**
 * The connection channels: list (with user counts, reachability, whether a
 * key is saved, whether a sync runs), save (tested first unless asked not
 * to), remove (a running sync is stopped first) and test (a saved
 * connection, or a draft from the dialog). The key goes from the window to
 * the keychain once, on save; the window only ever learns `hasSecret`.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf } from '@shared/contract';
import { fail, RollcallFailure, toRollcallError, type RollcallError } from '@shared/errors';
import type { ConnectionKind, ConnectionSummary, ConnectionTestResult } from '@shared/model';
import { registerSecret } from '../log';
import type { ReachabilityTracker } from '../net/reachability';
import { isInsecureHttpUrl, looksLikeEmail, parseServerUrl } from '@shared/server-url';
import type { Provider, ProviderSession } from '../providers';
import type { ConnectionsRepo, StoredConnection } from '../store/connections-repo';
import type { SecretStore } from '../store/secrets';
import type { UsersRepo } from '../store/users-repo';
import type { ConnectionAccess } from './connection-access';

/** The connection channels. */
export interface ConnectionsService {
  list(): Promise<ConnectionSummary[]>;
  save(
    arg: ParsedArgOf<'connections:save'>,
  ): Promise<{ connection: ConnectionSummary; test: ConnectionTestResult | null }>;
  remove(arg: ParsedArgOf<'connections:remove'>): Promise<{ removed: boolean }>;
  test(arg: ParsedArgOf<'connections:test'>): Promise<ConnectionTestResult>;
}

/** What the connections service is built from. */
export interface ConnectionsDeps {
  access: ConnectionAccess;
  connections: ConnectionsRepo;
  users: Pick<UsersRepo, 'countsByConnection'>;
  secrets: Pick<SecretStore, 'list'>;
  providers: Record<ConnectionKind, Provider>;
  reachability: ReachabilityTracker;
  syncs: { isRunning(connectionId: string): boolean; stop(connectionId: string): Promise<void> };
  now: () => number;
  /** Tells the window a connection's summary changed. */
  changed: (connectionId: string | null) => void;
}

/** The field of the connection dialog an error belongs to. */
function withField(error: RollcallError): RollcallError {
  if (error.field) return error;
  switch (error.code) {
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return { ...error, field: 'secret' };
    case 'OFFLINE':
    case 'TIMEOUT':
    case 'TLS':
    case 'NOT_AN_API':
    case 'SERVER_ERROR':
    case 'BAD_RESPONSE':
      return { ...error, field: 'baseUrl' };
    default:
      return error;
  }
}

/** The draft's URL normalized, and its login email checked (Zulip only). */
function checkedDraft(draft: ParsedArgOf<'connections:save'>['draft']): {
  baseUrl: string;
  loginEmail: string | null;
} {
  const { baseUrl } = parseServerUrl(draft.baseUrl);
  if (draft.kind !== 'zulip') return { baseUrl, loginEmail: null };
  const loginEmail = draft.loginEmail?.trim() ?? '';
  if (loginEmail === '') {
    fail('INVALID_INPUT', 'Enter the email address you log in to Zulip with.', {
      field: 'loginEmail',
    });
  }
  if (!looksLikeEmail(loginEmail)) {
    fail('INVALID_INPUT', 'That does not look like an email address.', { field: 'loginEmail' });
  }
  return { baseUrl, loginEmail };
}

/** Builds the connections service. */
export function createConnectionsService(deps: ConnectionsDeps): ConnectionsService {
  const { access, connections, users, providers, reachability, now } = deps;
  /** Keychain answers, so listing connections does not ask the keychain every time. */
  let secretAccounts: { at: number; accounts: Set<string> | null } | null = null;

  async function knownSecretAccounts(): Promise<Set<string> | null> {
    if (secretAccounts && now() - secretAccounts.at < 10_000) return secretAccounts.accounts;
    let accounts: Set<string> | null;
    try {
      accounts = new Set(await deps.secrets.list());
    } catch {
      accounts = null;
    }
    secretAccounts = { at: now(), accounts };
    return accounts;
  }

  function summaryOf(
    conn: StoredConnection,
    counts: Map<string, number>,
    accounts: Set<string> | null,
  ): ConnectionSummary {
    return {
      id: conn.id,
      kind: conn.kind,
      label: conn.label,
      baseUrl: conn.baseUrl,
      loginEmail: conn.loginEmail,
      demo: conn.demo,
      createdAt: conn.createdAt,
      updatedAt: conn.updatedAt,
      hasSecret: !conn.demo && (accounts ? accounts.has(conn.id) : true),
      lastTest: conn.lastTest,
      userCount: counts.get(conn.id) ?? 0,
      lastSyncAt: conn.lastSyncAt,
      lastSync: conn.lastSync,
      reachability: conn.demo
        ? { state: 'online', since: null, error: null }
        : reachability.get(conn.id),
      syncing: deps.syncs.isRunning(conn.id),
      insecureHttp: !conn.demo && isInsecureHttpUrl(conn.baseUrl),
    };
  }

  async function summaryById(id: string): Promise<ConnectionSummary> {
    const conn = access.require(id);
    return summaryOf(conn, users.countsByConnection(), await knownSecretAccounts());
  }

  async function runTest(
    session: ProviderSession,
    provider: Provider,
  ): Promise<ConnectionTestResult> {
    try {
      const owner = await provider.testConnection(session);
      return {
        ok: true,
        at: now(),
        who: { userId: owner.userId, name: owner.name, email: owner.email, role: owner.role },
        error: null,
      };
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (error.code === 'INTERNAL') throw thrown;
      return { ok: false, at: now(), who: null, error: withField(error) };
    }
  }

  async function list(): Promise<ConnectionSummary[]> {
    const rows = connections.list();
    const counts = users.countsByConnection();
    const accounts = rows.some((r) => !r.demo) ? await knownSecretAccounts() : null;
    return rows.map((r) => summaryOf(r, counts, accounts));
  }

  async function save(
    arg: ParsedArgOf<'connections:save'>,
  ): Promise<{ connection: ConnectionSummary; test: ConnectionTestResult | null }> {
    const existing = arg.id ? access.require(arg.id) : null;
    if (existing?.demo) fail('INVALID_INPUT', 'The demo directory cannot be edited.');
    if (existing && existing.kind !== arg.draft.kind) {
      fail('INVALID_INPUT', 'A connection cannot change kind. Add a new connection instead.', {
        field: 'kind',
      });
    }
    const { baseUrl, loginEmail } = checkedDraft(arg.draft);
    const secret = arg.draft.secret ?? (existing ? await connections.getSecret(existing.id) : null);
    if (!secret) fail('INVALID_INPUT', 'Enter the API key.', { field: 'secret' });
    registerSecret(secret);

    let test: ConnectionTestResult | null = null;
    if (!arg.skipTest) {
      const session: ProviderSession = {
        connectionId: existing?.id ?? 'new-connection',
        baseUrl,
        loginEmail,
        secret,
      };
      test = await runTest(session, providers[arg.draft.kind]);
      if (!test.ok && test.error) throw new RollcallFailure(test.error);
    }
    const stored = await connections.save({
      ...(existing ? { id: existing.id } : {}),
      kind: arg.draft.kind,
      label: arg.draft.label,
      baseUrl,
      loginEmail,
      ...(arg.draft.secret !== undefined ? { secret: arg.draft.secret } : {}),
    });
    secretAccounts = null;
    if (test) {
      connections.setLastTest(stored.id, test);
      reachability.answered(stored.id);
    }
    deps.changed(stored.id);
    return { connection: await summaryById(stored.id), test };
  }

  async function remove(arg: ParsedArgOf<'connections:remove'>): Promise<{ removed: boolean }> {
    await deps.syncs.stop(arg.id);
    const result = await connections.remove(arg.id);
    secretAccounts = null;
    reachability.forget(arg.id);
    deps.changed(arg.id);
    return result;
  }

  async function test(arg: ParsedArgOf<'connections:test'>): Promise<ConnectionTestResult> {
    const saved = arg.id ? access.require(arg.id) : null;
    if (saved?.demo) {
      return { ok: true, at: now(), who: null, error: null };
    }
    const kind = arg.draft?.kind ?? saved?.kind;
    if (!kind) fail('INVALID_INPUT', 'Choose Zulip or Open WebUI.', { field: 'kind' });
    const draft = {
      kind,
      label: arg.draft?.label ?? saved?.label ?? '',
      baseUrl: arg.draft?.baseUrl ?? saved?.baseUrl ?? '',
      loginEmail: arg.draft?.loginEmail ?? saved?.loginEmail ?? undefined,
    };
    const { baseUrl, loginEmail } = checkedDraft(draft);
    const secret = arg.draft?.secret ?? (saved ? await connections.getSecret(saved.id) : null);
    if (!secret) fail('INVALID_INPUT', 'Enter the API key.', { field: 'secret' });
    registerSecret(secret);
    const result = await runTest(
      { connectionId: saved?.id ?? 'draft', baseUrl, loginEmail, secret },
      providers[kind],
    );
    // Only a test of the saved settings says anything about the saved connection.
    const testsSaved =
      saved !== null &&
      baseUrl === saved.baseUrl &&
      loginEmail === saved.loginEmail &&
      arg.draft?.secret === undefined;
    if (testsSaved) {
      connections.setLastTest(saved.id, result);
      if (result.ok) reachability.answered(saved.id);
      else if (result.error) reachability.failed(saved.id, result.error);
      deps.changed(saved.id);
    }
    return result;
  }

  return { list, save, remove, test };
}
