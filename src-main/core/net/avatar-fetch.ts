/**
 * A user's picture as bytes, fetched with exactly the credentials its
 * source calls for: the connection's own only for the server's own picture
 * paths under the connection's base URL (a user who may set their picture
 * URL must not aim the admin's key at any other path of the origin), none
 * for anything else, never past a redirect, and no request at all for
 * `data:` URLs (decoded here). Only raster images pass (PNG, JPEG, GIF,
 * WebP, AVIF, BMP, ICO), checked by their bytes, under a size cap and with
 * a header that says how large they decode (image-size.ts): an SVG can
 * carry script, a server can lie about a content type, and a tiny file can
 * decode to gigabytes.
 *
 * Node only; never imports `electron`.
 */
import { fail, rollcallError, RollcallFailure } from '@shared/errors';
import type { AvatarSource } from '@shared/model';
import type { Credentials, HttpClient } from './http';
import type { WaitBudget } from './rate-limit';
import { imageSize, oversizeReason } from './image-size';

/** The largest picture accepted. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

/** Raster types Rollcall serves to the window, by their canonical name. */
const RASTER_IMAGE_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'image/x-icon',
] as const;

/** Aliases of raster types; a Map, since the declared type is the server's string. */
const TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['image/jpg', 'image/jpeg'],
  ['image/pjpeg', 'image/jpeg'],
  ['image/x-png', 'image/png'],
  ['image/vnd.microsoft.icon', 'image/x-icon'],
  ['image/x-ms-bmp', 'image/bmp'],
]);

/** A picture, ready to cache and serve. */
export interface AvatarBytes {
  /** The type the bytes really are (sniffed), not what the server claimed. */
  contentType: string;
  bytes: Uint8Array;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** The raster type the bytes are, by their magic numbers; null for anything else. */
export function sniffImageType(bytes: Uint8Array): string | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(bytes, 4, 8) === 'ftyp' && /^(avif|avis)$/.test(ascii(bytes, 8, 12)))
    return 'image/avif';
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length > 26) return 'image/bmp';
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) && bytes.length > 22) return 'image/x-icon';
  return null;
}

/** A declared content type, lower-cased, parameters dropped, aliases resolved. */
function canonicalType(contentType: string): string {
  const t = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return TYPE_ALIASES.get(t) ?? t;
}

/** Whether a declared type may be a picture: a raster type, or untyped bytes to be sniffed. */
function acceptableImageType(contentType: string): boolean {
  const t = canonicalType(contentType);
  return (
    (RASTER_IMAGE_TYPES as readonly string[]).includes(t) ||
    t === 'application/octet-stream' ||
    t === 'binary/octet-stream' ||
    t === ''
  );
}

function notAPicture(what: string, url?: string): never {
  fail(
    'BAD_RESPONSE',
    `The avatar is ${what}, not a picture Rollcall shows (PNG, JPEG, GIF, WebP, AVIF, BMP or ICO).`,
    url ? { url } : {},
  );
}

/**
 * The one check every picture passes before it is stored or served
 * (fetched, decoded from a `data:` URL, or read back from the cache): a
 * raster image by its bytes, within the byte cap, whose header says it
 * decodes to a sane size. Returns the bytes with their real type.
 */
export function checkPicture(
  bytes: Uint8Array,
  declared: string,
  maxBytes = AVATAR_MAX_BYTES,
  url?: string,
): AvatarBytes {
  if (bytes.byteLength > maxBytes) {
    fail(
      'TOO_LARGE',
      `The avatar is larger than ${Math.round(maxBytes / 1024 / 1024)} MB, more than Rollcall accepts.`,
      url ? { url } : {},
    );
  }
  if (canonicalType(declared) === 'image/svg+xml') notAPicture('an SVG drawing', url);
  const sniffed = sniffImageType(bytes);
  if (sniffed === null) {
    notAPicture(
      bytes.byteLength === 0
        ? 'empty'
        : `not an image its bytes show (declared ${canonicalType(declared) || 'untyped'})`,
      url,
    );
  }
  const size = imageSize(bytes, sniffed);
  if (size === null) {
    fail(
      'BAD_RESPONSE',
      `The avatar's header does not say how large the picture is, so Rollcall does not show it.`,
      url ? { url } : {},
    );
  }
  const oversize = oversizeReason(size);
  if (oversize !== null) {
    fail('TOO_LARGE', `The avatar is ${oversize}, larger than Rollcall shows.`, url ? { url } : {});
  }
  return { contentType: sniffed, bytes };
}

/**
 * Decodes a `data:` URL picture: base64 or percent-encoded, raster types
 * only, within the cap. Never makes a request.
 */
