/**
 * What a fetched user becomes in the cache: the normalized user and the raw
 * payload, both with secrets redacted, stamped with when they were fetched.
 * Lookups write one; syncs write pages of them, a slice at a time.
 *
 * Node only; never imports `electron`.
 */
import type { DirectoryUser, JsonValue } from '@shared/model';
import type { FetchedUser, ProviderContext } from '../providers';
import type { RedactedPayload } from '../providers/source-digest';
import { yieldToEventLoop } from '../event-loop';
import { redactPayload, redactUser } from '../store/redact-payload';
import type { UsersRepo } from '../store/users-repo';
import type { UserWrite } from '../store/users-rows';
import type { ProviderContexts } from './provider-context';

/** Longest stretch of sync work (per page, outside the cache's own chunks) between two yields. */
const INGEST_SLICE_MS = 8;

/**
 * One fetched user, redacted, as the cache stores it (with its source
 * digest, in a sync: then its payload comes redacted and serialized).
 */
export function toWrite(
  fetched: { user: DirectoryUser; raw: JsonValue; source?: string; payload?: RedactedPayload },
  at: number,
): UserWrite {
  const { payload, source } = fetched;
  const user = redactUser(fetched.user);
  const write: UserWrite = payload
    ? { user, raw: payload.value, rawJson: payload.json, fetchedAt: at }
    : { user, raw: redactPayload(fetched.raw), fetchedAt: at };
  if (source !== undefined) write.source = source;
  return write;
}

/**
 * Stores one user the server just answered with, and the context it came
 * with: the one path a lookup and an action's read-back both write
 * through, so the cache and the search index show the server's answer.
 */
export async function storeFetchedUser(
  deps: { users: Pick<UsersRepo, 'upsert'>; contexts: Pick<ProviderContexts, 'store'> },
  connectionId: string,
  fetched: FetchedUser & { context: ProviderContext },
  at: number,
): Promise<UserWrite> {
  const write = toWrite(fetched, at);
  await deps.contexts.store(connectionId, fetched.context);
  deps.users.upsert(write, at);
  return write;
}

/**
 * `toWrite` over a page, a slice at a time: redacting the payloads of a
 * 2 000-user page takes tens of milliseconds, too long to hold the loop.
 */
export async function writesOf(fetched: readonly FetchedUser[], at: number): Promise<UserWrite[]> {
  const out: UserWrite[] = [];
  let sliceStart = performance.now();
  for (const f of fetched) {
    out.push(toWrite(f, at));
    if (performance.now() - sliceStart >= INGEST_SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  return out;
}
