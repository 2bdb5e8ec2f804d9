/**
 * The Zulip organization generator: members as `GET /users` sends them
 * (humans of every role, bots of every type with owners, deactivated users,
 * hidden emails, every kind of avatar URL), with their custom profile
 * fields, user groups and presence keyed by API email.
 *
 * Node only; never imports `electron`.
 */
import { createHash } from 'node:crypto';
import { asciiHandle, DOMAINS, EmailBook, makePerson, pickTimezone, zoe } from './people';
import { Rng } from './random';
import {
  REFERENCE_NOW_MS,
  type GenerateOptions,
  type ZulipDirectory,
  type ZulipWirePresence,
  type ZulipWireUser,
} from './wire-shapes';
import { zulipUserGroups } from './zulip-groups';
import { zulipProfileData, zulipProfileFields } from './zulip-profile';

const ZULIP_REALM_HOST = 'zulip.example.com';

const BOT_NAMES = [
  'Deploy Bot',
  'GitHub',
  'Jira Notifier',
  'Standup Reminder',
  'Welcome Bot',
  'Translate',
  'Calendar Sync',
  'Incident Pager',
  'Weather',
  'Build Status',
  'Giphy',
  'Feedback Collector',
];

/** Roles of the first humans, so even a tiny directory has every role. */
const FIRST_ROLES = [100, 200, 300, 600, 400] as const;

const SIX_YEARS_MS = 6 * 365 * 86_400_000;

function botCountFor(count: number): number {
  return count >= 6 ? Math.max(4, Math.round(count * 0.03)) : 0;
}

/** What the member loop carries from one user to the next. */
interface Roster {
  readonly rng: Rng;
  readonly emails: EmailBook;
  readonly members: ZulipWireUser[];
  readonly humans: ZulipWireUser[];
  /** Active humans at moderator or above, who may be named as a manager. */
  readonly managers: number[];
  /** Active humans who are not guests, who may own a bot. */
  readonly botOwners: number[];
}

/**
 * A Zulip organization: members as `GET /users` sends them (with
 * `client_gravatar` and custom profile fields), the field definitions, user
 * groups (system `role:*` groups included) and presence keyed by API email.
 */
export function generateZulipDirectory(options: GenerateOptions): ZulipDirectory {
  const rng = new Rng(options.seed ^ 0x5a17);
  const count = Math.max(0, Math.floor(options.count));
  const nowMs = options.nowMs ?? REFERENCE_NOW_MS;
  const nowS = Math.floor(nowMs / 1000);
  const fields = zulipProfileFields();
  const roster: Roster = {
    rng,
    emails: new EmailBook(),
    members: [],
    humans: [],
    managers: [],
    botOwners: [],
  };

  // Decide which slots are bots, so bots interleave with humans by ID.
  const bots = botCountFor(count);
  const botSlots = new Set<number>();
  while (botSlots.size < bots) botSlots.add(rng.int(1, count - 1));
  let botIndex = 0;

  for (let i = 0; i < count; i++) {
    const userId = 8 + i;
    const joinedMs =
      nowMs -
      SIX_YEARS_MS +
      Math.floor((i / Math.max(1, count)) * SIX_YEARS_MS * 0.98) +
      rng.int(0, 3_600_000);
    if (botSlots.has(i)) roster.members.push(zulipBot(roster, userId, joinedMs, botIndex++));
    else addHuman(roster, userId, joinedMs);
  }

  const userGroups = zulipUserGroups(rng, roster.members, roster.humans, count, nowMs);
  const presences = zulipPresences(rng, roster.humans, nowS);
  return {
    realmHost: ZULIP_REALM_HOST,
    nowMs,
    members: roster.members,
    profileFields: fields,
    userGroups,
    presences,
  };
}

/** The `botIndex`-th bot: the first four have one type each, one legacy bot has no owner. */
function zulipBot(
  roster: Roster,
  userId: number,
  joinedMs: number,
  botIndex: number,
): ZulipWireUser {
  const { rng, botOwners } = roster;
  const type = botIndex < 4 ? botIndex + 1 : rng.pick([1, 1, 2, 2, 2, 3, 4]);
  const baseName = BOT_NAMES[botIndex % BOT_NAMES.length] as string;
  const name =
    botIndex < BOT_NAMES.length
      ? baseName
      : `${baseName} ${Math.floor(botIndex / BOT_NAMES.length) + 1}`;
  const email = roster.emails.take(`${asciiHandle(name).replace(/\./g, '')}-bot`, ZULIP_REALM_HOST);
  // One legacy bot has no owner, as Zulip allows.
  const owner = botIndex === 5 || botOwners.length === 0 ? null : rng.pick(botOwners);
  const uploaded = rng.chance(0.6);
  const avatarVersion = uploaded ? rng.int(2, 4) : 1;
  return {
    email,
    user_id: userId,
    avatar_version: avatarVersion,
    is_admin: false,
    is_owner: false,
    is_guest: false,
    is_billing_admin: false,
    role: 400,
    is_bot: true,
    full_name: name,
    timezone: '',
    is_active: botIndex !== 3,
    date_joined: pythonIso(joinedMs, rng),
    delivery_email: email,
    avatar_url: uploaded ? `/user_avatars/2/${rng.hex(40)}.png?version=${avatarVersion}` : null,
    bot_type: type,
    bot_owner_id: owner,
  };
}

