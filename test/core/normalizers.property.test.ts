// Both normalizers are total: whatever JSON a server (or a corrupted cache)
// hands them, they return a well-formed DirectoryUser or throw a
// RollcallFailure with BAD_RESPONSE, never anything else. Checked with
// fast-check on arbitrary JSON and on real payloads with fields replaced by
// arbitrary JSON.
import fc from 'fast-check';
import { RollcallFailure } from '@shared/errors';
import { CONNECTION_KINDS, ROLES, type DirectoryUser } from '@shared/model';
import { summarize } from '@shared/summary';
import { buildHaystack, sortNameOf } from '@core/search/search-text';
import { normalizeOpenWebUIUser } from '@core/providers/openwebui-user';
import { normalizeZulipProfileFields } from '@core/providers/zulip-fields';
import { normalizeZulipUser } from '@core/providers/zulip-user';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';
import { fixture } from '../fakes/openwebui-fixtures';
import { successExample } from '../fakes/zulip-spec';

const BASE = 'https://chat.example.com/prefix';

function isMs(v: unknown): boolean {
  return v === null || (typeof v === 'number' && Number.isInteger(v) && v > 0);
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === ''
    );
  } catch {
    return false;
  }
}

/** Plain JSON all the way down: finite numbers, no undefined, no class instances. */
function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every(jsonSafe);
  }
  return false;
}

/** Everything a DirectoryUser promises its readers. */
function checkUser(u: DirectoryUser, kind: 'zulip' | 'openwebui'): void {
  expect(jsonSafe(u)).toBe(true);
  expect(u.kind).toBe(kind);
  expect(CONNECTION_KINDS).toContain(u.kind);
  expect(u.connectionId).toBe('prop');
  expect(typeof u.userId === 'string' && u.userId.length > 0).toBe(true);
  expect(typeof u.name === 'string' && u.name.trim().length > 0).toBe(true);
  expect(ROLES).toContain(u.role);
  for (const v of [
    u.username,
    u.email,
    u.deliveryEmail,
    u.timezone,
    u.bio,
    u.gender,
    u.dateOfBirth,
  ]) {
    expect(v === null || typeof v === 'string').toBe(true);
  }
  expect(typeof u.isBot).toBe('boolean');
  expect(typeof u.deactivated).toBe('boolean');
  expect(u.isBot).toBe(u.bot !== null);
  expect(isMs(u.joinedAt) && isMs(u.updatedAt)).toBe(true);
  if (u.presence)
    expect(isMs(u.presence.lastActiveAt) && typeof u.presence.idle === 'boolean').toBe(true);
  if (u.status) expect(isMs(u.status.expiresAt)).toBe(true);
  switch (u.avatar.kind) {
    case 'none':
      break;
    case 'server':
      expect(isHttpUrl(u.avatar.url) && new URL(u.avatar.url).origin === new URL(BASE).origin).toBe(
        true,
      );
      break;
    case 'external':
      expect(isHttpUrl(u.avatar.url) && new URL(u.avatar.url).origin !== new URL(BASE).origin).toBe(
        true,
      );
      break;
    case 'inline':
      expect(u.avatar.dataUrl).toMatch(/^data:image\//i);
      break;
    default:
      throw new Error(`unknown avatar kind ${JSON.stringify(u.avatar)}`);
  }
  for (const g of u.groups)
    expect(typeof g.id === 'string' && typeof g.name === 'string').toBe(true);
  for (const f of u.profileFields) {
    expect(
      typeof f.name === 'string' && typeof f.text === 'string' && typeof f.value === 'string',
    ).toBe(true);
    expect(f.url === null || isHttpUrl(f.url)).toBe(true);
    expect(f.userIds === null || f.userIds.every((id) => /^\d+$/.test(id))).toBe(true);
  }
  expect(() => summarize(u)).not.toThrow();
}

/** Runs a normalizer; returns the user, null for BAD_RESPONSE, and fails on anything else. */
function attempt(run: () => DirectoryUser): DirectoryUser | null {
  try {
    return run();
  } catch (error) {
    if (error instanceof RollcallFailure && error.error.code === 'BAD_RESPONSE') return null;
    throw error;
  }
}

/** A real payload with some keys replaced by arbitrary JSON, some removed. */
function mutated(examples: Record<string, unknown>[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.constantFrom(...examples),
      fc.array(
        fc.tuple(
          fc.string({ maxLength: 3 }),
          fc.nat(),
          fc.jsonValue({ maxDepth: 3 }),
          fc.boolean(),
        ),
        { maxLength: 6 },
      ),
    )
    .map(([example, edits]) => {
      const out: Record<string, unknown> = structuredClone(example);
      const keys = Object.keys(out);
      for (const [junkKey, index, value, remove] of edits) {
        const key =
          keys.length > 0 && junkKey.length < 3 ? (keys[index % keys.length] as string) : junkKey;
        if (remove) delete out[key];
        else out[key] = value;
      }
      return out;
    });
}

const zulipDirectory = generateZulipDirectory({ seed: 99, count: 40 });
const zulipExamples = [
  ...(successExample('/users').members as Record<string, unknown>[]),
  successExample('/users/me'),
  ...(zulipDirectory.members as unknown as Record<string, unknown>[]),
];
const zulipContext = {
  kind: 'zulip' as const,
  fetchedAt: 1,
  profileFields: normalizeZulipProfileFields(zulipDirectory.profileFields),
  groupNames: { '9': 'Engineering', '10': 'Design' },
  groupIdsByUser: { '8': ['9', '10'], '9': ['9'] },
};
const owuiExamples = [
  ...[
    'user_normal.json',
    'user_admin_with_groups.json',
    'user_pending.json',
    'user_all_optional_null.json',
  ].map((n) => fixture(n) as Record<string, unknown>),
  ...(fixture('users_list.json') as { users: Record<string, unknown>[] }).users,
  ...(generateOpenWebUIDirectory({ seed: 99, count: 20 }).users as unknown as Record<
    string,
    unknown
  >[]),
];
const owuiContext = {
  kind: 'openwebui' as const,
  fetchedAt: 1,
  groupNames: { '9c3b1f2e-5d47-4a8e-b0c6-2f1e7d9a4b35': 'Engineering' },
};

/** A context: the real one, or arbitrary JSON standing for a corrupted cache. */
const contextOf = <T>(good: T) =>
  fc.oneof(fc.constant(good), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));

