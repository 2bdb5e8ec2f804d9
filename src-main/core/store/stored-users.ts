/**
 * Reading back what the cache stored about a user: the card
 * (`users.summary_json`) and the normalized user (`user_payloads.user_json`)
 * are parsed with zod, never cast, and a row's search columns become an
 * index row. A row written by an older Rollcall may lack a field this one
 * added, or hold one in an older shape: each field reads as its default
 * then (`.catch`), so a card shows "no value", never `undefined`, until the
 * re-deriver (services/rederive.ts) has derived the row again. The fields a
 * row also keeps in columns (connection, ID, kind, name, role, bot and
 * deactivated flags) fall back to those columns.
 *
 * Node only; never imports `electron`.
 */
import { z } from 'zod';
import {
  CONNECTION_KINDS,
  CUT_FIELDS,
  PROFILE_FIELD_TYPES,
  ROLES,
  type ConnectionKind,
  type DirectoryUser,
  type JsonValue,
  type Presence,
  type Role,
  type UserSummary,
} from '@shared/model';
import { capSummary } from '@shared/summary';
import { capText } from '@shared/text-caps';
import type { Logger } from '../log';
import type { IndexedRow } from '../search/search-index';
import { NO_FILTER_KEYS, parseFilterJson } from '../search/filter-keys';
import type { SearchRow } from '../search/search-text';

/** A row as the bindings return it (column name to value). */
type Row = Record<string, unknown>;

/** A list whose unreadable items are dropped, not the whole list; anything but an array reads as empty. */
function listOf<T extends z.ZodType>(item: T): z.ZodType<z.output<T>[]> {
  return z
    .array(z.unknown())
    .catch([])
    .transform((items) =>
      items.flatMap((i) => {
        const parsed = item.safeParse(i);
        return parsed.success ? [parsed.data] : [];
      }),
    );
}

const text = z.string();
const textOrNull = z.string().nullable().catch(null);
const numberOrNull = z.number().nullable().catch(null);
const flag = z.boolean().catch(false);
/** A field the row also keeps in a column: left out here when unreadable, taken from the column. */
const fromColumn = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const presenceSchema = z.object({ lastActiveAt: numberOrNull, idle: flag }).nullable().catch(null);

const statusSchema = z
  .object({ emoji: textOrNull, message: textOrNull, expiresAt: numberOrNull })
  .nullable()
  .catch(null);

const fieldType = z.enum(PROFILE_FIELD_TYPES).catch('unknown');

/** Which fields were cut (absent when none; names this version does not know are dropped). */
const cutSchema = listOf(z.enum(CUT_FIELDS)).optional();

/** What every card and user row has, column or not. */
const identity = {
  connectionId: fromColumn(text),
  kind: fromColumn(z.enum(CONNECTION_KINDS)),
  userId: fromColumn(text),
  name: fromColumn(text),
  role: fromColumn(z.enum(ROLES)),
  isBot: fromColumn(z.boolean()),
  deactivated: fromColumn(z.boolean()),
};

/** A stored card (`summary_json`); `gone` and `botOwnerName` are filled at read time. */
const storedSummarySchema = z.object({
  ...identity,
  email: textOrNull,
  botTypeLabel: textOrNull,
  botOwnerId: textOrNull,
  presence: presenceSchema,
  status: statusSchema,
  timezone: textOrNull,
  joinedAt: numberOrNull,
  groups: listOf(text),
  summaryFields: listOf(
    z.object({ name: text, type: fieldType, text: text.catch(''), url: textOrNull }),
  ),
  avatarKey: textOrNull,
  cut: cutSchema,
});

const avatarSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('server'), url: text }),
    z.object({ kind: z.literal('external'), url: text }),
    z.object({ kind: z.literal('inline'), dataUrl: text }),
  ])
  .catch({ kind: 'none' });

const botSchema = z
  .object({ type: numberOrNull, typeLabel: text.catch('Bot'), ownerId: textOrNull })
  .nullable()
  .catch(null);

const profileFieldSchema = z.object({
  fieldId: text,
  name: text,
  type: fieldType,
  order: z.number().catch(0),
  displayInSummary: flag,
  value: text.catch(''),
  text: text.catch(''),
  renderedHtml: textOrNull,
  url: textOrNull,
  userIds: z.array(text).nullable().catch(null),
  cut: z.literal(true).optional().catch(undefined),
});

