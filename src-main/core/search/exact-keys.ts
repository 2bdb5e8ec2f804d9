/**
 * The exact keys of the relevance order (tiers 1-3 of relevance.ts) and
 * the slots that have them, for word-starts.ts.
 *
 * A saved index (index-snapshot-format.ts) carries every slot's keys as
 * UTF-16 units in typed arrays, and a load keeps them so: a hash table of
 * entries over those arrays, built in slices, answers a key without one
 * string or object per key (300 000 users: ~1.5 million keys, which filed
 * into a Map cost seconds of a launch and its garbage collection). Slots
 * written after the load (a sync, an edit) file their keys in a Map, as a
 * build does; a loaded slot rewritten or removed stops answering from the
 * table.
 *
 * The table is made when a save packs the keys, not when a load reads
 * them: hashing every key held 0.3-0.45 s of a 300 000-user launch. A read
 * checks it (`checkTable`) before the table is used.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import { ShardedStringMap } from './sharded-string-map';

/** Every slot's exact keys, packed, and the table that finds them: what a snapshot carries. */
export interface PackedKeys {
  /** How many keys each slot has, in slot order... */
  keyCounts: Int32Array;
  /** ...each key's length in UTF-16 units, one after another... */
  keyLengths: Int32Array;
  /** ...and their units, one after another. */
  keyUnits: Uint16Array;
  /** Key number + 1 by hash of its units (`tableSize` cells), as `Loaded.table`. */
  table: Int32Array;
  /** The key before each with the same units; -1: none. */
  next: Int32Array;
}

/** The exact keys of one index. */
export interface ExactKeys {
  /** Files `keys` under `slot` (after `remove` of what it had, if anything). */
  add(slot: number, keys: readonly string[]): void;
  /** Unfiles the keys `slot` was added with (`keys`: those, from `keysOf`). */
  remove(slot: number, keys: readonly string[]): void;
  /** The keys a slot was added with. */
  keysOf(slot: number): readonly string[];
  /** The slots with `key`, unordered. */
  slotsOf(key: string): readonly number[];
  clear(): void;
  /** Every slot's keys below `nextSlot`, packed (a copy), a slice of slots per step. */
  packed(nextSlot: number): Generator<void, PackedKeys>;
  /** Replaces what it holds with packed keys (taken over) whose table `checkTable` passed. */
  restore(keys: PackedKeys): Generator<void>;
  /**
   * Holds every slot's keys below `nextSlot` packed, as a load holds them,
   * and drops what a build filed (a string and a Map entry per key, ~60 MB
   * of heap at 100 000 users): the same answers from typed arrays. Gives up
   * (false), holding them as before, when `changed()` says a slot was
   * written meanwhile.
   */
  compact(nextSlot: number, changed: () => boolean): Generator<void, boolean>;
  /** Bytes of the typed arrays. */
  typedBytes(): number;
}

/**
 * Keys hashed into the table between two yields: small, since the first
 * steps run cold code (32 768 held the loop 50 ms at 100 000 users, 8 192
 * still 26 ms the first time, and at 1 024 a save after a build hashed for
 * 11-16 ms at a stretch in a CPU profile); the driver runs steps until its
 * budget is spent.
 */
const KEYS_PER_STEP = 256;
/**
 * Slots packed between two yields (a save's step). 100 000 slots at once
 * held the loop 140 ms. At 8 192, a save's slowest steps after a 100 000-user
 * build took 19-28 ms of main's CPU, and with the collector's threads
 * marking on the other core (a built index is a large heap) the save held
 * the loop 47-91 ms; at 2 048, 29-42 ms (ingest-replay probe, Open WebUI,
 * the longest hold in the 12 s after the sync, nine runs against five).
 */
const PACK_STEP_SLOTS = 2048;
/**
 * Key units copied between two yields of a save's packing, whatever the
 * slots. A step writes them into the fresh units array and joins them
 * into a fresh string first: after a 100 000-user sync, where this
 * machine's first touch of a fresh page cost up to 70 µs, one step of
 * 2 048 slots (about 180 000 units) held the loop 62 ms, all of it main's
 * own time (sync suite, run and wait times from /proc/thread-self/schedstat).
 */
