// Image bombs: a picture's decoded size is read from its header (PNG, JPEG,
// GIF, WebP in its three forms, BMP, ICO, AVIF) before it is stored or
// served; one larger than 4096 on a side or 8 megapixels is refused, and so
// is one whose header says nothing. Every picture here is a crafted header
// of a few dozen bytes.
import { checkPicture, decodeDataUrl } from '@core/net/avatar-fetch';
import { imageSize, MAX_IMAGE_SIDE } from '@core/net/image-size';
import {
  avifClaiming,
  bmpClaiming,
  gifClaiming,
  icoClaiming,
  jpegClaiming,
  pngClaiming,
  webpVp8Claiming,
  webpVp8lClaiming,
  webpVp8xClaiming,
} from '../fakes/image-headers';
import { failureOf } from '../fakes/test-client';

const FORMATS: [string, (w: number, h: number) => Uint8Array, string][] = [
  ['PNG', pngClaiming, 'image/png'],
  ['JPEG (baseline)', (w, h) => jpegClaiming(w, h, 0xc0), 'image/jpeg'],
  ['JPEG (progressive)', (w, h) => jpegClaiming(w, h, 0xc2), 'image/jpeg'],
  ['GIF', (w, h) => gifClaiming([w, h]), 'image/gif'],
  ['WebP (VP8)', webpVp8Claiming, 'image/webp'],
  ['WebP (VP8L)', webpVp8lClaiming, 'image/webp'],
  ['WebP (VP8X)', webpVp8xClaiming, 'image/webp'],
  ['BMP', bmpClaiming, 'image/bmp'],
  ['ICO', icoClaiming, 'image/x-icon'],
  ['AVIF', avifClaiming, 'image/avif'],
];

const dataUrl = (bytes: Uint8Array, type: string) =>
  `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

describe('reading the size from the header', () => {
  it.each(FORMATS)('%s', (_name, make, type) => {
    expect(imageSize(make(300, 200), type)).toEqual({ width: 300, height: 200 });
    expect(checkPicture(make(64, 48), type)).toEqual({ contentType: type, bytes: make(64, 48) });
  });

  it('a BMP stored top-down (negative height) is as tall as its magnitude', () => {
    expect(imageSize(bmpClaiming(40, -30), 'image/bmp')).toEqual({ width: 40, height: 30 });
  });

  it('a GIF frame reaching past its logical screen counts', () => {
    expect(imageSize(gifClaiming([10, 10], [5000, 0, 100, 10]), 'image/gif')).toEqual({
      width: 5100,
      height: 10,
    });
  });
});

describe('refusing image bombs', () => {
  it.each(FORMATS)('a %s claiming 16000×16000 pixels', async (_name, make, type) => {
    const bomb = make(16000, 16000);
    const error = await failureOf(() => checkPicture(bomb, type));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/16000×16000 pixels/);
    // The same picture inline in a data: URL.
    expect((await failureOf(() => decodeDataUrl(dataUrl(bomb, type)))).code).toBe('TOO_LARGE');
  });

  it.each(FORMATS)('a %s over 4096 on a side, or over the pixel cap', async (_n, make, type) => {
    expect((await failureOf(() => checkPicture(make(MAX_IMAGE_SIDE + 1, 1), type))).code).toBe(
      'TOO_LARGE',
    );
    expect((await failureOf(() => checkPicture(make(1, MAX_IMAGE_SIDE + 1), type))).code).toBe(
      'TOO_LARGE',
    );
    const square = await failureOf(() => checkPicture(make(4000, 4000), type));
    expect(square.message).toMatch(/megapixels/);
    expect(checkPicture(make(MAX_IMAGE_SIDE, 2048), type).contentType).toBe(type);
  });

  it('a GIF whose frame is larger than its small screen', async () => {
    const error = await failureOf(() =>
      checkPicture(gifClaiming([16, 16], [0, 0, 16000, 16000]), 'image/gif'),
    );
    expect(error.code).toBe('TOO_LARGE');
  });

  it('an ICO whose second image is a bomb', async () => {
    const small = icoClaiming(16, 16);
    const big = icoClaiming(16000, 16000);
    // Two entries: the first image small, the second large.
    const bytes = new Uint8Array([
      0,
      0,
      1,
      0,
      2,
      0,
      ...small.subarray(6, 18),
      ...le32(6 + 32),
      ...big.subarray(6, 18),
      ...le32(6 + 32 + (small.length - 22)),
      ...small.subarray(22),
      ...big.subarray(22),
    ]);
    expect((await failureOf(() => checkPicture(bytes, 'image/x-icon'))).code).toBe('TOO_LARGE');
  });
});

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

describe('refusing pictures whose header says nothing', () => {
  const jfifOnly = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  const scanBeforeFrame = new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]);
  it.each([
    ['a PNG cut after its signature', pngClaiming(10, 10).subarray(0, 12)],
    ['a PNG claiming 0×10', pngClaiming(0, 10)],
    ['a JPEG with no frame header', jfifOnly],
    ['a JPEG whose scan starts before any frame header', scanBeforeFrame],
    ['a JPEG whose frame header has no height (DNL)', jpegClaiming(10, 0)],
    ['a GIF with an empty screen', gifClaiming([0, 0])],
    ['a WebP cut inside its VP8 header', webpVp8Claiming(10, 10).subarray(0, 26)],
    ['a WebP with an unknown first chunk', webpVp8xClaiming(10, 10).fill(0x41, 12, 16)],
    ['an AVIF with no ispe property', avifClaiming(10, 10).subarray(0, 20)],
    ['an ICO whose image lies past the end', icoClaiming(10, 10).subarray(0, 30)],
  ])('%s', async (_what, bytes) => {
    const error = await failureOf(() => checkPicture(bytes, ''));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.message).toMatch(/header does not say how large/);
  });
});
