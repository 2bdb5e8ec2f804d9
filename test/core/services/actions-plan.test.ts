// The actions service's availability and plans (issue 15), over a real
// cache and a stand-in server: what each key may do, why each user is left
// out (every skip code), the plan's words, and what must be typed.
import {
  ACTION_KINDS,
  SKIP_CODES,
  type ActionKind,
  type ActionPlan,
  type SkipCode,
} from '@shared/actions';
import { rollcallError } from '@shared/errors';
import { DEFAULT_SEARCH_SPEC } from '@shared/model';
import { COUNT_CONFIRMATION_OVER } from '@core/services/actions/plan-words';
import { toWrite } from '@core/services/user-writes';
import { makeBot, makeUser } from '../cache-fixtures';
import {
  openActionsWorld,
  openWebUIAdmin,
  zulipOwner,
  type ActionsWorld,
} from './actions-fixtures';
import { rejection, saveZulip } from './service-fixtures';

let w: ActionsWorld;
afterEach(() => w?.close());

/** Every skip code a test here has seen. */
const seenCodes = new Set<SkipCode>();
const skipsOf = (plan: ActionPlan): Record<string, SkipCode> => {
  for (const s of plan.skipped) seenCodes.add(s.code);
  return Object.fromEntries(plan.skipped.map((s) => [s.userId, s.code]));
};
const changedIds = (plan: ActionPlan): string[] => plan.changes.map((c) => c.userId);

describe('actions:available', () => {
  it('offers every Zulip action to an owner key, with the labels the window shows', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), []);
    const list = await w.service.available({ connectionId: w.connectionId });
    expect(list.map((a) => a.label)).toEqual([
      'Make Owner',
      'Make Administrator',
      'Make Moderator',
      'Make Member',
      'Make Guest',
      'Deactivate',
      'Reactivate',
    ]);
    expect(list.every((a) => a.allowed && a.reason === null && a.reversible)).toBe(true);
  });

  it('lets a Zulip administrator do all but make owners, and nobody below act at all', async () => {
    w = await openActionsWorld('zulip', zulipOwner('administrator'), []);
    const admin = await w.service.available({ connectionId: w.connectionId });
    const owner = admin.find((a) => a.label === 'Make Owner');
    expect(owner?.allowed).toBe(false);
    expect(owner?.reason).toMatch(/only organization owners can make someone an owner/);
    expect(admin.filter((a) => a.allowed)).toHaveLength(6);
    w.close();
    for (const role of ['moderator', 'member', 'guest'] as const) {
      w = await openActionsWorld('zulip', zulipOwner(role), []);
      const list = await w.service.available({ connectionId: w.connectionId });
      expect(list.some((a) => a.allowed)).toBe(false);
      expect(list[0]?.reason).toMatch(/only owners and administrators/);
      w.close();
    }
  });

  it('offers, across both kinds, every action the contract names', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), []);
    const kinds = new Set<ActionKind>();
    for (const a of await w.service.available({ connectionId: w.connectionId })) {
      kinds.add(a.action.kind);
    }
    w.close();
    w = await openActionsWorld('openwebui', openWebUIAdmin(), []);
    for (const a of await w.service.available({ connectionId: w.connectionId })) {
      kinds.add(a.action.kind);
    }
    expect([...kinds].sort()).toEqual([...ACTION_KINDS].sort());
  });

  it('labels Open WebUI pending as a suspension and delete as irreversible', async () => {
    w = await openActionsWorld('openwebui', openWebUIAdmin(), []);
    const list = await w.service.available({ connectionId: w.connectionId });
    expect(list.map((a) => [a.label, a.allowed, a.reversible])).toEqual([
      ['Make Admin', true, true],
      ['Make User', true, true],
      ['Suspend (set to Pending)', true, true],
      ['Delete…', true, false],
    ]);
  });

  it('refuses everything on a connection never tested, and asks for a test', async () => {
    w = await openActionsWorld('zulip', null, [{ userId: '2' }]);
    const list = await w.service.available({ connectionId: w.connectionId });
    expect(list.every((a) => !a.allowed && /Test the connection first/.test(a.reason ?? ''))).toBe(
      true,
    );
    const error = await rejection(
      w.service.plan({
        connectionId: w.connectionId,
        action: { kind: 'deactivate' },
        target: { kind: 'users', userIds: ['2'] },
      }),
    );
    expect(error.message).toMatch(/Test the connection first/);
    // A failed test is no better: its words are given.
    w.world.connections.setLastTest(w.connectionId, {
      ok: false,
      at: w.world.now(),
      who: null,
      error: rollcallError('UNAUTHORIZED', 'Invalid API key.'),
    });
    const failed = await w.service.available({ connectionId: w.connectionId });
    expect(failed[0]?.reason).toMatch(/last connection test failed \(Invalid API key\.\)/);
  });

  it('refuses while the server is offline, saying why, and queues nothing', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: ['2'] },
    });
    w.world.reachability.failed(w.connectionId, rollcallError('OFFLINE', 'No network.'));
    const list = await w.service.available({ connectionId: w.connectionId });
    expect(list.every((a) => !a.allowed && /No network\..*not queued/.test(a.reason ?? ''))).toBe(
      true,
    );
    const run = await rejection(w.service.run({ planId: plan.planId }));
    expect(run.code).toBe('OFFLINE');
    expect(w.provider.calls.fetchUser).toHaveLength(0);
    expect(w.provider.calls.applyAction).toHaveLength(0);
    // Back online, the same plan runs: the refusal did not use it up.
    w.world.reachability.answered(w.connectionId);
    const summary = await w.service.run({ planId: plan.planId });
    expect(summary.counts.applied).toBe(1);
  });
});

