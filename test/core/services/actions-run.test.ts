// Running plans (issue 15) over a real cache and a stand-in server: the
// typed confirmation, one run per plan, expiry, the re-check against a
// fresh copy, a server that refuses or says yes and changes nothing, rate
// limit waits, cancelling between users, the cache written from the
// server's answer, and the audit log written as each user finishes.
import type { ActionProgress } from '@shared/actions';
import { DEFAULT_SEARCH_SPEC } from '@shared/model';
import { PLAN_TTL_MS } from '@core/services/actions/plan-store';
import { RUN_CONCURRENCY } from '@core/services/actions/run-loop';
import {
  applyToServer,
  openActionsWorld,
  openWebUIAdmin,
  zulipOwner,
  type ActionsWorld,
} from './actions-fixtures';
import { deferred, eventually, failure, rejection } from './service-fixtures';

let w: ActionsWorld;
afterEach(() => w?.close());

const progressOf = (): ActionProgress[] => w.world.events.of('actions:progress');

async function planOn(
  userIds: string[],
  action: Parameters<ActionsWorld['service']['plan']>[0]['action'],
) {
  return w.service.plan({
    connectionId: w.connectionId,
    action,
    target: { kind: 'users', userIds },
  });
}

/**
 * Starts a deactivation run over `count` users whose server answers wait
 * for the returned gate, and resolves once the first RUN_CONCURRENCY
 * users are under way.
 */
async function startGatedRun(count: number) {
  const ids = Array.from({ length: count }, (_, i) => String(i + 2));
  w = await openActionsWorld(
    'zulip',
    zulipOwner('owner'),
    ids.map((userId) => ({ userId })),
  );
  const gate = deferred();
  w.onApply.hook = async (current, action) => {
    await gate.promise;
    applyToServer(w.server, current.user.userId, action);
  };
  const plan = await planOn(ids, { kind: 'deactivate' });
  const running = w.service.run({ planId: plan.planId });
  await eventually(
    () => w.provider.calls.applyAction.length === RUN_CONCURRENCY,
    'the first users under way',
  );
  return { gate, running };
}

