/**
 * The layout of a search index snapshot's body (index-snapshot-format.ts
 * says which parts an index's state is): a run of typed arrays, each led by
 * its type and length and padded to 8 bytes, strings as their lengths and
 * one buffer of their bytes, posting tables as five arrays. The writer
 * collects views, not copies; the reader checks every length and bound
 * against the bytes left before it makes a view.
 *
 * Node only; never imports `electron` (no I/O).
 */
import type { PackedPostings, PostingTable } from './posting-table';
import type { Posting } from './postings';
import * as slotBits from './slot-bits';

const { countBits } = slotBits;

/** A snapshot body that cannot be an index this code wrote: discard it and build. */
class IndexSnapshotError extends Error {}

type Typed = Float64Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;
type TypedCtor = { new (buffer: ArrayBufferLike, offset: number, length: number): Typed };
const TYPES: readonly [TypedCtor, number][] = [
  [Float64Array, 8],
  [Int32Array, 4],
  [Uint32Array, 4],
  [Uint8Array, 1],
  [Uint16Array, 2],
];
/** Strings encoded between two yields. */
const STRINGS_PER_STEP = 4096;
/** Slots or postings checked between two yields. */
export const ITEMS_PER_STEP = 16384;
/**
 * Words of postings copied between two yields (a bitset is thousands):
 * 256 KB of fresh memory, whose first writes are page faults that cost up
 * to 70 µs a page on this machine after a sync (bulk-postings.ts
 * `TOUCH_UNITS`).
 */
const WORDS_PER_STEP = 1 << 16;
/** Bytes of a fresh buffer zeroed between two yields (as `WORDS_PER_STEP`). */
const ZERO_BYTES_PER_STEP = 1 << 18;
/** A unit past Latin-1: the string is stored as UTF-16. */
const WIDE = /[\u0100-\uffff]/;

/** Refuses the body: the caller discards the snapshot and builds the index. */
export function fail(what: string): never {
  throw new IndexSnapshotError(`search index snapshot: ${what}`);
}

function typeCode(a: Typed): number {
  return TYPES.findIndex(([ctor]) => a instanceof ctor);
}

/** Collects the body's parts (views, not copies) in order. */
export class BodyWriter {
  readonly parts: Uint8Array[] = [];
  bytes = 0;

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.bytes += part.byteLength;
  }

  typed(a: Typed): void {
    this.push(new Uint8Array(new Uint32Array([typeCode(a), a.length]).buffer));
    this.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const pad = (8 - (a.byteLength % 8)) % 8;
    if (pad > 0) this.push(new Uint8Array(pad));
  }

  numbers(...values: number[]): void {
    this.typed(Float64Array.from(values));
  }

  /**
   * Strings as their lengths (negative: UTF-16, else Latin-1) and their
   * bytes, written into one buffer: a buffer per string was hundreds of
   * thousands of objects per save for the collector to sweep.
   */
  *strings(list: readonly string[]): Generator<void> {
    const lengths = new Int32Array(list.length);
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as string;
      const latin1 = !WIDE.test(s);
      lengths[i] = latin1 ? s.length : -s.length;
      total += latin1 ? s.length : s.length * 2;
      if (i % STRINGS_PER_STEP === STRINGS_PER_STEP - 1) yield;
    }
    // Zeroed in steps, not by `Buffer.alloc` at once: megabytes of fresh pages in one turn.
    const joined = Buffer.allocUnsafeSlow(total);
    for (let from = 0; from < total; from += ZERO_BYTES_PER_STEP) {
      joined.fill(0, from, Math.min(total, from + ZERO_BYTES_PER_STEP));
      yield;
    }
    let at = 0;
    for (let i = 0; i < list.length; i++) {
      const n = lengths[i] as number;
      at += joined.write(list[i] as string, at, n < 0 ? 'utf16le' : 'latin1');
      if (i % STRINGS_PER_STEP === STRINGS_PER_STEP - 1) yield;
    }
    this.typed(lengths);
    this.typed(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength));
  }

  /** A table of postings by key. */
  *table(table: PostingTable): Generator<void> {
    const keys: number[] = [];
    const list: Posting[] = [];
    for (const [k, p] of table.entries()) {
      keys.push(k);
      list.push(p);
      if (list.length % ITEMS_PER_STEP === 0) yield;
    }
    yield* this.postings(Float64Array.from(keys), list);
  }

  /** A posting table: keys, counts, kinds (1: bitset), lengths, and every slot list and bitset. */
  *postings(keys: Float64Array, list: readonly Posting[]): Generator<void> {
    const counts = new Int32Array(list.length);
    const kinds = new Uint8Array(list.length);
    const lengths = new Int32Array(list.length);
    let total = 0;
    // In steps: a table has up to a million keys, three fresh arrays' worth of pages.
    for (let i = 0; i < list.length; i++) {
      const p = list[i] as Posting;
      counts[i] = p.count;
      kinds[i] = p.bits ? 1 : 0;
      lengths[i] = p.bits ? p.bits.length : p.count;
      total += lengths[i] as number;
      if (i % ITEMS_PER_STEP === ITEMS_PER_STEP - 1) yield;
    }
    yield;
    const data = new Int32Array(total);
    let at = 0;
    // A step ends after so many postings or so many words copied: a table of
    // a few thousand bitsets is megabytes, and one step of it held the loop.
    let items = 0;
    let words = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i] as Posting;
      if (p.bits) data.set(new Int32Array(p.bits.buffer, p.bits.byteOffset, p.bits.length), at);
      else data.set((p.list as Int32Array).subarray(0, p.count), at);
      at += lengths[i] as number;
      words += lengths[i] as number;
      if (++items >= ITEMS_PER_STEP || words >= WORDS_PER_STEP) {
        items = 0;
        words = 0;
        yield;
      }
    }
    this.typed(keys);
    this.typed(counts);
    this.typed(kinds);
    this.typed(lengths);
    this.typed(data);
  }
}