describe('actions:plan', () => {
  it('changes the users it may, with their standing before and after', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [
      { userId: '2', name: 'Ann Lee' },
      { userId: '3', name: 'Bo Chen' },
      { userId: '4', name: 'Cy Diaz', deactivated: true },
    ]);
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'guest' },
      target: { kind: 'users', userIds: ['2', '3', '4', '3'] },
    });
    expect(plan.title).toBe('Make 3 users Guests');
    expect(plan.targetDescription).toBe('3 selected users');
    expect(plan.connectionLabel).toBe(w.connectionLabel);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        userId: '2',
        name: 'Ann Lee',
        before: { role: 'member', state: 'active' },
        expected: { role: 'guest', state: 'active' },
      }),
      expect.objectContaining({ userId: '3' }),
      expect.objectContaining({
        userId: '4',
        before: { role: 'member', state: 'deactivated' },
        expected: { role: 'guest', state: 'deactivated' },
      }),
    ]);
    expect(plan.skipped).toEqual([]);
    expect(plan.reversible).toBe(true);
    expect(plan.confirmation).toBeNull();
    expect(plan.planId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });

  it('names the one user of a single-user plan', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2', name: 'Ann Lee' }]);
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'administrator' },
      target: { kind: 'users', userIds: ['2'] },
    });
    expect(plan.title).toBe('Make Ann Lee an Administrator');
    expect(plan.targetDescription).toBe('1 selected user');
  });

  it('skips, with a code and words, every user a Zulip rule leaves alone', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner', '1'), [
      { userId: '1', role: 'owner', name: 'Me' },
      { userId: '2', role: 'guest' },
      { userId: '5' },
      { userId: '6' },
    ]);
    w.world.users.upsert(
      toWrite({ user: { ...makeBot('3', '1'), connectionId: w.connectionId }, raw: {} }, 1),
    );
    w.world.users.markGone(w.connectionId, '6', w.world.now());
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'guest' },
      target: { kind: 'users', userIds: ['1', '2', '3', '4', '5', '6'] },
    });
    expect(skipsOf(plan)).toEqual({
      '1': 'self',
      '2': 'already',
      '3': 'bot',
      '4': 'unknown',
      '6': 'gone',
    });
    expect(changedIds(plan)).toEqual(['5']);
    for (const s of plan.skipped) expect(s.reason.length).toBeGreaterThan(10);
    expect(plan.skipped.find((s) => s.code === 'self')?.reason).toMatch(/own account/);
  });

  it('keeps an administrator key off owners and off making owners (not-allowed)', async () => {
    w = await openActionsWorld('zulip', zulipOwner('administrator'), [
      { userId: '2', role: 'owner' },
      { userId: '3', role: 'owner' },
      { userId: '4' },
    ]);
    const demote = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: ['2', '4'] },
    });
    expect(skipsOf(demote)).toEqual({ '2': 'not-allowed' });
    expect(changedIds(demote)).toEqual(['4']);
    const promote = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'owner' },
      target: { kind: 'users', userIds: ['4'] },
    });
    expect(skipsOf(promote)).toEqual({ '4': 'not-allowed' });
    expect(promote.skipped[0]?.reason).toMatch(/only organization owners/);
  });

  it('never leaves a Zulip organization without an active owner (last-owner)', async () => {
    // The key's own account is not cached as an owner: only 2 and 3 count.
    w = await openActionsWorld('zulip', zulipOwner('owner', '1'), [
      { userId: '2', role: 'owner' },
      { userId: '3', role: 'owner' },
      { userId: '4', role: 'owner', deactivated: true },
    ]);
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'member' },
      target: { kind: 'users', userIds: ['2', '3'] },
    });
    expect(changedIds(plan)).toEqual(['2']);
    expect(skipsOf(plan)).toEqual({ '3': 'last-owner' });
    expect(plan.skipped[0]?.reason).toMatch(/last active owner/);
  });

  it("protects Open WebUI's primary admin (its first user) from everyone else", async () => {
    w = await openActionsWorld('openwebui', openWebUIAdmin('me'), [
      { userId: 'first', role: 'admin', joinedAt: Date.UTC(2023, 0, 1) },
      { userId: 'me', role: 'admin', joinedAt: Date.UTC(2024, 0, 1) },
      { userId: 'u1', role: 'user', joinedAt: Date.UTC(2024, 5, 1) },
    ]);
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'delete' },
      target: { kind: 'users', userIds: ['first', 'me', 'u1'] },
    });
    expect(skipsOf(plan)).toEqual({ first: 'primary-admin', me: 'self' });
    expect(changedIds(plan)).toEqual(['u1']);
  });

  it('skips actions and roles the other kind of server has (unsupported)', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [{ userId: '2' }]);
    const role = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'set-role', role: 'admin' },
      target: { kind: 'users', userIds: ['2'] },
    });
    expect(skipsOf(role)).toEqual({ '2': 'unsupported' });
    expect(role.skipped[0]?.reason).toBe('Zulip has no role Admin.');
    const del = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'delete' },
      target: { kind: 'users', userIds: ['2'] },
    });
    expect(skipsOf(del)).toEqual({ '2': 'unsupported' });
    w.close();
    w = await openActionsWorld('openwebui', openWebUIAdmin(), [{ userId: 'u1', role: 'user' }]);
    const deactivate = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: ['u1'] },
    });
    expect(skipsOf(deactivate)).toEqual({ u1: 'unsupported' });
  });

  it('takes every match of a search on this connection only, and says which search', async () => {
    w = await openActionsWorld('zulip', zulipOwner('owner'), [
      { userId: '2', name: 'Ann Lee' },
      { userId: '3', name: 'Anna Bell', role: 'guest' },
      { userId: '4', name: 'Bo Chen' },
    ]);
    // Another connection's Ann must not be touched.
    await saveZulip(w.world, { id: 'elsewhere', label: 'Other Chat' });
    w.world.users.upsert(
      toWrite(
        { user: makeUser({ connectionId: 'elsewhere', userId: '9', name: 'Ann X' }), raw: {} },
        1,
      ),
    );
    const plan = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: {
        kind: 'query',
        query: {
          ...DEFAULT_SEARCH_SPEC,
          text: 'ann',
          roles: ['member'],
          connectionIds: ['elsewhere'],
        },
      },
    });
    expect(changedIds(plan)).toEqual(['2']);
    expect(plan.targetDescription).toBe('search: "ann", role Member');
  });

  it('asks for the count over 10 users, and the connection name to delete', async () => {
    const many = Array.from({ length: COUNT_CONFIRMATION_OVER + 1 }, (_, i) => ({
      userId: String(i + 10),
    }));
    w = await openActionsWorld('zulip', zulipOwner('owner'), many);
    const eleven = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: many.map((u) => u.userId) },
    });
    expect(eleven.confirmation).toMatchObject({ kind: 'count', expected: '11' });
    const ten = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'deactivate' },
      target: { kind: 'users', userIds: many.slice(0, 10).map((u) => u.userId) },
    });
    expect(ten.confirmation).toBeNull();
    w.close();
    w = await openActionsWorld('openwebui', openWebUIAdmin(), [
      { userId: 'first', role: 'admin', joinedAt: Date.UTC(2020, 0, 1) },
      { userId: 'u1', role: 'user' },
    ]);
    const del = await w.service.plan({
      connectionId: w.connectionId,
      action: { kind: 'delete' },
      target: { kind: 'users', userIds: ['u1'] },
    });
    expect(del.reversible).toBe(false);
    expect(del.undoNote).toMatch(/cannot be undone/);
    expect(del.confirmation).toMatchObject({
      kind: 'connection-name',
      expected: w.connectionLabel,
    });
    expect(del.confirmation?.prompt).toContain(w.connectionLabel);
  });

  it('has shown every skip code in the tests above', () => {
    expect([...seenCodes].sort()).toEqual([...SKIP_CODES].sort());
  });
});
