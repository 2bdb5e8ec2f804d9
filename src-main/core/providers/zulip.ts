/**
 * Zulip: users by ID or email, the whole organization in one call, custom
 * profile field definitions, groups and presence, and the normalizer that
 * turns Zulip's user object into a `DirectoryUser`. Facts the OpenAPI
 * description leaves out (401 for a bad key, 400 "No such user", float
 * Retry-After, null avatar URLs meaning Gravatar) are handled here; see
 * shared/specs/README.md.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure, type RollcallError } from '@shared/errors';
import {
  ZULIP_BOT_TYPE_LABELS,
  type AvatarSource,
  type DirectoryUser,
  type GroupRef,
  type JsonValue,
  type Presence,
  type ProfileFieldDefinition,
  type ProfileFieldType,
  type ProfileFieldValue,
  type ZulipRole,
} from '@shared/model';
import { fetchAvatar } from '../net/avatar-fetch';
import {
  DIRECTORY_MAX_BYTES,
  LIST_MAX_BYTES,
  type Credentials,
  type HttpClient,
  type HttpErrorInfo,
} from '../net/http';
import {
  describeRef,
  parseZulipUserRef,
  type UserRef,
  type ZulipUserRef,
} from '@shared/server-url';
import { apiUrl, bestEffort, checkSession, throwIfCancelled, yieldToEventLoop } from './common';
import { gravatarUrl } from './gravatar';
import {
  avatarFromUrl,
  badUser,
  bool,
  field,
  int,
  isObject,
  isoDay,
  isoToMs,
  nonEmpty,
  num,
  safeHttpUrl,
  str,
  type JsonObject,
} from './json';
import type {
  CallOptions,
  DirectoryPage,
  FetchedUser,
  KeyOwnerReport,
  Provider,
  ZulipContext,
} from './types';

const PRODUCT = 'a Zulip server';
const URL_HINT = 'Enter the address you open Zulip at in a browser, like https://chat.example.com.';
const KEY_HELP =
  'Generate a new key in Zulip: Settings → Account & privacy → API key, and check the login email.';

/** The wire's role numbers. */
const ROLES: Record<number, ZulipRole> = {
  100: 'owner',
  200: 'administrator',
  300: 'moderator',
  400: 'member',
  600: 'guest',
};

/** The wire's field type numbers. */
const FIELD_TYPES: Record<number, ProfileFieldType> = {
  1: 'short_text',
  2: 'long_text',
  3: 'choice',
  4: 'date',
  5: 'link',
  6: 'person',
  7: 'external_account',
  8: 'pronouns',
};

/** Zulip's built-in external account subtypes. */
const EXTERNAL_ACCOUNT_PATTERNS: Record<string, string> = {
  github: 'https://github.com/%(username)s',
  twitter: 'https://twitter.com/%(username)s',
};

/** How long a cached context is trusted for a single lookup. */
const DEFAULT_CONTEXT_MAX_AGE_MS = 15 * 60 * 1000;

/**
 * The timeout covers the body too, so answers that hold a whole large
 * organization get longer than the client's 15 s: 60 MB (100 000 users)
 * takes 50 s at 10 Mbit/s.
 */
const LIST_TIMEOUT_MS = 60_000;
const DIRECTORY_TIMEOUT_MS = 180_000;

/** Users normalized per batch of a directory fetch. */
const BATCH = 2000;

/**
 * The largest server-rendered HTML (`rendered_value`) kept for display. A
 * long text field renders to a few kilobytes; sanitizing half a megabyte of
 * nested tags froze the window for seconds, so anything larger is shown as
 * its plain value instead.
 */
export const MAX_RENDERED_HTML_CHARS = 64 * 1024;

/** Longest stretch of CPU work (deduplicating, normalizing) between two yields of a directory fetch. */
const SLICE_MS = 8;

// ---------------------------------------------------------------------------
// Definitions

