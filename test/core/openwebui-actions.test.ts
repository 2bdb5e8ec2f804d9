// Open WebUI's write calls (issue 15) against the fake Open WebUI, which
// follows routers/users.py: the role change sends the whole user with only
// the role changed and never a password, deletion, what Open WebUI has no
// such thing for, every refusal the router raises in its own words, and the
// network's ways to fail a write.
import type { ActionSpec } from '@shared/actions';
import type { RollcallError } from '@shared/errors';
import { createOpenWebUIProvider } from '@core/providers/openwebui';
import type { FetchedUser, ProviderSession } from '@core/providers/types';
import type { OpenWebUIWireUser } from '@core/services/synthetic/wire-shapes';
import { startOpenWebUIFake, type OpenWebUIFake } from '../fakes/openwebui-fake';
import { failureOf, testClient } from '../fakes/test-client';

let fake: OpenWebUIFake;
let client: ReturnType<typeof testClient>;
/** The primary admin (oldest account) and a second admin, with their keys. */
let primary: OpenWebUIWireUser;
let primaryKey: string;
let second: OpenWebUIWireUser;
let secondKey: string;

beforeAll(async () => {
  fake = await startOpenWebUIFake({ seed: 9, count: 80 });
  const primaryId = fake.primaryAdminId() ?? '';
  primary = { ...(fake.userById(primaryId) as OpenWebUIWireUser), role: 'admin' };
  fake.putUser(primary);
  primaryKey = fake.issueKey(primary.id);
  const candidate = fake.directory.users.find((u) => u.role === 'user' && u.id !== primary.id);
  second = { ...(candidate as OpenWebUIWireUser), role: 'admin' };
  fake.putUser(second);
  secondKey = fake.issueKey(second.id);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.setMode({ kind: 'normal' });
  fake.setLyingWrites(false);
  fake.setPrimaryGuard('forbidden');
  client = testClient();
});
afterEach(() => {
  expect(fake.writeViolations).toEqual([]);
});

const provider = () => createOpenWebUIProvider({ http: client });
const sessionOf = (secret: string): ProviderSession => ({
  connectionId: 'o',
  baseUrl: fake.url,
  loginEmail: null,
  secret,
});
const admin = (): ProviderSession => sessionOf(secondKey);

async function current(id: string): Promise<FetchedUser> {
  return provider().fetchUser(sessionOf(primaryKey), { kind: 'openwebui-id', userId: id });
}

/** A plain user the tests may change, not one of the two admins. */
function someone(skip: string[] = []): OpenWebUIWireUser {
  const u = fake.directory.users.find(
    (x) => x.role === 'user' && x.id !== second.id && x.id !== primary.id && !skip.includes(x.id),
  );
  if (!u) throw new Error('no user in the fake');
  return u;
}

async function refusal(
  session: ProviderSession,
  id: string,
  action: ActionSpec,
): Promise<RollcallError> {
  const error = await failureOf(provider().applyAction(session, await current(id), action));
  expect(error.message).not.toMatch(/invalid, expired or revoked|rejected the credentials/);
  return error;
}

describe('what each action sends and does', () => {
  it.each(['pending', 'admin', 'user'] as const)(
    'set-role %s: POST /users/{id}/update with the whole user, only the role changed, no password',
    async (role) => {
      const target = someone();
      const before = { ...(fake.userById(target.id) as OpenWebUIWireUser) };
      const start = fake.requests.length;
      await provider().applyAction(admin(), await current(target.id), { kind: 'set-role', role });
      const writes = fake.requests.slice(start).filter((r) => r.method !== 'GET');
      expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST /api/v1/users/${target.id}/update`,
      ]);
      expect(writes[0]?.headers['content-type']).toBe('application/json');
      expect(fake.userById(target.id)).toEqual({ ...before, role });
    },
  );

  it('a pending user loses access at once: their existing key is refused on the next request', async () => {
    const target = someone();
    const key = fake.issueKey(target.id);
    const groups = async () =>
      (await fetch(`${fake.url}/api/v1/groups/`, { headers: { Authorization: `Bearer ${key}` } }))
        .status;
    expect(await groups()).toBe(200);
    await provider().applyAction(admin(), await current(target.id), {
      kind: 'set-role',
      role: 'pending',
    });
    expect(await groups()).toBe(401);
    await provider().applyAction(admin(), await current(target.id), {
      kind: 'set-role',
      role: 'user',
    });
    expect(await groups()).toBe(200);
  });

  it('delete: DELETE /users/{id}, answered true', async () => {
    const target = someone();
    const user = await current(target.id);
    await provider().applyAction(admin(), user, { kind: 'delete' });
    expect(fake.userById(target.id)).toBeUndefined();
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/users/${target.id}`,
    });
    fake.putUser(target);
  });
});

