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
import type { JsonValue } from '@shared/model';
import { redactPayload } from '../store/redact-payload';
import { DERIVATION_VERSION } from '../store/derivation';
import { textDigest } from '../text-digest';

/**
 * A member's source digest, and its payload as the cache stores it
 * (redacted) with that payload's JSON: the digest already needs both, and
 * a member written after all is redacted and serialized once, not again
 * (`toWrite`, `hashWrite`).
 */
export interface MemberSource {
  digest: string;
  payload: RedactedPayload;
}

/** A payload redacted (store/redact-payload.ts) and its JSON. */
export interface RedactedPayload {
  value: JsonValue;
  json: string;
}

/**
 * The digest of `inputs` (JSON-safe values) and the member's `raw` payload,
 * redacted, under this derivation version: SHA-256 over
 * `JSON.stringify([DERIVATION_VERSION, ...inputs, redacted])`, written
 * from the parts so the payload is serialized once.
 */
export function memberSource(inputs: readonly unknown[], raw: JsonValue): MemberSource {
  const value = redactPayload(raw);
  const json = JSON.stringify(value);
  const head = JSON.stringify([DERIVATION_VERSION, ...inputs]);
  const digest = textDigest('sha256', `${head.slice(0, -1)},${json}]`, 'base64');
  return { digest, payload: { value, json } };
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
    digest = textDigest('sha256', JSON.stringify(part), 'base64');
    partDigests.set(part, digest);
  }
  return digest;
}
