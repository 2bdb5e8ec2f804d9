// The channels that act on users and read the audit log (issue 15), against
// the real core: a request from anywhere but Rollcall's own window never
// reaches them; malformed arguments are refused before any handler runs
// (an export cannot be pointed at a path, a plan ID cannot be a path); and
// a plan runs once, even when two runs of it are asked for at once.
import { vi } from 'vitest';
import type { Channel } from '@shared/contract';
import { isAppPageUrl } from '@core/app-page';
import { openTestCore, type TestCore } from '../core/core-fixture';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';

const registered = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) =>
      registered.set(channel, fn),
    removeHandler: (channel: string) => registered.delete(channel),
  },
}));

const { registerIpc, REFUSED_SENDER } = await import('../../src-main/main/ipc');

const WRITE_CHANNELS = [
  'actions:plan',
  'actions:run',
  'actions:cancel',
  'audit:export',
] as const satisfies readonly Channel[];
const ALL_CHANNELS = [
  ...WRITE_CHANNELS,
  'actions:available',
  'audit:list',
] as const satisfies readonly Channel[];

describe('the actions and audit channels', () => {
  let zulip: ZulipFake;
  let t: TestCore;
  let connectionId: string;
  let saveAsked = 0;

  beforeAll(async () => {
    zulip = await startZulipFake({ seed: 15, count: 40 });
    t = await openTestCore({
      chooseSavePath: async () => {
        saveAsked++;
        return null;
      },
    });
    const { connection } = await t.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: 'Acme Chat',
        baseUrl: zulip.url,
        loginEmail: zulip.admin.email,
        secret: zulip.admin.apiKey,
      },
    });
    connectionId = connection.id;
    await t.call('directory:sync', { connectionId });
  });
  afterAll(async () => {
    await t?.close();
    await zulip?.close();
  });

  it('refuses every one of them from a foreign or framed sender, running nothing', async () => {
    const dispatched: string[] = [];
    const unregister = registerIpc(
      (channel, arg) => {
        dispatched.push(String(channel));
        return t.core.dispatch(channel, arg);
      },
      (url) => isAppPageUrl(url),
    );
    try {
      const plan = await t.call('actions:plan', {
        connectionId,
        action: { kind: 'deactivate' },
        target: { kind: 'users', userIds: [String(zulip.member.userId)] },
      });
      const args: Record<(typeof ALL_CHANNELS)[number], unknown> = {
        'actions:available': { connectionId },
        'actions:plan': {
          connectionId,
          action: { kind: 'deactivate' },
          target: { kind: 'users', userIds: ['1'] },
        },
        'actions:run': { planId: plan.planId },
        'actions:cancel': { runId: 'x' },
        'audit:list': {},
        'audit:export': { format: 'csv' },
      };
      const senders = [
        { senderFrame: { url: 'https://evil.example/index.html', parent: null } },
        { senderFrame: { url: 'rollcall-app://app/index.html', parent: {} } },
        { senderFrame: null },
      ];
      for (const channel of ALL_CHANNELS) {
        for (const event of senders) {
          expect(await registered.get(channel)!(event, args[channel])).toEqual({
            ok: false,
            error: REFUSED_SENDER,
          });
        }
      }
      expect(dispatched).toEqual([]);
      // The refused run ran nothing: the plan is still there to run.
      expect(zulip.requests.some((r) => r.method !== 'GET')).toBe(false);
      const audit = await t.call('audit:list', { offset: 0, limit: 10 });
      expect(audit.total).toBe(0);
    } finally {
      unregister();
    }
  });

  it.each<[Channel, unknown]>([
    [
      'actions:plan',
      { connectionId: 'c', action: { kind: 'deactivate' }, target: { kind: 'users', userIds: [] } },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'drop-table' },
        target: { kind: 'users', userIds: ['1'] },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'set-role', role: 'root' },
        target: { kind: 'users', userIds: ['1'] },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'delete', force: true },
        target: { kind: 'users', userIds: ['1'] },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: '../../etc',
        action: { kind: 'delete' },
        target: { kind: 'users', userIds: ['1'] },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'delete' },
        target: { kind: 'users', userIds: Array.from({ length: 100_001 }, (_, i) => String(i)) },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'delete' },
        target: { kind: 'query', query: { text: 'a', offset: 0 } },
      },
    ],
    [
      'actions:plan',
      {
        connectionId: 'c',
        action: { kind: 'delete' },
        target: { kind: 'users', userIds: ['1'] },
        confirm: true,
      },
    ],
    ['actions:run', { planId: '../plan' }],
    ['actions:run', { planId: 'p'.repeat(65) }],
    ['actions:run', { planId: 'p', confirmation: 'x'.repeat(201) }],
    ['actions:run', { planId: 'p', confirmation: 11 }],
    ['actions:run', { planId: 'p', skipChecks: true }],
    ['actions:cancel', { runId: 'r/1' }],
    ['actions:cancel', {}],
    ['audit:list', { limit: 0 }],
    ['audit:list', { limit: 1001 }],
    ['audit:list', { offset: -1 }],
    ['audit:export', { format: 'xlsx' }],
    ['audit:export', { format: 'csv', path: '/etc/cron.d/evil' }],
    ['audit:export', null],
  ])('refuses %s with a malformed argument before running it (%#)', async (channel, arg) => {
    const before = saveAsked;
    const answer = await t.core.dispatch(channel, arg);
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(saveAsked).toBe(before);
  });

  it('runs a plan once, even when two runs of it are asked for at once', async () => {
    const userId = String(zulip.member.userId);
    const plan = await t.call('actions:plan', {
      connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: [userId] },
    });
    expect(plan.changes.map((c) => c.userId)).toEqual([userId]);
    const [a, b] = await Promise.all([
      t.result('actions:run', { planId: plan.planId }),
      t.result('actions:run', { planId: plan.planId }),
    ]);
    const ran = [a, b].filter((r) => r.ok);
    const refused = [a, b].filter((r) => !r.ok);
    expect(ran).toHaveLength(1);
    expect(refused).toEqual([
      {
        ok: false,
        error: expect.objectContaining({
          code: 'INVALID_INPUT',
          message: expect.stringMatching(/already run/),
        }),
      },
    ]);
    const third = await t.result('actions:run', { planId: plan.planId });
    expect(third).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // One run, one user: one row in the audit log.
    const audit = await t.call('audit:list', { connectionId, offset: 0, limit: 10 });
    expect(audit.total).toBe(1);
    expect(audit.entries[0]?.userId).toBe(userId);
  });
});