/** Parses Zulip's `field_data` (a JSON string, or an object on some servers). */
function parseFieldData(value: unknown): JsonObject | null {
  if (isObject(value)) return value;
  const s = str(value);
  if (s === null || s.trim() === '') return null;
  try {
    const parsed: unknown = JSON.parse(s);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** One definition from `/realm/profile_fields`, or null when it has no usable ID. */
function normalizeDefinition(raw: unknown, index: number): ProfileFieldDefinition | null {
  if (!isObject(raw)) return null;
  const id = int(field(raw, 'id'));
  if (id === null) return null;
  const typeCode = int(field(raw, 'type')) ?? 0;
  const type = FIELD_TYPES[typeCode] ?? 'unknown';
  const data = parseFieldData(field(raw, 'field_data'));
  const choices: ProfileFieldDefinition['choices'] = [];
  if (type === 'choice' && data) {
    for (const key of Object.keys(data)) {
      const choice = data[key];
      if (!isObject(choice)) continue;
      const text = str(field(choice, 'text')) ?? key;
      const orderRaw = field(choice, 'order');
      const order =
        num(typeof orderRaw === 'string' ? Number(orderRaw) : orderRaw) ?? choices.length;
      choices.push({ key, text, order });
    }
    choices.sort((a, b) => a.order - b.order || a.key.localeCompare(b.key));
  }
  let externalAccount: ProfileFieldDefinition['externalAccount'] = null;
  if (type === 'external_account') {
    const subtype = str(data ? field(data, 'subtype') : undefined) ?? 'custom';
    const pattern = str(data ? field(data, 'url_pattern') : undefined);
    externalAccount = {
      subtype,
      urlPattern: pattern ?? EXTERNAL_ACCOUNT_PATTERNS[subtype] ?? null,
    };
  }
  return {
    id: String(id),
    name: nonEmpty(field(raw, 'name')) ?? `Field ${id}`,
    type,
    typeCode,
    hint: str(field(raw, 'hint')) ?? '',
    order: num(field(raw, 'order')) ?? 1000 + index,
    displayInSummary: bool(field(raw, 'display_in_profile_summary')) ?? false,
    required: bool(field(raw, 'required')) ?? false,
    choices,
    externalAccount,
  };
}

/**
 * The organization's custom profile fields from a `/realm/profile_fields`
 * answer (or its `custom_fields` array), in display order. Entries without
 * an ID are dropped; anything else unreadable gets a fallback.
 */
export function normalizeZulipProfileFields(raw: unknown): ProfileFieldDefinition[] {
  const list = isObject(raw) ? field(raw, 'custom_fields') : raw;
  if (!Array.isArray(list)) return [];
  const out: ProfileFieldDefinition[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const def = normalizeDefinition(item, i);
    if (def && !seen.has(def.id)) {
      seen.add(def.id);
      out.push(def);
    }
  });
  return out.sort((a, b) => a.order - b.order || Number(a.id) - Number(b.id));
}

// ---------------------------------------------------------------------------
// The normalizer

/** What normalizing one Zulip user needs besides the user. */
export interface ZulipNormalizeEnv {
  connectionId: string;
  baseUrl: string;
  /** Definitions and groups; null (or anything unreadable) means none known. */
  context: ZulipContext | null;
  /** From `/realm/presence` or `/users/{id}/presence`, when fetched. */
  presence?: Presence | null;
}

function externalUrl(def: ProfileFieldDefinition | undefined, value: string): string | null {
  const pattern = def?.externalAccount?.urlPattern;
  if (!pattern || !pattern.includes('%(username)s')) return null;
  return safeHttpUrl(pattern.split('%(username)s').join(encodeURIComponent(value.trim())));
}

function personIds(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list
      .map((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : null))
      .filter((v): v is string => v !== null);
  } catch {
    return /^\d+$/.test(value.trim()) ? [value.trim()] : [];
  }
}

/** One user's values joined with the definitions into labelled, typed values. */
const definitionMaps = new WeakMap<ProfileFieldDefinition[], Map<string, ProfileFieldDefinition>>();

