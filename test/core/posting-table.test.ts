// Issue 17: a posting table over a saved index's arrays (search/posting-table.ts)
// behaves as the Map it stands in for: every key answers its posting, writes
// after the load land once and stick, deletes are forgotten, and what it
// lists (for the next save) is exactly what a Map written the same way holds.
import { PostingTable, type PackedPostings } from '@core/search/posting-table';
import { createPostingPool, postingHas, type Posting } from '@core/search/postings';

const WORDS = 4; // 128 slots

/** A Map written through a pool, packed as a snapshot carries it. */
function built(): { map: Map<number, Posting>; packed: PackedPostings } {
  const pool = createPostingPool();
  const map = new Map<number, Posting>();
  for (let slot = 0; slot < 128; slot++) {
    for (const key of [slot % 5, 1000 + (slot % 40), 2 ** 40 + slot, -7 - (slot % 3)]) {
      pool.addToKey(map, key, slot, WORDS);
    }
  }
  const keys = [...map.keys()];
  const list = [...map.values()];
  const lengths = list.map((p) => (p.bits ? p.bits.length : p.count));
  const data = new Int32Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  list.forEach((p, i) => {
    if (p.bits) data.set(new Int32Array(p.bits.buffer, p.bits.byteOffset, p.bits.length), at);
    else data.set((p.list as Int32Array).subarray(0, p.count), at);
    at += lengths[i] as number;
  });
  return {
    map,
    packed: {
      keys: Float64Array.from(keys),
      counts: Int32Array.from(list.map((p) => p.count)),
      kinds: Uint8Array.from(list.map((p) => (p.bits ? 1 : 0))),
      lengths: Int32Array.from(lengths),
      data,
    },
  };
}

function over(packed: PackedPostings): PostingTable {
  const steps = PostingTable.over(packed);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Each key's slots, sorted by key. */
function contents(entries: Iterable<[number, Posting]>): [number, number[]][] {
  const out: [number, number[]][] = [];
  for (const [k, p] of entries) {
    const slots: number[] = [];
    for (let s = 0; s < 128; s++) if (postingHas(p, s)) slots.push(s);
    expect(slots.length).toBe(p.count);
    out.push([k, slots]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

describe('a posting table over packed postings', () => {
  it('answers, takes writes and lists what a Map written the same way holds', () => {
    const { map, packed } = built();
    const table = over(packed);
    expect(table.size).toBe(map.size);
    expect(contents(table.entries())).toEqual(contents(map.entries()));
    expect(table.get(12345)).toBeUndefined();
    // Bitsets (the common keys) are made objects once, for the pool to grow.
    expect(table.bitsets().length).toBe([...map.values()].filter((p) => p.bits).length);
    expect(table.bitsets()[0]).toBe(table.bitsets()[0]);

    const pool = createPostingPool();
    const write = (t: PostingTable | Map<number, Posting>): void => {
      pool.addToKey(t, 2 ** 40 + 3, 100, WORDS); // a packed list grows
      pool.addToKey(t, 777, 5, WORDS); // a new key
      pool.removeFromKey(t, 2 ** 40 + 7, 7); // a packed key emptied: dropped
      pool.removeFromKey(t, 1, 1); // a packed bitset loses a slot
      pool.removeFromKey(t, 1000, 0);
      pool.removeFromKey(t, 1000, 40);
      pool.removeFromKey(t, 1000, 80);
      pool.removeFromKey(t, 1000, 120);
      pool.addToKey(t, 1000, 9, WORDS); // emptied, then filed again
    };
    write(map);
    write(table);
    expect(table.get(2 ** 40 + 7)).toBeUndefined();
    expect(table.size).toBe(map.size);
    expect(contents(table.entries())).toEqual(contents(map.entries()));
    // Asked twice, the same posting: a write through one answer is seen by the next.
    expect(table.get(-7)).toBe(table.get(-7));
  });

  it('refuses a key packed twice', () => {
    const { packed } = built();
    packed.keys[1] = packed.keys[0] as number;
    expect(() => over(packed)).toThrow();
  });
});
