/**
 * Zulip's user object (from `/users`, `/users/{id}` or `/users/{email}`)
 * mapped to a `DirectoryUser`: role, bot details, avatar (a null URL means
 * Gravatar), groups and custom profile values from the context, and the
 * check of a cached context before it is used.
 *
 * Node only; never imports `electron`.
 */
import { ownValue } from '@shared/dictionary';
import { isZulipUserId } from '@shared/server-url';
import {
  ZULIP_BOT_TYPE_LABELS,
  type AvatarSource,
  type DirectoryUser,
  type GroupRef,
  type Presence,
  type ProfileFieldDefinition,
} from '@shared/model';
import { TEXT_CAPS, textCutter, storableText, type TextCutter } from '@shared/text-caps';
import { gravatarUrl } from './gravatar';
import { contextDigest, memberSource, type MemberSource } from './source-digest';
import {
  avatarFromUrl,
  badUser,
  bool,
  capJsonText,
  checkedOncePerObject,
  field,
  int,
  isObject,
  isoToMs,
  nonEmpty,
  num,
  quoted,
  type JsonObject,
} from './json';
import type { ZulipContext } from './types';
import { ZULIP_PRODUCT } from './zulip-errors';
import { zulipProfileValues } from './zulip-fields';
import { ZULIP_ROLES, zulipRoleOf } from './zulip-wire';

/** What normalizing one Zulip user needs besides the user: where it came from, and the context it is read against. */
export interface ZulipNormalizeEnv {
  connectionId: string;
  baseUrl: string;
  /** Definitions and groups; null (or anything unreadable) means none known. */
  context: ZulipContext | null;
  /** From `/realm/presence` or `/users/{id}/presence`, when fetched. */
  presence?: Presence | null;
}

function avatarOf(
  raw: JsonObject,
  userId: number,
  email: string | null,
  deliveryEmail: string | null,
  baseUrl: string,
): AvatarSource {
  const version = int(field(raw, 'avatar_version'));
  if (!Object.prototype.hasOwnProperty.call(raw, 'avatar_url')) {
    // The server left it out: its own avatar route redirects to the picture.
    return avatarFromUrl(`/avatar/${userId}`, baseUrl);
  }
  const url = field(raw, 'avatar_url');
  if (typeof url === 'string' && url.trim() !== '') return avatarFromUrl(url, baseUrl);
  const forHash = deliveryEmail ?? email;
  return forHash ? { kind: 'external', url: gravatarUrl(forHash, version) } : { kind: 'none' };
}

function groupsOf(userId: string, context: ZulipContext | null, cutter: TextCutter): GroupRef[] {
  const names = context?.groupNames;
  const byUser = context?.groupIdsByUser;
  const ids = byUser ? ownValue(byUser, userId) : undefined;
  if (!names || !Array.isArray(ids)) return [];
  const out: GroupRef[] = [];
  for (const id of ids) {
    const name = typeof id === 'string' ? ownValue(names, id) : undefined;
    // A cached context may predate the caps: cut here too.
    if (typeof name === 'string') out.push({ id, name: cutter.cap(name, 'label', 'groups') });
  }
  // zulipGroupsOf lists each user's groups in name order already.
  return out;
}

/**
 * A Zulip user's ID by the one rule (a positive safe integer); a user
 * without one cannot be read (UnreadableUser, whose reason says why).
 */
export function zulipUserIdOf(raw: unknown): number {
  if (!isObject(raw)) badUser(ZULIP_PRODUCT, 'not an object');
  const value = field(raw, 'user_id');
  if (!isZulipUserId(value)) {
    badUser(
      ZULIP_PRODUCT,
      value === undefined
        ? 'it has no user_id'
        : `its user_id ${quoted(value)} is not a whole number from 1 up`,
    );
  }
  return value;
}

/**
 * A Zulip user object (from `/users`, `/users/{id}` or `/users/{email}`) as
 * a DirectoryUser. Total: any JSON gives a user or a BAD_RESPONSE failure.
 */
