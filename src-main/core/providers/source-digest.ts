/**
 * A directory member's source digest: SHA-256 over everything its cached
 * row is derived from (the member as the server sent it, the part of the
 * context its normalizer reads, where it came from) and the version of the
 * code that derives it. Equal digests mean the row would be written the
 * same: a sync marks that row seen instead of normalizing, serializing and
 * hashing the user again (store/users-known.ts).
 *
 * The member goes in as it is stored (redacted): its secrets are never
 * digested, and below 64 levels it holds a marker, not a hostile depth
 * that would overflow the stack of `JSON.stringify`.
 *
 * Each provider lists its normalizer's inputs beside the normalizer
 * (`zulipMemberSource`, `openWebUIMemberSource`); an input missing from
 * that list would leave a changed user's card stale, and the sync tests
 * change each input in turn to catch it.
 *
 * Node only; never imports `electron`.
 */
import { createHash } from 'node:crypto';
import { DERIVATION_VERSION } from '../store/derivation';

/** The digest of `inputs` (JSON-safe values) under this derivation version. */
export function sourceDigest(inputs: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([DERIVATION_VERSION, ...inputs]))
    .digest('base64');
}

/** Digests of context-wide inputs, by the input (a sync digests 100 000 members against one). */
const partDigests = new WeakMap<object, string>();

/**
 * The digest of a context-wide input (every field definition, every group
 * name), made once per object: a member's digest includes this short one
 * instead of the whole input again. The object must not change afterwards
 * (contexts are built per fetch and never edited).
 */
export function contextDigest(part: object): string {
  let digest = partDigests.get(part);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(part)).digest('base64');
    partDigests.set(part, digest);
  }
  return digest;
}
