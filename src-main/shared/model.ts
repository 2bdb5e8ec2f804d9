/**
 * The one picture of a user, a connection and a search that every part of
 * Rollcall shares. Providers turn each server's payload into these shapes;
 * the cache stores them; the window draws them.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM. Every value here is
 * JSON-safe (timestamps are epoch milliseconds), because it crosses IPC.
 */
import type { z } from 'zod';
import type { searchQuerySchema } from './contract';
import type { RollcallError } from './errors';

/** The kinds of server Rollcall reads. */
export const CONNECTION_KINDS = ['zulip', 'openwebui'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** Human names of the kinds, for labels. */
export const CONNECTION_KIND_LABELS: Record<ConnectionKind, string> = {
  zulip: 'Zulip',
  openwebui: 'Open WebUI',
};

/** Zulip's organization roles (100, 200, 300, 400, 600 on the wire). */
export const ZULIP_ROLES = ['owner', 'administrator', 'moderator', 'member', 'guest'] as const;
/** Open WebUI's roles. */
export const OPENWEBUI_ROLES = ['admin', 'user', 'pending'] as const;
/** Every role of either kind, in one list so filters can mix connections. */
export const ROLES = [...ZULIP_ROLES, ...OPENWEBUI_ROLES] as const;
export type ZulipRole = (typeof ZULIP_ROLES)[number];
export type OpenWebUIRole = (typeof OPENWEBUI_ROLES)[number];
export type Role = (typeof ROLES)[number];

/** Role names as admins read them in each product's own UI. */
export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  administrator: 'Administrator',
  moderator: 'Moderator',
  member: 'Member',
  guest: 'Guest',
  admin: 'Admin',
  user: 'User',
  pending: 'Pending',
};

/**
 * Sort weight of a role, most privileged first, so "sort by role" puts
 * owners and admins of both kinds of server side by side.
 */
export const ROLE_RANK: Record<Role, number> = {
  owner: 0,
  administrator: 1,
  admin: 1,
  moderator: 2,
  member: 3,
  user: 3,
  guest: 4,
  pending: 5,
};

/** Zulip's bot types (1-4) with the names Zulip's settings use. */
export const ZULIP_BOT_TYPE_LABELS: Record<number, string> = {
  1: 'Generic bot',
  2: 'Incoming webhook',
  3: 'Outgoing webhook',
  4: 'Embedded bot',
};

/** Zulip's custom profile field types (1-8) as names. */
export const PROFILE_FIELD_TYPES = [
  'short_text',
  'long_text',
  'choice',
  'date',
  'link',
  'person',
  'external_account',
  'pronouns',
  'unknown',
] as const;
export type ProfileFieldType = (typeof PROFILE_FIELD_TYPES)[number];

/**
 * Fields whose server text was longer than Rollcall keeps (shared/text-caps.ts):
 * they hold the text cut to its cap, ending in "…"; the raw payload has it whole.
 */
export const CUT_FIELDS = [
  'name',
  'username',
  'email',
  'deliveryEmail',
  'groups',
  'profileFields',
  'status',
  'bio',
  'gender',
  'extra',
] as const;
export type CutField = (typeof CUT_FIELDS)[number];

/** A JSON value, for payloads kept as the server sent them. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One custom profile field as the organization defines it. */
export interface ProfileFieldDefinition {
  id: string;
  name: string;
  type: ProfileFieldType;
  /** The type number on the wire, kept so unknown future types stay visible. */
  typeCode: number;
  hint: string;
  order: number;
  displayInSummary: boolean;
  required: boolean;
  /** Choices of a `choice` field, in display order. */
  choices: { key: string; text: string; order: number }[];
  /** For `external_account`: the subtype and the URL pattern with `%(username)s`. */
  externalAccount: { subtype: string; urlPattern: string | null } | null;
}

/** One user's value of one custom profile field, joined with its definition. */
export interface ProfileFieldValue {
  fieldId: string;
  name: string;
  type: ProfileFieldType;
  order: number;
  displayInSummary: boolean;
  /** The value as the server sent it. */
  value: string;
  /** The value for people: a choice's text, a date, the handle, the IDs joined. */
  text: string;
  /** Server-rendered HTML (Zulip's `rendered_value`). Untrusted: sanitize before use. */
  renderedHtml: string | null;
  /** Where a link or external account points; only ever http(s). */
  url: string | null;
  /** The people a person-picker field names. */
  userIds: string[] | null;
  /** Set when the value was cut to its cap or its rendered HTML dropped as too large. */
  cut?: true;
}

