/**
 * A table of postings by numeric key (n-grams, word starts), as the index's
 * writers and readers use a Map, that can also stand over a saved index's
 * arrays (index-snapshot-format.ts) without an object per key: a load
 * hashes the keys into a typed table in slices, and a posting becomes an
 * object only when a query or a write first asks for it. At 300 000 users
 * the n-gram and word-start tables hold about a million postings, whose
 * objects and views were a large part of a launch and the garbage
 * collection that held the loop afterwards.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { Posting, postingBytes } from './postings';

/** A table's postings as a snapshot carries them, checked by its reader. */
export interface PackedPostings {
  keys: Float64Array;
  counts: Int32Array;
  /** 1: a bitset, 0: a sorted slot list. */
  kinds: Uint8Array;
  lengths: Int32Array;
  /** Every slot list and bitset (as 32-bit words), one after another. */
  data: Int32Array;
}

/** Keys hashed between two yields. */
const KEYS_PER_STEP = 32768;

/** A 32-bit hash of a numeric key (any safe integer), for typed open-addressing tables. */
export function hashKey(k: number): number {
  const lo = k | 0;
  const hi = (k / 0x100000000) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}

/**
 * Packed entry `e` (its data from `at`) as a posting whose bits or list
 * stand over the packed data, not a copy: the snapshot read and the table's
 * first use of a key make them alike.
 */
export function postingAt(p: PackedPostings, e: number, at: number): Posting {
  const length = p.lengths[e] as number;
  const bits = p.kinds[e] === 1;
  // An empty list keeps the room to grow by doubling that a new posting has.
  const posting = new Posting(
    bits ? null : length > 0 ? p.data.subarray(at, at + length) : undefined,
  );
  posting.count = p.counts[e] as number;
  if (bits) posting.bits = new Uint32Array(p.data.buffer, p.data.byteOffset + at * 4, length);
  return posting;
}

/** Postings by key. */
export class PostingTable {
  /** Postings created or asked for since the load (they win over the packed ones). */
  private readonly objects = new Map<number, Posting>();
  private packed: PackedPostings | null = null;
  private starts = new Int32Array(0);
  /** Entry + 1 by hash, linear probing; 0: empty. */
  private slots = new Int32Array(0);
  /** 1: the packed entry was deleted. */
  private dead = new Uint8Array(0);
  /** Packed entries neither dead nor in `objects`. */
  private packedOnly = 0;

  /** A table over packed postings, hashed a slice per step. */
  static *over(p: PackedPostings): Generator<void, PostingTable> {
    const t = new PostingTable();
    const n = p.keys.length;
    const starts = new Int32Array(n + 1);
    for (let e = 0, at = 0; e < n; e++) {
      starts[e] = at;
      at += p.lengths[e] as number;
      starts[e + 1] = at;
    }
    let size = 2;
    while (size < n * 2) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < n; e++) {
      const k = p.keys[e] as number;
      let h = hashKey(k) & mask;
      for (let cell = slots[h] as number; cell !== 0; cell = slots[h] as number) {
        if (p.keys[cell - 1] === k) return fail();
        h = (h + 1) & mask;
      }
      slots[h] = e + 1;
      if (e % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
    }
    t.packed = p;
    t.starts = starts;
    t.slots = slots;
    t.dead = new Uint8Array(n);
    t.packedOnly = n;
    return t;

    function fail(): never {
      throw new RangeError('search index snapshot: an n-gram posting twice');
    }
  }

  /** The packed entry of `k`, dead or not; -1: none. */
  private find(k: number): number {
    const p = this.packed;
    if (!p) return -1;
    const mask = this.slots.length - 1;
    for (let h = hashKey(k) & mask; ; h = (h + 1) & mask) {
      const cell = this.slots[h] as number;
      if (cell === 0) return -1;
      if (p.keys[cell - 1] === k) return cell - 1;
    }
  }

  private objectOf(e: number): Posting {
    return postingAt(this.packed as PackedPostings, e, this.starts[e] as number);
  }

  get size(): number {
    return this.objects.size + this.packedOnly;
  }

  get(k: number): Posting | undefined {
    const had = this.objects.get(k);
    if (had) return had;
    const e = this.find(k);
    if (e < 0 || this.dead[e] === 1) return undefined;
    const posting = this.objectOf(e);
    this.objects.set(k, posting);
    this.packedOnly--;
    return posting;
  }

  /** Files a new posting under a key `get` found nothing for. */
  set(k: number, posting: Posting): void {
    this.objects.set(k, posting);
  }

  delete(k: number): void {
    const e = this.find(k);
    if (e >= 0 && this.dead[e] === 0) {
      this.dead[e] = 1;
      if (!this.objects.has(k)) this.packedOnly--;
    }
    this.objects.delete(k);
  }

  clear(): void {
    this.objects.clear();
    this.packed = null;
    this.starts = new Int32Array(0);
    this.slots = new Int32Array(0);
    this.dead = new Uint8Array(0);
    this.packedOnly = 0;
  }

  /** Every key and posting (packed ones as fresh objects, not kept). */
  *entries(): Generator<[number, Posting]> {
    const p = this.packed;
    if (p) {
      for (let e = 0; e < p.keys.length; e++) {
        const k = p.keys[e] as number;
        if (this.dead[e] === 1 || this.objects.has(k)) continue;
        yield [k, this.objectOf(e)];
      }
    }
    yield* this.objects.entries();
  }

  /** The bitset postings, made objects and kept (the pool grows them ahead of a doubling). */
  bitsets(): Posting[] {
    const out: Posting[] = [];
    const p = this.packed;
    if (p) {
      for (let e = 0; e < p.keys.length; e++) {
        if (p.kinds[e] === 1 && this.dead[e] === 0) this.get(p.keys[e] as number);
      }
    }
    for (const posting of this.objects.values()) if (posting.bits) out.push(posting);
    return out;
  }

  /** Bytes of the postings' typed arrays. */
  typedBytes(): number {
    let typed = 0;
    const p = this.packed;
    if (p) {
      for (let e = 0; e < p.keys.length; e++) {
        if (this.dead[e] === 0 && !this.objects.has(p.keys[e] as number)) {
          typed += (p.kinds[e] === 1 ? (p.lengths[e] as number) : (p.counts[e] as number)) * 4;
        }
      }
    }
    for (const posting of this.objects.values()) typed += postingBytes(posting);
    return typed;
  }
}
