/**
 * Tiny pictures that are only a header: each claims a size without the
 * pixels to fill it, the way an image bomb does (a few dozen bytes saying
 * 16000×16000). Rollcall must read the claimed size before anything decodes
 * the picture.
 */
import { syntheticPng } from '@core/services/synthetic/pictures';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u16le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u16be = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u24le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
const u32le = (n: number): number[] => [...u16le(n & 0xffff), ...u16le(n >>> 16)];
const u32be = (n: number): number[] => [...u16be(n >>> 16), ...u16be(n & 0xffff)];

/** A real PNG whose IHDR is rewritten to claim `width`×`height` (the CRC is left stale). */
export function pngClaiming(width: number, height: number): Uint8Array {
  const png = syntheticPng([10, 20, 30], 4);
  png.set([...u32be(width), ...u32be(height)], 16);
  return png;
}

/** A JPEG: SOI, an APP0 segment, a DQT segment, then a baseline SOF0 of the given size. */
export function jpegClaiming(width: number, height: number, sof = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, ...u16be(16), ...ascii('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0xff, 0xdb, ...u16be(67), 0, ...new Array<number>(64).fill(1)];
  const frame = [0xff, sof, ...u16be(11), 8, ...u16be(height), ...u16be(width), 1, 1, 0x11, 0];
  return new Uint8Array([0xff, 0xd8, ...app0, ...dqt, 0xff, ...frame, 0xff, 0xd9]);
}

/** A GIF whose logical screen is `screen` and whose one frame is `frame` at (left, top). */
export function gifClaiming(
  screen: [number, number],
  frame: [number, number, number, number] = [0, 0, screen[0], screen[1]],
): Uint8Array {
  const [left, top, w, h] = frame;
  return new Uint8Array([
    ...ascii('GIF89a'),
    ...u16le(screen[0]),
    ...u16le(screen[1]),
    0x80, // a global colour table of 2 entries
    0,
    0,
    0,
    0,
    0,
    255,
    255,
    255,
    0x21, // a graphic control extension
    0xf9,
    4,
    0,
    0,
    0,
    0,
    0,
    0x2c,
    ...u16le(left),
    ...u16le(top),
    ...u16le(w),
    ...u16le(h),
    0,
    2, // LZW minimum code size
    2,
    0x44,
    0x01,
    0,
    0x3b,
  ]);
}

function riff(chunk: string, data: number[]): Uint8Array {
  const body = [...ascii('WEBP'), ...ascii(chunk), ...u32le(data.length), ...data];
  return new Uint8Array([...ascii('RIFF'), ...u32le(body.length), ...body]);
}

/** A lossy WebP (VP8) key frame header of the given size. */
export function webpVp8Claiming(width: number, height: number): Uint8Array {
  return riff('VP8 ', [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height), 0]);
}

/** A lossless WebP (VP8L) header of the given size. */
export function webpVp8lClaiming(width: number, height: number): Uint8Array {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  return riff('VP8L', [0x2f, ...u32le(bits >>> 0), 0]);
}

/** An extended WebP (VP8X) whose canvas is the given size. */
export function webpVp8xClaiming(width: number, height: number): Uint8Array {
  return riff('VP8X', [0x10, 0, 0, 0, ...u24le(width - 1), ...u24le(height - 1)]);
}

/** A BMP with a BITMAPINFOHEADER of the given size (negative height: top-down). */
export function bmpClaiming(width: number, height: number): Uint8Array {
  const dib = [...u32le(40), ...u32le(width), ...u32le(height), 1, 0, 24, 0];
  return new Uint8Array([
    ...ascii('BM'),
    ...u32le(14 + 40),
    0,
    0,
    0,
    0,
    ...u32le(54),
    ...dib,
    ...new Array<number>(24).fill(0),
  ]);
}

/** An ICO of one 16×16 entry whose image is a PNG claiming the given size. */
export function icoClaiming(width: number, height: number): Uint8Array {
  const png = pngClaiming(width, height);
  const entry = [16, 16, 0, 0, 1, 0, 32, 0, ...u32le(png.length), ...u32le(6 + 16)];
  return new Uint8Array([0, 0, 1, 0, 1, 0, ...entry, ...png]);
}

function box(type: string, content: number[]): number[] {
  return [...u32be(8 + content.length), ...ascii(type), ...content];
}

/** An AVIF whose `ispe` property claims the given size. */
export function avifClaiming(width: number, height: number): Uint8Array {
  const ispe = box('ispe', [0, 0, 0, 0, ...u32be(width), ...u32be(height)]);
  const meta = box('meta', [0, 0, 0, 0, ...box('iprp', box('ipco', ispe))]);
  return new Uint8Array([
    ...box('ftyp', [...ascii('avif'), 0, 0, 0, 0, ...ascii('mif1')]),
    ...meta,
  ]);
}