function profileValues(
  data: JsonValue | undefined,
  defs: ProfileFieldDefinition[],
): ProfileFieldValue[] {
  if (!isObject(data)) return [];
  let byId = definitionMaps.get(defs);
  if (!byId) {
    byId = new Map(defs.map((d) => [d.id, d]));
    definitionMaps.set(defs, byId);
  }
  const out: ProfileFieldValue[] = [];
  for (const fieldId of Object.keys(data)) {
    if (!/^\d{1,12}$/.test(fieldId)) continue;
    const entry = data[fieldId];
    const rawValue = isObject(entry) ? field(entry, 'value') : entry;
    const value =
      typeof rawValue === 'string'
        ? rawValue
        : typeof rawValue === 'number'
          ? String(rawValue)
          : null;
    if (value === null || value.trim() === '') continue;
    const renderedRaw = isObject(entry) ? str(field(entry, 'rendered_value')) : null;
    const rendered =
      renderedRaw !== null && renderedRaw.length <= MAX_RENDERED_HTML_CHARS ? renderedRaw : null;
    const def = byId.get(fieldId);
    const type: ProfileFieldType = def?.type ?? 'unknown';
    let text = value;
    let url: string | null = null;
    let userIds: string[] | null = null;
    switch (type) {
      case 'choice':
        text = def?.choices.find((c) => c.key === value)?.text ?? value;
        break;
      case 'date':
        text = isoDay(value) ?? value;
        break;
      case 'link':
        url = safeHttpUrl(value);
        break;
      case 'person':
        userIds = personIds(value);
        text = userIds.join(', ');
        break;
      case 'external_account':
        url = externalUrl(def, value);
        break;
      default:
        break;
    }
    out.push({
      fieldId,
      name: def?.name ?? `Field ${fieldId}`,
      type,
      order: def?.order ?? 10_000 + Number(fieldId),
      displayInSummary: def?.displayInSummary ?? false,
      value,
      text,
      renderedHtml: rendered,
      url,
      userIds,
    });
  }
  return out.sort((a, b) => a.order - b.order || Number(a.fieldId) - Number(b.fieldId));
}

