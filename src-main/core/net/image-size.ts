/**
 * How large a picture is once decoded, read from its header alone: a 30 KB
 * PNG can claim 16000×16000 pixels and cost the window a gigabyte per
 * decode, so the size is known (and capped) before any picture is stored or
 * served. Each raster type Rollcall serves is read the way its decoders read
 * it: PNG's IHDR, JPEG's first SOFn segment (walking the segments before
 * it), GIF's logical screen and every frame, WebP's VP8, VP8L or VP8X
 * header, BMP's DIB header, every image of an ICO, and every `ispe`
 * property of an AVIF. A header that cannot be read gives null.
 *
 * Node only; never imports `electron`.
 */

/** A picture's size in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

/** The widest or tallest picture shown. */
export const MAX_IMAGE_SIDE = 4096;
/** The most pixels a picture may have (32 MB decoded): 4096×2048, 2896×2896. */
const MAX_IMAGE_PIXELS = 8 * 1024 * 1024;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u16be(b: Uint8Array, at: number): number | null {
  return at + 2 <= b.length ? ((b[at] as number) << 8) | (b[at + 1] as number) : null;
}

function u16le(b: Uint8Array, at: number): number | null {
  return at + 2 <= b.length ? (b[at] as number) | ((b[at + 1] as number) << 8) : null;
}

function u24le(b: Uint8Array, at: number): number | null {
  const low = u16le(b, at);
  return low === null || at + 3 > b.length ? null : low + (b[at + 2] as number) * 0x10000;
}

function u32be(b: Uint8Array, at: number): number | null {
  const high = u16be(b, at);
  const low = u16be(b, at + 2);
  return high === null || low === null ? null : high * 0x10000 + low;
}

function u32le(b: Uint8Array, at: number): number | null {
  const low = u16le(b, at);
  const high = u16le(b, at + 2);
  return high === null || low === null ? null : high * 0x10000 + low;
}

function i32le(b: Uint8Array, at: number): number | null {
  const v = u32le(b, at);
  return v === null ? null : v | 0;
}

function text(b: Uint8Array, at: number, length: number): string {
  return at + length <= b.length ? String.fromCharCode(...b.subarray(at, at + length)) : '';
}

function startsWith(b: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return at + prefix.length <= b.length && prefix.every((v, i) => b[at + i] === v);
}

/** A size, or null when either side is missing or not positive. */
function sized(width: number | null, height: number | null): ImageSize | null {
  return width !== null && height !== null && width > 0 && height > 0 ? { width, height } : null;
}

/** The larger of two sizes on each side (a picture holding several images costs its largest). */
function larger(a: ImageSize | null, b: ImageSize): ImageSize {
  return a === null
    ? b
    : { width: Math.max(a.width, b.width), height: Math.max(a.height, b.height) };
}

/** PNG: the IHDR chunk, which must come first. */
function pngSize(b: Uint8Array, at = 0): ImageSize | null {
  if (!startsWith(b, PNG_SIGNATURE, at) || text(b, at + 12, 4) !== 'IHDR') return null;
  return sized(u32be(b, at + 16), u32be(b, at + 20));
}

/** JPEG start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** JPEG: the first SOFn segment, walking the segments before it; none before the scan is null. */
function jpegSize(b: Uint8Array): ImageSize | null {
  let at = 2;
  while (at < b.length) {
    if (b[at] !== 0xff) return null;
    while (b[at] === 0xff) at++; // fill bytes
    const marker = b[at];
    if (marker === undefined) return null;
    at++;
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    // The image (SOS) or its end came before any frame header.
    if (marker === 0xda || marker === 0xd9 || marker === 0xd8) return null;
    const length = u16be(b, at);
    if (length === null || length < 2) return null;
    if (isStartOfFrame(marker)) return sized(u16be(b, at + 5), u16be(b, at + 3));
    at += length;
  }
  return null;
}

/** GIF: the logical screen and every frame's extent (a frame may reach past the screen). */
function gifSize(b: Uint8Array): ImageSize | null {
  let size = sized(u16le(b, 6), u16le(b, 8));
  if (size === null) return null;
  const packed = b[10] ?? 0;
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const skipSubBlocks = (): void => {
    while (at < b.length && b[at] !== 0) at += (b[at] as number) + 1;
    at++;
  };
  while (at < b.length) {
    const block = b[at];
    if (block === 0x21) {
      at += 2; // introducer, label
      skipSubBlocks();
    } else if (block === 0x2c) {
      const left = u16le(b, at + 1);
      const top = u16le(b, at + 3);
      const frame = sized(u16le(b, at + 5), u16le(b, at + 7));
      // A truncated frame is never decoded past what is there.
      if (left === null || top === null || frame === null) break;
      size = larger(size, { width: left + frame.width, height: top + frame.height });
      const local = b[at + 9] ?? 0;
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1; // + LZW code size
      skipSubBlocks();
    } else {
      break; // the trailer, or something no decoder reads further
    }
  }
  return size;
}