const PACK_STEP_UNITS = 16_384;

/** FNV-1a over UTF-16 units. */
function hashUnits(units: Uint16Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (units[i] as number), 0x01000193);
  return h >>> 0;
}

/** Whether units [a, b) and [c, d) are the same. */
function sameUnits(units: Uint16Array, a: number, b: number, c: number, d: number): boolean {
  if (b - a !== d - c) return false;
  for (let i = 0; i < b - a; i++) if (units[a + i] !== units[c + i]) return false;
  return true;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The table's cells for `total` keys: a power of two, at least twice the keys (so probing ends). */
export function tableSize(total: number): number {
  let size = 2;
  while (size < total * 2) size *= 2;
  return size;
}

/**
 * Keys or slots a plain pass over packed keys covers between two yields.
 * One pass over the 400 000 keys of 100 000 users at once took 12.8 ms of
 * a save's turn, run cold (interpreted) as it is once a save: with the
 * hashing after it, main's loop was held 41-53 ms (ingest-replay probe).
 */
const PASS_STEP = 16_384;

/** Where each key starts in the units; one past the last key: the end. A step of keys at a time. */
function* keyStartsOf(keyLengths: Int32Array): Generator<void, Int32Array> {
  const keyStart = new Int32Array(keyLengths.length + 1);
  let u = 0;
  for (let i = 0; i < keyLengths.length; i++) {
    keyStart[i] = u;
    u += keyLengths[i] as number;
    if (i % PASS_STEP === PASS_STEP - 1) yield;
  }
  keyStart[keyLengths.length] = u;
  return keyStart;
}

/** The table and chains over packed keys, a step of keys at a time. */
function* hashKeys(
  keyStart: Int32Array,
  units: Uint16Array,
): Generator<void, { table: Int32Array; next: Int32Array }> {
  const total = keyStart.length - 1;
  const table = new Int32Array(tableSize(total));
  const mask = table.length - 1;
  // One cell per distinct key, its entries chained through `next`: many
  // users share a name, and probing past each of them was quadratic.
  const next = new Int32Array(total).fill(-1);
  for (let i = 0; i < total; i++) {
    const from = keyStart[i] as number;
    const to = keyStart[i + 1] as number;
    for (let h = hashUnits(units, from, to) & mask; ; h = (h + 1) & mask) {
      const cell = table[h] as number;
      if (cell === 0) {
        table[h] = i + 1;
        break;
      }
      if (sameUnits(units, keyStart[cell - 1] as number, keyStart[cell] as number, from, to)) {
        next[i] = cell - 1;
        table[h] = i + 1;
        break;
      }
    }
    if (i % KEYS_PER_STEP === KEYS_PER_STEP - 1) yield;
  }
  return { table, next };
}

/** Cells or links `checkTable` reads between two yields (its 4 million cells at once held the loop 42 ms). */
const CHECK_STEP_CELLS = 1 << 18;
/** Keys between two that `checkTable` looks up by their own hash. */
const CHECK_EVERY_KEYS = 61;

/**
 * Whether a read table and chains can be what `hashKeys` made for these
 * keys: every cell and link in range, every link to an earlier key (no
 * loop), each key linked to by at most one other, the keys no other links
 * to exactly those in the cells, once each (so every key is on exactly one
 * cell's chain, and probing ends), and every 61st key found by its own hash
 * with a link, if any, to a key of the same units (a table made by another
 * hash function is not). False: the snapshot is not to be trusted.
 *
 * Reads the cells and links in order, never along a chain: walking chains
 * (to each sampled key, or every chain once) took 0.2-0.28 s of a
 * 300 000-user start in cache misses, along the long chains of common names.
 */
export function* checkTable(keys: PackedKeys): Generator<void, boolean> {
  const { table, next, keyUnits: units } = keys;
  const total = keys.keyLengths.length;
  if (table.length !== tableSize(total) || next.length !== total) return false;
  // Per key: 1 when another key links to it (it is not its chain's head), 2 once a cell holds it.
  const state = new Uint8Array(total);
  let links = 0;
  for (let i = 0; i < total; i++) {
    const link = next[i] as number;
    if (link < -1 || link >= i) return false;
    if (link >= 0) {
      if (state[link] !== 0) return false;
      state[link] = 1;
      links++;
    }
    if (i % CHECK_STEP_CELLS === CHECK_STEP_CELLS - 1) yield;
  }
  let used = 0;
  for (let h = 0; h < table.length; h++) {
    const cell = table[h] as number;
    if (cell < 0 || cell > total) return false;
    if (cell !== 0) {
      if (state[cell - 1] !== 0) return false;
      state[cell - 1] = 2;
      used++;
    }
    if (h % CHECK_STEP_CELLS === CHECK_STEP_CELLS - 1) yield;
  }
  if (used !== total - links) return false;
  const keyStart = yield* keyStartsOf(keys.keyLengths);
  if (keyStart[total] !== units.length) return false;
  const mask = table.length - 1;
  for (let e = 0; e < total; e += CHECK_EVERY_KEYS) {
    const from = keyStart[e] as number;
    const to = keyStart[e + 1] as number;
    const link = next[e] as number;
    if (
      link >= 0 &&
      !sameUnits(units, keyStart[link] as number, keyStart[link + 1] as number, from, to)
    ) {
      return false;
    }
    for (let h = hashUnits(units, from, to) & mask; ; h = (h + 1) & mask) {
      const cell = table[h] as number;
      if (cell === 0) return false;
      const k = cell - 1;
      if (sameUnits(units, keyStart[k] as number, keyStart[k + 1] as number, from, to)) break;
    }
    if (e % (KEYS_PER_STEP * CHECK_EVERY_KEYS) === 0) yield;
  }
  return true;
}

/** Whether this machine stores a Uint16Array's units low byte first (every platform Electron ships for). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copies strings' UTF-16 units into `units`, one after another from unit
 * `at`; returns where they end. Joined and written by native code: copied
 * a unit at a time in script, the first step of a save's packing (8 192
 * slots, 870 000 units at 100 000 users) took 45 ms of main's CPU, and
 * with the collector's threads marking on the other core it held the
 * event loop 100-130 ms.
 */
export function unitCopier(units: Uint16Array): (keys: readonly string[], at: number) => number {
  if (!LITTLE_ENDIAN) return copyUnitByUnit(units);
  const bytes = Buffer.from(units.buffer, units.byteOffset, units.byteLength);
  return (keys, at) => {
    if (keys.length === 0) return at;
    return at + bytes.write(keys.join(''), at * 2, 'utf16le') / 2;
  };
}

/** `unitCopier`'s copy in script: where units are stored high byte first. */
export function copyUnitByUnit(
  units: Uint16Array,
): (keys: readonly string[], at: number) => number {
  return (keys, at) => {
    let u = at;
    for (const key of keys) for (let i = 0; i < key.length; i++) units[u++] = key.charCodeAt(i);
    return u;
  };
}

/** What a load brought: read-only but for `live`. */
interface Loaded {
  units: Uint16Array;
  /** Where key `e` starts in `units` (one past the last: its end). */
  keyStart: Int32Array;
  /** Where slot `s`'s keys start among the keys (one past the last slot's: the end). */
  slotStart: Int32Array;
  /** The slot of key `e`. */
  keySlot: Int32Array;
  /** Key number + 1 by hash, linear probing, one per distinct key (the last of its entries); 0: empty. */
  table: Int32Array;
  /** The entry before `e` with the same key; -1: none. */
  next: Int32Array;
  /** 1 while the slot still has the keys it was loaded with. */
  live: Uint8Array;
}

const EMPTY = new Int32Array(1);

function emptyLoaded(): Loaded {
  return {
    units: new Uint16Array(0),
    keyStart: EMPTY,
    slotStart: EMPTY,
    keySlot: new Int32Array(0),
    table: new Int32Array(1),
    next: new Int32Array(0),
    live: new Uint8Array(0),
  };
}

/** Empty exact keys. */
export function createExactKeys(): ExactKeys {
  const none: readonly string[] & readonly number[] = [];
  /**
   * Slots by key for slots written since the load: most keys name one slot,
   * kept as the number itself (an array per key would be a million arrays).
   * Sharded: one Map of 300 000 keys held the loop 40 ms when it grew.
   */
  const filed = new ShardedStringMap<number | number[]>();
  const rowKeys: (readonly string[] | undefined)[] = [];
  let loaded = emptyLoaded();

  function fileKey(k: string, slot: number): void {
    const had = filed.get(k);
    if (had === undefined) filed.set(k, slot);
    else if (typeof had === 'number') filed.set(k, [had, slot]);
    else had.push(slot);
  }

  function unfileKey(k: string, slot: number): void {
    const had = filed.get(k);
    if (had === undefined) return;
    if (typeof had === 'number') {
      if (had === slot) filed.delete(k);
      return;
    }
    const at = had.indexOf(slot);
    if (at >= 0) had.splice(at, 1);
    if (had.length === 1) filed.set(k, had[0] as number);
    else if (had.length === 0) filed.delete(k);
  }

  function loadedKeyOf(e: number): string {
    const { units, keyStart } = loaded;
    return String.fromCharCode(...units.subarray(keyStart[e], keyStart[e + 1]));
  }

  function isLoaded(slot: number): boolean {
    return loaded.live[slot] === 1;
  }

  function keysOf(slot: number): readonly string[] {
    if (!isLoaded(slot)) return rowKeys[slot] ?? none;
    const out: string[] = [];
    for (
      let e = loaded.slotStart[slot] as number;
      e < (loaded.slotStart[slot + 1] as number);
      e++
    ) {
      out.push(loadedKeyOf(e));
    }
    return out;
  }

  function loadedSlotsOf(key: string, out: number[]): void {
    const { units, keyStart, keySlot, table, next, live } = loaded;
    const mask = table.length - 1;
    for (let h = hashString(key) & mask; ; h = (h + 1) & mask) {
      const cell = table[h] as number;
      if (cell === 0) return;
      let e = cell - 1;
      const from = keyStart[e] as number;
      if ((keyStart[e + 1] as number) - from !== key.length) continue;
      let same = true;
      for (let i = 0; i < key.length; i++) {
        if (units[from + i] !== key.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (; e >= 0; e = next[e] as number) {
        const slot = keySlot[e] as number;
        if (live[slot] === 1) out.push(slot);
      }
      return;
    }
  }

  function* packed(nextSlot: number): Generator<void, PackedKeys> {
    const keyCounts = new Int32Array(nextSlot);
    let keys = 0;
    let units = 0;
    for (let slot = 0; slot < nextSlot; slot++) {
      if (isLoaded(slot)) {
        const from = loaded.slotStart[slot] as number;
        const to = loaded.slotStart[slot + 1] as number;
        keyCounts[slot] = to - from;
        units += (loaded.keyStart[to] as number) - (loaded.keyStart[from] as number);
      } else {
        const own = rowKeys[slot] ?? none;
        keyCounts[slot] = own.length;
        for (const k of own) units += k.length;
      }
      keys += keyCounts[slot] as number;
      if (slot % PACK_STEP_SLOTS === PACK_STEP_SLOTS - 1) yield;
    }
    const keyLengths = new Int32Array(keys);
    const keyUnits = new Uint16Array(units);
    const copy = unitCopier(keyUnits);
    let k = 0;
    let u = 0;
    // Keys of slots written since the load, waiting to be copied in one go.
    const pending: string[] = [];
    let pendingUnits = 0;
    const flush = (): void => {
      u = copy(pending, u);
      pending.length = 0;
      pendingUnits = 0;
    };
    for (let slot = 0; slot < nextSlot; slot++) {
      if (slot % PACK_STEP_SLOTS === PACK_STEP_SLOTS - 1 || pendingUnits >= PACK_STEP_UNITS) {
        flush();
        yield;
      }
      if (isLoaded(slot)) {
        flush();
        const from = loaded.slotStart[slot] as number;
        const to = loaded.slotStart[slot + 1] as number;
        for (let e = from; e < to; e++) {
          keyLengths[k++] = (loaded.keyStart[e + 1] as number) - (loaded.keyStart[e] as number);
        }
        const a = loaded.keyStart[from] as number;
        const b = loaded.keyStart[to] as number;
        keyUnits.set(loaded.units.subarray(a, b), u);
        u += b - a;
        continue;
      }
      for (const key of rowKeys[slot] ?? none) {
        keyLengths[k++] = key.length;
        pending.push(key);
        pendingUnits += key.length;
      }
    }
    flush();
    const { table, next } = yield* hashKeys(yield* keyStartsOf(keyLengths), keyUnits);
    return { keyCounts, keyLengths, keyUnits, table, next };
  }

  /** What a load holds of packed keys (taken over), made a step at a time without touching what is held. */
  function* loadedOf(keys: PackedKeys): Generator<void, Loaded> {
    const slots = keys.keyCounts.length;
    const total = keys.keyLengths.length;
    const slotStart = new Int32Array(slots + 1);
    const keySlot = new Int32Array(total);
    const live = new Uint8Array(slots);
    let e = 0;
    for (let slot = 0; slot < slots; slot++) {
      slotStart[slot] = e;
      const n = keys.keyCounts[slot] as number;
      keySlot.fill(slot, e, e + n);
      if (n !== 0) live[slot] = 1;
      e += n;
      if (slot % PASS_STEP === PASS_STEP - 1) yield;
    }
    slotStart[slots] = e;
    yield;
    const keyStart = yield* keyStartsOf(keys.keyLengths);
    const { keyUnits: units, table, next } = keys;
    return { units, keyStart, slotStart, keySlot, table, next, live };
  }

  function* restore(keys: PackedKeys): Generator<void> {
    filed.clear();
    rowKeys.length = 0;
    loaded = yield* loadedOf(keys);
  }

  function* compact(nextSlot: number, changed: () => boolean): Generator<void, boolean> {
    const keys = yield* packed(nextSlot);
    if (changed()) return false;
    const next = yield* loadedOf(keys);
    if (changed()) return false;
    // In one step: every search sees the keys either all filed or all packed.
    filed.clear();
    rowKeys.length = 0;
    loaded = next;
    return true;
  }

  return {
    add(slot, keys) {
      if (isLoaded(slot)) loaded.live[slot] = 0;
      for (const k of keys) fileKey(k, slot);
      rowKeys[slot] = keys;
    },
    remove(slot, keys) {
      if (isLoaded(slot)) loaded.live[slot] = 0;
      else for (const k of keys) unfileKey(k, slot);
      rowKeys[slot] = none;
    },
    keysOf,
    slotsOf(key) {
      const out: number[] = [];
      if (loaded.keySlot.length > 0) loadedSlotsOf(key, out);
      const had = filed.get(key);
      if (had === undefined) return out.length === 0 ? none : out;
      if (typeof had === 'number') out.push(had);
      else for (const s of had) out.push(s);
      return out;
    },
    clear() {
      filed.clear();
      rowKeys.length = 0;
      loaded = emptyLoaded();
    },
    packed,
    restore,
    compact,
    typedBytes: () =>
      loaded.units.byteLength +
      loaded.keyStart.byteLength +
      loaded.slotStart.byteLength +
      loaded.keySlot.byteLength +
      loaded.table.byteLength +
      loaded.next.byteLength +
      loaded.live.byteLength,
  };
}