describe('normalizeZulipUser is total', () => {
  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), contextOf(zulipContext), (raw, context) => {
        const u = attempt(() =>
          normalizeZulipUser(raw, {
            connectionId: 'prop',
            baseUrl: BASE,
            context: context as never,
          }),
        );
        if (u) checkUser(u, 'zulip');
      }),
      { numRuns: 1500 },
    );
  });

  it('on real users with fields replaced by arbitrary JSON', () => {
    let users = 0;
    fc.assert(
      fc.property(mutated(zulipExamples), contextOf(zulipContext), (raw, context) => {
        const u = attempt(() =>
          normalizeZulipUser(raw, {
            connectionId: 'prop',
            baseUrl: BASE,
            context: context as never,
          }),
        );
        if (u) {
          users += 1;
          checkUser(u, 'zulip');
        }
      }),
      { numRuns: 1500 },
    );
    // Most mutations leave a readable user: the property is not vacuous.
    expect(users).toBeGreaterThan(500);
  });

  it('on arbitrary profile data and definitions', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (profileData, definitions) => {
        const context = {
          ...zulipContext,
          profileFields: normalizeZulipProfileFields(definitions),
        };
        const u = normalizeZulipUser(
          { ...zulipExamples[1], profile_data: profileData },
          { connectionId: 'prop', baseUrl: BASE, context },
        );
        checkUser(u, 'zulip');
      }),
      { numRuns: 800 },
    );
  });
});

