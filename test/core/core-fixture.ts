/**
 * A real core for integration tests: real SQLite in a temporary user-data
 * folder, the real keychain when the suite runs in its private keyring (the
 * in-memory store otherwise, said once), Node's fetch, and recorders for
 * everything core sends outward (events, opened links, export paths).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgOf, Channel, EventName, PayloadOf, ResultOf } from '@shared/contract';
import type { ConnectionSummary } from '@shared/model';
import type { Result } from '@shared/errors';
import type { CoreDeps } from '@core/deps';
import type { Core } from '@core/handlers';
import { openCore } from '@core/open-core';
import { createLogger } from '@core/log';
import { createKeytarSecretStore, createMemorySecretStore } from '@core/store/secrets';
import type { OpenWebUIFake } from '../fakes/openwebui-fake';
import type { ZulipFake } from '../fakes/zulip-fake';

let warned = false;

export interface TestCore {
  core: Core;
  userDataDir: string;
  events: { event: EventName; payload: unknown }[];
  logLines: string[];
  opened: string[];
  /** Calls a channel through the real dispatcher and returns its Result. */
  result<C extends Channel>(channel: C, arg: ArgOf<C>): Promise<Result<ResultOf<C>>>;
  /** Calls a channel and returns its value, failing the test on an error. */
  call<C extends Channel>(channel: C, arg: ArgOf<C>): Promise<ResultOf<C>>;
  eventsOf<E extends EventName>(event: E): PayloadOf<E>[];
  close(): Promise<void>;
}

/** Opens a core over a fresh (or given) user-data folder. */
export async function openTestCore(
  overrides: Partial<CoreDeps> & { keepDir?: boolean } = {},
): Promise<TestCore> {
  const userDataDir = overrides.userDataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-core-'));
  const events: TestCore['events'] = [];
  const logLines: string[] = [];
  const opened: string[] = [];
  const realKeychain = Boolean(process.env.ROLLCALL_TEST_KEYCHAIN);
  if (!realKeychain && !warned) {
    warned = true;
    console.warn(
      '[note] ROLLCALL_TEST_KEYCHAIN unset: integration tests use the in-memory secret store (run `npm test` for the real keychain).',
    );
  }
  const core = await openCore({
    appVersion: '0.0.0-test',
    userDataDir,
    fetch: (input, init) => fetch(input, init),
    secrets: realKeychain ? createKeytarSecretStore() : createMemorySecretStore(),
    now: () => Date.now(),
    emit: (event, payload) => events.push({ event, payload }),
    openExternal: async (url) => {
      opened.push(url);
    },
    chooseSavePath: async ({ defaultName }) => join(userDataDir, 'exports', defaultName),
    log: createLogger((line) => logLines.push(line)),
    ...overrides,
  });
  const result = <C extends Channel>(channel: C, arg: ArgOf<C>) =>
    core.dispatch(channel, arg) as Promise<Result<ResultOf<C>>>;
  return {
    core,
    userDataDir,
    events,
    logLines,
    opened,
    result,
    async call(channel, arg) {
      const r = await result(channel, arg);
      if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
      return r.value;
    },
    eventsOf: <E extends EventName>(event: E) =>
      events.filter((e) => e.event === event).map((e) => e.payload as PayloadOf<E>),
    async close() {
      await core.close();
      if (!overrides.keepDir && !overrides.userDataDir)
        rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a connection to the fake Zulip with its administrator's key (the connection test runs). */
export async function addZulip(t: TestCore, fake: ZulipFake): Promise<ConnectionSummary> {
  const { connection } = await t.call('connections:save', {
    draft: {
      kind: 'zulip',
      label: 'Acme Zulip',
      baseUrl: fake.url,
      loginEmail: fake.admin.email,
      secret: fake.admin.apiKey,
    },
  });
  return connection;
}

/** Saves a connection to the fake Open WebUI with its admin's key (the connection test runs). */
export async function addOpenWebUI(t: TestCore, fake: OpenWebUIFake): Promise<ConnectionSummary> {
  const { connection } = await t.call('connections:save', {
    draft: { kind: 'openwebui', label: 'Acme AI', baseUrl: fake.url, secret: fake.adminKey },
  });
  return connection;
}