describe('actions:run', () => {
  it('applies, reads each user back, and writes the server answer to the cache and search', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }, { userId: '3' }]);
    const plan = await planOn(['2', '3'], { kind: 'set-role', role: 'guest' });
    const summary = await w.service.run({ planId: plan.planId });
    expect(summary.counts).toEqual({
      applied: 2,
      'not-applied': 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
    });
    expect(summary.cancelled).toBe(false);
    for (const r of summary.results) {
      expect(r).toMatchObject({
        outcome: 'applied',
        before: { role: 'member', state: 'active' },
        after: { role: 'guest', state: 'active' },
        error: null,
      });
    }
    // Fetched before and after each action.
    expect(w.provider.calls.fetchUser).toHaveLength(4);
    expect(w.world.users.get(w.connectionId, '2')?.user.role).toBe('guest');
    const guests = w.world.users.search({
      ...DEFAULT_SEARCH_SPEC,
      connectionIds: [w.connectionId],
      roles: ['guest'],
      offset: 0,
      limit: 10,
    });
    expect(guests.items.map((u) => u.userId).sort()).toEqual(['2', '3']);
  });

  it('takes the cache from what the server answers, not from what was asked', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    // The server makes them a moderator instead.
    w.onApply.hook = (current) =>
      applyToServer(w.server, current.user.userId, { kind: 'set-role', role: 'moderator' });
    const plan = await planOn(['2'], { kind: 'set-role', role: 'guest' });
    const summary = await w.service.run({ planId: plan.planId });
    expect(summary.results[0]).toMatchObject({
      outcome: 'not-applied',
      after: { role: 'moderator', state: 'active' },
    });
    expect(w.world.users.get(w.connectionId, '2')?.user.role).toBe('moderator');
  });

  it('calls a 200 that changed nothing not-applied, in words', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    w.onApply.hook = () => {};
    const plan = await planOn(['2'], { kind: 'deactivate' });
    const summary = await w.service.run({ planId: plan.planId });
    expect(summary.results[0]?.outcome).toBe('not-applied');
    expect(summary.results[0]?.error?.message).toMatch(/said yes.*Member.*not Member, deactivated/);
    expect(w.world.users.get(w.connectionId, '2')?.user.deactivated).toBe(false);
  });

  it("records a refusal as that user's failure, in the server's words, and goes on", async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [
      { userId: '2' },
      { userId: '3' },
      { userId: '4' },
    ]);
    w.onApply.hook = (current, action) => {
      if (current.user.userId === '3') throw failure('FORBIDDEN', 'Insufficient permission');
      applyToServer(w.server, current.user.userId, action);
    };
    const plan = await planOn(['2', '3', '4'], { kind: 'deactivate' });
    const summary = await w.service.run({ planId: plan.planId });
    const byId = Object.fromEntries(summary.results.map((r) => [r.userId, r]));
    expect(byId['3']).toMatchObject({ outcome: 'failed', error: { code: 'FORBIDDEN' } });
    expect(byId['3']?.error?.message).toBe('Insufficient permission');
    expect(byId['2']?.outcome).toBe('applied');
    expect(byId['4']?.outcome).toBe('applied');
  });

  it('re-checks each user against a fresh copy: promoted, gone or already changed are skipped', async () => {
    w = await openActionsWorld('zulip', zulipOwner('administrator'), [
      { userId: '2' },
      { userId: '3' },
      { userId: '4' },
      { userId: '5' },
    ]);
    const plan = await planOn(['2', '3', '4', '5'], { kind: 'deactivate' });
    expect(plan.changes).toHaveLength(4);
    applyToServer(w.server, '2', { kind: 'set-role', role: 'owner' });
    w.server.delete('3');
    applyToServer(w.server, '4', { kind: 'deactivate' });
    const summary = await w.service.run({ planId: plan.planId });
    const byId = Object.fromEntries(summary.results.map((r) => [r.userId, r]));
    expect(byId['2']).toMatchObject({ outcome: 'skipped', error: { code: 'FORBIDDEN' } });
    expect(byId['2']?.error?.message).toMatch(/only organization owners/);
    expect(byId['3']).toMatchObject({ outcome: 'skipped', after: { state: 'gone' } });
    expect(byId['4']?.error?.message).toMatch(/Already deactivated/);
    expect(byId['5']?.outcome).toBe('applied');
    expect(w.provider.calls.applyAction.map((c) => c.current.user.userId)).toEqual(['5']);
    // What the server said is in the cache now.
    expect(w.world.users.get(w.connectionId, '2')?.user.role).toBe('owner');
    expect(w.world.users.get(w.connectionId, '3')?.goneAt).not.toBeNull();
  });

  it('deletes on Open WebUI: applied when the server no longer has the user, who is marked gone', async () => {
    w = await openActionsWorld('openwebui', openWebUIAdmin(), [
      { userId: 'first', role: 'admin', joinedAt: Date.UTC(2020, 0, 1) },
      { userId: 'u1', role: 'user' },
    ]);
    const plan = await planOn(['u1'], { kind: 'delete' });
    const error = await rejection(w.service.run({ planId: plan.planId, confirmation: 'wrong' }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'confirmation' });
    const summary = await w.service.run({
      planId: plan.planId,
      confirmation: ` ${w.connectionLabel} `,
    });
    expect(summary.results[0]).toMatchObject({ outcome: 'applied', after: { state: 'gone' } });
    expect(w.world.users.get(w.connectionId, 'u1')?.goneAt).not.toBeNull();
  });

  it('asks for the typed count before running a plan of more than 10 users', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ userId: String(i + 10) }));
    w = await openActionsWorld('zulip', zulipOwner('owner'), many);
    const plan = await planOn(
      many.map((u) => u.userId),
      { kind: 'deactivate' },
    );
    expect((await rejection(w.service.run({ planId: plan.planId }))).field).toBe('confirmation');
    expect(
      (await rejection(w.service.run({ planId: plan.planId, confirmation: '10' }))).message,
    ).toMatch(/Type 11/);
    expect(w.provider.calls.fetchUser).toHaveLength(0);
    const summary = await w.service.run({ planId: plan.planId, confirmation: '11' });
    expect(summary.counts.applied).toBe(11);
  });

  it('runs a plan once only', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    const plan = await planOn(['2'], { kind: 'deactivate' });
    await w.service.run({ planId: plan.planId });
    const again = await rejection(w.service.run({ planId: plan.planId }));
    expect(again.code).toBe('INVALID_INPUT');
    expect(again.message).toMatch(/already run/);
    expect(w.provider.calls.applyAction).toHaveLength(1);
  });

  it('refuses a plan older than its expiry, and one it never made', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    const plan = await planOn(['2'], { kind: 'deactivate' });
    w.world.clock.advance(PLAN_TTL_MS + 1);
    const expired = await rejection(w.service.run({ planId: plan.planId }));
    expect(expired.message).toMatch(/expired after 15 minutes/);
    expect(w.provider.calls.fetchUser).toHaveLength(0);
    expect((await rejection(w.service.run({ planId: 'no-such-plan' }))).code).toBe('NOT_FOUND');
  });

  it('tells the window the run ID first, and reports a rate-limit wait', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    w.onApply.hook = (current, action, options) => {
      options?.onWait?.(7.2);
      applyToServer(w.server, current.user.userId, action);
    };
    const plan = await planOn(['2'], { kind: 'deactivate' });
    const summary = await w.service.run({ planId: plan.planId });
    const events = progressOf();
    expect(events[0]).toMatchObject({ phase: 'checking', runId: summary.runId, done: 0, total: 1 });
    expect(events.every((e) => e.runId === summary.runId)).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ phase: 'waiting', waitSeconds: 8 }));
    expect(events.at(-1)).toMatchObject({ phase: 'done', done: 1, total: 1 });
    expect(typeof w.applyOptions[0]?.onWait).toBe('function');
  });

  it('cancels between users: those under way finish, the rest are cancelled', async () => {
    const { gate, running } = await startGatedRun(8);
    const runId = progressOf()[0]?.runId ?? '';
    expect(await w.service.cancel({ runId })).toEqual({ cancelled: true });
    gate.resolve();
    const summary = await running;
    expect(summary.cancelled).toBe(true);
    expect(summary.counts).toMatchObject({
      applied: RUN_CONCURRENCY,
      cancelled: 8 - RUN_CONCURRENCY,
    });
    expect(w.provider.calls.applyAction).toHaveLength(RUN_CONCURRENCY);
    expect(progressOf().at(-1)?.phase).toBe('cancelled');
    expect(await w.service.cancel({ runId })).toEqual({ cancelled: false });
    expect(w.audit.list({ offset: 0, limit: 100 }).total).toBe(8);
  });

  it('stops every run when core closes, waiting for the users under way', async () => {
    const { gate, running } = await startGatedRun(6);
    let stopped = false;
    const stopping = w.service.stopAll().then(() => (stopped = true));
    gate.resolve();
    const summary = await running;
    await stopping;
    expect(stopped).toBe(true);
    expect(summary.counts).toMatchObject({
      applied: RUN_CONCURRENCY,
      cancelled: 6 - RUN_CONCURRENCY,
    });
  });
});