describe('normalizeOpenWebUIUser is total', () => {
  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), contextOf(owuiContext), (raw, context) => {
        const u = attempt(() =>
          normalizeOpenWebUIUser(raw, {
            connectionId: 'prop',
            baseUrl: BASE,
            context: context as never,
          }),
        );
        if (u) checkUser(u, 'openwebui');
      }),
      { numRuns: 1500 },
    );
  });

  it('on real users with fields replaced by arbitrary JSON', () => {
    let users = 0;
    fc.assert(
      fc.property(mutated(owuiExamples), contextOf(owuiContext), (raw, context) => {
        const u = attempt(() =>
          normalizeOpenWebUIUser(raw, {
            connectionId: 'prop',
            baseUrl: BASE,
            context: context as never,
          }),
        );
        if (u) {
          users += 1;
          checkUser(u, 'openwebui');
        }
      }),
      { numRuns: 1500 },
    );
    expect(users).toBeGreaterThan(500);
  });
});

/** Every string in a JSON value, keys included. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/**
 * `value` with a NUL and a lone surrogate after the first unit of every
 * string, except under the keys in `keep` (IDs).
 */
function withNuls(value: unknown, keep: ReadonlySet<string>): unknown {
  if (typeof value === 'string')
    return value === '' ? value : `${value.slice(0, 1)}\0\ud800${value.slice(1)}`;
  if (Array.isArray(value)) return value.map((v) => withNuls(v, keep));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = keep.has(k) ? v : withNuls(v, keep);
  return out;
}

// The cache's SQLite binding ends a string at its first NUL, and writes
// U+FFFD for a lone surrogate: a user made of such text would be stored cut
// short ("A\0B" as "A") or other than the index holds it. Every server text
// is storable once normalized (U+FFFD stands in), and that is not a cut.
describe('a NUL or a lone surrogate in any server text', () => {
  const nulFree = (u: DirectoryUser): void => {
    for (const text of [
      ...stringsIn(u),
      ...stringsIn(summarize(u)),
      buildHaystack(u),
      sortNameOf(u.name),
    ]) {
      expect(text.includes('\0') || !text.isWellFormed(), JSON.stringify(text)).toBe(false);
    }
  };

  it('is replaced in every Zulip user, its groups and its fields, and nothing is marked cut', () => {
    const context = {
      ...zulipContext,
      profileFields: normalizeZulipProfileFields(
        withNuls(zulipDirectory.profileFields, new Set(['id', 'type', 'field_data'])),
      ),
      groupNames: { '9': 'Engi\0neering', '10': 'Des\ud800ign' },
    };
    let named = 0;
    for (const example of zulipExamples) {
      const raw = withNuls(example, new Set(['user_id', 'bot_owner_id', 'role', 'bot_type']));
      const u = normalizeZulipUser(raw, { connectionId: 'prop', baseUrl: BASE, context });
      checkUser(u, 'zulip');
      nulFree(u);
      expect(u.cut).toBeUndefined();
      const fullName = (example as { full_name?: unknown }).full_name;
      if (typeof fullName === 'string' && fullName.length > 1) {
        // The text after the NUL is kept.
        expect(u.name).toBe(`${fullName.slice(0, 1)}\uFFFD\uFFFD${fullName.slice(1)}`);
        named += 1;
      }
    }
    expect(named).toBeGreaterThan(20);
  });

  it('is replaced in every Open WebUI user, and nothing is marked cut', () => {
    let named = 0;
    for (const example of owuiExamples) {
      const raw = withNuls(example, new Set(['id', 'role', 'group_ids']));
      const u = normalizeOpenWebUIUser(raw, {
        connectionId: 'prop',
        baseUrl: BASE,
        context: {
          ...owuiContext,
          groupNames: { [Object.keys(owuiContext.groupNames)[0] as string]: 'Eng\0' },
        },
      });
      checkUser(u, 'openwebui');
      nulFree(u);
      expect(u.cut).toBeUndefined();
      const name = (example as { name?: unknown }).name;
      if (typeof name === 'string' && name.length > 1) {
        expect(u.name).toBe(`${name.slice(0, 1)}\uFFFD\uFFFD${name.slice(1)}`);
        named += 1;
      }
    }
    expect(named).toBeGreaterThan(20);
  });
});
