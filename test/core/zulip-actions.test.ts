// Zulip's write calls (issue 15) against the fake Zulip, which checks each
// request and answer against Zulip's OpenAPI description and enforces the
// server's rules: every action, every documented refusal in its own words,
// what Zulip has no such thing for, and the network's ways to fail a write.
import type { ActionSpec } from '@shared/actions';
import type { RollcallError } from '@shared/errors';
import { createZulipProvider } from '@core/providers/zulip';
import type { FetchedUser, ProviderSession } from '@core/providers/types';
import type { ZulipWireUser } from '@core/services/synthetic/wire-shapes';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';
import { failureOf, testClient } from '../fakes/test-client';

let fake: ZulipFake;
let client: ReturnType<typeof testClient>;

beforeAll(async () => {
  fake = await startZulipFake({ seed: 5, count: 120 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.setMode({ kind: 'normal' });
  fake.setLyingWrites(false);
  client = testClient();
});
afterEach(() => {
  expect(fake.writeViolations).toEqual([]);
});

const provider = () => createZulipProvider({ http: client });

function sessionOf(account: { email: string; apiKey: string }): ProviderSession {
  return {
    connectionId: 'z',
    baseUrl: fake.url,
    loginEmail: account.email,
    secret: account.apiKey,
  };
}
const owner = (): ProviderSession => sessionOf(fake.admin);

/** A fresh copy of a user, as the service would fetch it before acting. */
async function current(userId: number): Promise<FetchedUser> {
  return provider().fetchUser(owner(), { kind: 'zulip-id', userId });
}

/** An active human of `role`, not the owner whose key the tests use. */
function someone(role: ZulipWireUser['role'], skip: number[] = []): ZulipWireUser {
  const u = fake.directory.members.find(
    (m) =>
      m.role === role &&
      m.is_active &&
      !m.is_bot &&
      m.user_id !== fake.admin.userId &&
      !skip.includes(m.user_id),
  );
  if (!u) throw new Error(`no active ${role} in the fake`);
  return u;
}

/** A member made into `role` for a test, through the fake. */
function promoted(role: ZulipWireUser['role'], skip: number[] = []): ZulipWireUser {
  const u = { ...someone(400, skip) };
  u.role = role;
  u.is_owner = role === 100;
  u.is_admin = role <= 200;
  fake.putUser(u);
  return u;
}

function writesSince(start: number) {
  return fake.requests.slice(start).filter((r) => r.method !== 'GET');
}

async function refusal(
  session: ProviderSession,
  userId: number,
  action: ActionSpec,
): Promise<RollcallError> {
  const user = await current(userId);
  const error = await failureOf(provider().applyAction(session, user, action));
  expect(error.message).not.toMatch(/rejected the credentials|API key is invalid/);
  return error;
}

describe('what each action sends and does', () => {
  it.each([
    ['owner', 100],
    ['administrator', 200],
    ['moderator', 300],
    ['guest', 600],
    ['member', 400],
  ] as const)('set-role %s: PATCH /users/{id} with role=%i, form-encoded', async (role, code) => {
    const target = someone(400, [fake.admin.userId]);
    const user = await current(target.user_id);
    const start = fake.requests.length;
    await provider().applyAction(owner(), user, { kind: 'set-role', role });
    const [write] = writesSince(start);
    expect(write).toMatchObject({ method: 'PATCH', path: `/api/v1/users/${target.user_id}` });
    expect(write?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(fake.userById(target.user_id)?.role).toBe(code);
    // Back to member, for the next case.
    await provider().applyAction(owner(), await current(target.user_id), {
      kind: 'set-role',
      role: 'member',
    });
  });

  it('deactivate: DELETE /users/{id}; reactivate: POST /users/{id}/reactivate', async () => {
    const target = someone(400);
    const start = fake.requests.length;
    await provider().applyAction(owner(), await current(target.user_id), { kind: 'deactivate' });
    expect(fake.userById(target.user_id)?.is_active).toBe(false);
    await provider().applyAction(owner(), await current(target.user_id), { kind: 'reactivate' });
    expect(fake.userById(target.user_id)?.is_active).toBe(true);
    expect(writesSince(start).map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /api/v1/users/${target.user_id}`,
      `POST /api/v1/users/${target.user_id}/reactivate`,
    ]);
  });

  it('a bot’s role changes through the user endpoint', async () => {
    const bot = fake.directory.members.find((m) => m.is_bot && m.is_active);
    if (!bot) throw new Error('no bot');
    await provider().applyAction(owner(), await current(bot.user_id), {
      kind: 'set-role',
      role: 'guest',
    });
    expect(fake.userById(bot.user_id)?.role).toBe(600);
  });
});

describe('what Zulip has no such thing for: refused in words, nothing sent', () => {
  it.each([
    [{ kind: 'delete' } as ActionSpec, /Zulip does not delete users\. Deactivate .+ instead/],
    [{ kind: 'set-role', role: 'admin' } as ActionSpec, /Zulip has no role “admin”/],
    [{ kind: 'set-role', role: 'user' } as ActionSpec, /Zulip has no role “user”/],
    [{ kind: 'set-role', role: 'pending' } as ActionSpec, /Zulip has no role “pending”/],
  ])('%j', async (action, words) => {
    const user = await current(someone(400).user_id);
    const start = fake.requests.length;
    const error = await failureOf(provider().applyAction(owner(), user, action));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(words);
    expect(fake.requests.length).toBe(start);
  });

  it.each(['..', '8/reactivate', 'me', '-1', '08', ''])(
    'an ID that is not a Zulip user ID (%j): refused, no request to another path',
    async (id) => {
      const user = await current(someone(400).user_id);
      const start = fake.requests.length;
      const error = await failureOf(
        provider().applyAction(
          owner(),
          { ...user, user: { ...user.user, userId: id } },
          {
            kind: 'deactivate',
          },
        ),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'userId' });
      expect(fake.requests.length).toBe(start);
    },
  );

  it('deactivating a bot: Zulip answers "No such user" for bots there, so it is not sent', async () => {
    const bot = fake.directory.members.find((m) => m.is_bot && m.is_active);
    if (!bot) throw new Error('no bot');
    const user = await current(bot.user_id);
    const start = fake.requests.length;
    const error = await failureOf(provider().applyAction(owner(), user, { kind: 'deactivate' }));
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(error.message).toMatch(/is a bot\. Zulip deactivates bots from the bot settings/);
    expect(fake.requests.length).toBe(start);
  });
});

describe('Zulip’s refusals, each in its own words', () => {
  it('an administrator may not make an owner, nor demote or deactivate one', async () => {
    const admin = promoted(200);
    const session = sessionOf(fake.accountFor(admin.user_id));
    const member = someone(400, [admin.user_id]);
    const makeOwner = await refusal(session, member.user_id, { kind: 'set-role', role: 'owner' });
    expect(makeOwner).toMatchObject({
      code: 'FORBIDDEN',
      serverMessage: 'Must be an organization owner',
    });
    expect(makeOwner.message).toMatch(
      /Only an organization owner can give or take away the owner role/,
    );
    const demote = await refusal(session, fake.admin.userId, { kind: 'set-role', role: 'member' });
    expect(demote.code).toBe('FORBIDDEN');
    const deactivate = await refusal(session, fake.admin.userId, { kind: 'deactivate' });
    expect(deactivate.message).toMatch(/Only an organization owner can deactivate .+, an owner/);
    expect(fake.userById(fake.admin.userId)).toMatchObject({ role: 100, is_active: true });
    // An administrator may change a member's role.
    await provider().applyAction(session, await current(member.user_id), {
      kind: 'set-role',
      role: 'moderator',
    });
    expect(fake.userById(member.user_id)?.role).toBe(300);
  });

  it('a member’s key may not manage anyone: "Insufficient permission", not a bad key', async () => {
    const member = someone(400);
    const other = someone(400, [member.user_id]);
    const session = sessionOf(fake.accountFor(member.user_id));
    const error = await refusal(session, other.user_id, { kind: 'set-role', role: 'guest' });
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      status: 400,
      serverMessage: 'Insufficient permission',
    });
    expect(error.message).toMatch(
      /may not manage them\. Use the API key of an organization administrator/,
    );
    const deactivate = await refusal(session, other.user_id, { kind: 'deactivate' });
    expect(deactivate.code).toBe('FORBIDDEN');
  });

  it('the only owner keeps the owner role and stays active', async () => {
    const owners = fake.directory.members.filter(
      (m) => m.role === 100 && m.is_active && !m.is_bot && m.user_id !== fake.admin.userId,
    );
    for (const o of owners) fake.putUser({ ...o, role: 400, is_owner: false, is_admin: false });
    try {
      const demote = await refusal(owner(), fake.admin.userId, {
        kind: 'set-role',
        role: 'member',
      });
      expect(demote.message).toMatch(
        /is the organization's only owner, and Zulip never takes the owner role from its only owner\. Make someone else an owner first\./,
      );
      const deactivate = await refusal(owner(), fake.admin.userId, { kind: 'deactivate' });
      expect(deactivate.message).toMatch(
        /is the organization's only owner, and Zulip never deactivates its only owner/,
      );
      expect(deactivate.serverMessage).toBe('Cannot deactivate the only organization owner');
    } finally {
      for (const o of owners) fake.putUser(o);
    }
  });

  it('an already deactivated user, and a user Zulip does not have', async () => {
    const target = someone(400);
    const user = await current(target.user_id);
    await provider().applyAction(owner(), user, { kind: 'deactivate' });
    const again = await failureOf(provider().applyAction(owner(), user, { kind: 'deactivate' }));
    expect(again).toMatchObject({ code: 'INVALID_INPUT', serverMessage: 'User is deactivated' });
    expect(again.message).toMatch(/is already deactivated/);
    await provider().applyAction(owner(), user, { kind: 'reactivate' });

    const gone = { ...user, user: { ...user.user, userId: '99999' } };
    const missing = await failureOf(
      provider().applyAction(owner(), gone, { kind: 'set-role', role: 'guest' }),
    );
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/Zulip has no user with ID 99999 that this key may manage/);
  });

  it.each([
    [
      'Guests cannot be organization administrators',
      400,
      'INVALID_INPUT',
      /does not make a guest an administrator in one step/,
    ],
    ['Invalid role', 400, 'INVALID_INPUT', /does not know that role/],
    ['Name is already in use!', 400, 'INVALID_INPUT', /an active bot already has that name/],
    ['User is already active.', 400, 'INVALID_INPUT', /is already active/],
    [
      'Must be an organization administrator',
      400,
      'FORBIDDEN',
      /Only an organization administrator can/,
    ],
    [
      'Something new',
      400,
      'INVALID_INPUT',
      /Zulip refused to change the role of .+: “Something new”/,
    ],
    [
      'Forbidden',
      403,
      'FORBIDDEN',
      /Zulip refused to change the role of .+: the account this key belongs to may not do this/,
    ],
  ])('“%s” (HTTP %i)', async (msg, status, code, words) => {
    const user = await current(someone(400).user_id);
    fake.setMode(
      {
        kind: 'status',
        status,
        body: JSON.stringify({ result: 'error', msg, code: 'BAD_REQUEST' }),
      },
      { method: 'PATCH', times: 1 },
    );
    const error = await failureOf(
      provider().applyAction(owner(), user, { kind: 'set-role', role: 'guest' }),
    );
    expect(error.code).toBe(code);
    expect(error.message).toMatch(words);
    expect(error.message).not.toMatch(/credentials/);
  });
});

describe('the network’s ways to fail a write', () => {
  it('429 with Retry-After: waited out, then the change is made', async () => {
    const target = someone(400);
    const user = await current(target.user_id);
    fake.setMode(
      {
        kind: 'status',
        status: 429,
        body: JSON.stringify({
          result: 'error',
          msg: 'API usage exceeded rate limit',
          code: 'RATE_LIMIT_HIT',
          'retry-after': 2.5,
        }),
        headers: { 'Retry-After': '2.5' },
      },
      { method: 'PATCH', times: 1 },
    );
    await provider().applyAction(owner(), user, { kind: 'set-role', role: 'guest' });
    expect(client.waits).toEqual([2500]);
    expect(fake.userById(target.user_id)?.role).toBe(600);
    await provider().applyAction(owner(), user, { kind: 'set-role', role: 'member' });
  });

  it('the fake’s own rate limit applies to writes too', async () => {
    const user = await current(someone(400).user_id);
    fake.setRateLimit({ limit: 1, windowSeconds: 30 });
    try {
      await provider().applyAction(owner(), user, { kind: 'set-role', role: 'member' });
      const limited = await failureOf(
        provider().applyAction(
          owner(),
          user,
          { kind: 'set-role', role: 'member' },
          {
            waitBudget: { seconds: 0 },
          },
        ),
      );
      expect(limited.code).toBe('RATE_LIMITED');
    } finally {
      fake.setRateLimit(null);
    }
  });

  it('a timeout, a web page, the other product, a redirect: each in words, nothing changed', async () => {
    const target = someone(400);
    const user = await current(target.user_id);
    const act = (http = client) =>
      failureOf(
        createZulipProvider({ http }).applyAction(owner(), user, {
          kind: 'set-role',
          role: 'guest',
        }),
      );

    fake.setMode({ kind: 'timeout' }, { method: 'PATCH', times: 1 });
    expect((await act(testClient({ timeoutMs: 500 }))).code).toBe('TIMEOUT');

    fake.setMode({ kind: 'html' }, { method: 'PATCH', times: 1 });
    expect(await act()).toMatchObject({ code: 'NOT_AN_API' });

    fake.setMode(
      { kind: 'status', status: 403, body: JSON.stringify({ detail: 'Not authenticated' }) },
      { method: 'PATCH', times: 1 },
    );
    const other = await act();
    expect(other.code).toBe('NOT_AN_API');
    expect(other.message).toMatch(/This looks like an Open WebUI server, not Zulip/);

    fake.setMode(
      { kind: 'redirect', to: fake.url, status: 307, exact: true },
      { method: 'PATCH', times: 1 },
    );
    const redirect = await act();
    expect(redirect.code).toBe('BAD_RESPONSE');
    expect(redirect.message).toMatch(
      /answered a change with a redirect \(HTTP 307\)\. Rollcall never sends a change on/,
    );

    fake.setMode(
      { kind: 'status', status: 200, body: JSON.stringify({ result: 'error', msg: '' }) },
      { method: 'PATCH', times: 1 },
    );
    expect((await act()).code).toBe('BAD_RESPONSE');
    expect(fake.userById(target.user_id)?.role).toBe(400);
  });

  it('the fake’s lying 200 answers success and changes nothing', async () => {
    const target = someone(400);
    fake.setLyingWrites(true);
    await provider().applyAction(owner(), await current(target.user_id), { kind: 'deactivate' });
    expect(fake.userById(target.user_id)?.is_active).toBe(true);
  });
});