function roleOf(raw: JsonObject): ZulipRole {
  const code = int(field(raw, 'role'));
  if (code !== null && ROLES[code]) return ROLES[code];
  if (field(raw, 'is_owner') === true) return 'owner';
  if (field(raw, 'is_admin') === true) return 'administrator';
  if (field(raw, 'is_guest') === true) return 'guest';
  return 'member';
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

function groupsOf(userId: string, context: ZulipContext | null): GroupRef[] {
  const names = context?.groupNames;
  const ids = context?.groupIdsByUser?.[userId];
  if (!names || !Array.isArray(ids)) return [];
  const out: GroupRef[] = [];
  for (const id of ids) {
    const name = typeof id === 'string' ? names[id] : undefined;
    if (typeof name === 'string') out.push({ id, name });
  }
  // zulipGroupsOf lists each user's groups in name order already.
  return out;
}

/**
 * A Zulip user object (from `/users`, `/users/{id}` or `/users/{email}`) as
 * a DirectoryUser. Total: any JSON gives a user or a BAD_RESPONSE failure.
 */
export function normalizeZulipUser(raw: unknown, env: ZulipNormalizeEnv): DirectoryUser {
  if (!isObject(raw)) badUser(PRODUCT, 'not an object');
  const id = int(field(raw, 'user_id'));
  if (id === null || id <= 0) badUser(PRODUCT, 'no user_id');
  const userId = String(id);
  const context = asZulipContext(env.context);
  const email = nonEmpty(field(raw, 'email'));
  const deliveryEmail = nonEmpty(field(raw, 'delivery_email'));
  const botType = int(field(raw, 'bot_type'));
  const isBot = field(raw, 'is_bot') === true || botType !== null;
  const ownerId = int(field(raw, 'bot_owner_id'));
  const timezone = nonEmpty(field(raw, 'timezone'));
  const extra: DirectoryUser['extra'] = {};
  const billing = bool(field(raw, 'is_billing_admin'));
  if (billing !== null) extra.is_billing_admin = billing;
  const avatarVersion = int(field(raw, 'avatar_version'));
  if (avatarVersion !== null) extra.avatar_version = avatarVersion;
  const roleCode = field(raw, 'role');
  if (roleCode !== undefined && !(typeof roleCode === 'number' && ROLES[roleCode])) {
    extra.role = roleCode;
  }
  return {
    connectionId: env.connectionId,
    kind: 'zulip',
    userId,
    name: nonEmpty(field(raw, 'full_name')) ?? email ?? `User ${userId}`,
    username: null,
    email,
    deliveryEmail,
    role: roleOf(raw),
    isBot,
    bot: isBot
      ? {
          type: botType,
          typeLabel: (botType !== null ? ZULIP_BOT_TYPE_LABELS[botType] : undefined) ?? 'Bot',
          ownerId: ownerId !== null ? String(ownerId) : null,
        }
      : null,
    deactivated: field(raw, 'is_active') === false,
    timezone: timezone !== null && timezone.length <= 100 ? timezone : null,
    joinedAt: isoToMs(field(raw, 'date_joined')),
    updatedAt: null,
    presence: env.presence ?? null,
    status: null,
    avatar: avatarOf(raw, id, email, deliveryEmail, env.baseUrl),
    groups: groupsOf(userId, context),
    profileFields: profileValues(field(raw, 'profile_data'), context?.profileFields ?? []),
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra,
  };
}

const checkedContexts = new WeakMap<object, ZulipContext | null>();

/** A cached context, checked: anything malformed counts as no context. */
export function asZulipContext(value: unknown): ZulipContext | null {
  if (typeof value !== 'object' || value === null) return null;
  // A sync normalizes thousands of users against one context: check it once.
  if (checkedContexts.has(value)) return checkedContexts.get(value) ?? null;
  const checked = checkZulipContext(value);
  checkedContexts.set(value, checked);
  return checked;
}

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

/** Presence from a legacy presence object (`{aggregated: {status, timestamp}, ...}`). */
export function zulipPresenceOf(raw: unknown): Presence | null {
  if (!isObject(raw)) return null;
  const aggregated = field(raw, 'aggregated');
  const source = isObject(aggregated)
    ? aggregated
    : isObject(field(raw, 'website'))
      ? (field(raw, 'website') as JsonObject)
      : null;
  if (!source) return null;
  const seconds = num(field(source, 'timestamp'));
  if (seconds === null || seconds <= 0) return null;
  return { lastActiveAt: Math.round(seconds * 1000), idle: field(source, 'status') === 'idle' };
}

/** What `zulipGroupsOf` builds, a step at a time. */
interface GroupsReader {
  /** Works until `until` (a `performance.now()` time); true once done. */
  step(until: number): boolean;
  result(): Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'>;
}

/**
 * Reads a `/user_groups` answer in steps: a large organization's groups
 * list 100 000 users several times over, too much for one turn of the
 * event loop when a sync runs on Electron's main process.
 */
function groupsReader(raw: unknown): GroupsReader {
  const list = isObject(raw) ? field(raw, 'user_groups') : undefined;
  const valid = Array.isArray(list);
  const groups: unknown[] = Array.isArray(list) ? list : [];
  const groupNames: Record<string, string> = {};
  const groupIdsByUser: Record<string, string[]> = {};
  let next = 0;
  let members: unknown[] | null = null;
  let member = 0;
  let gid = '';
  let lists: string[][] | null = null;
  let sortedUpTo = 0;
  let rank: Map<string, number> | null = null;
  return {
    step(until) {
      let work = 0;
      const due = (): boolean => (++work & 255) === 0 && performance.now() >= until;
      while (next < groups.length || members !== null) {
        if (members !== null) {
          while (member < members.length) {
            const uid = int(members[member++]);
            if (uid !== null) (groupIdsByUser[String(uid)] ??= []).push(gid);
            if (due()) return false;
          }
          members = null;
          continue;
        }
        const g = groups[next++];
        if (!isObject(g)) continue;
        const id = int(field(g, 'id'));
        const name = nonEmpty(field(g, 'name'));
        if (id === null || name === null) continue;
        if (field(g, 'is_system_group') === true || name.startsWith('role:')) continue;
        if (field(g, 'deactivated') === true) continue;
        gid = String(id);
        groupNames[gid] = name;
        const listed = field(g, 'members');
        members = Array.isArray(listed) ? listed : null;
        member = 0;
        if (due()) return false;
      }
      rank ??= new Map(
        Object.keys(groupNames)
          .sort(
            (a, b) =>
              (groupNames[a] ?? '').localeCompare(groupNames[b] ?? '') || Number(a) - Number(b),
          )
          .map((id, i) => [id, i]),
      );
      lists ??= Object.values(groupIdsByUser);
      const order = rank;
      while (sortedUpTo < lists.length) {
        (lists[sortedUpTo++] as string[]).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
        if (due()) return false;
      }
      return true;
    },
    result() {
      return valid ? { groupNames, groupIdsByUser } : { groupNames: null, groupIdsByUser: null };
    },
  };
}

/** Groups from a `/user_groups` answer: names (system and deactivated left out) and members. */
export function zulipGroupsOf(raw: unknown): Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'> {
  const reader = groupsReader(raw);
  reader.step(Infinity);
  return reader.result();
}