export function decodeDataUrl(dataUrl: string, maxBytes = AVATAR_MAX_BYTES): AvatarBytes {
  const m = /^data:([^,]*),(.*)$/is.exec(dataUrl);
  if (!m) notAPicture('a malformed data: URL');
  const meta = (m[1] ?? '').split(';').map((p) => p.trim());
  const declared = meta[0] ?? '';
  const isBase64 = meta.slice(1).some((p) => p.toLowerCase() === 'base64');
  const payload = m[2] ?? '';
  // Base64 is 4/3 of the bytes: refuse before decoding anything huge.
  if ((isBase64 ? (payload.length * 3) / 4 : payload.length / 3) > maxBytes * 1.01 + 4) {
    fail(
      'TOO_LARGE',
      `The avatar is larger than ${Math.round(maxBytes / 1024 / 1024)} MB, more than Rollcall accepts.`,
    );
  }
  let bytes: Uint8Array;
  if (isBase64) {
    const clean = payload.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) notAPicture('a data: URL with broken base64');
    bytes = new Uint8Array(
      Buffer.from(clean, clean.includes('-') || clean.includes('_') ? 'base64url' : 'base64'),
    );
  } else {
    bytes = percentDecode(payload) ?? notAPicture('a data: URL with broken escapes');
  }
  return checkPicture(bytes, declared, maxBytes);
}

/** %XX escapes as raw bytes (a picture is not UTF-8); other characters as UTF-8. */
function percentDecode(text: string): Uint8Array | null {
  const out: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex)) return null;
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...encoder.encode(c));
    }
  }
  return new Uint8Array(out);
}

/**
 * The paths, relative to a connection's base URL, where its product keeps
 * pictures: each an anchored pattern over the normalized path (query
 * excluded), built from `PATH_SEGMENT` so no segment can climb out.
 */
export type AvatarPaths = readonly RegExp[];

/**
 * One path segment a picture path may hold: no `.` or `..`, no encoded dot,
 * slash, backslash or NUL (a server may decode them after Rollcall checked).
 */
export const PATH_SEGMENT = String.raw`(?!\.{1,2}(?:/|$))(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%(?![01]|2[eEfF]|5[cC])[0-9A-Fa-f]{2})+`;

/**
 * Whether a picture URL may carry the connection's credentials: http(s)
 * on the base URL's origin, under its path (a connection at
 * `https://host/chat/` trusts nothing outside `/chat/`), with no empty
 * segment, and its path below the base one of the product's picture paths.
 * Decided on the URL as WHATWG normalizes it (dot segments resolved,
 * backslashes made slashes), which is the URL the request goes to.
 */
export function mayCarryCredentials(url: string, baseUrl: string, paths: AvatarPaths): boolean {
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(baseUrl);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  if (target.username !== '' || target.password !== '' || target.origin !== base.origin) {
    return false;
  }
  const prefix = base.pathname.replace(/\/+$/, '');
  const path = target.pathname;
  if (!path.startsWith(`${prefix}/`) || path.includes('//')) return false;
  const below = path.slice(prefix.length);
  return paths.some((pattern) => pattern.test(below));
}

/**
 * Whether fetching this picture sends the connection's key: only a picture
 * of the server's own (`server`) at one of its picture paths. Other
 * pictures go without it, so their fetch need not read the keychain.
 */
export function avatarTakesKey(avatar: AvatarSource, baseUrl: string, paths: AvatarPaths): boolean {
  return avatar.kind === 'server' && mayCarryCredentials(avatar.url, baseUrl, paths);
}

/** What fetching a picture needs. */
export interface AvatarFetchOptions {
  http: HttpClient;
  /** The connection's base URL: only picture paths under it get credentials. */
  baseUrl: string;
  /** Where the product keeps pictures, below the base URL. */
  avatarPaths: AvatarPaths;
  /** The connection's credentials, used only for its own picture paths. */
  credentials: Credentials | null;
  signal?: AbortSignal;
  /** What the picture may wait for rate limits in all (`HttpRequest.waitBudget`). */
  waitBudget?: WaitBudget;
  maxBytes?: number;
}

function isHttpUrl(url: string): boolean {
  try {
    return /^https?:$/.test(new URL(url).protocol) && /^https?:\/\//i.test(url);
  } catch {
    return false;
  }
}

/** Fetches (or decodes) one picture. NOT_FOUND when the user has none. */
export async function fetchAvatar(
  avatar: AvatarSource,
  options: AvatarFetchOptions,
): Promise<AvatarBytes> {
  const max = options.maxBytes ?? AVATAR_MAX_BYTES;
  switch (avatar.kind) {
    case 'none':
      throw new RollcallFailure(rollcallError('NOT_FOUND', 'This user has no picture.'));
    case 'inline':
      return decodeDataUrl(avatar.dataUrl, max);
    case 'server':
    case 'external': {
      if (!isHttpUrl(avatar.url)) notAPicture('at an address Rollcall does not fetch');
      // Credentials only for the server's own picture paths, whatever the source says.
      const keyed = avatarTakesKey(avatar, options.baseUrl, options.avatarPaths);
      const res = await options.http.getBytes({
        url: avatar.url,
        credentials: keyed ? options.credentials : null,
        credentialsFollowRedirects: false,
        signal: options.signal,
        waitBudget: options.waitBudget,
        maxBytes: max,
        accept: (type) => {
          if (canonicalType(type) === 'image/svg+xml') notAPicture('an SVG drawing', avatar.url);
          return acceptableImageType(type);
        },
        describeError: (info) =>
          info.status === 404 || info.status === 410
            ? rollcallError(
                'NOT_FOUND',
                'The server has no picture at this address any more. Refresh the user to get the current one.',
                { status: info.status, url: info.url },
              )
            : undefined,
      });
      return checkPicture(res.bytes, res.contentType, max, avatar.url);
    }
  }
}
