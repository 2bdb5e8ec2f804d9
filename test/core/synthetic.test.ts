// The seeded directories the fakes, the demo and the benchmarks share:
// deterministic for a seed, realistic (every role, bots of every type with
// real owners, all eight field types, many scripts, every kind of avatar),
// internally consistent (references point at real users), and importable by
// app code.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { decodeDataUrl } from '@core/net/avatar-fetch';
import { generateOpenWebUIDirectory } from '@core/services/synthetic/openwebui-instance';
import { syntheticPng } from '@core/services/synthetic/pictures';
import { mulberry32 } from '@core/services/synthetic/random';
import { REFERENCE_NOW_MS } from '@core/services/synthetic/wire-shapes';
import { generateZulipDirectory } from '@core/services/synthetic/zulip-organization';

const zulip = generateZulipDirectory({ seed: 42, count: 2000 });
const owui = generateOpenWebUIDirectory({ seed: 42, count: 2000 });

const SCRIPTS: Record<string, RegExp> = {
  'Latin with diacritics': /[À-ɏ]/u,
  Cyrillic: /\p{Script=Cyrillic}/u,
  Han: /\p{Script=Han}/u,
  Hiragana: /\p{Script=Hiragana}/u,
  Hangul: /\p{Script=Hangul}/u,
  Arabic: /\p{Script=Arabic}/u,
  Greek: /\p{Script=Greek}/u,
  Hebrew: /\p{Script=Hebrew}/u,
  Devanagari: /\p{Script=Devanagari}/u,
};

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

