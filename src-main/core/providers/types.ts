/**
 * The contract between the directory service and the two kinds of server.
 * A provider turns a connection's session into users: one by reference, the
 * whole directory page by page, a connection test and avatar bytes, always
 * throwing `RollcallFailure` with a message an admin can act on.
 *
 * Node only; never imports `electron`.
 */
import type { ActionSpec } from '@shared/actions';
import type {
  AvatarSource,
  ConnectionKind,
  DirectoryUser,
  JsonValue,
  KeyOwner,
  ProfileFieldDefinition,
} from '@shared/model';
import type { UserRef } from '@shared/server-url';
import type { WaitBudget } from '../net/rate-limit';
import type { RedactedPayload } from './source-digest';

export type { UserRef } from '@shared/server-url';

/** What a provider needs of a connection for one call. The secret never leaves the request headers. */
export interface ProviderSession {
  connectionId: string;
  /** As `parseServerUrl` returned it: no trailing slash, path prefix kept. */
  baseUrl: string;
  /** Zulip logs in as an email; Open WebUI needs none. */
  loginEmail: string | null;
  /** Zulip's API key, or Open WebUI's API key or JWT. */
  secret: string;
}

/** A user as Rollcall shows it, and the payload the server sent for it. */
export interface FetchedUser {
  user: DirectoryUser;
  raw: JsonValue;
  /** In a sync: the digest of what the user was derived from (source-digest.ts). */
  source?: string;
  /**
   * In a sync: `raw` redacted and serialized, as its digest read it; the
   * cache stores these instead of redacting and serializing `raw` again.
   */
  payload?: RedactedPayload;
}

/**
 * A directory member whose source digest matches its cached row
 * (`DirectoryOptions.knownSources`): not normalized. `derive` normalizes it
 * after all, for a row that changed since the digests were read.
 */
export interface KnownMember {
  userId: string;
  source: string;
  /** Its place among the page's members, fetched and known together (the server's order). */
  position: number;
  derive(): FetchedUser;
}

/** What a directory fetch is asked with. */
export interface DirectoryOptions extends CallOptions {
  /**
   * The source digest of each cached user, by user ID (a sync passes its
   * connection's): a member with the same digest comes as a `KnownMember`.
   * Given, every fetched user carries its digest (`FetchedUser.source`).
   */
  knownSources?: ReadonlyMap<string, string>;
}

/**
 * Zulip's context: what normalizing a user needs beyond the user. Cached by
 * the caller as JSON; refreshed by the provider when older than its max age
 * or when a user names a field it does not know.
 */
export interface ZulipContext {
  kind: 'zulip';
  /** When the definitions (and groups) were fetched, epoch ms. */
  fetchedAt: number;
  profileFields: ProfileFieldDefinition[];
  /** Group ID → name, system `role:*` groups left out; null when groups could not be read. */
  groupNames: Record<string, string> | null;
  /** User ID → IDs of the groups they are a direct member of; null when unknown. */
  groupIdsByUser: Record<string, string[]> | null;
}

/** Open WebUI's context: group names for the list endpoint's bare `group_ids`. */
export interface OpenWebUIContext {
  kind: 'openwebui';
  fetchedAt: number;
  /** Group id → name; empty when the groups could not be read. */
  groupNames: Record<string, string>;
}

/** Whatever a provider needs beyond one user to normalize it; JSON-safe, cacheable. */
export type ProviderContext = ZulipContext | OpenWebUIContext;

/**
 * Members of a directory the normalizer could not read (no valid ID, not
 * an object, ...): skipped so the rest of the sync finishes, counted, and
 * kept from being marked gone.
 */
export interface UnreadableMembers {
  count: number;
  /** Why the first one could not be read, in words. */
  firstReason: string | null;
  /** The IDs they seem to carry, as text: a cached user under one of these is not marked gone. */
  ids: string[];
}

/** One batch of a directory fetch. */
export interface DirectoryPage {
  users: FetchedUser[];
  /** Members found unchanged by their digest (only with `knownSources`). */
  known?: KnownMember[];
  /** Distinct users yielded so far, this batch included. */
  done: number;
  /** How many the server says there are, when it says. */
  total: number | null;
  context: ProviderContext;
  /** The members skipped so far, this batch's included. */
  unreadable: UnreadableMembers;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Called before each wait for a rate limit, with the seconds it will last. */
  onWait?: (seconds: number) => void;
  /**
   * What the call may spend waiting for rate limits in all. A lookup, a
   * connection test and a picture get `INTERACTIVE_WAIT_SECONDS` unless
   * given one; a directory fetch only the client's per-request bounds.
   */
  waitBudget?: WaitBudget;
}

/** One kind of server. */
export interface Provider {
  kind: ConnectionKind;
  /** Parses what the admin typed; INVALID_INPUT (field `ref`) before any request. */
  parseRef(ref: string): UserRef;
  /** Fetches one user, with the context it used (fetched when none or stale was given). */
  fetchUser(
    session: ProviderSession,
    ref: UserRef,
    options?: CallOptions & { context?: ProviderContext | null },
  ): Promise<FetchedUser & { context: ProviderContext }>;
  /**
   * Fetches every user, yielding batches as they are ready so the caller can
   * write and report progress. The first batch may come after the
   * definitions and groups are fetched. Ends when the whole directory was
   * yielded; throws (and yields no more) on failure.
   */
  fetchDirectory(
    session: ProviderSession,
    options?: DirectoryOptions,
  ): AsyncGenerator<DirectoryPage, void, void>;
  /**
   * Whether the whole directory comes in one answer, its pages cut from it
   * in memory (Zulip), not page by page over the network (Open WebUI). A
   * sync then keeps its thread busy deriving, and writes its new users on
   * the write pool meanwhile (UpsertBatchOptions.pooled); paged through
   * main's relay, main needs the second core and the sync is faster writing
   * them itself.
   */
  directoryInOneAnswer?: boolean;
  /** Checks the URL and key, and says whose key it is. Open WebUI requires an admin. */
  testConnection(session: ProviderSession, options?: CallOptions): Promise<KeyOwner>;
  /**
   * Whether fetching this picture sends the connection's key (its server's
   * own picture paths only): when not, its fetch is given a session without
   * the key, and the keychain is not read for it.
   */
  avatarTakesKey(baseUrl: string, avatar: AvatarSource): boolean;
  /** A user's picture with the right credentials: raster images only, size-capped. */
  fetchAvatar(
    session: ProviderSession,
    user: DirectoryUser,
    options?: CallOptions,
  ): Promise<{ contentType: string; bytes: Uint8Array }>;
  /**
   * Sends one action on one user and resolves when the server accepted it;
   * throws `RollcallFailure` with the server's refusal in words otherwise.
   * `current` is the user as last fetched: Open WebUI's update form wants the
   * whole user. Callers fetch the user again afterwards to see what changed.
   */
  applyAction(
    session: ProviderSession,
    current: FetchedUser,
    action: ActionSpec,
    options?: CallOptions,
  ): Promise<void>;
}