/** `zulipGroupsOf`, yielding to the event loop every few milliseconds. */
async function zulipGroupsInSlices(
  raw: unknown,
): Promise<Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'>> {
  const reader = groupsReader(raw);
  while (!reader.step(performance.now() + SLICE_MS)) await yieldToEventLoop();
  return reader.result();
}

// ---------------------------------------------------------------------------
// The provider

/** What the Zulip provider is built from. */
export interface ZulipProviderDeps {
  http: HttpClient;
  now?: () => number;
  /** A cached context older than this is refreshed on a lookup. */
  contextMaxAgeMs?: number;
}

function credentialsOf(session: { loginEmail: string | null; secret: string }): Credentials {
  return { kind: 'basic', username: session.loginEmail ?? '', password: session.secret };
}

/** Zulip's error bodies in words an admin can act on. */
function describeZulipError(info: HttpErrorInfo, ref?: ZulipUserRef): RollcallError | undefined {
  const body = isObject(info.body) ? info.body : null;
  const code = body ? str(field(body, 'code')) : null;
  const extra = {
    status: info.status,
    url: info.url,
    ...(info.serverMessage ? { serverMessage: info.serverMessage } : {}),
  };
  if (info.credentialsDropped) return undefined;
  switch (code) {
    case 'INVALID_API_KEY':
      return rollcallError(
        'UNAUTHORIZED',
        `The server said this API key is invalid. ${KEY_HELP}`,
        extra,
      );
    case 'USER_DEACTIVATED':
      return rollcallError(
        'UNAUTHORIZED',
        'The account this API key belongs to is deactivated. Use the key of an active administrator.',
        extra,
      );
    case 'REALM_DEACTIVATED':
      return rollcallError(
        'UNAUTHORIZED',
        'This Zulip organization is deactivated: its users can no longer be read.',
        extra,
      );
    case 'UNAUTHORIZED':
      return rollcallError(
        'UNAUTHORIZED',
        'Zulip did not receive the credentials. If a proxy sits in front of Zulip, it may be removing the Authorization header.',
        extra,
      );
    default:
      break;
  }
  if (info.status === 400 && info.serverMessage === 'No such user') {
    return rollcallError(
      'NOT_FOUND',
      ref
        ? ref.kind === 'zulip-id'
          ? `Zulip has no user with ID ${ref.userId}, or this account may not see them.`
          : `Zulip found no user with the email ${ref.email} that this account may see. Try their user ID, or check the address.`
        : 'Zulip has no such user, or this account may not see them.',
      extra,
    );
  }
  if (info.status === 401)
    return rollcallError('UNAUTHORIZED', `Zulip rejected the credentials. ${KEY_HELP}`, extra);
  if (info.status === 403) {
    return rollcallError(
      'FORBIDDEN',
      'Zulip refused: the account this key belongs to may not do this. Use the key of an organization administrator.',
      extra,
    );
  }
  if (info.status === 404 && body && str(field(body, 'result')) === 'error') {
    return rollcallError(
      'NOT_FOUND',
      'This Zulip server does not offer this request; it may be too old. Rollcall needs Zulip 4.0 or newer.',
      extra,
    );
  }
  return undefined;
}

/** Checks Zulip's success envelope and returns the body. */
function successBody(json: JsonValue, url: string): JsonObject {
  if (!isObject(json) || field(json, 'result') !== 'success') {
    throw new RollcallFailure(
      rollcallError(
        'BAD_RESPONSE',
        `${url} answered, but not the way Zulip does. Check that the URL is your Zulip server. ${URL_HINT}`,
        { url },
      ),
    );
  }
  return json;
}