/** Where a user's picture comes from, and whether fetching it needs credentials. */
export type AvatarSource =
  | { kind: 'none' }
  /** On the connection's own origin: fetched with the connection's credentials. */
  | { kind: 'server'; url: string }
  /** Another origin (Gravatar, a CDN): fetched without credentials. */
  | { kind: 'external'; url: string }
  /** A `data:` URL the server embedded in the user. */
  | { kind: 'inline'; dataUrl: string };

/** When someone was last seen. `idle` is Zulip's "idle" state at that time. */
export interface Presence {
  lastActiveAt: number | null;
  idle: boolean;
}

/** A status the user set: emoji, words, and when it lapses. */
export interface UserStatus {
  emoji: string | null;
  message: string | null;
  expiresAt: number | null;
}

/** Bot details (Zulip). */
interface BotInfo {
  type: number | null;
  typeLabel: string;
  ownerId: string | null;
}

/** A group the user belongs to. */
export interface GroupRef {
  id: string;
  name: string;
}

/** One user of one connection, the same shape for both kinds of server. */
export interface DirectoryUser {
  connectionId: string;
  kind: ConnectionKind;
  /** Zulip's integer ID as a string, or Open WebUI's id. */
  userId: string;
  name: string;
  username: string | null;
  /** The address the server uses for the account (Zulip's API email). */
  email: string | null;
  /** Zulip's real address, where the admin may see it. */
  deliveryEmail: string | null;
  role: Role;
  isBot: boolean;
  bot: BotInfo | null;
  /** The account is deactivated (Zulip); Open WebUI has no such state. */
  deactivated: boolean;
  timezone: string | null;
  joinedAt: number | null;
  updatedAt: number | null;
  presence: Presence | null;
  status: UserStatus | null;
  avatar: AvatarSource;
  groups: GroupRef[];
  profileFields: ProfileFieldValue[];
  bio: string | null;
  gender: string | null;
  dateOfBirth: string | null;
  /** Fields only one kind has (Open WebUI's info/oauth/scim/settings, Zulip's billing admin). */
  extra: { [key: string]: JsonValue };
  /** The fields whose text was cut to its cap; absent when none was. */
  cut?: CutField[];
}

/** A cached user with what the server sent and when. */
export interface UserRecord {
  user: DirectoryUser;
  raw: JsonValue;
  fetchedAt: number;
  /** When the server said this user does not exist any more; null while it does. */
  goneAt: number | null;
}

/** The answer to a lookup: the user, where it came from, and how fresh it is. */
export interface LookupResult extends UserRecord {
  source: 'cache' | 'network';
  /** Why the cached copy could not be refreshed (server unreachable), if so. */
  stale: RollcallError | null;
  /** A refresh is under way; its outcome arrives as a `users:refreshed` event. */
  refreshing: boolean;
}

/** What a card needs, kept small so a search of 100 000 users stays fast. */
export interface UserSummary {
  connectionId: string;
  kind: ConnectionKind;
  userId: string;
  name: string;
  /** The address to show: the real one where visible, else the API one. */
  email: string | null;
  role: Role;
  isBot: boolean;
  botTypeLabel: string | null;
  botOwnerId: string | null;
  botOwnerName: string | null;
  deactivated: boolean;
  gone: boolean;
  presence: Presence | null;
  status: UserStatus | null;
  timezone: string | null;
  joinedAt: number | null;
  groups: string[];
  /** Fields the organization marked "display in profile summary". */
  summaryFields: { name: string; type: ProfileFieldType; text: string; url: string | null }[];
  /** Changes whenever the picture does, so the window can cache by it; null: no picture. */
  avatarKey: string | null;
  /** The card's fields that were cut to their cap (or lists to their length); absent when none. */
  cut?: CutField[];
}

