/**
 * Open WebUI's user (the single-user shape with `groups`, or the list
 * shape with `group_ids`) mapped to a `DirectoryUser`: role, picture,
 * groups by name from the context, status, and what is kept for the raw
 * view; the check of a cached context; and what a member's row is derived
 * from, for a sync's source digest. Timestamps are seconds.
 *
 * Node only; never imports `electron`.
 */
import { dictionary, ownValue } from '@shared/dictionary';
import type {
  AvatarSource,
  DirectoryUser,
  GroupRef,
  JsonValue,
  OpenWebUIRole,
  UserStatus,
} from '@shared/model';
import { capText, TEXT_CAPS, textCutter, storableText, type TextCutter } from '@shared/text-caps';
import { isOpenWebUIUserId } from '../../shared/server-url';
import { apiUrl } from './common';
import {
  avatarFromUrl,
  badUser,
  capJsonText,
  checkedOncePerObject,
  field,
  isObject,
  isoDay,
  MAX_INLINE_AVATAR_CHARS,
  nonEmpty,
  num,
  quoted,
  secondsToMs,
  type JsonObject,
} from './json';
import { contextDigest, memberSource, type MemberSource } from './source-digest';
import type { OpenWebUIContext } from './types';

/** How errors name the server: "… from an Open WebUI server". */
export const PRODUCT = 'an Open WebUI server';
const ROLES: readonly OpenWebUIRole[] = ['admin', 'user', 'pending'];

/** Keys kept in `extra` for the raw view, when the server sends them. */
const EXTRA_KEYS = [
  'info',
  'oauth',
  'scim',
  'settings',
  'presence_state',
  'profile_banner_image_url',
  'is_active',
];

/** What normalizing one Open WebUI user needs besides the user. */
export interface OpenWebUINormalizeEnv {
  connectionId: string;
  baseUrl: string;
  /** Group names for `group_ids`; null (or anything unreadable) means none known. */
  context: OpenWebUIContext | null;
}

/**
 * A cached context, checked: anything malformed counts as no context.
 * Checked once per object (a sync normalizes and digests thousands of users
 * against one), so a member's digest finds its group names' digest made.
 */
export const asOpenWebUIContext = checkedOncePerObject(checkOpenWebUIContext);

function checkOpenWebUIContext(value: unknown): OpenWebUIContext | null {
  if (!isObject(value) || value.kind !== 'openwebui') return null;
  const fetchedAt = num(value.fetchedAt);
  const names = value.groupNames;
  if (fetchedAt === null || !isObject(names)) return null;
  const groupNames = dictionary<string>();
  for (const key of Object.keys(names)) {
    const name = field(names, key);
    if (typeof name === 'string') groupNames[key] = name;
  }
  return { kind: 'openwebui', fetchedAt, groupNames };
}

function imageRoute(baseUrl: string, id: string): string {
  return apiUrl(baseUrl, `/api/v1/users/${encodeURIComponent(id)}/profile/image`);
}

function avatarOf(raw: JsonObject, id: string, baseUrl: string): AvatarSource {
  const url = nonEmpty(field(raw, 'profile_image_url'))?.trim() ?? null;
  if (url === null) return { kind: 'none' };
  // A data: URL too large to keep inline is the same picture behind the image route.
  if (/^data:image\//i.test(url) && url.length > MAX_INLINE_AVATAR_CHARS) {
    return avatarFromUrl(imageRoute(baseUrl, id), baseUrl);
  }
  return avatarFromUrl(url, baseUrl);
}

/** A group's name from the context; the id is the server's string, so own keys only. */
function groupName(context: OpenWebUIContext | null, id: string): string | undefined {
  return context ? ownValue(context.groupNames, id) : undefined;
}

