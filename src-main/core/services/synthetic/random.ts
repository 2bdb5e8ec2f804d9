/**
 * The seeded random source every synthetic generator draws from: mulberry32
 * and the few shapes the generators need (ints, chances, picks, hex, UUIDs,
 * recent-looking ages). No Math.random anywhere, so a seed always gives the
 * same directory; the order of draws is part of that promise.
 *
 * Node only; never imports `electron`.
 */

/**
 * mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1).
 * Exported because the fakes and some tests need seeded noise of their own.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';

/** One seeded stream with the draws the generators share, so each file draws the same way. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += HEX[Math.floor(this.next() * 16)];
    return out;
  }
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = HEX[8 + Math.floor(this.next() * 4)] as string;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  /** Seconds ago, mostly recent, with a long tail (exponential with the given mean). */
  recentSeconds(meanSeconds: number): number {
    return Math.floor(-Math.log(1 - this.next()) * meanSeconds);
  }
}