/** A stored user (`user_json`). */
const storedUserSchema = z.object({
  ...identity,
  username: textOrNull,
  email: textOrNull,
  deliveryEmail: textOrNull,
  bot: botSchema,
  timezone: textOrNull,
  joinedAt: numberOrNull,
  updatedAt: numberOrNull,
  presence: presenceSchema,
  status: statusSchema,
  avatar: avatarSchema,
  groups: listOf(z.object({ id: text, name: text })),
  profileFields: listOf(profileFieldSchema),
  bio: textOrNull,
  gender: textOrNull,
  dateOfBirth: textOrNull,
  // Kept as JSON.parse read it (always JSON): zod's record and json schemas
  // rebuild objects and drop a `__proto__` key the server sent.
  extra: z.unknown().transform((v) => (isRecord(v) ? (v as DirectoryUser['extra']) : {})),
  cut: cutSchema,
});

/** What a users row keeps in columns: the fallbacks of the fields above. */
export interface RowIdentity {
  connectionId: string;
  userId: string;
  kind: unknown;
  name: unknown;
  role: unknown;
  isBot: boolean;
  deactivated: boolean;
}

/** The kind of the JSON, else of the column; a kind no Rollcall writes reads as Zulip's. */
function kindOf(parsed: ConnectionKind | undefined, column: unknown): ConnectionKind {
  if (parsed) return parsed;
  return CONNECTION_KINDS.find((k) => k === column) ?? 'zulip';
}

/** The role of the JSON, else of the column, else the kind's plain member role. */
function roleOf(parsed: Role | undefined, column: unknown, kind: ConnectionKind): Role {
  if (parsed) return parsed;
  return asRole(column, kind);
}

/** A role read from a column: one this version knows, else the kind's plain member role. */
function asRole(value: unknown, kind: ConnectionKind | null = null): Role {
  const known = ROLES.find((r) => r === value);
  if (known) return known;
  return kind === 'openwebui' ? 'user' : 'member';
}

/** JSON text as a value; `undefined` when it is not JSON at all. */
export function parseJsonText(json: unknown): unknown {
  if (typeof json !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return value;
  } catch {
    return undefined;
  }
}

/** Whether stored JSON is an object (the one shape a card or a user is stored as). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A stored card as this version's `UserSummary`, whatever version wrote it:
 * missing or malformed fields read as their defaults, the fields the row
 * also keeps in columns from those columns. Never throws; `readable` is
 * false when `summary_json` was not a JSON object at all.
 */
function parseStoredSummary(
  json: unknown,
  row: RowIdentity,
): { summary: UserSummary; readable: boolean } {
  const value = parseJsonText(json);
  const readable = isRecord(value);
  const s = storedSummarySchema.parse(readable ? value : {});
  const kind = kindOf(s.kind, row.kind);
  return {
    readable,
    summary: {
      connectionId: s.connectionId ?? row.connectionId,
      kind,
      userId: s.userId ?? row.userId,
      name: s.name ?? String(row.name ?? ''),
      email: s.email,
      role: roleOf(s.role, row.role, kind),
      isBot: s.isBot ?? row.isBot,
      botTypeLabel: s.botTypeLabel,
      botOwnerId: s.botOwnerId,
      botOwnerName: null,
      deactivated: s.deactivated ?? row.deactivated,
      gone: false,
      presence: s.presence,
      status: s.status,
      timezone: s.timezone,
      joinedAt: s.joinedAt,
      groups: s.groups,
      summaryFields: s.summaryFields,
      avatarKey: s.avatarKey,
      ...(s.cut && s.cut.length > 0 ? { cut: s.cut } : {}),
    },
  };
}

/**
 * A stored user as this version's `DirectoryUser`, whatever version wrote
 * it, like `parseStoredSummary`; null when `user_json` is not a JSON object
 * (the row cannot be read: the caller says so).
 */
export function parseStoredUser(json: unknown, row: RowIdentity): DirectoryUser | null {
  const value = parseJsonText(json);
  if (!isRecord(value)) return null;
  const u = storedUserSchema.parse(value);
  const kind = kindOf(u.kind, row.kind);
  return {
    connectionId: u.connectionId ?? row.connectionId,
    kind,
    userId: u.userId ?? row.userId,
    name: u.name ?? String(row.name ?? ''),
    username: u.username,
    email: u.email,
    deliveryEmail: u.deliveryEmail,
    role: roleOf(u.role, row.role, kind),
    isBot: u.isBot ?? row.isBot,
    bot: u.bot,
    deactivated: u.deactivated ?? row.deactivated,
    timezone: u.timezone,
    joinedAt: u.joinedAt,
    updatedAt: u.updatedAt,
    presence: u.presence,
    status: u.status,
    avatar: u.avatar,
    groups: u.groups,
    profileFields: u.profileFields,
    bio: u.bio,
    gender: u.gender,
    dateOfBirth: u.dateOfBirth,
    extra: u.extra,
    ...(u.cut && u.cut.length > 0 ? { cut: u.cut } : {}),
  };
}