function groupsOf(
  raw: JsonObject,
  context: OpenWebUIContext | null,
  cutter: TextCutter,
): GroupRef[] {
  const out: GroupRef[] = [];
  const seen = new Set<string>();
  const add = (id: string, name: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    // IDs are shown (as a name or a title) too: both are cut to a label's cap.
    out.push({ id: cutter.cap(id, 'label', 'groups'), name: cutter.cap(name, 'label', 'groups') });
  };
  const groups = field(raw, 'groups');
  if (Array.isArray(groups)) {
    for (const g of groups) {
      if (!isObject(g)) continue;
      const id = nonEmpty(field(g, 'id'));
      if (id === null) continue;
      add(id, nonEmpty(field(g, 'name')) ?? groupName(context, id) ?? id);
    }
  }
  const ids = field(raw, 'group_ids');
  if (Array.isArray(ids)) {
    for (const id of ids) {
      const gid = nonEmpty(id);
      // An id the groups list did not name stays, shown as itself.
      if (gid !== null) add(gid, groupName(context, gid) ?? gid);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function statusOf(raw: JsonObject, cutter: TextCutter): UserStatus | null {
  const emoji = cutter.capOrNull(nonEmpty(field(raw, 'status_emoji')), 'emoji', 'status');
  const message = cutter.capOrNull(nonEmpty(field(raw, 'status_message')), 'status', 'status');
  const expiresAt = secondsToMs(field(raw, 'status_expires_at'));
  return emoji === null && message === null ? null : { emoji, message, expiresAt };
}

/**
 * An Open WebUI user's id by the one rule (`isOpenWebUIUserId`); a user
 * without one cannot be read (UnreadableUser, whose reason says why).
 */
export function openWebUIUserIdOf(raw: JsonObject): string {
  const value = field(raw, 'id');
  if (typeof value !== 'string' || !isOpenWebUIUserId(value)) {
    badUser(
      PRODUCT,
      value === undefined ? 'it has no id' : `its id ${quoted(value)} is not an Open WebUI user id`,
    );
  }
  return value;
}

/**
 * An Open WebUI user (the single-user shape with `groups`, or the list shape
 * with `group_ids`) as a DirectoryUser. Total: any JSON gives a user or a
 * BAD_RESPONSE failure.
 */
export function normalizeOpenWebUIUser(raw: unknown, env: OpenWebUINormalizeEnv): DirectoryUser {
  if (!isObject(raw)) badUser(PRODUCT, 'not an object');
  const id = openWebUIUserIdOf(raw);
  const context = asOpenWebUIContext(env.context);
  // Every text is cut to its kind's cap here; the payload keeps it whole.
  const cutter = textCutter();
  const email = cutter.capOrNull(nonEmpty(field(raw, 'email')), 'email', 'email');
  const roleRaw = field(raw, 'role');
  const role = ROLES.find((r) => r === roleRaw) ?? 'user';
  const extra: DirectoryUser['extra'] = {};
  const keepExtra = (key: string, v: JsonValue): void => {
    extra[key] = capJsonText(v, 'extra', () => cutter.mark('extra'));
  };
  for (const key of EXTRA_KEYS) {
    const v = field(raw, key);
    if (v !== undefined) keepExtra(key, v);
  }
  if (roleRaw !== undefined && role !== roleRaw) keepExtra('role', roleRaw);
  const lastActive = secondsToMs(field(raw, 'last_active_at'));
  const timezone = nonEmpty(field(raw, 'timezone'));
  const name = cutter.cap(nonEmpty(field(raw, 'name')) ?? email ?? id, 'name', 'name');
  const username = cutter.capOrNull(nonEmpty(field(raw, 'username')), 'name', 'username');
  const status = statusOf(raw, cutter);
  const groups = groupsOf(raw, context, cutter);
  const bio = cutter.capOrNull(nonEmpty(field(raw, 'bio')), 'bio', 'bio');
  const gender = cutter.capOrNull(nonEmpty(field(raw, 'gender')), 'label', 'gender');
  const cut = cutter.cut();
  return {
    connectionId: env.connectionId,
    kind: 'openwebui',
    userId: id,
    name,
    username,
    email,
    deliveryEmail: null,
    role,
    isBot: false,
    bot: null,
    deactivated: false,
    timezone:
      timezone !== null && timezone.length <= TEXT_CAPS.timezone ? storableText(timezone) : null,
    joinedAt: secondsToMs(field(raw, 'created_at')),
    updatedAt: secondsToMs(field(raw, 'updated_at')),
    presence: lastActive === null ? null : { lastActiveAt: lastActive, idle: false },
    status,
    avatar: avatarOf(raw, id, env.baseUrl),
    groups,
    profileFields: [],
    bio,
    gender,
    dateOfBirth: isoDay(field(raw, 'date_of_birth')),
    extra,
    ...(cut ? { cut } : {}),
  };
}

/** Group id → name from a `/api/v1/groups/` answer. */
export function openWebUIGroupNames(raw: unknown): Record<string, string> {
  const out = dictionary<string>();
  if (!Array.isArray(raw)) return out;
  for (const g of raw) {
    if (!isObject(g)) continue;
    const id = nonEmpty(field(g, 'id'));
    const name = nonEmpty(field(g, 'name'));
    if (id !== null && name !== null) out[id] = capText(name, 'label');
  }
  return out;
}

/**
 * What a member's row is derived from, as its source digest
 * (source-digest.ts): every input `normalizeOpenWebUIUser` reads for it.
 * Keep the two in step: an input read there and missing here leaves a
 * changed user's card stale.
 */
export function openWebUIMemberSource(raw: JsonObject, env: OpenWebUINormalizeEnv): MemberSource {
  const context = asOpenWebUIContext(env.context);
  const groups = context ? contextDigest(context.groupNames) : '';
  return memberSource(['openwebui', env.connectionId, env.baseUrl, groups], raw);
}