export function normalizeZulipUser(raw: unknown, env: ZulipNormalizeEnv): DirectoryUser {
  if (!isObject(raw)) badUser(ZULIP_PRODUCT, 'not an object');
  const id = zulipUserIdOf(raw);
  const userId = String(id);
  const context = asZulipContext(env.context);
  // Every text is cut to its kind's cap here; the payload keeps it whole.
  const cutter = textCutter();
  const email = cutter.capOrNull(nonEmpty(field(raw, 'email')), 'email', 'email');
  const deliveryEmail = cutter.capOrNull(
    nonEmpty(field(raw, 'delivery_email')),
    'email',
    'deliveryEmail',
  );
  const botType = int(field(raw, 'bot_type'));
  const isBot = field(raw, 'is_bot') === true || botType !== null;
  const ownerRaw = field(raw, 'bot_owner_id');
  const ownerId = isZulipUserId(ownerRaw) ? ownerRaw : null;
  const timezone = nonEmpty(field(raw, 'timezone'));
  const extra: DirectoryUser['extra'] = {};
  const billing = bool(field(raw, 'is_billing_admin'));
  if (billing !== null) extra.is_billing_admin = billing;
  const avatarVersion = int(field(raw, 'avatar_version'));
  if (avatarVersion !== null) extra.avatar_version = avatarVersion;
  const roleCode = field(raw, 'role');
  if (roleCode !== undefined && !(typeof roleCode === 'number' && ZULIP_ROLES[roleCode])) {
    extra.role = capJsonText(roleCode, 'extra', () => cutter.mark('extra'));
  }
  const name = cutter.cap(
    nonEmpty(field(raw, 'full_name')) ?? email ?? `User ${userId}`,
    'name',
    'name',
  );
  const groups = groupsOf(userId, context, cutter);
  const profileFields = zulipProfileValues(
    field(raw, 'profile_data'),
    context?.profileFields ?? [],
  );
  if (profileFields.some((f) => f.cut)) cutter.mark('profileFields');
  const cut = cutter.cut();
  return {
    connectionId: env.connectionId,
    kind: 'zulip',
    userId,
    name,
    username: null,
    email,
    deliveryEmail,
    role: zulipRoleOf(raw),
    isBot,
    bot: isBot
      ? {
          type: botType,
          typeLabel: (botType !== null ? ZULIP_BOT_TYPE_LABELS[botType] : undefined) ?? 'Bot',
          ownerId: ownerId !== null ? String(ownerId) : null,
        }
      : null,
    deactivated: field(raw, 'is_active') === false,
    timezone:
      timezone !== null && timezone.length <= TEXT_CAPS.timezone ? storableText(timezone) : null,
    joinedAt: isoToMs(field(raw, 'date_joined')),
    updatedAt: null,
    presence: env.presence ?? null,
    status: null,
    avatar: avatarOf(raw, id, email, deliveryEmail, env.baseUrl),
    groups,
    profileFields,
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra,
    ...(cut ? { cut } : {}),
  };
}

/**
 * What a member's row is derived from, as its source digest
 * (source-digest.ts): every input `normalizeZulipUser` reads for it. Keep
 * the two in step: an input read there and missing here leaves a changed
 * user's card stale.
 */
export function zulipMemberSource(raw: JsonObject, env: ZulipNormalizeEnv): MemberSource {
  const userId = String(zulipUserIdOf(raw));
  const context = asZulipContext(env.context);
  const definitions = context ? contextDigest(context.profileFields) : '';
  const names = context?.groupNames ?? null;
  const ids = context?.groupIdsByUser ? ownValue(context.groupIdsByUser, userId) : undefined;
  const groups = Array.isArray(ids)
    ? ids.map((id) => [id, typeof id === 'string' && names ? (ownValue(names, id) ?? null) : null])
    : null;
  return memberSource(
    ['zulip', env.connectionId, env.baseUrl, definitions, groups, env.presence ?? null],
    raw,
  );
}

/**
 * A cached context, checked: anything malformed counts as no context. The
 * caller stores it as JSON, so it is as untrusted as the server's answers.
 * Checked once per object (a sync normalizes thousands of users against one).
 */
export const asZulipContext = checkedOncePerObject(checkZulipContext);

function checkZulipContext(value: unknown): ZulipContext | null {
  if (!isObject(value) || value.kind !== 'zulip') return null;
  const fetchedAt = num(value.fetchedAt);
  if (fetchedAt === null || !Array.isArray(value.profileFields)) return null;
  const fieldsOk = value.profileFields.every(
    (f) =>
      isObject(f) &&
      typeof f.id === 'string' &&
      typeof f.name === 'string' &&
      typeof f.type === 'string' &&
      typeof f.order === 'number' &&
      Array.isArray(f.choices),
  );
  if (!fieldsOk) return null;
  const names = value.groupNames;
  const byUser = value.groupIdsByUser;
  return {
    kind: 'zulip',
    fetchedAt,
    profileFields: value.profileFields as unknown as ProfileFieldDefinition[],
    groupNames: isObject(names) ? (names as Record<string, string>) : null,
    groupIdsByUser: isObject(byUser) ? (byUser as unknown as Record<string, string[]>) : null,
  };
}