/** A stored user's presence, alone (JSON text of `user_json.presence`); null when none or unreadable. */
export function parseStoredPresence(json: unknown): Presence | null {
  return presenceSchema.parse(parseJsonText(json));
}

/**
 * A stored payload (`raw_json`) as JSON; `undefined` when it is not JSON at
 * all. What JSON.parse gives is JSON already, and kept as it is: rebuilding
 * it (zod's json schema) would drop a `__proto__` key the server sent.
 */
export function parseStoredRaw(json: unknown): JsonValue | undefined {
  return parseJsonText(json) as JsonValue | undefined;
}

/** The users columns every read of a card selects: `summary_json`, and the columns its fields fall back to. */
export const SUMMARY_COLUMNS =
  'u.connection_id, u.user_id, u.kind, u.name, u.role, u.is_bot, u.deactivated, u.summary_json, u.gone_at';

/** What a row keeps in columns of the fields its JSON also holds. */
export function identityOf(row: Row): RowIdentity {
  return {
    connectionId: String(row.connection_id),
    userId: String(row.user_id),
    kind: row.kind,
    name: row.name,
    role: row.role,
    isBot: row.is_bot === 1,
    deactivated: row.deactivated === 1,
  };
}

/**
 * A stored card, parsed (stored-users.ts: an older row's missing fields
 * read as their defaults), with what is not stored in it: gone (a column)
 * and the bot owner's name (a join). A card whose JSON is unreadable shows
 * what its columns hold, and says so once in the log.
 */
export function parseSummary(row: Row, log?: Logger): UserSummary {
  return withRowState(parseStoredCard(row, log).card, row);
}

/**
 * The part of `parseSummary` that reads `summary_json` and the identity
 * columns only (`SUMMARY_IDENTITY_COLUMNS`): held to the caps, not gone, no
 * owner name. `readable`: the JSON was an object (summary-memo.ts keeps
 * only those).
 */
export function parseStoredCard(row: Row, log?: Logger): { card: UserSummary; readable: boolean } {
  const { summary, readable } = parseStoredSummary(row.summary_json, identityOf(row));
  if (!readable && log && !unreadableCardLogged.has(log)) {
    unreadableCardLogged.add(log);
    log.warn('a cached card is unreadable; showing what its columns hold', {
      connectionId: summary.connectionId,
    });
  }
  // Held to the caps whatever wrote it, so no page carries more than they allow.
  return { card: capSummary(summary), readable };
}

/** The row's columns `parseStoredCard` reads besides `summary_json` (what a memo of it must compare). */
export const SUMMARY_IDENTITY_COLUMNS = [
  'connection_id',
  'user_id',
  'kind',
  'name',
  'role',
  'is_bot',
  'deactivated',
] as const;

/** A card from `parseStoredCard` with the row's gone column and bot owner's name (capped) on a copy. */
export function withRowState(card: UserSummary, row: Row): UserSummary {
  return {
    ...card,
    gone: row.gone_at !== null && row.gone_at !== undefined,
    botOwnerName:
      card.botOwnerId === null || typeof row.owner_name !== 'string'
        ? null
        : capText(row.owner_name, 'name'),
  };
}

/** Logs that already told of an unreadable card (once each is enough). */
const unreadableCardLogged = new WeakSet<Logger>();

/** The search columns of a row; `gone` is read by the caller, whose query names it. */
function searchColumnsOf(r: Row, gone: boolean): SearchRow {
  return {
    connectionId: String(r.connection_id),
    userId: String(r.user_id),
    email: typeof r.email === 'string' ? r.email : null,
    deliveryEmail: typeof r.delivery_email === 'string' ? r.delivery_email : null,
    searchText: String(r.search_text),
    sortName: String(r.sort_name),
    role: asRole(r.role),
    roleRank: Number(r.role_rank),
    isBot: r.is_bot === 1,
    deactivated: r.deactivated === 1,
    gone,
    lastActiveAt: r.last_active_at === null ? null : Number(r.last_active_at),
    joinedAt: r.joined_at === null ? null : Number(r.joined_at),
    // Malformed (another program wrote it): no group, no field, until derived again.
    filterKeys: parseFilterJson(r.filter_json ?? '') ?? NO_FILTER_KEYS,
  };
}

/** An index row from a read of the search columns with `gone_at IS NOT NULL AS gone`. */
export function indexedRowOf(r: Row): IndexedRow {
  return { rowId: Number(r.row_id), ...searchColumnsOf(r, r.gone === 1) };
}

/** The search columns of a row read with `gone_at` itself, as `iterateSummaries` hands them out. */
export function storedSearchRowOf(r: Row): SearchRow {
  return searchColumnsOf(r, r.gone_at !== null);
}
