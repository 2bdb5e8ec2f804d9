import { CHANNELS, contract, type Channel } from '@shared/contract';
import { createDispatcher, type Handlers } from '@core/handlers';
import { createLogger, silentLogger } from '@core/log';

/** One valid argument per channel: proves the schemas accept real requests. */
const VALID: Record<Channel, unknown> = {
  'app:info': {},
  'connections:list': {},
  'connections:save': {
    draft: {
      kind: 'zulip',
      label: 'Acme',
      baseUrl: 'chat.example.com',
      loginEmail: 'a@example.com',
      secret: 'k',
    },
  },
  'connections:remove': { id: 'c1' },
  'connections:test': { id: 'c1' },
  'users:lookup': { connectionId: 'c1', ref: '42' },
  'users:get': { connectionId: 'c1', userId: '42' },
  'users:search': { text: 'zoë' },
  'directory:filter-choices': { connectionId: 'c1' },
  'directory:sync': { connectionId: 'c1' },
  'directory:cancel-sync': { connectionId: 'c1' },
  'directory:export': { format: 'csv' },
  'actions:available': { connectionId: 'c1' },
  'actions:plan': {
    connectionId: 'c1',
    action: { kind: 'set-role', role: 'guest' },
    target: { kind: 'users', userIds: ['42'] },
  },
  'actions:run': { planId: 'p1', confirmation: '40' },
  'actions:cancel': { runId: 'r1' },
  'audit:list': {},
  'audit:export': { format: 'json' },
  'demo:load': {},
  'shell:open-external': { url: 'https://example.com' },
};

/** Arguments every channel must refuse. */
const BAD: unknown[] = [null, 42, 'users', [], { __proto__: { polluted: true }, unexpected: 1 }];

/** One channel-specific bad argument each: a wrong type in a real field. */
const BAD_FIELD: Record<Channel, unknown> = {
  'app:info': { verbose: true },
  'connections:list': { all: 1 },
  'connections:save': { draft: { kind: 'slack', baseUrl: 'x', secret: 'k' } },
  'connections:remove': { id: '../../etc/passwd' },
  'connections:test': {},
  'users:lookup': { connectionId: 'c1', ref: '   ' },
  'users:get': { connectionId: 'c1', userId: 42 },
  'users:search': { limit: 1_000_000 },
  'directory:filter-choices': { connectionId: '' },
  'directory:sync': { connectionId: '' },
  'directory:cancel-sync': { connectionId: 7 },
  'directory:export': { format: 'xlsx' },
  'actions:available': {},
  'actions:plan': {
    connectionId: 'c1',
    action: { kind: 'set-role', role: 'emperor' },
    target: { kind: 'users', userIds: ['42'] },
  },
  'actions:run': { planId: '../p1' },
  'actions:cancel': { runId: 5 },
  'audit:list': { limit: 0 },
  'audit:export': { format: 'xlsx' },
  'demo:load': { seed: 'x' },
  'shell:open-external': { url: 12 },
};

