/**
 * Posting tables built in bulk, for an index loaded from scratch (the cache
 * read at launch; text-bulk.ts visits the texts): two passes over the
 * slots, one counting each key's slots and one writing them into packed
 * arrays sized from the count, instead of growing a posting object per key
 * as each row comes. Row by row, a posting's bookkeeping (its list insert,
 * its bitset switch, its growth) was most of a launch build. The packed
 * arrays are those a saved index carries (posting-table.ts), so the tables
 * stand over them at once.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { hashKey, type PackedPostings } from './posting-table';

/**
 * Units of a table's data written through per step (256 KB). The first
 * writes to fresh memory are page faults, and a fault's cost is the
 * machine's: 2 µs a page here on memory the process had given back, but
 * 15-70 µs a page when main built the index after a sync (memory the
 * system had never handed out: a 4 MB step was 15-74 ms of system time,
 * which held the loop that long). A quarter of a megabyte is 4 ms at
 * that worst rate, so the build's time budget bounds a step.
 */
const TOUCH_UNITS = 1 << 16;

/** Keys laid out per step: 9 bytes a key of fresh arrays, about `TOUCH_UNITS`' worth of pages. */
const KEYS_PER_STEP = 1 << 15;

/**
 * One table being built: its keys by first meeting (an open-addressing
 * hash of key to ID: a Map lookup per key met was most of a pass), with
 * each key's count, then where its slots go. A builder that finds its
 * keys' IDs another way (text-bulk.ts) files new keys with `append`.
 */
export class BulkTable {
  /** Key IDs + 1 by hash; 0: empty. */
  private cells = new Int32Array(1024);
  keys = new Float64Array(256);
  size = 0;
  counts = new Int32Array(256);
  /** The slot that last met each key (-1: none), so a repeat in one text counts once. */
  last = new Int32Array(256).fill(-1);
  // Set between the passes.
  kinds = new Uint8Array(0);
  lengths = new Int32Array(0);
  starts = new Int32Array(0);
  cursors = new Int32Array(0);
  data = new Int32Array(0);

  /** The ID of `key`, given one if new. */
  idOf(key: number): number {
    const mask = this.cells.length - 1;
    let h = hashKey(key) & mask;
    for (let cell = this.cells[h] as number; cell !== 0; cell = this.cells[h] as number) {
      if (this.keys[cell - 1] === key) return cell - 1;
      h = (h + 1) & mask;
    }
    const id = this.size++;
    if (id === this.keys.length) this.grow();
    this.keys[id] = key;
    if (this.size * 2 > this.cells.length) this.rehash();
    else this.cells[h] = id + 1;
    return id;
  }

  /**
   * Gives `key`, new to this table, the next ID without hashing it: for a
   * builder that keeps its own map of key to ID and never asks `idOf` for it.
   */
  append(key: number): number {
    const id = this.size++;
    if (id === this.keys.length) this.grow();
    this.keys[id] = key;
    return id;
  }

  /** First pass: counts slot `slot` under key `id`, once however often the slot meets it. */
  countSlot(id: number, slot: number): void {
    if (this.last[id] === slot) return;
    this.last[id] = slot;
    this.counts[id] = (this.counts[id] as number) + 1;
  }

  /** Second pass (after `layOut`): writes slot `slot` where `countSlot` made room for it under `id`. */
  fillSlot(id: number, slot: number): void {
    if (this.last[id] === slot) return;
    this.last[id] = slot;
    if (this.kinds[id] === 1) {
      const w = (this.starts[id] as number) + (slot >>> 5);
      this.data[w] = (this.data[w] as number) | (1 << (slot & 31));
    } else {
      const at = this.cursors[id] as number;
      this.data[at] = slot;
      this.cursors[id] = at + 1;
    }
  }

  private grow(): void {
    const n = this.keys.length * 2;
    const keys = new Float64Array(n);
    keys.set(this.keys);
    this.keys = keys;
    const counts = new Int32Array(n);
    counts.set(this.counts);
    this.counts = counts;
    const last = new Int32Array(n).fill(-1);
    last.set(this.last);
    this.last = last;
  }