/** Sort keys of the grid. */
export const SORT_KEYS = ['name', 'role', 'lastActive', 'joined', 'relevance'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * A search over the cache. Empty text and empty lists mean "everything".
 * The contract's schema is its one definition; this is what the parse gives.
 */
export type SearchQuery = z.output<typeof searchQuerySchema>;

/** A search's question without its window (offset, limit). */
export type SearchSpec = Omit<SearchQuery, 'offset' | 'limit'>;

/** Everyone, sorted by name: the question a fresh window and an unfiltered export ask. */
export const DEFAULT_SEARCH_SPEC: Readonly<SearchSpec> = Object.freeze({
  text: '',
  connectionIds: [],
  roles: [],
  accounts: 'all',
  status: 'all',
  activity: 'all',
  activeBefore: 0,
  joinedAfter: null,
  joinedBefore: null,
  groups: [],
  profileField: null,
  facets: false,
  sort: 'name',
  direction: 'asc',
});

/** One window of search results and how many there are in all. */
export interface SearchResult {
  total: number;
  items: UserSummary[];
  /** Counts per role, account and status choice, when the query asked (`facets: true`). */
  facets?: SearchFacets;
  /**
   * Set when relevance was asked but the search index is not ready (a start
   * still loading it) and the matches were too many to rank without it: they
   * are listed by name. Core sends `directory:search-ready` once the index
   * answers, and the window asks again.
   */
  rankedByName?: true;
}

/**
 * How many users each choice of a filter would show, the other filters and
 * the text kept: the counts beside the role, account and status chips.
 */
export interface SearchFacets {
  /** Every role of ROLES, in that order. */
  roles: { role: Role; count: number }[];
  accounts: { humans: number; bots: number };
  status: { active: number; deactivated: number };
}

/**
 * What the group and profile-field filters of one connection can offer:
 * its groups with how many cached users (not gone) are members, and, for
 * Zulip, its custom profile fields with a choice field's options.
 */
export interface FilterChoices {
  connectionId: string;
  kind: ConnectionKind;
  groups: { id: string; name: string; members: number }[];
  /** Empty for Open WebUI, which has no custom profile fields. */
  profileFields: {
    id: string;
    name: string;
    type: ProfileFieldType;
    /** A choice field's options (key, text) in display order; empty for the others. */
    choices: { key: string; text: string }[];
  }[];
}

/** Who a key belongs to, as the server reported it in a connection test. */
export interface KeyOwner {
  userId: string;
  name: string;
  email: string | null;
  role: Role;
}

/** The outcome of testing a connection. */
export interface ConnectionTestResult {
  ok: boolean;
  at: number;
  who: KeyOwner | null;
  error: RollcallError | null;
}

/** Whether a connection's server answered lately. */
export interface Reachability {
  state: 'unknown' | 'online' | 'offline' | 'unauthorized';
  /** Since when it has been in this state. */
  since: number | null;
  error: RollcallError | null;
}

/** A finished sync's counts. */
export interface SyncSummary {
  added: number;
  updated: number;
  unchanged: number;
  gone: number;
  total: number;
  startedAt: number;
  finishedAt: number;
  /** Members the server listed that could not be read: skipped, and never marked gone for it. */
  unreadable: number;
  /** Why the first of them could not be read; null when none were skipped. */
  unreadableReason: string | null;
}

/** A connection as the window sees it: never the secret, only whether one is stored. */
export interface ConnectionSummary {
  id: string;
  kind: ConnectionKind;
  label: string;
  baseUrl: string;
  /** Zulip logs in as an email; Open WebUI needs none. */
  loginEmail: string | null;
  /** A bundled offline demo, not a real server. */
  demo: boolean;
  createdAt: number;
  updatedAt: number;
  hasSecret: boolean;
  lastTest: ConnectionTestResult | null;
  userCount: number;
  lastSyncAt: number | null;
  lastSync: SyncSummary | null;
  reachability: Reachability;
  syncing: boolean;
  /** Plain http to a host that is not this machine: the key travels in clear. */
  insecureHttp: boolean;
}

/** Phases of a sync, in the order they usually happen. */
type SyncPhase =
  'starting' | 'fetching' | 'writing' | 'reconciling' | 'waiting' | 'done' | 'cancelled' | 'failed';

/** A sync progress event: where it is, how far, and the outcome at the end. */
export interface SyncProgress {
  connectionId: string;
  phase: SyncPhase;
  done: number;
  total: number | null;
  message: string;
  /** While `phase` is `waiting`: seconds until the server lets us go on. */
  retryAfterSeconds: number | null;
  summary: SyncSummary | null;
  error: RollcallError | null;
  at: number;
}

/** The state of the OS keychain as far as Rollcall can tell. */
export type KeychainState = 'available' | 'locked' | 'missing' | 'unknown';

/** What the About box and the first screen show. */
export interface AppInfo {
  name: string;
  version: string;
  userDataDir: string;
  platform: string;
  keychain: { state: KeychainState; message: string | null };
  database: {
    path: string;
    sizeBytes: number;
    readOnly: boolean;
    notices: string[];
  } | null;
  counts: { connections: number; users: number; avatars: number };
}