/** Reads the body's parts in order, each checked against the bytes left. */
export class BodyReader {
  private at = 0;
  constructor(private readonly body: Uint8Array) {
    if (body.byteOffset % 8 !== 0) fail('body is not aligned');
  }

  get done(): boolean {
    return this.at === this.body.byteLength;
  }

  typed<T extends Typed>(ctor: new (b: ArrayBufferLike, o: number, n: number) => T, n?: number): T {
    const body = this.body;
    if (this.at + 8 > body.byteLength) fail('cut short');
    const head = new DataView(body.buffer, body.byteOffset + this.at, 8);
    const code = head.getUint32(0, true);
    const length = head.getUint32(4, true);
    const type = TYPES[code];
    if (!type || type[0] !== (ctor as unknown as TypedCtor)) fail('a part of the wrong type');
    if (n !== undefined && length !== n) fail(`a part of ${length} items where ${n} belong`);
    const bytes = length * type[1];
    const start = this.at + 8;
    if (start + bytes > body.byteLength) fail('cut short');
    this.at = start + bytes + ((8 - (bytes % 8)) % 8);
    if (this.at > body.byteLength) fail('cut short');
    return new ctor(body.buffer, body.byteOffset + start, length);
  }

  numbers(n: number): number[] {
    const values = Array.from(this.typed(Float64Array, n));
    if (!values.every((v) => Number.isSafeInteger(v) && v >= 0)) fail('a count out of range');
    return values;
  }

  /**
   * The strings `BodyWriter.strings` wrote, each decoded on its own (1.5
   * million at 300 000 users). Not as slices of one string per step: a
   * whole load took as long either way (2.39-2.44 s sliced, 2.33-2.43 s
   * not), and V8's `includes` and comparisons, which searches run on these
   * strings, took 1.6-4 times as long on a slice.
   */
  *strings(n?: number): Generator<void, string[]> {
    const lengths = this.typed(Int32Array, n);
    const bytes = this.typed(Uint8Array);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: string[] = [];
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const l = lengths[i] as number;
      const size = l < 0 ? -2 * l : l;
      if (at + size > buf.byteLength) fail('strings cut short');
      out.push(buf.toString(l < 0 ? 'utf16le' : 'latin1', at, at + size));
      at += size;
      if (i % STRINGS_PER_STEP === STRINGS_PER_STEP - 1) yield;
    }
    if (at !== buf.byteLength) fail('strings of the wrong size');
    return out;
  }

  /** A posting table, every slot list sorted and below `slots`, every bitset `words` long at most. */
  *postings(slots: number, words: number): Generator<void, PackedPostings> {
    const keys = this.typed(Float64Array);
    const n = keys.length;
    const counts = this.typed(Int32Array, n);
    const kinds = this.typed(Uint8Array, n);
    const lengths = this.typed(Int32Array, n);
    const data = this.typed(Int32Array);
    let at = 0;
    let work = 0;
    for (let i = 0; i < n; i++) {
      const count = counts[i] as number;
      const length = lengths[i] as number;
      if (length < 0 || at + length > data.length) fail('a posting out of bounds');
      if (kinds[i] === 1) {
        if (length > words) fail('a bitset longer than the index');
        const bits = new Uint32Array(data.buffer, data.byteOffset + at * 4, length);
        if (countBits(bits) !== count) fail('a bitset of the wrong count');
        if (!bitsWithin(bits, slots)) fail('a bitset past the slots');
      } else {
        if (kinds[i] !== 0 || length !== count) fail('a posting of the wrong size');
        let prev = -1;
        for (let j = at; j < at + length; j++) {
          const s = data[j] as number;
          if (s <= prev || s >= slots) fail('a slot list out of order or range');
          prev = s;
        }
      }
      at += length;
      work += length + 16;
      if (work >= WORDS_PER_STEP) {
        work = 0;
        yield;
      }
    }
    if (at !== data.length) fail('posting data of the wrong size');
    return { keys, counts, kinds, lengths, data };
  }
}

/** Whether no bit at or past `slots` is set. */
export function bitsWithin(bits: Uint32Array, slots: number): boolean {
  const full = slots >>> 5;
  const rem = slots & 31;
  if (rem !== 0 && full < bits.length && (bits[full] as number) >>> rem !== 0) return false;
  for (let w = rem === 0 ? full : full + 1; w < bits.length; w++) if (bits[w] !== 0) return false;
  return true;
}