describe('what Open WebUI has no such thing for: refused in words, nothing sent', () => {
  it.each([
    [
      { kind: 'deactivate' } as ActionSpec,
      /Open WebUI has no deactivation\. To stop .+ using it, suspend them \(set their role to Pending\)/,
    ],
    [{ kind: 'reactivate' } as ActionSpec, /Open WebUI has no deactivation/],
    [{ kind: 'set-role', role: 'guest' } as ActionSpec, /Open WebUI has no role “guest”/],
    [{ kind: 'set-role', role: 'owner' } as ActionSpec, /Open WebUI has no role “owner”/],
  ])('%j', async (action, words) => {
    const user = await current(someone().id);
    const start = fake.requests.length;
    const error = await failureOf(provider().applyAction(admin(), user, action));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(words);
    expect(fake.requests.length).toBe(start);
  });

  it.each(['..', 'shared-abc', 'a/b', ''])(
    'an id that is not an Open WebUI user id (%j): refused, no request to another path',
    async (id) => {
      const user = await current(someone().id);
      const start = fake.requests.length;
      const error = await failureOf(
        provider().applyAction(
          admin(),
          { ...user, user: { ...user.user, userId: id } },
          {
            kind: 'delete',
          },
        ),
      );
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'userId' });
      expect(fake.requests.length).toBe(start);
    },
  );

  it('a user whose name or email Rollcall does not have as the server sent them', async () => {
    const user = await current(someone().id);
    const start = fake.requests.length;
    const raw = { ...(user.raw as Record<string, unknown>) };
    delete raw.email;
    const error = await failureOf(
      provider().applyAction(
        admin(),
        { ...user, raw: raw as never },
        { kind: 'set-role', role: 'pending' },
      ),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/does not have .+'s name and email as the server sent them/);
    expect(fake.requests.length).toBe(start);
  });
});

describe('the router’s refusals, each in its own words', () => {
  it('the primary admin: no other admin may change or delete them (403 ACTION_PROHIBITED)', async () => {
    const change = await refusal(admin(), primary.id, { kind: 'set-role', role: 'user' });
    expect(change).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    expect(change.message).toMatch(
      /refused to change the role of .+: the primary administrator \(the first account\) cannot be changed by other admins/,
    );
    const remove = await refusal(admin(), primary.id, { kind: 'delete' });
    expect(remove.message).toMatch(
      /refused to delete .+: it never deletes its primary administrator/,
    );
    expect(fake.userById(primary.id)?.role).toBe('admin');
  });

  it('the primary admin keeps the admin role even by their own key', async () => {
    const error = await refusal(sessionOf(primaryKey), primary.id, {
      kind: 'set-role',
      role: 'user',
    });
    expect(error.code).toBe('FORBIDDEN');
    expect(error.serverMessage).toBe(
      'The requested action has been restricted as a security measure.',
    );
  });

  it('servers before the fix: the guard’s 403 comes back as a 500, still in words', async () => {
    fake.setPrimaryGuard('wrapped-500');
    const error = await refusal(admin(), primary.id, { kind: 'delete' });
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 500 });
    expect(error.message).toMatch(
      /with an internal error \(“Could not verify primary admin status\.”\)\. Servers before the fix answer this way when .+ is the primary administrator/,
    );
  });

  it('an admin may not delete their own account', async () => {
    const error = await refusal(admin(), second.id, { kind: 'delete' });
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/nor the account of the key in use/);
  });

  it('an email now taken by another account (the copy was stale)', async () => {
    const target = someone();
    const other = someone([target.id]);
    const user = await current(target.id);
    const stale = {
      ...user,
      raw: { ...(user.raw as Record<string, unknown>), email: other.email },
    };
    const error = await failureOf(
      provider().applyAction(admin(), stale as FetchedUser, { kind: 'set-role', role: 'pending' }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(
      new RegExp(
        `the email address Rollcall sent with it \\(${other.email.replace(/[.+]/g, '\\$&')}\\) now belongs to another account`,
      ),
    );
    expect(fake.userById(target.id)?.role).toBe('user');
  });

  it('an unknown id', async () => {
    const user = await current(someone().id);
    const gone = { ...user, user: { ...user.user, userId: 'no-such-id' } };
    const error = await failureOf(
      provider().applyAction(admin(), gone, { kind: 'set-role', role: 'pending' }),
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(
      /Open WebUI has no user with id no-such-id \(.+\): they may have been deleted/,
    );
  });

  it('a non-admin key: 401, read as "not an admin", not as a bad key', async () => {
    const plain = someone();
    const key = fake.issueKey(plain.id);
    const error = await refusal(sessionOf(key), someone([plain.id]).id, { kind: 'delete' });
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 401 });
    expect(error.message).toMatch(/non-admin account/);
  });

  it.each([
    [
      400,
      'Something went wrong :/',
      'SERVER_ERROR',
      /could not save the new role of .+ \(“Something went wrong :\/”\)/,
    ],
    [
      500,
      'Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.',
      'SERVER_ERROR',
      /could not save|could not delete/,
    ],
  ])('HTTP %i “%s”', async (status, detail, code, words) => {
    const user = await current(someone().id);
    fake.setMode(
      { kind: 'status', status, body: JSON.stringify({ detail }) },
      { method: status === 500 ? 'DELETE' : 'POST', times: 1 },
    );
    const action: ActionSpec =
      status === 500 ? { kind: 'delete' } : { kind: 'set-role', role: 'pending' };
    const error = await failureOf(provider().applyAction(admin(), user, action));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(words);
  });

  it('a form the server wants otherwise (422)', async () => {
    const user = await current(someone().id);
    fake.setMode(
      {
        kind: 'status',
        status: 422,
        body: JSON.stringify({
          detail: [{ type: 'missing', loc: ['body', 'x'], msg: 'Field required' }],
        }),
      },
      { method: 'POST', times: 1 },
    );
    const error = await failureOf(
      provider().applyAction(admin(), user, { kind: 'set-role', role: 'pending' }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/wants the update form for .+ otherwise: Field required/);
  });
});

