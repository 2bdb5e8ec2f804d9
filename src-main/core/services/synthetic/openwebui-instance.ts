/**
 * The Open WebUI instance generator: users in the single-user shape an admin
 * gets (every role, statuses, every kind of picture, sparse profile fields,
 * OAuth links) and the groups list with permissions and member counts.
 *
 * Node only; never imports `electron`.
 */
import { DOMAINS, EmailBook, makePerson, pickTimezone, zoe } from './people';
import { inlineAvatar } from './pictures';
import { Rng } from './random';
import {
  REFERENCE_NOW_MS,
  type GenerateOptions,
  type Json,
  type OpenWebUIDirectory,
  type OpenWebUIWireGroup,
  type OpenWebUIWireUser,
} from './wire-shapes';

const OWUI_GROUPS = [
  ['Engineering', 'Platform and backend engineers'],
  ['API Users', ''],
  ['Research', 'Model evaluation and prompts'],
  ['Support', 'First-line support'],
  ['Data Science', 'Notebooks and pipelines'],
  ['Marketing', 'Copy and campaigns'],
  ['Administración', 'Finanzas y administración'],
  ['Beta testers', 'Early access to new models'],
] as const;

/** Group permissions as an admin would set them: the API group may use keys. */
function permissionsOf(groupIndex: number): { [key: string]: Json } {
  return groupIndex === 1
    ? { features: { api_keys: true } }
    : {
        workspace: { models: true, knowledge: groupIndex % 2 === 0 },
        features: { web_search: true },
      };
}

const MODELS = [
  'gpt-4o',
  'llama3.1:8b',
  'qwen2.5:14b',
  'mistral-small',
  'gemma2:9b',
  'claude-3-5-sonnet',
];
const STATUSES: readonly (readonly [string, string])[] = [
  ['🌴', 'On holiday until Monday'],
  ['🤒', 'Out sick'],
  ['🛠️', 'Upgrading the cluster'],
  ['📚', 'Heads down, reading'],
  ['🎧', 'Focus time'],
  ['✈️', 'Travelling — slow replies'],
  ['🏠', 'Working from home'],
];
const GENDERS = ['female', 'male', 'non-binary', 'prefer not to say'];
const LOCATIONS = [
  'Berlin, Germany',
  'Lagos, Nigeria',
  'São Paulo, Brasil',
  '東京',
  'Москва',
  'Montréal, Canada',
  'Athens, Greece',
  'Remote',
];

const TWO_YEARS_S = 2 * 365 * 86_400;

/** What every user of one instance is made from; `members` fills in as users join groups. */
interface Instance {
  readonly rng: Rng;
  readonly count: number;
  readonly nowS: number;
  readonly emails: EmailBook;
  readonly groupIds: readonly string[];
  /** User IDs by group index. */
  readonly members: string[][];
}

/**
 * An Open WebUI instance: users in the single-user shape an admin gets from
 * `GET /api/v1/users/{id}` (with `groups` and `is_active`), and the groups
 * list. The fake derives the list shape (`group_ids`, no `is_active`).
 */
export function generateOpenWebUIDirectory(options: GenerateOptions): OpenWebUIDirectory {
  const rng = new Rng(options.seed ^ 0x0e1b);
  const count = Math.max(0, Math.floor(options.count));
  const nowMs = options.nowMs ?? REFERENCE_NOW_MS;
  const nowS = Math.floor(nowMs / 1000);
  const groupCount =
    count === 0 ? 0 : Math.min(OWUI_GROUPS.length, Math.max(2, Math.ceil(count / 25)));
  const groupIds = Array.from({ length: groupCount }, () => rng.uuid());
  const instance: Instance = {
    rng,
    count,
    nowS,
    emails: new EmailBook(),
    groupIds,
    members: groupIds.map(() => []),
  };
  const users: OpenWebUIWireUser[] = [];
  for (let i = 0; i < count; i++) users.push(openWebUIUser(instance, i));

  const adminId = users[0]?.id ?? rng.uuid();
  const groups: OpenWebUIWireGroup[] = groupIds.map((id, g) => ({
    id,
    user_id: adminId,
    name: OWUI_GROUPS[g]![0],
    description: OWUI_GROUPS[g]![1],
    data: { config: { share: 'members' } },
    meta: null,
    permissions: permissionsOf(g),
    created_at: nowS - TWO_YEARS_S + g * 86_400,
    updated_at: nowS - rng.int(0, 90 * 86_400),
    member_count: instance.members[g]!.length,
  }));

  return { nowMs, users, groups };
}

