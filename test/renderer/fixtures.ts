/**
 * Realistic directories for the window's tests and the visual gallery: a
 * Zulip organization (owners, admins, moderators, members, guests, bots of
 * every type with owners, deactivated users, statuses, every kind of custom
 * profile field, names in many scripts) and an Open WebUI instance (admins,
 * users, pending sign-ups, groups, statuses, bios, OAuth). Payloads in
 * `raw` follow what the real servers send (see shared/specs), and a small
 * in-memory directory answers searches the way core's cache does, so the
 * window can be driven without core.
 *
 * Runs in Node and jsdom (no DOM use).
 */
import { searchRowOf, searchRows } from '@core/search/search-text';
import { facetsOfRows } from '@core/search/facets';
import { mulberry32 } from '@core/services/synthetic/random';
import { contract, type Channel } from '@shared/contract';
import { err, ok, rollcallError, type Result } from '@shared/errors';
import {
  ZULIP_BOT_TYPE_LABELS,
  type ConnectionSummary,
  type DirectoryUser,
  type JsonValue,
  type LookupResult,
  type ProfileFieldValue,
  type SearchQuery,
  type SearchResult,
  type UserRecord,
  type UserSummary,
} from '@shared/model';
import { summarize } from '@shared/summary';
import { fixtureChoices } from './fixture-choices';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A small seeded random generator (the app's own), so every run builds the same people. */
const seeded = mulberry32;

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

// ---------------------------------------------------------------- connections

/** Id of the fixture Zulip connection. */
const ZULIP_ID = 'acme-zulip';
/** Id of the fixture Open WebUI connection. */
const OWUI_ID = 'lab-openwebui';

/** A connection summary with sensible defaults. */
export function connection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  const now = Date.now();
  return {
    id: ZULIP_ID,
    kind: 'zulip',
    label: 'Acme Chat',
    baseUrl: 'https://chat.acme.example',
    loginEmail: 'iago@acme.example',
    demo: false,
    createdAt: now - 40 * DAY,
    updatedAt: now - 2 * DAY,
    hasSecret: true,
    lastTest: null,
    userCount: 0,
    lastSyncAt: now - 3 * MINUTE,
    lastSync: null,
    reachability: { state: 'online', since: now - 2 * HOUR, error: null },
    syncing: false,
    insecureHttp: false,
    ...overrides,
  };
}

/** The Open WebUI connection of the fixtures. */
export function owuiConnection(overrides: Partial<ConnectionSummary> = {}): ConnectionSummary {
  return connection({
    id: OWUI_ID,
    kind: 'openwebui',
    label: 'Research Lab AI',
    baseUrl: 'https://ai.lab.example',
    loginEmail: null,
    ...overrides,
  });
}

// ---------------------------------------------------------------- Zulip

/** The organization's custom profile fields, one of each of the 8 types. */
const ZULIP_FIELDS = [
  { id: '1', name: 'Pronouns', type: 'pronouns', typeCode: 8, order: 1, summary: true },
  { id: '2', name: 'Team', type: 'choice', typeCode: 3, order: 2, summary: true },
  { id: '3', name: 'Phone', type: 'short_text', typeCode: 1, order: 3, summary: false },
  { id: '4', name: 'About me', type: 'long_text', typeCode: 2, order: 4, summary: false },
  { id: '5', name: 'Start date', type: 'date', typeCode: 4, order: 5, summary: false },
  { id: '6', name: 'Website', type: 'link', typeCode: 5, order: 6, summary: false },
  { id: '7', name: 'Manager', type: 'person', typeCode: 6, order: 7, summary: false },
  { id: '8', name: 'GitHub', type: 'external_account', typeCode: 7, order: 8, summary: true },
] as const;

const TEAMS = ['Engineering', 'Design', 'Support', 'Sales', 'Research', 'Operations', 'Legal'];

type FieldInput = {
  pronouns?: string;
  team?: string;
  phone?: string;
  about?: { value: string; html: string };
  startDate?: string;
  website?: string;
  manager?: string[];
  github?: string;
};