describe('the network’s ways to fail a write', () => {
  it('429 with Retry-After: waited out, then the change is made', async () => {
    const target = someone();
    const user = await current(target.id);
    fake.setMode(
      {
        kind: 'status',
        status: 429,
        body: JSON.stringify({ detail: 'API rate limit exceeded' }),
        headers: { 'Retry-After': '3' },
      },
      { method: 'POST', times: 1 },
    );
    await provider().applyAction(admin(), user, { kind: 'set-role', role: 'pending' });
    expect(client.waits).toEqual([3000]);
    expect(fake.userById(target.id)?.role).toBe('pending');
    await provider().applyAction(admin(), await current(target.id), {
      kind: 'set-role',
      role: 'user',
    });
  });

  it('a timeout, the web app’s page, the other product, a redirect, a strange success', async () => {
    const target = someone();
    const user = await current(target.id);
    const act = (action: ActionSpec = { kind: 'set-role', role: 'pending' }, http = client) =>
      failureOf(createOpenWebUIProvider({ http }).applyAction(admin(), user, action));

    fake.setMode({ kind: 'timeout' }, { method: 'POST', times: 1 });
    expect((await act(undefined, testClient({ timeoutMs: 500 }))).code).toBe('TIMEOUT');

    fake.setMode({ kind: 'html' }, { method: 'POST', times: 1 });
    expect((await act()).code).toBe('NOT_AN_API');
    fake.setMode({ kind: 'html' }, { method: 'DELETE', times: 1 });
    expect((await act({ kind: 'delete' })).code).toBe('NOT_AN_API');

    fake.setMode(
      {
        kind: 'status',
        status: 400,
        body: JSON.stringify({ result: 'error', msg: 'Invalid API key', code: 'BAD_REQUEST' }),
      },
      { method: 'POST', times: 1 },
    );
    const other = await act();
    expect(other.code).toBe('NOT_AN_API');
    expect(other.message).toMatch(/This looks like a Zulip server, not Open WebUI/);

    fake.setMode({ kind: 'redirect', to: fake.url, status: 308 }, { method: 'DELETE', times: 1 });
    expect((await act({ kind: 'delete' })).message).toMatch(/answered a change with a redirect/);

    fake.setMode({ kind: 'status', status: 200, body: 'false' }, { method: 'DELETE', times: 1 });
    expect((await act({ kind: 'delete' })).code).toBe('BAD_RESPONSE');
    fake.setMode(
      { kind: 'status', status: 200, body: '{"id":"someone-else"}' },
      { method: 'POST', times: 1 },
    );
    expect((await act()).code).toBe('BAD_RESPONSE');

    expect(fake.userById(target.id)?.role).toBe('user');
  });

  it('the fake’s lying 200 answers success and changes nothing', async () => {
    const target = someone();
    fake.setLyingWrites(true);
    await provider().applyAction(admin(), await current(target.id), { kind: 'delete' });
    await provider().applyAction(admin(), await current(target.id), {
      kind: 'set-role',
      role: 'pending',
    });
    expect(fake.userById(target.id)?.role).toBe('user');
  });
});