  /** Every key into a table at least twice their number (keys filed by `append` too). */
  private rehash(): void {
    let length = this.cells.length * 2;
    while (length < this.size * 2) length *= 2;
    const cells = new Int32Array(length);
    const mask = cells.length - 1;
    for (let id = 0; id < this.size; id++) {
      let h = hashKey(this.keys[id] as number) & mask;
      while (cells[h] !== 0) h = (h + 1) & mask;
      cells[h] = id + 1;
    }
    this.cells = cells;
  }

  /**
   * Sizes every posting from its count: past `words` slots, a bitset of
   * `bitWords` words (enough for every slot); else a list. A step per
   * array it makes, and the data written through in steps of
   * `TOUCH_UNITS` before the second pass: at 300 000 users one table's
   * data is 80 MB, and made and laid out in one step it held the loop
   * 85 ms (V8 collects garbage when that much memory outside its heap is
   * asked for at once), and the first slots of the second pass, which
   * touch most of its pages for the first time, 158 ms; written through
   * 4 MB a step, a step still held it up to 74 ms (`TOUCH_UNITS`).
   */
  *layOut(words: number, bitWords: number): Generator<void> {
    const n = this.size;
    this.kinds = new Uint8Array(n);
    this.lengths = new Int32Array(n);
    this.starts = new Int32Array(n);
    yield;
    let at = 0;
    for (let id = 0; id < n; id++) {
      const c = this.counts[id] as number;
      const dense = c > words;
      this.kinds[id] = dense ? 1 : 0;
      this.lengths[id] = dense ? bitWords : c;
      this.starts[id] = at;
      at += dense ? bitWords : c;
      // Three fresh arrays a key: their pages too are first written here.
      if (id % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
    }
    yield;
    this.data = new Int32Array(at);
    yield;
    for (let from = 0; from < at; from += TOUCH_UNITS) {
      this.data.fill(0, from, Math.min(at, from + TOUCH_UNITS));
      yield;
    }
    this.cursors = new Int32Array(n);
    for (let id = 0; id < n; id += KEYS_PER_STEP) {
      this.cursors.set(this.starts.subarray(id, Math.min(n, id + KEYS_PER_STEP)), id);
      yield;
    }
    this.last.fill(-1);
  }

  /** The table's arrays as a saved index holds them, a copy per step (each may make V8 collect). */
  *packed(): Generator<void, PackedPostings> {
    const keys = this.keys.slice(0, this.size);
    yield;
    const counts = this.counts.slice(0, this.size);
    yield;
    return { keys, counts, kinds: this.kinds, lengths: this.lengths, data: this.data };
  }
}

/** Visits slot `slot` in one pass of `runPasses`: counts it (`fill` false) or files it under each of its keys. */
export type PassVisit = (slot: number, fill: boolean) => void;

/**
 * The two passes of a bulk build over `tables` and slots `0..slots-1`,
 * yielding every `slotsPerStep` slots and between the steps of each table's
 * layout and copy (`layOut`, `packed`):
 * `visit` must meet the same keys both times (repeats are fine; a free
 * slot meets none). Between the passes every posting is sized from its
 * count: past `words` slots (the index's bitset length) a bitset, like one
 * that outgrew its list (postings.ts); else a sorted slot list of exactly
 * its count.
 */
export function* runPasses(
  tables: readonly BulkTable[],
  slots: number,
  words: number,
  visit: PassVisit,
  slotsPerStep: number,
): Generator<void, PackedPostings[]> {
  for (let slot = 0; slot < slots; slot++) {
    visit(slot, false);
    if (slot % slotsPerStep === slotsPerStep - 1) yield;
  }
  const bitWords = Math.max(words, Math.ceil(slots / 32));
  for (const t of tables) {
    yield* t.layOut(words, bitWords);
    yield;
  }
  for (let slot = 0; slot < slots; slot++) {
    visit(slot, true);
    if (slot % slotsPerStep === slotsPerStep - 1) yield;
  }
  const packed: PackedPostings[] = [];
  for (const t of tables) packed.push(yield* t.packed());
  return packed;
}