function zulipFields(input: FieldInput): ProfileFieldValue[] {
  const out: ProfileFieldValue[] = [];
  const base = (i: number) => {
    const f = ZULIP_FIELDS[i]!;
    return {
      fieldId: f.id,
      name: f.name,
      type: f.type,
      order: f.order,
      displayInSummary: f.summary,
      renderedHtml: null,
      url: null,
      userIds: null,
    };
  };
  if (input.pronouns) out.push({ ...base(0), value: input.pronouns, text: input.pronouns });
  if (input.team) {
    const key = String(TEAMS.indexOf(input.team));
    out.push({ ...base(1), value: key, text: input.team });
  }
  if (input.phone) out.push({ ...base(2), value: input.phone, text: input.phone });
  if (input.about) {
    out.push({
      ...base(3),
      value: input.about.value,
      text: input.about.value,
      renderedHtml: input.about.html,
    });
  }
  if (input.startDate) {
    const text = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${input.startDate}T00:00:00Z`),
    );
    out.push({ ...base(4), value: input.startDate, text });
  }
  if (input.website)
    out.push({ ...base(5), value: input.website, text: input.website, url: input.website });
  if (input.manager) {
    out.push({
      ...base(6),
      value: JSON.stringify(input.manager.map(Number)),
      text: input.manager.join(', '),
      userIds: input.manager,
    });
  }
  if (input.github) {
    out.push({
      ...base(7),
      value: input.github,
      text: `@${input.github}`,
      url: `https://github.com/${input.github}`,
    });
  }
  return out;
}

const ZULIP_ROLE_CODES = {
  owner: 100,
  administrator: 200,
  moderator: 300,
  member: 400,
  guest: 600,
} as const;

/** Zulip's wire form of a user, as `GET /users/{id}` sends it. */
function zulipRaw(u: DirectoryUser): JsonValue {
  const profile: { [k: string]: JsonValue } = {};
  for (const f of u.profileFields) {
    profile[f.fieldId] =
      f.renderedHtml !== null
        ? { value: f.value, rendered_value: f.renderedHtml }
        : { value: f.value };
  }
  const role = ZULIP_ROLE_CODES[u.role as keyof typeof ZULIP_ROLE_CODES] ?? 400;
  return {
    user_id: Number(u.userId),
    email: u.email,
    delivery_email: u.deliveryEmail,
    full_name: u.name,
    avatar_url:
      u.avatar.kind === 'server' ? u.avatar.url.replace('https://chat.acme.example', '') : null,
    avatar_version: 3,
    is_active: !u.deactivated,
    is_admin: role <= 200,
    is_owner: role === 100,
    is_guest: role === 600,
    is_billing_admin: u.extra.is_billing_admin === true,
    role,
    is_bot: u.isBot,
    ...(u.isBot
      ? {
          bot_type: u.bot?.type ?? null,
          bot_owner_id: u.bot?.ownerId ? Number(u.bot.ownerId) : null,
        }
      : {}),
    timezone: u.timezone ?? '',
    date_joined:
      u.joinedAt !== null ? new Date(u.joinedAt).toISOString().replace('Z', '+00:00') : '',
    profile_data: profile,
  };
}

/** A Zulip user record; every field can be overridden. */
export function zulipUser(
  overrides: Partial<DirectoryUser> & { userId: string; name: string },
  options: { now?: number; fetchedAt?: number; goneAt?: number | null } = {},
): UserRecord {
  const now = options.now ?? Date.now();
  const local =
    overrides.name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z]+/g, '.')
      .replace(/^\.|\.$/g, '') || `user${overrides.userId}`;
  const user: DirectoryUser = {
    connectionId: ZULIP_ID,
    kind: 'zulip',
    username: null,
    email: `user${overrides.userId}@chat.acme.example`,
    deliveryEmail: `${local}@acme.example`,
    role: 'member',
    isBot: false,
    bot: null,
    deactivated: false,
    timezone: 'Europe/Berlin',
    joinedAt: now - 400 * DAY,
    updatedAt: null,
    presence: { lastActiveAt: now - 5 * MINUTE, idle: false },
    status: null,
    avatar: { kind: 'none' },
    groups: [],
    profileFields: [],
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra: { is_billing_admin: false },
    ...overrides,
  };
  return {
    user,
    raw: zulipRaw(user),
    fetchedAt: options.fetchedAt ?? now - 3 * MINUTE,
    goneAt: options.goneAt ?? null,
  };
}