/** WebP: the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, with the canvas). */
function webpSize(b: Uint8Array): ImageSize | null {
  const chunk = text(b, 12, 4);
  if (chunk === 'VP8X') {
    const w = u24le(b, 24);
    const h = u24le(b, 27);
    return w === null || h === null ? null : sized(w + 1, h + 1);
  }
  if (chunk === 'VP8 ') {
    if (!startsWith(b, [0x9d, 0x01, 0x2a], 23)) return null;
    const w = u16le(b, 26);
    const h = u16le(b, 28);
    return w === null || h === null ? null : sized(w & 0x3fff, h & 0x3fff);
  }
  if (chunk === 'VP8L') {
    const bits = b[20] === 0x2f ? u32le(b, 21) : null;
    return bits === null ? null : sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  return null;
}

/** A BMP's DIB header at `at` (after the file header in a .bmp, at the image in an .ico). */
function dibSize(b: Uint8Array, at: number, heightDivisor: number): ImageSize | null {
  const headerSize = u32le(b, at);
  if (headerSize === 12) return sized(u16le(b, at + 4), u16le(b, at + 6));
  if (headerSize === null || headerSize < 16) return null;
  const w = i32le(b, at + 4);
  const h = i32le(b, at + 8);
  return w === null || h === null ? null : sized(w, Math.ceil(Math.abs(h) / heightDivisor));
}

/** ICO: every image in the directory (PNG or DIB); the decoder may pick any. */
function icoSize(b: Uint8Array): ImageSize | null {
  const count = u16le(b, 4);
  if (count === null || count === 0) return null;
  let size: ImageSize | null = null;
  for (let i = 0; i < count; i++) {
    const offset = u32le(b, 6 + i * 16 + 12);
    if (offset === null) return null;
    const image = startsWith(b, PNG_SIGNATURE, offset) ? pngSize(b, offset) : dibSize(b, offset, 2);
    if (image === null) return null;
    size = larger(size, image);
  }
  return size;
}

/** ISO-BMFF boxes in `[from, to)`: type, where the content starts, where the box ends. */
function* boxes(b: Uint8Array, from: number, to: number): Generator<[string, number, number]> {
  let at = from;
  while (at + 8 <= to) {
    const size32 = u32be(b, at) as number;
    let header = 8;
    let size = size32;
    if (size32 === 1) {
      const high = u32be(b, at + 8);
      const low = u32be(b, at + 12);
      if (high === null || low === null) return;
      size = high * 2 ** 32 + low;
      header = 16;
    } else if (size32 === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) return;
    yield [text(b, at + 4, 4), at + header, at + size];
    at += size;
  }
}

/** AVIF: every `ispe` (image spatial extents) property under `meta` → `iprp` → `ipco`. */
function avifSize(b: Uint8Array): ImageSize | null {
  let size: ImageSize | null = null;
  for (const [type, start, end] of boxes(b, 0, b.length)) {
    if (type !== 'meta') continue;
    for (const [t2, s2, e2] of boxes(b, start + 4, end)) {
      if (t2 !== 'iprp') continue;
      for (const [t3, s3, e3] of boxes(b, s2, e2)) {
        if (t3 !== 'ipco') continue;
        for (const [t4, s4] of boxes(b, s3, e3)) {
          if (t4 !== 'ispe') continue;
          const extent = sized(u32be(b, s4 + 4), u32be(b, s4 + 8));
          if (extent === null) return null;
          size = larger(size, extent);
        }
      }
    }
  }
  return size;
}

const READERS = new Map<string, (bytes: Uint8Array) => ImageSize | null>([
  ['image/png', (b) => pngSize(b)],
  ['image/jpeg', jpegSize],
  ['image/gif', gifSize],
  ['image/webp', webpSize],
  ['image/bmp', (b) => dibSize(b, 14, 1)],
  ['image/x-icon', icoSize],
  ['image/avif', avifSize],
]);

/**
 * The decoded size of a picture of the given (sniffed) type, from its
 * header; null when the header cannot be read or the type is not one
 * Rollcall serves.
 */
export function imageSize(bytes: Uint8Array, type: string): ImageSize | null {
  return READERS.get(type)?.(bytes) ?? null;
}

/** Why a picture of this size is too large to show, or null when it is fine. */
export function oversizeReason(size: ImageSize): string | null {
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE) {
    return `${size.width}×${size.height} pixels, more than ${MAX_IMAGE_SIDE} on a side`;
  }
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    return `${size.width}×${size.height} pixels, more than ${MAX_IMAGE_PIXELS / 1024 / 1024} megapixels`;
  }
  return null;
}