function spyHandlers() {
  const calls: Channel[] = [];
  const handlers = Object.fromEntries(
    CHANNELS.map((c) => [
      c,
      async () => {
        calls.push(c);
        return 'handled';
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

describe('the IPC contract', () => {
  it('declares every channel the product needs, each with a distinct bridge method', () => {
    expect(new Set(CHANNELS)).toEqual(
      new Set([
        'app:info',
        'connections:list',
        'connections:save',
        'connections:remove',
        'connections:test',
        'users:lookup',
        'users:get',
        'users:search',
        'directory:filter-choices',
        'directory:sync',
        'directory:cancel-sync',
        'directory:export',
        'actions:available',
        'actions:plan',
        'actions:run',
        'actions:cancel',
        'audit:list',
        'audit:export',
        'demo:load',
        'shell:open-external',
      ]),
    );
    const methods = CHANNELS.map((c) => contract[c].method);
    expect(new Set(methods).size).toBe(methods.length);
  });

  it.each(CHANNELS)('%s accepts a valid argument and calls its handler', async (channel) => {
    const { handlers, calls } = spyHandlers();
    const dispatch = createDispatcher(handlers, { log: silentLogger });
    const result = await dispatch(channel, VALID[channel]);
    expect(result).toEqual({ ok: true, value: 'handled' });
    expect(calls).toEqual([channel]);
  });

  it.each(CHANNELS)(
    '%s answers a bad argument with INVALID_INPUT and never runs the handler',
    async (channel) => {
      const { handlers, calls } = spyHandlers();
      const dispatch = createDispatcher(handlers, { log: silentLogger });
      for (const bad of [...BAD, BAD_FIELD[channel]]) {
        const result = await dispatch(channel, bad);
        expect(result.ok, `${channel} accepted ${JSON.stringify(bad)}`).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe('INVALID_INPUT');
          expect(result.error.message.length).toBeGreaterThan(5);
        }
      }
      expect(calls).toEqual([]);
    },
  );

  it('refuses unknown channels', async () => {
    const { handlers, calls } = spyHandlers();
    const dispatch = createDispatcher(handlers, { log: silentLogger });
    for (const name of ['users:delete', '__proto__', 'constructor', 42, undefined]) {
      const result = await dispatch(name, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(calls).toEqual([]);
  });

  it('turns a throw into an error value without leaking its text', async () => {
    const lines: string[] = [];
    const handlers = {
      ...spyHandlers().handlers,
      'app:info': async () => {
        throw new Error('boom https://x/?token=sk-0123456789abcdef0123456789abcdef');
      },
    } as Handlers;
    const dispatch = createDispatcher(handlers, { log: createLogger((line) => lines.push(line)) });
    const result = await dispatch('app:info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('boom');
    expect(lines).toHaveLength(1);
    expect(lines.join('\n')).toContain('app:info failed unexpectedly');
    expect(lines.join('\n')).not.toContain('sk-0123456789abcdef');
  });

  it('fills in defaults so handlers see complete arguments', async () => {
    let seen: unknown;
    const handlers = {
      ...spyHandlers().handlers,
      'users:search': async (arg: unknown) => {
        seen = arg;
        return { total: 0, items: [] };
      },
    } as Handlers;
    await createDispatcher(handlers, { log: silentLogger })('users:search', {});
    expect(seen).toEqual({
      text: '',
      connectionIds: [],
      roles: [],
      accounts: 'all',
      status: 'all',
      activity: 'all',
      activeBefore: 0,
      joinedAfter: null,
      joinedBefore: null,
      groups: [],
      profileField: null,
      facets: false,
      sort: 'name',
      direction: 'asc',
      offset: 0,
      limit: 100,
    });
  });

  it('refuses a NUL in the text an admin types for a connection, naming the field', () => {
    const save = contract['connections:save'].arg;
    const draft = VALID['connections:save'] as { draft: Record<string, string> };
    // The keychain and the cache's SQLite binding end a string at its first
    // NUL: "k\0ey" would be saved as "k" and then fail as a wrong key.
    for (const [field, name] of [
      ['label', 'The label'],
      ['loginEmail', 'The login email'],
      ['secret', 'The API key'],
    ] as const) {
      const parsed = save.safeParse({ draft: { ...draft.draft, [field]: 'a\0b' } });
      expect(parsed.success, field).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message)).toEqual([
        `${name} cannot contain a NUL character (U+0000).`,
      ]);
    }
    expect(save.safeParse(draft).success).toBe(true);
  });

  it('refuses activity and join bounds that are not whole times a date can hold', () => {
    const search = contract['users:search'].arg;
    expect(search.safeParse({ activity: 'idle' }).success).toBe(false);
    expect(search.safeParse({ joinedAfter: -1 }).success).toBe(false);
    expect(search.safeParse({ joinedBefore: 1.5 }).success).toBe(false);
    expect(search.safeParse({ activeBefore: 9e15 }).success).toBe(false);
    expect(search.safeParse({ facets: 'yes' }).success).toBe(false);
    expect(search.safeParse({ activity: 'never', joinedAfter: 0, facets: true }).success).toBe(
      true,
    );
  });
});