// ---------------------------------------------------------------- Open WebUI

/** Open WebUI's wire form of a user, as `GET /api/v1/users/{id}` sends it. */
function owuiRaw(u: DirectoryUser): JsonValue {
  const s = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
  return {
    status_emoji: u.status?.emoji ?? null,
    status_message: u.status?.message ?? null,
    status_expires_at: s(u.status?.expiresAt ?? null),
    name: u.name,
    profile_image_url:
      u.avatar.kind === 'server'
        ? `/api/v1/users/${u.userId}/profile/image`
        : u.avatar.kind === 'inline'
          ? u.avatar.dataUrl
          : '/user.png',
    groups: u.groups.map((g) => ({ id: g.id, name: g.name })),
    is_active:
      u.presence?.lastActiveAt !== undefined &&
      u.presence?.lastActiveAt !== null &&
      Date.now() - u.presence.lastActiveAt < 180_000,
    id: u.userId,
    email: u.email,
    username: u.username,
    role: u.role,
    profile_banner_image_url: null,
    bio: u.bio,
    gender: u.gender,
    date_of_birth: u.dateOfBirth,
    timezone: u.timezone,
    presence_state: null,
    info: (u.extra.info as JsonValue) ?? null,
    settings: (u.extra.settings as JsonValue) ?? null,
    oauth: (u.extra.oauth as JsonValue) ?? null,
    scim: (u.extra.scim as JsonValue) ?? null,
    last_active_at: s(u.presence?.lastActiveAt ?? null),
    updated_at: s(u.updatedAt),
    created_at: s(u.joinedAt),
  };
}

/** An Open WebUI user record; every field can be overridden. */
function owuiUser(
  overrides: Partial<DirectoryUser> & { userId: string; name: string },
  options: { now?: number; fetchedAt?: number; goneAt?: number | null } = {},
): UserRecord {
  const now = options.now ?? Date.now();
  const local =
    overrides.name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z]+/g, '.')
      .replace(/^\.|\.$/g, '') || 'user';
  const user: DirectoryUser = {
    connectionId: OWUI_ID,
    kind: 'openwebui',
    username: null,
    email: `${local}@lab.example`,
    deliveryEmail: null,
    role: 'user',
    isBot: false,
    bot: null,
    deactivated: false,
    timezone: 'America/New_York',
    joinedAt: now - 200 * DAY,
    updatedAt: now - 10 * DAY,
    presence: { lastActiveAt: now - 2 * HOUR, idle: false },
    status: null,
    avatar: { kind: 'none' },
    groups: [],
    profileFields: [],
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra: { info: null, settings: null, oauth: null, scim: null },
    ...overrides,
  };
  return {
    user,
    raw: owuiRaw(user),
    fetchedAt: options.fetchedAt ?? now - 3 * MINUTE,
    goneAt: options.goneAt ?? null,
  };
}

// ---------------------------------------------------------------- card variants