describe('determinism', () => {
  it('the same seed gives the same directory; another seed another', () => {
    expect(generateZulipDirectory({ seed: 42, count: 2000 })).toEqual(zulip);
    expect(generateOpenWebUIDirectory({ seed: 42, count: 2000 })).toEqual(owui);
    expect(generateZulipDirectory({ seed: 43, count: 2000 }).members).not.toEqual(zulip.members);
    expect(generateOpenWebUIDirectory({ seed: 43, count: 2000 }).users).not.toEqual(owui.users);
  });

  it('mulberry32 matches the published reference implementation', () => {
    // bryc's reference, as published (github.com/bryc/code, PRNGs.md).
    function reference(a: number): () => number {
      return () => {
        let t = (a += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    for (const seed of [0, 1, 42, 0xdeadbeef]) {
      const ours = mulberry32(seed);
      const theirs = reference(seed);
      for (let i = 0; i < 1000; i++) expect(ours()).toBe(theirs());
    }
  });

  it('uses no Math.random and imports only node:crypto and itself, so app code can use it', () => {
    const folder = resolve(__dirname, '../../src-main/core/services/synthetic');
    const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
    const imports = files.flatMap((file) => {
      const source = readFileSync(resolve(folder, file), 'utf8');
      expect(source).not.toMatch(/Math\.random\(/);
      return [...source.matchAll(/^import[^;]*? from '([^']+)';$/gm)].map((m) => m[1] ?? '');
    });
    expect(imports).toContain('node:crypto');
    expect(imports).toContain('./random');
    const outside = imports.filter(
      (from) => from !== 'node:crypto' && !files.includes(`${from.replace(/^\.\//, '')}.ts`),
    );
    expect(outside).toEqual([]);
  });

  it('tiny and empty directories are fine', () => {
    expect(generateZulipDirectory({ seed: 1, count: 0 }).members).toEqual([]);
    expect(generateOpenWebUIDirectory({ seed: 1, count: 0 })).toMatchObject({
      users: [],
      groups: [],
    });
    expect(generateZulipDirectory({ seed: 1, count: 3 }).members.map((m) => m.role)).toEqual([
      100, 200, 300,
    ]);
    expect(generateOpenWebUIDirectory({ seed: 1, count: 3 }).users.map((u) => u.role)).toEqual([
      'admin',
      'user',
      'pending',
    ]);
  });
});

describe('the Zulip organization', () => {
  const humans = zulip.members.filter((m) => !m.is_bot);
  const bots = zulip.members.filter((m) => m.is_bot);
  const byId = new Map(zulip.members.map((m) => [m.user_id, m]));

  it('has the count asked for, with unique IDs and addresses', () => {
    expect(zulip.members).toHaveLength(2000);
    expect(byId.size).toBe(2000);
    expect(new Set(zulip.members.map((m) => m.email.toLowerCase())).size).toBe(2000);
    const real = zulip.members.map((m) => m.delivery_email).filter((e): e is string => e !== null);
    expect(new Set(real.map((e) => e.toLowerCase())).size).toBe(real.length);
  });

  it('starts with Zoë Müller, the owner', () => {
    expect(zulip.members[0]).toMatchObject({
      full_name: 'Zoë Müller',
      role: 100,
      is_owner: true,
      is_admin: true,
      email: 'zoe.muller@example.com',
    });
  });

  it('has every role, with consistent flags', () => {
    expect(new Set(humans.map((m) => m.role))).toEqual(new Set([100, 200, 300, 400, 600]));
    for (const m of zulip.members) {
      expect(m.is_owner).toBe(m.role === 100);
      expect(m.is_admin).toBe(m.role <= 200);
      expect(m.is_guest).toBe(m.role === 600);
    }
  });

  it('has bots of every type, owned by real people (and one legacy bot without owner)', () => {
    expect(new Set(bots.map((b) => b.bot_type))).toEqual(new Set([1, 2, 3, 4]));
    const owners = bots.map((b) => b.bot_owner_id);
    expect(owners.filter((o) => o === null)).toHaveLength(1);
    for (const o of owners) if (typeof o === 'number') expect(byId.get(o)?.is_bot).toBe(false);
    expect(bots.every((b) => b.profile_data === undefined && b.email.includes('-bot@'))).toBe(true);
  });

  it('has deactivated people and bots', () => {
    expect(humans.some((m) => !m.is_active)).toBe(true);
    expect(bots.some((m) => !m.is_active)).toBe(true);
  });

  it('names people in many scripts', () => {
    for (const [script, pattern] of Object.entries(SCRIPTS)) {
      expect(
        humans.some((m) => pattern.test(m.full_name)),
        script,
      ).toBe(true);
    }
  });

  it('hides some real addresses behind API emails, a few even from admins', () => {
    expect(humans.some((m) => m.email === m.delivery_email)).toBe(true);
    expect(humans.some((m) => m.email.startsWith('user') && m.delivery_email !== null)).toBe(true);
    expect(humans.some((m) => m.delivery_email === null)).toBe(true);
  });

  it('has every kind of avatar', () => {
    const kinds = new Set(
      zulip.members.map((m) =>
        m.avatar_url === null
          ? 'gravatar-by-client'
          : m.avatar_url.startsWith('/user_avatars/')
            ? 'relative'
            : m.avatar_url.includes('gravatar.com')
              ? 'gravatar-by-server'
              : 'external',
      ),
    );
    expect(kinds).toEqual(
      new Set(['gravatar-by-client', 'relative', 'external', 'gravatar-by-server']),
    );
    // The server sends a full Gravatar URL exactly when the client could not compute it.
    for (const m of zulip.members)
      if (m.avatar_url?.includes('gravatar.com')) expect(m.delivery_email).toBeNull();
  });

  it('has valid timezones (or none) and join dates in the past', () => {
    for (const m of zulip.members) {
      expect(m.timezone === '' || validTimezone(m.timezone), m.timezone).toBe(true);
      expect(Date.parse(m.date_joined)).toBeLessThan(REFERENCE_NOW_MS);
      expect(m.date_joined).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    }
    expect(zulip.members.some((m) => m.timezone === '')).toBe(true);
  });

  it('defines eight fields of the eight types, at most two in the summary', () => {
    expect(zulip.profileFields.map((f) => f.type)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const summary = zulip.profileFields.filter((f) => f.display_in_profile_summary);
    expect(summary.length).toBeGreaterThan(0);
    expect(summary.length).toBeLessThanOrEqual(2);
  });

  it('fills the fields for most people, with values that point at real things', () => {
    const filled = humans.filter((m) => Object.keys(m.profile_data ?? {}).length >= 3);
    expect(filled.length / humans.length).toBeGreaterThan(0.8);
    const choices = JSON.parse(zulip.profileFields[2]?.field_data ?? '{}') as Record<
      string,
      unknown
    >;
    for (const m of humans) {
      const data = m.profile_data ?? {};
      if (data['3']) expect(Object.keys(choices)).toContain(data['3'].value);
      if (data['6']) {
        const ids = JSON.parse(data['6'].value) as number[];
        for (const id of ids) expect(byId.get(id)?.is_bot).toBe(false);
      }
      if (data['1']) expect(data['1'].rendered_value).toBe(`<p>${data['1'].value}</p>`);
      if (data['2']) expect(data['2'].rendered_value).toMatch(/^<p>.*<\/p>$/s);
      if (data['4']) expect(data['4'].value).toMatch(/^\d{4}-\d\d-\d\d$/);
      if (data['5']) expect(new URL(data['5'].value).protocol).toBe('https:');
    }
    const types = new Set(humans.flatMap((m) => Object.keys(m.profile_data ?? {})));
    expect(types).toEqual(new Set(['1', '2', '3', '4', '5', '6', '7', '8']));
  });

  it('has system groups and named groups of active people', () => {
    const system = zulip.userGroups.filter((g) => g.is_system_group);
    expect(system.every((g) => g.name.startsWith('role:'))).toBe(true);
    expect(system.find((g) => g.name === 'role:owners')?.members).toContain(
      zulip.members[0]?.user_id,
    );
    const named = zulip.userGroups.filter((g) => !g.is_system_group);
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const g of zulip.userGroups) {
      for (const id of g.members)
        expect(byId.get(id)?.is_active, `${g.name} member ${id}`).toBe(true);
    }
    expect(named.some((g) => /[^\p{ASCII}]/u.test(g.name))).toBe(true);
  });

  it('has presence for most active people, keyed by API email', () => {
    const emails = new Map(zulip.members.map((m) => [m.email, m]));
    const entries = Object.entries(zulip.presences);
    expect(entries.length / humans.filter((m) => m.is_active).length).toBeGreaterThan(0.6);
    for (const [email, p] of entries) {
      const m = emails.get(email);
      expect(m?.is_active && !m.is_bot).toBe(true);
      expect(p.aggregated.timestamp).toBeLessThanOrEqual(REFERENCE_NOW_MS / 1000);
      expect(['active', 'idle']).toContain(p.aggregated.status);
    }
    expect(entries.some(([, p]) => REFERENCE_NOW_MS / 1000 - p.aggregated.timestamp < 120)).toBe(
      true,
    );
  });
});

describe('the Open WebUI instance', () => {
  const users = owui.users;
  const nowS = REFERENCE_NOW_MS / 1000;

  it('has the count asked for, with unique ids and emails, Zoë Müller first', () => {
    expect(users).toHaveLength(2000);
    expect(new Set(users.map((u) => u.id)).size).toBe(2000);
    expect(new Set(users.map((u) => u.email)).size).toBe(2000);
    expect(
      users.every((u) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u.id),
      ),
    ).toBe(true);
    expect(users[0]).toMatchObject({ name: 'Zoë Müller', role: 'admin' });
  });

  it('has every role; pending users are new, grouped nowhere and silent', () => {
    expect(new Set(users.map((u) => u.role))).toEqual(new Set(['admin', 'user', 'pending']));
    for (const u of users.filter((x) => x.role === 'pending')) {
      expect(u.groups).toEqual([]);
      expect(u.status_message).toBeNull();
      expect(u.last_active_at).toBe(u.created_at);
    }
  });

  it('has statuses with emoji, message and sometimes an expiry', () => {
    const withStatus = users.filter((u) => u.status_message !== null);
    expect(withStatus.length).toBeGreaterThan(50);
    expect(withStatus.every((u) => u.status_emoji !== null)).toBe(true);
    expect(withStatus.some((u) => u.status_expires_at !== null)).toBe(true);
  });

  it('has every kind of avatar, and every data: URL is a real picture', () => {
    const kind = (url: string) =>
      url.startsWith('data:')
        ? 'data'
        : url === '/user.png'
          ? 'default'
          : url.endsWith('/profile/image')
            ? 'route'
            : url.startsWith('https://')
              ? 'external'
              : 'other';
    expect(new Set(users.map((u) => kind(u.profile_image_url)))).toEqual(
      new Set(['data', 'default', 'route', 'external']),
    );
    for (const u of users.filter((x) => x.profile_image_url.startsWith('data:')).slice(0, 50)) {
      expect(decodeDataUrl(u.profile_image_url).contentType).toBe('image/png');
    }
  });

  it('computes is_active from last_active_at (active within three minutes)', () => {
    for (const u of users) expect(u.is_active).toBe(nowS - u.last_active_at <= 180);
    expect(users.some((u) => u.is_active)).toBe(true);
  });

  it('uses seconds for every timestamp, in order', () => {
    for (const u of users) {
      expect(u.created_at).toBeLessThanOrEqual(u.updated_at);
      expect(u.updated_at).toBeLessThanOrEqual(nowS);
      expect(u.created_at).toBeGreaterThan(1.6e9);
      expect(u.created_at).toBeLessThan(1e10);
    }
  });

  it('counts each group’s members right', () => {
    for (const g of owui.groups) {
      expect(
        users.filter((u) => u.groups.some((x) => x.id === g.id && x.name === g.name)),
      ).toHaveLength(g.member_count);
    }
    expect(owui.groups.every((g) => g.user_id === users[0]?.id)).toBe(true);
  });

  it('names people in many scripts and sets optional fields on some', () => {
    for (const [script, pattern] of Object.entries(SCRIPTS))
      expect(
        users.some((u) => pattern.test(u.name)),
        script,
      ).toBe(true);
    for (const key of [
      'username',
      'bio',
      'gender',
      'date_of_birth',
      'timezone',
      'info',
      'settings',
      'oauth',
    ] as const) {
      expect(
        users.some((u) => u[key] !== null),
        key,
      ).toBe(true);
      expect(
        users.some((u) => u[key] === null),
        key,
      ).toBe(true);
    }
  });
});

describe('syntheticPng', () => {
  it('writes a valid PNG: signature, header, checksums, and scanlines that inflate', () => {
    const png = syntheticPng([200, 100, 50], 16);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(view.getUint32(16)).toBe(16);
    expect(view.getUint32(20)).toBe(16);
    const idatLength = view.getUint32(33);
    expect(new TextDecoder().decode(png.subarray(37, 41))).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(16 * (1 + 16 * 3));
    expect([...raw.subarray(1 + 3 * 5, 1 + 3 * 6)]).toEqual([200, 100, 50]);
  });
});

describe('scale', () => {
  it('makes 100 000 users with unique addresses', () => {
    const started = performance.now();
    const z = generateZulipDirectory({ seed: 5, count: 100_000 });
    const zulipMs = performance.now() - started;
    const o = generateOpenWebUIDirectory({ seed: 5, count: 100_000 });
    const owuiMs = performance.now() - started - zulipMs;
    expect(new Set(z.members.map((m) => m.email)).size).toBe(100_000);
    expect(new Set(o.users.map((u) => u.email)).size).toBe(100_000);
    console.log(
      `100 000 users: Zulip in ${Math.round(zulipMs)} ms, Open WebUI in ${Math.round(owuiMs)} ms`,
    );
  }, 60_000);
});