/** Builds the Zulip provider over an HTTP client. */
export function createZulipProvider(deps: ZulipProviderDeps): Provider {
  const { http } = deps;
  const now = deps.now ?? Date.now;
  const maxAge = deps.contextMaxAgeMs ?? DEFAULT_CONTEXT_MAX_AGE_MS;

  const get = async (
    session: { baseUrl: string; loginEmail: string | null; secret: string },
    path: string,
    options: CallOptions & {
      query?: Record<string, string>;
      maxBytes?: number;
      timeoutMs?: number;
      ref?: ZulipUserRef;
      describe?: (info: HttpErrorInfo) => RollcallError | undefined;
    },
  ): Promise<{ body: JsonObject; url: string }> => {
    const res = await http.getJson({
      url: apiUrl(session.baseUrl, `/api/v1${path}`, options.query),
      credentials: credentialsOf(session),
      signal: options.signal,
      onWait: options.onWait,
      maxBytes: options.maxBytes,
      timeoutMs: options.timeoutMs,
      urlHint: URL_HINT,
      describeError: (info) => options.describe?.(info) ?? describeZulipError(info, options.ref),
    });
    return { body: successBody(res.json, res.url), url: res.url };
  };

  const USER_QUERY = { client_gravatar: 'true', include_custom_profile_fields: 'true' };

  /**
   * Fetches the field definitions and the groups into a fresh context. Both
   * are best-effort: a server that refuses them (old, or a bot's key) still
   * gives users, with unlabelled fields or no groups.
   */
  async function loadContext(
    session: { baseUrl: string; loginEmail: string | null; secret: string },
    options: CallOptions,
  ): Promise<ZulipContext> {
    const definitions = await bestEffort(() => get(session, '/realm/profile_fields', options));
    throwIfCancelled(options.signal);
    const groups = await bestEffort(() =>
      get(session, '/user_groups', {
        ...options,
        maxBytes: LIST_MAX_BYTES,
        timeoutMs: LIST_TIMEOUT_MS,
      }),
    );
    return {
      kind: 'zulip',
      fetchedAt: now(),
      profileFields: definitions ? normalizeZulipProfileFields(definitions.body) : [],
      ...(groups
        ? await zulipGroupsInSlices(groups.body)
        : { groupNames: null, groupIdsByUser: null }),
    };
  }

  return {
    kind: 'zulip',

    parseRef: (ref) => parseZulipUserRef(ref),

    async fetchUser(session, ref, options = {}) {
      checkSession(session, true);
      if (ref.kind !== 'zulip-id' && ref.kind !== 'zulip-email') {
        throw new RollcallFailure(
          rollcallError(
            'INVALID_INPUT',
            `A Zulip connection cannot look up ${describeRef(ref as UserRef)}.`,
            { field: 'ref' },
          ),
        );
      }
      const segment = ref.kind === 'zulip-id' ? String(ref.userId) : encodeURIComponent(ref.email);
      const { body } = await get(session, `/users/${segment}`, {
        ...options,
        query: USER_QUERY,
        ref,
      });
      const raw = field(body, 'user');
      if (!isObject(raw)) badUser(PRODUCT, 'the answer has no user');
      const id = int(field(raw, 'user_id'));

      // The context: reuse a fresh one that knows every field this user has.
      let context = asZulipContext(options.context ?? null);
      const data = field(raw, 'profile_data');
      const known = new Set(context?.profileFields.map((f) => f.id));
      const unknownField = isObject(data) && Object.keys(data).some((k) => !known.has(k));
      if (context === null || now() - context.fetchedAt > maxAge || unknownField) {
        try {
          context = await loadContext(session, options);
        } catch (error) {
          if (
            context === null ||
            (error instanceof RollcallFailure && error.error.code === 'CANCELLED')
          )
            throw error;
          // Keep the stale context: the user was fetched, the extras can wait.
        }
      }

      let presence: Presence | null = null;
      if (id !== null && field(raw, 'is_bot') !== true && field(raw, 'is_active') !== false) {
        const answer = await bestEffort(() => get(session, `/users/${id}/presence`, options));
        presence = answer ? zulipPresenceOf(field(answer.body, 'presence')) : null;
      }
      const user = normalizeZulipUser(raw, {
        connectionId: session.connectionId,
        baseUrl: session.baseUrl,
        context,
        presence,
      });
      return { user, raw, context: context as ZulipContext };
    },

    async *fetchDirectory(session, options = {}) {
      checkSession(session, true);
      const context = await loadContext(session, options);
      throwIfCancelled(options.signal);
      const presenceAnswer = await bestEffort(() =>
        get(session, '/realm/presence', {
          ...options,
          maxBytes: LIST_MAX_BYTES,
          timeoutMs: LIST_TIMEOUT_MS,
        }),
      );
      const presences = presenceAnswer ? field(presenceAnswer.body, 'presences') : undefined;
      throwIfCancelled(options.signal);
      const { body } = await get(session, '/users', {
        ...options,
        query: USER_QUERY,
        maxBytes: DIRECTORY_MAX_BYTES,
        timeoutMs: DIRECTORY_TIMEOUT_MS,
      });
      const members = field(body, 'members');
      if (!Array.isArray(members)) badUser(PRODUCT, 'the user list has no members');

      // 100 000 members: every pass below yields every few milliseconds, so
      // the event loop (Electron's main process) keeps turning.
      let sliceStart = performance.now();
      const due = (): boolean => performance.now() - sliceStart >= SLICE_MS;
      const pause = async (): Promise<void> => {
        await yieldToEventLoop();
        throwIfCancelled(options.signal);
        sliceStart = performance.now();
      };
      const seen = new Set<string>();
      const unique: JsonObject[] = [];
      for (const m of members) {
        const id = isObject(m) ? int(field(m, 'user_id')) : null;
        if (id === null) badUser(PRODUCT, `user #${unique.length + 1} of the list has no user_id`);
        const key = String(id);
        if (!seen.has(key)) {
          seen.add(key);
          unique.push(m as JsonObject);
        }
        if (due()) await pause();
      }
      const total = unique.length;
      if (total === 0) {
        yield { users: [], done: 0, total, context };
        return;
      }
      let done = 0;
      let users: FetchedUser[] = [];
      for (const raw of unique) {
        const email = str(field(raw, 'email'));
        const presence =
          isObject(presences) && email !== null ? zulipPresenceOf(field(presences, email)) : null;
        users.push({
          user: normalizeZulipUser(raw, {
            connectionId: session.connectionId,
            baseUrl: session.baseUrl,
            context,
            presence,
          }),
          raw,
        });
        if (users.length === BATCH || done + users.length === total) {
          done += users.length;
          const page: DirectoryPage = { users, done, total, context };
          users = [];
          yield page;
          if (done === total) break;
          await yieldToEventLoop();
          throwIfCancelled(options.signal);
          sliceStart = performance.now();
        } else if (due()) {
          await pause();
        }
      }
    },

    async testConnection(session, options = {}) {
      checkSession(session, true);
      const { body, url } = await get(session, '/users/me', {
        ...options,
        describe: (info) =>
          info.status === 404 && !info.credentialsDropped
            ? rollcallError('NOT_AN_API', `There is no Zulip API at ${info.url}. ${URL_HINT}`, {
                status: 404,
                url: info.url,
              })
            : undefined,
      });
      const id = int(field(body, 'user_id'));
      if (id === null) badUser(PRODUCT, 'the key owner has no user_id');
      const email = nonEmpty(field(body, 'delivery_email')) ?? nonEmpty(field(body, 'email'));
      const serverUrl = url.endsWith('/api/v1/users/me')
        ? url.slice(0, -'/api/v1/users/me'.length)
        : session.baseUrl;
      const report: KeyOwnerReport = {
        userId: String(id),
        name: nonEmpty(field(body, 'full_name')) ?? email ?? `User ${id}`,
        email,
        role: roleOf(body),
        serverUrl,
      };
      return report;
    },

    async fetchAvatar(session, user, options = {}) {
      // Only a picture on the server itself needs the key: other origins and
      // data: URLs are fetched (or decoded) without reading the keychain.
      const ownServer = user.avatar.kind === 'server';
      if (ownServer) checkSession(session, true);
      return fetchAvatar(user.avatar, {
        http,
        baseUrl: session.baseUrl,
        credentials: ownServer ? credentialsOf(session) : null,
        signal: options.signal,
      });
    },
  };
}