/** The users every card variant test draws, built relative to `now`. */
export function cardVariants(now: number = Date.now()) {
  const zulipOwner = zulipUser(
    {
      userId: '8',
      name: 'Iago Ortiz',
      role: 'owner',
      timezone: 'Europe/Madrid',
      presence: { lastActiveAt: now - 30_000, idle: false },
      status: { emoji: '🎧', message: 'Deep work, slow replies', expiresAt: now + 3 * HOUR },
      avatar: { kind: 'server', url: 'https://chat.acme.example/user_avatars/2/8.png' },
      profileFields: zulipFields({ pronouns: 'he/him', team: 'Engineering', github: 'iago-ortiz' }),
      extra: { is_billing_admin: true },
    },
    { now },
  );
  const zulipGuest = zulipUser(
    {
      userId: '31',
      name: 'Zoë Lindqvist',
      role: 'guest',
      timezone: 'Europe/Stockholm',
      presence: { lastActiveAt: now - 5 * MINUTE, idle: false },
      profileFields: zulipFields({ pronouns: 'she/her' }),
    },
    { now },
  );
  const genericBot = zulipUser(
    {
      userId: '44',
      name: 'Standup Bot',
      email: 'standup-bot@chat.acme.example',
      deliveryEmail: null,
      isBot: true,
      bot: { type: 1, typeLabel: ZULIP_BOT_TYPE_LABELS[1]!, ownerId: '8' },
      presence: null,
      timezone: null,
    },
    { now },
  );
  const deactivated = zulipUser(
    {
      userId: '57',
      name: 'Othello Moor',
      role: 'member',
      deactivated: true,
      presence: { lastActiveAt: now - 90 * DAY, idle: false },
      profileFields: zulipFields({ team: 'Sales' }),
    },
    { now },
  );
  const owuiAdmin = owuiUser(
    {
      userId: '2f6b9c1e-8a43-4d7e-9b15-3c0e7a5d1f84',
      name: 'Alex Admin',
      email: 'alex.admin@example.com',
      role: 'admin',
      timezone: 'Europe/Berlin',
      presence: { lastActiveAt: now - 90_000, idle: false },
      status: { emoji: '🛠️', message: 'Upgrading to 0.12', expiresAt: now + 8 * HOUR },
      groups: [
        { id: '9c3b1f2e-5d47-4a8e-b0c6-2f1e7d9a4b35', name: 'Engineering' },
        { id: '4e8a6d10-7b2c-4f39-a5e1-c83d92f06a7b', name: 'API Users' },
      ],
      bio: 'Runs the Open WebUI instance.',
      avatar: {
        kind: 'inline',
        dataUrl:
          'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      },
      joinedAt: Date.UTC(2025, 2, 14, 9, 26, 53),
      updatedAt: now - 5 * HOUR,
      extra: {
        info: { location: 'Berlin, Germany' },
        settings: { ui: { models: ['gpt-4o'], chatBubble: true, notificationEnabled: false } },
        oauth: { oidc: { sub: '00u1a2b3c4D5e6F7g8h9' } },
        scim: null,
      },
    },
    { now },
  );
  const pending = owuiUser(
    {
      userId: 'b83c2a71-0f5e-4d19-8c6b-7e2a9d4f1c05',
      name: 'Pat Pending',
      email: 'pat.pending@example.com',
      role: 'pending',
      presence: { lastActiveAt: now - 2 * DAY, idle: false },
      joinedAt: now - 2 * DAY,
    },
    { now },
  );
  const allNull = owuiUser(
    {
      userId: 'e19f7b26-4a3c-4d58-9e02-6b7c1a8d5f30',
      name: 'Minimal User',
      email: null,
      username: null,
      timezone: null,
      joinedAt: null,
      updatedAt: null,
      presence: null,
      status: null,
      avatar: { kind: 'none' },
      groups: [],
      bio: null,
      gender: null,
      dateOfBirth: null,
      extra: {},
    },
    { now },
  );
  return { zulipOwner, zulipGuest, genericBot, deactivated, owuiAdmin, pending, allNull };
}

/** A Zulip user with a value in all 8 field types (and a manager to point at). */
export function zulipAllFieldsUser(now: number = Date.now()): UserRecord {
  return zulipUser(
    {
      userId: '12',
      name: 'Cordelia Lear',
      role: 'administrator',
      timezone: 'America/Los_Angeles',
      presence: { lastActiveAt: now - 12 * MINUTE, idle: false },
      status: { emoji: '🏖️', message: 'On vacation until Friday', expiresAt: now + 3 * DAY },
      avatar: { kind: 'server', url: 'https://chat.acme.example/user_avatars/2/12.png' },
      joinedAt: Date.UTC(2021, 5, 1, 8, 0, 0),
      profileFields: zulipFields({
        pronouns: 'she/her',
        team: 'Design',
        phone: '+1 415 555 0134',
        about: {
          value:
            'Leads **design systems**. Ask me about [our tokens](https://design.acme.example/tokens).',
          html: '<p>Leads <strong>design systems</strong>. Ask me about <a href="https://design.acme.example/tokens">our tokens</a>.</p>',
        },
        startDate: '2021-06-01',
        website: 'https://cordelia.example.net/portfolio',
        manager: ['8', '31'],
        github: 'cordelia-lear',
      }),
      extra: { is_billing_admin: false },
    },
    { now },
  );
}

/** A user whose long text carries every trick a hostile profile could try. */
export function hostileUser(now: number = Date.now()): UserRecord {
  return zulipUser(
    {
      userId: '66',
      name: 'Mallory Mischief',
      profileFields: [
        {
          fieldId: '4',
          name: 'About me',
          type: 'long_text',
          order: 4,
          displayInSummary: false,
          value: 'see rendered',
          text: 'see rendered',
          renderedHtml:
            '<p style="position:fixed;inset:0;background:red" class="x" onclick="alert(1)">Styled text</p>' +
            '<img src=x onerror="window.__pwned=1">' +
            '<script>window.__pwned=2</script>' +
            '<a href="javascript:window.__pwned=3">javascript link</a> ' +
            '<a href="https://safe.example/page" target="_blank">safe link</a>' +
            '<form action="https://evil.example"><input name="q"><button>Go</button></form>' +
            '<iframe src="https://evil.example"></iframe>' +
            '<svg><script>window.__pwned=4</script></svg>' +
            '<style>body{display:none}</style>',
          url: null,
          userIds: null,
        },
        {
          fieldId: '6',
          name: 'Website',
          type: 'link',
          order: 6,
          displayInSummary: false,
          value: 'javascript:window.__pwned=5',
          text: 'javascript:window.__pwned=5',
          renderedHtml: null,
          url: 'javascript:window.__pwned=5',
          userIds: null,
        },
      ],
    },
    { now },
  );
}

// ---------------------------------------------------------------- whole directories

const GIVEN = [
  'Aaron',
  'Amara',
  'Ana Lúcia',
  'Beatriz',
  'Chiara',
  'Chinedu',
  'Dario',
  'Diego',
  'Elif',
  'Emeka',
  'Farah',
  'Freya',
  'Gabriel',
  'Hana',
  'Ingrid',
  'Jonas',
  'Kai',
  'Kwame',
  'Leila',
  'Lucas',
  'Maya',
  'Mateus',
  'Mei',
  'Nadia',
  'Noah',
  'Oluwaseun',
  'Priya',
  'Rafael',
  'Rosa',
  'Sami',
  'Siobhán',
  'Sofia',
  'Tariq',
  'Thandiwe',
  'Tomás',
  'Yara',
  'Yusuf',
  'Łukasz',
  'Søren',
  'Ngozi',
];
const FAMILY = [
  'Adeyemi',
  'Araújo',
  'Bianchi',
  'Chen',
  'Dubois',
  'Eriksen',
  'Ferreira',
  'García',
  'Haddad',
  'Hernández',
  'Ito',
  'Jensen',
  'Kowalski',
  'Kumar',
  'Larsen',
  'Mensah',
  'Moreau',
  'Müller',
  'Nakamura',
  'Novak',
  'Okafor',
  'Öztürk',
  'Patel',
  'Rossi',
  'Schmidt',
  'Silva',
  'Tanaka',
  'Van Dijk',
  'Wójcik',
  'Yilmaz',
  'Ní Bhriain',
  'Nguyễn',
];
const SCRIPT_NAMES = [
  'Анна Смирнова',
  'Дмитрий Иванов',
  'Ελένη Παπαδοπούλου',
  '王芳',
  '李伟',
  '佐藤 花子',
  '김민준',
  'ليلى حداد',
  'נועה כהן',
  'अनन्या शर्मा',
  'கார்த்திக் சுப்ரமணியன்',
  'สมชาย ใจดี',
  'Nguyễn Thị Lan',
  'Αλέξανδρος Νικολάου',
  'Ольга Петрова',
  '陈静',
  'محمد العلي',
  '田中 太郎',
];
const ZONES = [
  'Europe/Berlin',
  'Europe/London',
  'Europe/Madrid',
  'Europe/Warsaw',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Africa/Lagos',
  'Australia/Sydney',
  'Asia/Dubai',
  'Pacific/Auckland',
  'Not/AZone',
];
const STATUSES = [
  ['🏖️', 'On vacation until Monday'],
  ['🤒', 'Out sick'],
  ['📅', 'In meetings all afternoon'],
  ['🚆', 'Commuting'],
  ['🎧', 'Focus time'],
  ['🌍', 'Working from Lisbon this week'],
  ['🍼', 'On parental leave'],
  ['', 'Back on the 14th'],
] as const;
const PRONOUNS = ['she/her', 'he/him', 'they/them', 'she/they', 'he/they'];

function presenceFor(
  rand: () => number,
  now: number,
): { lastActiveAt: number; idle: boolean } | null {
  const r = rand();
  if (r < 0.14) return { lastActiveAt: now - Math.floor(rand() * 100_000), idle: false };
  if (r < 0.2) return { lastActiveAt: now - Math.floor(rand() * 100_000), idle: true };
  if (r < 0.5) return { lastActiveAt: now - Math.floor(rand() * 8 * HOUR), idle: false };
  if (r < 0.93) return { lastActiveAt: now - Math.floor(rand() * 60 * DAY), idle: false };
  return null;
}

/**
 * A name nobody in `used` has yet (then remembered): a repeat gets another
 * family name, without drawing from the random stream, so every other
 * field of the directory stays as it was. Identical cards side by side made
 * the gallery look broken.
 */
function distinctName(name: string, used: Set<string>): string {
  let candidate = name;
  const given = name.split(' ')[0]!;
  for (let k = 0; used.has(candidate); k++) {
    candidate =
      k < FAMILY.length ? `${given} ${FAMILY[(name.length + k) % FAMILY.length]}` : `${name} ${k}`;
  }
  used.add(candidate);
  return candidate;
}

/** A Zulip organization of `count` people and a dozen bots. */
export function zulipDirectory(now: number = Date.now(), count = 240): UserRecord[] {
  const rand = seeded(7);
  const variants = cardVariants(now);
  const out: UserRecord[] = [
    variants.zulipOwner,
    variants.zulipGuest,
    variants.genericBot,
    variants.deactivated,
    zulipAllFieldsUser(now),
  ];
  out.push(
    zulipUser(
      {
        userId: '90',
        name: 'Prospero Milan',
        role: 'member',
        presence: { lastActiveAt: now - 40 * DAY, idle: false },
        profileFields: zulipFields({ team: 'Research' }),
      },
      { now, goneAt: now - 5 * DAY },
    ),
  );
  const used = new Set(out.map((r) => r.user.userId));
  const names = new Set(out.map((r) => r.user.name));
  let id = 100;
  for (let i = 0; i < count; i++) {
    const name = distinctName(
      rand() < 0.16 ? pick(rand, SCRIPT_NAMES) : `${pick(rand, GIVEN)} ${pick(rand, FAMILY)}`,
      names,
    );
    const r = rand();
    const role =
      r < 0.02
        ? 'owner'
        : r < 0.07
          ? 'administrator'
          : r < 0.12
            ? 'moderator'
            : r < 0.9
              ? 'member'
              : 'guest';
    const status = rand() < 0.12 ? pick(rand, STATUSES) : null;
    const deactivated = rand() < 0.06;
    const presence = presenceFor(rand, now);
    const userId = String(id++);
    used.add(userId);
    out.push(
      zulipUser(
        {
          userId,
          name,
          role,
          deactivated,
          timezone: rand() < 0.08 ? null : pick(rand, ZONES),
          joinedAt: now - Math.floor(rand() * 1500 * DAY),
          // Deactivated people stopped coming by a while ago.
          presence: deactivated
            ? { lastActiveAt: now - (30 + Math.floor(rand() * 400)) * DAY, idle: false }
            : presence,
          status: status
            ? {
                emoji: status[0] || null,
                message: status[1],
                expiresAt: rand() < 0.5 ? now + Math.floor(rand() * 5 * DAY) : null,
              }
            : null,
          avatar:
            rand() < 0.62
              ? { kind: 'server', url: `https://chat.acme.example/user_avatars/2/${userId}.png` }
              : { kind: 'none' },
          profileFields: zulipFields({
            pronouns: rand() < 0.55 ? pick(rand, PRONOUNS) : undefined,
            team: rand() < 0.8 ? pick(rand, TEAMS) : undefined,
            github:
              rand() < 0.3
                ? name
                    .toLowerCase()
                    .normalize('NFKD')
                    .replace(/[\u0300-\u036f]/g, '')
                    .replace(/[^a-z]+/g, '-')
                    .replace(/^-|-$/g, '') || `dev${userId}`
                : undefined,
            startDate:
              rand() < 0.4
                ? `20${String(18 + Math.floor(rand() * 7))}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`
                : undefined,
            phone: rand() < 0.25 ? `+49 30 ${Math.floor(1000000 + rand() * 8999999)}` : undefined,
            manager: rand() < 0.3 ? ['8'] : undefined,
          }),
        },
        { now },
      ),
    );
  }
  const bots: [string, number, string][] = [
    ['Welcome Bot', 4, '8'],
    ['Notification Bot', 4, '8'],
    ['GitHub', 2, '12'],
    ['Jira Notifier', 2, '12'],
    ['Sentry Alerts', 2, '104'],
    ['Deploy Bot', 3, '8'],
    ['Trivia', 4, '31'],
    ['Lunch Poll', 1, '110'],
    ['Release Notes', 1, '12'],
    ['PagerDuty', 2, '104'],
  ];
  for (const [name, type, owner] of bots) {
    const userId = String(id++);
    out.push(
      zulipUser(
        {
          userId,
          name,
          email: `${name.toLowerCase().replace(/\s+/g, '-')}-bot@chat.acme.example`,
          deliveryEmail: null,
          isBot: true,
          bot: { type, typeLabel: ZULIP_BOT_TYPE_LABELS[type]!, ownerId: owner },
          presence: null,
          timezone: null,
          deactivated: name === 'PagerDuty',
          avatar: { kind: 'none' },
        },
        { now },
      ),
    );
  }
  return out;
}

const OWUI_GROUPS = [
  { id: '9c3b1f2e-5d47-4a8e-b0c6-2f1e7d9a4b35', name: 'Engineering' },
  { id: '4e8a6d10-7b2c-4f39-a5e1-c83d92f06a7b', name: 'API Users' },
  { id: '1a2b3c4d-0000-4000-8000-000000000003', name: 'Research' },
  { id: '1a2b3c4d-0000-4000-8000-000000000004', name: 'Students' },
  { id: '1a2b3c4d-0000-4000-8000-000000000005', name: 'Faculty' },
];

function uuid(rand: () => number): string {
  const hex = () => Math.floor(rand() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-${'89ab'[Math.floor(rand() * 4)]}${part(3)}-${part(12)}`;
}

/** An Open WebUI instance of `count` people. */
export function owuiDirectory(now: number = Date.now(), count = 120): UserRecord[] {
  const rand = seeded(11);
  const variants = cardVariants(now);
  const out: UserRecord[] = [variants.owuiAdmin, variants.pending, variants.allNull];
  const names = new Set(out.map((r) => r.user.name));
  for (let i = 0; i < count; i++) {
    const name = distinctName(
      rand() < 0.15 ? pick(rand, SCRIPT_NAMES) : `${pick(rand, GIVEN)} ${pick(rand, FAMILY)}`,
      names,
    );
    const r = rand();
    const role = r < 0.04 ? 'admin' : r < 0.92 ? 'user' : 'pending';
    const groups = OWUI_GROUPS.filter(() => rand() < 0.28);
    const status = rand() < 0.1 ? pick(rand, STATUSES) : null;
    out.push(
      owuiUser(
        {
          userId: uuid(rand),
          name,
          role,
          groups,
          timezone: rand() < 0.3 ? null : pick(rand, ZONES),
          joinedAt: now - Math.floor(rand() * 600 * DAY),
          updatedAt: now - Math.floor(rand() * 30 * DAY),
          presence:
            role === 'pending'
              ? { lastActiveAt: now - Math.floor(rand() * 3 * DAY), idle: false }
              : presenceFor(rand, now),
          status: status ? { emoji: status[0] || null, message: status[1], expiresAt: null } : null,
          bio: rand() < 0.2 ? 'Works on retrieval-augmented generation for the lab.' : null,
          avatar:
            rand() < 0.5
              ? { kind: 'server', url: 'https://ai.lab.example/api/v1/users/x/profile/image' }
              : { kind: 'none' },
          extra: {
            info:
              rand() < 0.3
                ? { location: pick(rand, ['Berlin', 'Boston', 'Lagos', 'Pune', 'Kyoto']) }
                : null,
            settings: null,
            oauth:
              rand() < 0.4
                ? { oidc: { sub: `00u${Math.floor(rand() * 1e12).toString(36)}` } }
                : null,
            scim: null,
          },
        },
        { now },
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------- the in-memory directory

/** What core's cache does for searches and reads, over fixture records. */
export class FixtureDirectory {
  private records = new Map<string, UserRecord>();

  constructor(records: UserRecord[] = []) {
    for (const r of records) this.put(r);
  }

  put(record: UserRecord): void {
    this.records.set(`${record.user.connectionId}/${record.user.userId}`, record);
  }

  removeConnection(connectionId: string): void {
    for (const key of [...this.records.keys()])
      if (key.startsWith(`${connectionId}/`)) this.records.delete(key);
  }

  count(connectionId: string): number {
    let n = 0;
    for (const r of this.records.values()) if (r.user.connectionId === connectionId) n++;
    return n;
  }

  get(connectionId: string, userId: string): UserRecord | undefined {
    return this.records.get(`${connectionId}/${userId}`);
  }

  all(): Iterable<UserRecord> {
    return this.records.values();
  }

  /** Finds by ID or (Zulip) email, as a lookup's cache answer would. */
  find(connectionId: string, ref: string): UserRecord | undefined {
    const direct = this.get(connectionId, ref);
    if (direct) return direct;
    const lower = ref.toLowerCase();
    for (const r of this.records.values()) {
      if (r.user.connectionId !== connectionId) continue;
      if (r.user.email?.toLowerCase() === lower || r.user.deliveryEmail?.toLowerCase() === lower)
        return r;
    }
    return undefined;
  }

  summary(record: UserRecord): UserSummary {
    const ownerId = record.user.bot?.ownerId ?? null;
    const owner = ownerId ? this.get(record.user.connectionId, ownerId) : undefined;
    return summarize(record.user, record.goneAt, owner?.user.name ?? null);
  }

  /** Core's reference search (search-text.ts: folding, terms, filters, order) over the records. */
  search(query: SearchQuery): SearchResult {
    const rows = [...this.records.values()].map((record) => ({
      ...searchRowOf(record.user, record.goneAt !== null),
      record,
    }));
    const { total, items } = searchRows(rows, query);
    const result: SearchResult = { total, items: items.map((row) => this.summary(row.record)) };
    return query.facets ? { ...result, facets: facetsOfRows(rows, query) } : result;
  }
}

/** A lookup answer for a record. */
export function lookupResult(record: UserRecord, extra: Partial<LookupResult> = {}): LookupResult {
  return { ...record, source: 'network', stale: null, refreshing: false, ...extra };
}

/** An answer table channel -> handler, as both the fake bridge and the gallery use. */
export type AnswerTable = Partial<
  Record<Channel, (arg: unknown) => Result<unknown> | Promise<Result<unknown>>>
>;

/**
 * Answers for the read channels over a fixture directory: list, search, get
 * and lookup, each argument parsed by the contract's own schema first (so a
 * malformed call from the window fails here as it would in main).
 */
export function directoryAnswers(
  dir: FixtureDirectory,
  connections: () => ConnectionSummary[],
): AnswerTable {
  return {
    'connections:list': () =>
      ok(connections().map((c) => ({ ...c, userCount: dir.count(c.id) || c.userCount }))),
    'users:search': (arg) => ok(dir.search(contract['users:search'].arg.parse(arg))),
    'directory:filter-choices': (arg) => {
      const { connectionId } = contract['directory:filter-choices'].arg.parse(arg);
      const conn = connections().find((c) => c.id === connectionId);
      return conn
        ? ok(fixtureChoices(dir.all(), conn))
        : err(rollcallError('NOT_FOUND', 'That connection no longer exists.'));
    },
    'users:get': (arg) => {
      const a = contract['users:get'].arg.parse(arg);
      const r = dir.get(a.connectionId, a.userId);
      return r ? ok(r) : err(rollcallError('NOT_FOUND', 'This user is not in the cache.'));
    },
    'users:lookup': (arg) => {
      const a = contract['users:lookup'].arg.parse(arg);
      const r = dir.find(a.connectionId, a.ref);
      return r
        ? ok(lookupResult(r))
        : err(
            rollcallError('NOT_FOUND', undefined, { status: 400, serverMessage: 'No such user' }),
          );
    },
  };
}