/** The `i`-th user, in the keys' order Open WebUI sends; joins their groups in `instance.members`. */
function openWebUIUser(instance: Instance, i: number): OpenWebUIWireUser {
  const { rng, nowS } = instance;
  const person = i === 0 ? zoe() : makePerson(rng);
  const id = rng.uuid();
  const role = userRole(rng, i);
  const { createdAt, lastActive, updatedAt } = activityTimes(instance, i, role);
  const picture = pictureUrl(rng, i, id);
  const hasStatus = role !== 'pending' && (i === 0 || rng.chance(0.12));
  const status = hasStatus ? rng.pick(STATUSES) : null;
  const groups = joinGroups(instance, i, role, id);
  return {
    status_emoji: status ? status[0] : null,
    status_message: status ? status[1] : null,
    status_expires_at: status && rng.chance(0.6) ? nowS + rng.int(-86_400, 7 * 86_400) : null,
    name: person.name,
    profile_image_url: picture,
    groups,
    is_active: nowS - lastActive <= 180,
    id,
    email: instance.emails.take(person.handle, i === 0 ? 'example.com' : rng.pick(DOMAINS)),
    username: rng.chance(0.3) ? person.handle.replace(/\./g, '_') : null,
    role,
    profile_banner_image_url: null,
    bio: rng.chance(0.3) ? rng.pick(person.culture.bios).replace(/[*[\]]/g, '') : null,
    gender: rng.chance(0.15) ? rng.pick(GENDERS) : null,
    date_of_birth: rng.chance(0.2)
      ? `${rng.int(1960, 2004)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`
      : null,
    timezone: rng.chance(0.7) ? pickTimezone(rng, person) : null,
    presence_state: null,
    info: rng.chance(0.3) ? { location: rng.pick(LOCATIONS) } : null,
    settings: rng.chance(0.6)
      ? { ui: { models: [rng.pick(MODELS)], chatBubble: rng.chance(0.7) } }
      : null,
    oauth: rng.chance(0.25) ? { oidc: { sub: `00u${rng.hex(17)}` } } : null,
    scim: null,
    last_active_at: lastActive,
    updated_at: updatedAt,
    created_at: createdAt,
  };
}

/** The `i`-th user's role: one of each for the first three, then mostly users. */
function userRole(rng: Rng, i: number): OpenWebUIWireUser['role'] {
  if (i === 0) return 'admin';
  if (i === 1) return 'user';
  if (i === 2) return 'pending';
  const r = rng.float();
  return r < 0.03 ? 'admin' : r < 0.09 ? 'pending' : 'user';
}

/**
 * When a user was created, last active and updated (seconds): joins spread
 * over two years, pending users recent and never active since.
 */
function activityTimes(
  { rng, count, nowS }: Instance,
  i: number,
  role: OpenWebUIWireUser['role'],
): { createdAt: number; lastActive: number; updatedAt: number } {
  const createdAt =
    role === 'pending'
      ? nowS - rng.int(3600, 14 * 86_400)
      : nowS - TWO_YEARS_S + Math.floor((i / Math.max(1, count)) * TWO_YEARS_S * 0.95);
  const lastActive =
    role === 'pending'
      ? createdAt
      : Math.max(
          createdAt,
          nowS - (rng.chance(0.1) ? rng.int(0, 170) : rng.recentSeconds(5 * 86_400)),
        );
  const updatedAt = Math.min(nowS, createdAt + rng.int(0, Math.max(0, lastActive - createdAt)));
  return { createdAt, lastActive, updatedAt };
}

/**
 * Pictures: inline data:, the default /user.png, the image route, or an
 * external URL; the first four users have one of each.
 */
function pictureUrl(rng: Rng, i: number, id: string): string {
  const r = rng.float();
  const kind = i < 4 ? i : r < 0.35 ? 1 : r < 0.6 ? 2 : r < 0.8 ? 0 : 3;
  return kind === 0
    ? inlineAvatar(rng)
    : kind === 1
      ? '/user.png'
      : kind === 2
        ? `/api/v1/users/${id}/profile/image`
        : `https://images.example-cdn.net/avatars/${rng.hex(24)}.png`;
}

/** The groups a user is in (none while pending), recorded in `members` as well. */
function joinGroups(
  { rng, groupIds, members }: Instance,
  i: number,
  role: OpenWebUIWireUser['role'],
  id: string,
): { id: string; name: string }[] {
  const groupCount = groupIds.length;
  const groups: { id: string; name: string }[] = [];
  if (role !== 'pending' && groupCount > 0) {
    const n = i === 0 ? Math.min(2, groupCount) : rng.pick([0, 0, 1, 1, 1, 2, 3]);
    const chosen = new Set<number>();
    for (let k = 0; k < n; k++) chosen.add(i === 0 ? k : rng.int(0, groupCount - 1));
    for (const g of [...chosen].sort((a, b) => a - b)) {
      groups.push({ id: groupIds[g]!, name: OWUI_GROUPS[g]![0] });
      members[g]!.push(id);
    }
  }
  return groups;
}
