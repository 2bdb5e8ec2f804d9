/**
 * Generated pictures: a dependency-free PNG writer (stored deflate, CRC-32,
 * Adler-32), the avatar colours, a stable colour for any text, and the
 * inline `data:` avatars Open WebUI users may carry. The fakes serve these
 * bytes from their image routes, so the app fetches real, decodable PNGs.
 *
 * Node only; never imports `electron`.
 */
import type { Rng } from './random';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function pngChunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array(4 + data.length);
  for (let i = 0; i < 4; i++) typed[i] = type.charCodeAt(i);
  typed.set(data, 4);
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/**
 * A valid PNG of `size`×`size` pixels: a solid colour with a lighter
 * diagonal band, so generated avatars differ visibly. Written with stored
 * (uncompressed) deflate blocks, so no zlib is needed.
 */
export function syntheticPng(rgb: readonly [number, number, number], size = 8): Uint8Array {
  const raw: number[] = [];
  for (let y = 0; y < size; y++) {
    raw.push(0);
    for (let x = 0; x < size; x++) {
      const band = Math.abs(x - y) <= Math.max(0, Math.floor(size / 8));
      for (const c of rgb) raw.push(band ? Math.min(255, c + 60) : c);
    }
  }
  const zlib: number[] = [0x78, 0x01];
  for (let offset = 0; offset < raw.length || offset === 0; offset += 65535) {
    const block = raw.slice(offset, offset + 65535);
    const final = offset + 65535 >= raw.length ? 1 : 0;
    zlib.push(
      final,
      block.length & 0xff,
      block.length >>> 8,
      ~block.length & 0xff,
      (~block.length >>> 8) & 0xff,
      ...block,
    );
    if (final) break;
  }
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  zlib.push(...u32(((b << 16) | a) >>> 0));
  const ihdr = new Uint8Array([...u32(size), ...u32(size), 8, 2, 0, 0, 0]);
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...pngChunk('IHDR', ihdr),
    ...pngChunk('IDAT', new Uint8Array(zlib)),
    ...pngChunk('IEND', new Uint8Array()),
  ]);
}

/** Avatar colours, pleasant on light and dark backgrounds; the fakes pick from them too. */
export const AVATAR_COLOURS: readonly (readonly [number, number, number])[] = [
  [0x4f, 0x46, 0xe5],
  [0x05, 0x96, 0x69],
  [0xdc, 0x26, 0x26],
  [0xd9, 0x77, 0x06],
  [0x7c, 0x3a, 0xed],
  [0x08, 0x91, 0xb2],
  [0xdb, 0x27, 0x77],
  [0x65, 0xa3, 0x0d],
  [0x47, 0x55, 0x69],
  [0xc2, 0x41, 0x0c],
  [0x1d, 0x4e, 0xd8],
  [0x0f, 0x76, 0x6e],
];

/** A colour index for any text, stable across runs (for the fakes' image routes). */
export function colourIndexOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % AVATAR_COLOURS.length;
}

let dataUrls: string[] | null = null;

/** A `data:` PNG in one of the avatar colours, built once, as Open WebUI stores uploaded pictures inline. */
export function inlineAvatar(rng: Rng): string {
  dataUrls ??= AVATAR_COLOURS.map(
    (rgb) => `data:image/png;base64,${Buffer.from(syntheticPng(rgb, 8)).toString('base64')}`,
  );
  return rng.pick(dataUrls);
}