/** Makes the next human and adds them to the roster (and its owner and manager lists). */
function addHuman(roster: Roster, userId: number, joinedMs: number): void {
  const { rng, humans } = roster;
  const person = humans.length === 0 ? zoe() : makePerson(rng);
  const h = humans.length;
  const role = humanRole(rng, h);
  const guest = role === 600;
  const domain = guest ? 'contractors.example.io' : h === 0 ? 'example.com' : rng.pick(DOMAINS);
  const realEmail = roster.emails.take(person.handle, domain);
  // Email visibility: most show the real address; some hide it behind a
  // dummy API email; a few hide it even from admins.
  const visibility = h === 0 ? 0 : rng.float();
  const email = visibility < 0.6 ? realEmail : `user${userId}@${ZULIP_REALM_HOST}`;
  const deliveryEmail = visibility < 0.95 ? realEmail : null;
  const active = h < FIRST_ROLES.length ? true : !rng.chance(0.05);
  const avatar = humanAvatar(rng, h, realEmail, deliveryEmail);
  const profile = zulipProfileData(rng, { person, guest, joinedMs, managers: roster.managers });

  // Keys in the order Zulip sends them.
  const user: ZulipWireUser = {
    email,
    user_id: userId,
    avatar_version: avatar.version,
    is_admin: role <= 200,
    is_owner: role === 100,
    is_guest: guest,
    is_billing_admin: h === 0,
    role,
    is_bot: false,
    full_name: person.name,
    timezone: rng.chance(0.1) ? '' : pickTimezone(rng, person),
    is_active: active,
    date_joined: pythonIso(joinedMs, rng),
    delivery_email: deliveryEmail,
    avatar_url: avatar.url,
    profile_data: profile,
  };
  roster.members.push(user);
  humans.push(user);
  if (active && !guest) roster.botOwners.push(userId);
  if (active && role <= 300) roster.managers.push(userId);
}

/** The `h`-th human's role: fixed for the first few, then mostly members. */
function humanRole(rng: Rng, h: number): ZulipWireUser['role'] {
  if (h < FIRST_ROLES.length) return FIRST_ROLES[h] as ZulipWireUser['role'];
  const r = rng.float();
  return r < 0.003 ? 100 : r < 0.023 ? 200 : r < 0.053 ? 300 : r < 0.133 ? 600 : 400;
}

/**
 * Pictures: gravatar (null, computed by the client), uploaded to the
 * server (relative), or on an external store; the first three humans have
 * one of each. Always draws the kind and version, whatever the kind.
 */
function humanAvatar(
  rng: Rng,
  h: number,
  realEmail: string,
  deliveryEmail: string | null,
): { url: string | null; version: number } {
  const r = rng.float();
  const avatarKind = h < 3 ? h : r < 0.5 ? 0 : r < 0.85 ? 1 : 2;
  const uploadedVersion = rng.int(2, 6);
  if (avatarKind === 1) {
    return {
      url: `/user_avatars/2/${rng.hex(40)}.png?version=${uploadedVersion}`,
      version: uploadedVersion,
    };
  }
  if (avatarKind === 2) {
    return {
      url: `https://zulip-avatars.example-cdn.net/2/${rng.hex(40)}.png?version=${uploadedVersion}`,
      version: uploadedVersion,
    };
  }
  // The client cannot compute a gravatar without the real address, so the
  // server sends the full URL.
  const url =
    deliveryEmail === null
      ? `https://secure.gravatar.com/avatar/${md5Hex(realEmail.toLowerCase())}?d=identicon&version=1`
      : null;
  return { url, version: 1 };
}

/** Presence, keyed by API email, for most active humans. */
function zulipPresences(
  rng: Rng,
  humans: readonly ZulipWireUser[],
  nowS: number,
): Record<string, ZulipWirePresence> {
  const presences: Record<string, ZulipWirePresence> = {};
  for (const hUser of humans) {
    if (!hUser.is_active || !rng.chance(0.75)) continue;
    const ago = rng.chance(0.15) ? rng.int(0, 120) : rng.recentSeconds(3 * 86_400);
    const timestamp = nowS - ago;
    const status: 'active' | 'idle' = rng.chance(ago < 140 ? 0.7 : 0.55) ? 'active' : 'idle';
    presences[hUser.email] = {
      website: { client: 'website', status, timestamp, pushable: false },
      aggregated: { client: 'website', status, timestamp },
    };
  }
  return presences;
}

/** Python's `datetime.isoformat()` for UTC with microseconds, as Zulip sends `date_joined`. */
function pythonIso(ms: number, rng: Rng): string {
  const iso = new Date(ms).toISOString(); // 2019-10-20T07:50:53.728Z
  return `${iso.slice(0, 23)}${rng.int(0, 999).toString().padStart(3, '0')}+00:00`;
}

function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
