/**
 * Digests of short texts in one call. A sync digests every user two or
 * three times (its source, its stored content, its Gravatar key): building
 * a Hash object and feeding it piece by piece cost more than the hashing
 * (a 100 000-user first sync's worker spent 0.65 s constructing them).
 * The bytes hashed are the text's UTF-8, as `Hash.update(text)` hashes
 * them, so every digest already stored in a cache still matches.
 *
 * Node only; never imports `electron`.
 */
import * as crypto from 'node:crypto';

/** The algorithms Rollcall digests texts with. */
export type TextDigestAlgorithm = 'sha256' | 'md5';

/** How a digest is written out. */
export type TextDigestEncoding = 'hex' | 'base64';

type OneShot = (algorithm: string, data: string, encoding: TextDigestEncoding) => string;

/** `crypto.hash` (Node 20.12 and 21.7 on; Electron's Node has it): absent, a Hash object does it. */
const oneShot: OneShot | undefined =
  typeof crypto.hash === 'function' ? (crypto.hash as OneShot) : undefined;

/** The digest of `text` as a Hash object makes it: the reference the one-call form must equal. */
export function streamedDigest(
  algorithm: TextDigestAlgorithm,
  text: string,
  encoding: TextDigestEncoding,
): string {
  return crypto.createHash(algorithm).update(text, 'utf8').digest(encoding);
}

/** The digest of `text`'s UTF-8 bytes, in one call where the runtime has one. */
export function textDigest(
  algorithm: TextDigestAlgorithm,
  text: string,
  encoding: TextDigestEncoding,
): string {
  return oneShot ? oneShot(algorithm, text, encoding) : streamedDigest(algorithm, text, encoding);
}
