/**
 * The bulk build of the n-grams and word starts (search/bulk-postings.ts
 * and text-bulk.ts, `deferTextToRebuild` / `rebuildText`): its packed
 * postings are exactly the slots each key was met in, text-bulk.ts's are
 * those of the same passes with every key hashed, and an index built that
 * way answers every query as one built row by row, writes during its
 * passes included.
 */
import { describe, expect, it } from 'vitest';
import { BulkTable, runPasses } from '@core/search/bulk-postings';
import { pairKey, tripleKey } from '@core/search/ngram-keys';
import { isWordStart } from '@core/search/relevance';
import { buildNgramTables, buildStartTables } from '@core/search/text-bulk';
import type { PackedPostings } from '@core/search/posting-table';
import { createSearchIndex, type IndexedRow, type SearchIndex } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import { makeUser, searchQuery } from './cache-fixtures';
import { people, QUERIES } from './index-fixtures';

/** Runs a generator to its end, counting its yields. */
function drive<T>(g: Generator<void, T>): { value: T; steps: number } {
  let steps = 0;
  for (;;) {
    const r = g.next();
    if (r.done) return { value: r.value, steps };
    steps++;
  }
}

/** Files one key of table `table` for the slot being visited. */
type EmitKey = (table: number, key: number) => void;

/** Visits slot `slot`, emitting every key it holds in each table. */
type VisitSlot = (slot: number, emit: EmitKey) => void;

/**
 * The bulk passes (bulk-postings.ts) over `tables` new tables with every
 * key hashed (`BulkTable.idOf`): what text-bulk.ts must give, byte for byte.
 */
function buildPackedPostings(
  tables: number,
  slots: number,
  words: number,
  visit: VisitSlot,
  slotsPerStep: number,
): Generator<void, PackedPostings[]> {
  const built = Array.from({ length: tables }, () => new BulkTable());
  let filling = false;
  let slot = 0;
  const emit: EmitKey = (table, key) => {
    const t = built[table] as BulkTable;
    if (filling) t.fillSlot(t.idOf(key), slot);
    else t.countSlot(t.idOf(key), slot);
  };
  return runPasses(
    built,
    slots,
    words,
    (at, fill) => {
      slot = at;
      filling = fill;
      visit(at, emit);
    },
    slotsPerStep,
  );
}

/** Every key's slots, read back from packed postings. */
function slotsByKey(p: PackedPostings): Map<number, number[]> {
  const out = new Map<number, number[]>();
  let at = 0;
  p.keys.forEach((key, e) => {
    const length = p.lengths[e] as number;
    const slots: number[] = [];
    if (p.kinds[e] === 1) {
      for (let w = 0; w < length; w++) {
        for (let b = 0; b < 32; b++)
          if (((p.data[at + w] as number) >>> b) & 1) slots.push(w * 32 + b);
      }
    } else {
      for (let i = 0; i < length; i++) slots.push(p.data[at + i] as number);
    }
    expect(slots).toHaveLength(p.counts[e] as number);
    out.set(key, slots);
    at += length;
  });
  return out;
}

describe('the bulk passes, every key hashed', () => {
  it('files each slot once under each key it emits, as lists or, past `words`, bitsets', () => {
    // Slot s emits key s % 3 in table 0 (twice: a repeat counts once), and
    // in table 1 a 48-bit key when s is even and key 99 for slot 42; slot 5 is free.
    const visit: VisitSlot = (slot, emit) => {
      if (slot === 5) return;
      emit(0, slot % 3);
      emit(0, slot % 3);
      if (slot % 2 === 0) emit(1, 7 * 2 ** 40);
      if (slot === 42) emit(1, 99);
    };
    const { value: packed, steps } = drive(buildPackedPostings(2, 100, 4, visit, 10));
    // Two passes of 100 slots, a yield every 10; per table, its layout (3
    // steps, 1 for its few units of data, 1 for its cursors), 1 after it,
    // and its copy (2).
    expect(steps).toBe(20 + 2 * (3 + 1 + 1 + 1 + 2));
    const [first, second] = packed.map(slotsByKey) as [
      Map<number, number[]>,
      Map<number, number[]>,
    ];
    const expected = (keep: (s: number) => boolean): number[] =>
      Array.from({ length: 100 }, (_, s) => s).filter((s) => s !== 5 && keep(s));
    expect([...first.keys()]).toEqual([0, 1, 2]);
    for (const k of [0, 1, 2]) expect(first.get(k)).toEqual(expected((s) => s % 3 === k));
    expect(second.get(7 * 2 ** 40)).toEqual(expected((s) => s % 2 === 0));
    expect(second.get(99)).toEqual([42]);
    // More slots than 4 words is a bitset; one slot stays a list.
    expect(Array.from(packed[0]?.kinds ?? [])).toEqual([1, 1, 1]);
    expect(Array.from(packed[1]?.kinds ?? [])).toEqual([1, 0]);
    // Table 0 alone.
    const visitFirst: VisitSlot = (slot, emit) =>
      visit(slot, (table, key) => {
        if (table === 0) emit(table, key);
      });
    const wide = drive(buildPackedPostings(1, 100, 40, visitFirst, 50)).value[0] as PackedPostings;
    expect(Array.from(wide.kinds)).toEqual([0, 0, 0]);
    expect(slotsByKey(wide).get(1)).toEqual(expected((s) => s % 3 === 1));
    // A bitset always holds every slot, whatever `words` says.
    const narrow = drive(buildPackedPostings(1, 100, 0, visitFirst, 50)).value[0] as PackedPostings;
    expect(Array.from(narrow.kinds)).toEqual([1, 1, 1]);
    expect(Array.from(narrow.lengths)).toEqual([4, 4, 4]);
    expect(slotsByKey(narrow).get(2)).toEqual(expected((s) => s % 3 === 2));
  });
});

describe('a large bulk table', () => {
  it('is laid out in steps, its data written through a quarter of a megabyte at a time', () => {
    const table = new BulkTable();
    const id = table.append(7);
    // 256 KB is 65 536 slots.
    const slots = 2 * (1 << 16) + 5;
    for (let s = 0; s < slots; s++) table.countSlot(id, s);
    // Fewer slots than `words`: a list of every slot.
    const { steps } = drive(table.layOut(slots + 1, 1));
    // Its arrays, their offsets, its data made, then written through in 3 pieces, then its cursors.
    expect(steps).toBe(3 + 3 + 1);
    expect(table.data.length).toBe(slots);
    expect(Array.from(table.kinds)).toEqual([0]);
  });

  it('lays out many keys in steps, their fresh arrays written a few hundred kilobytes at a time', () => {
    const table = new BulkTable();
    // 32 768 keys a step (9 bytes of arrays each): two and a bit steps' worth.
    const keys = 2 * (1 << 15) + 5;
    for (let k = 0; k < keys; k++) table.countSlot(table.append(k), k);
    const { steps } = drive(table.layOut(2, 1));
    // Arrays made; offsets in 3 steps; data made; data (a slot a key) written through in 2; cursors in 3.
    expect(steps).toBe(1 + 3 + 1 + 2 + 3);
    expect(Array.from(table.starts.subarray(keys - 3))).toEqual([keys - 3, keys - 2, keys - 1]);
    expect(Array.from(table.cursors)).toEqual(Array.from(table.starts));
  });
});

/** Unit IDs given in the order units are first met, as ngram-postings.ts gives them. */
function unitIds(): { ids: Int32Array; idOf: (unit: number) => number } {
  const ids = new Int32Array(0x10000);
  let count = 0;
  return {
    ids,
    idOf: (unit) => {
      if (ids[unit] === 0) ids[unit] = ++count;
      return ids[unit] as number;
    },
  };
}

/** The n-grams of the index, as a generic visit: every unit, pair and triple of a line. */
function ngramVisit(texts: readonly string[], idOf: (unit: number) => number): VisitSlot {
  return (slot, emit) => {
    const text = texts[slot] as string;
    let prev = -1;
    let prev2 = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        prev = -1;
        prev2 = -1;
        continue;
      }
      emit(0, c);
      const u = idOf(c);
      if (prev >= 0) {
        emit(1, pairKey(prev, u));
        if (prev2 >= 0) emit(2, tripleKey(prev2, prev, u));
      }
      prev2 = prev;
      prev = u;
    }
  };
}

/** The word starts of the index, as a generic visit: each start's first 1-3 units within a line. */
function startsVisit(names: readonly string[], hays: readonly string[]): VisitSlot {
  const emitStarts = (text: string, base: number, emit: EmitKey): void => {
    for (let at = 0; at < text.length; at++) {
      if (!isWordStart(text, at)) continue;
      let key = 0;
      for (let n = 1; n <= 3 && at + n <= text.length; n++) {
        const c = text.charCodeAt(at + n - 1);
        if (c === 10) break;
        key = key * 0x10000 + c;
        emit(base + n - 1, key);
      }
    }
  };
  return (slot, emit) => {
    emitStarts(names[slot] as string, 0, emit);
    emitStarts(hays[slot] as string, 3, emit);
  };
}

/** Expects packed tables equal, array by array. */
function expectSamePacked(built: PackedPostings[], expected: PackedPostings[]): void {
  expect(built).toHaveLength(expected.length);
  built.forEach((p, table) => {
    const q = expected[table] as PackedPostings;
    for (const part of ['keys', 'counts', 'kinds', 'lengths', 'data'] as const) {
      expect(Array.from(p[part]), `table ${table} ${part}`).toEqual(Array.from(q[part]));
    }
  });
}

describe('the bulk builds of the text tables', () => {
  // A seeded walk over 3 000 CJK units (past the 1 023 unit IDs that take
  // the direct paths), Latin words, line breaks, repeats, a surrogate pair
  // and free slots, after the people's haystacks.
  let seed = 7;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const mixed = Array.from({ length: 400 }, (_, slot) => {
    if (slot % 37 === 0) return '';
    const parts: string[] = [];
    for (let w = 0; w < 6; w++) {
      const cjk = next(2) === 0;
      const length = 1 + next(6);
      parts.push(
        Array.from({ length }, () =>
          String.fromCharCode(cjk ? 0x4e00 + next(3000) : 0x61 + next(26)),
        ).join(''),
      );
    }
    return `${parts.slice(0, 3).join(' ')}\n${parts.slice(3).join('')}aaa\u{1F600}`;
  });
  const texts = [...people().map((u) => searchRowOf(u).searchText), ...mixed];

  const names = texts.map((t) => t.split('\n')[0] as string);

  for (const directPairs of [undefined, 5]) {
    const which = `${directPairs ?? 'default'} direct pairs`;
    it(`n-grams: the same postings and unit IDs as the generic build (${which})`, () => {
      const generic = unitIds();
      const expected = drive(
        buildPackedPostings(3, texts.length, 8, ngramVisit(texts, generic.idOf), 16),
      );
      const bulk = unitIds();
      const built = drive(buildNgramTables(texts, 8, bulk.idOf, 16, directPairs));
      expect(built.steps).toBe(expected.steps);
      expect(Array.from(bulk.ids)).toEqual(Array.from(generic.ids));
      // More than 1 023 units were met: the hashed paths ran too.
      expect(Math.max(...bulk.ids)).toBeGreaterThan(1024);
      expectSamePacked(built.value, expected.value);
    });

    it(`word starts: the same postings as the generic build (${which})`, () => {
      const expected = drive(
        buildPackedPostings(6, texts.length, 8, startsVisit(names, texts), 16),
      );
      const built = drive(buildStartTables(names, texts, 8, 16, directPairs));
      expect(built.steps).toBe(expected.steps);
      // Starts of 1, 2 and 3 units in names and haystacks, over more than
      // 1 023 distinct units: the hashed paths ran too.
      expect(built.value.every((p) => p.keys.length > 0)).toBe(true);
      const units = new Set(
        Array.from(built.value[5]?.keys ?? []).flatMap((k) => [
          Math.floor(k / 2 ** 32),
          Math.floor(k / 2 ** 16) % 2 ** 16,
          k % 2 ** 16,
        ]),
      );
      expect(units.size).toBeGreaterThan(1024);
      expectSamePacked(built.value, expected.value);
    });
  }
});

const rowsOf = (users: ReturnType<typeof makeUser>[], from = 1): IndexedRow[] =>
  users.map((u, i) => ({ ...searchRowOf(u), rowId: from + i }));

/** Text queries that reach every n-gram length and the relevance tables. */
const TEXT_QUERIES = [
  ...QUERIES,
  ...[
    'z',
    'zo',
    'zoë',
    'ив',
    'иван пе',
    'strasse',
    'o"n',
    'x:y',
    'fin',
    'u12',
    '@corp',
    'zz top',
  ].map((text) => searchQuery({ text, limit: 2000 })),
  ...['zoë', 'иван', 'u12@example.org', '1004', 'zz'].map((text) =>
    searchQuery({ text, sort: 'relevance', limit: 2000 }),
  ),
];

function expectSameAnswers(bulk: SearchIndex, rowByRow: SearchIndex): void {
  for (const q of TEXT_QUERIES) {
    const { offset: _o, limit: _l, ...spec } = q;
    expect(bulk.searchAll(spec), q.text).toEqual(rowByRow.searchAll(spec));
    const withFacets = { ...q, facets: true };
    expect(bulk.search(withFacets), q.text).toEqual(rowByRow.search(withFacets));
  }
  const a = bulk.stats();
  const b = rowByRow.stats();
  expect([a.rows, a.unigrams, a.bigrams, a.trigrams]).toEqual([
    b.rows,
    b.unigrams,
    b.bigrams,
    b.trigrams,
  ]);
}

const pauseEveryTurn = async (): Promise<boolean> => {
  await new Promise((resolve) => setImmediate(resolve));
  return true;
};

describe('the bulk text build of the index', () => {
  it('answers as an index built row by row', async () => {
    const rows = rowsOf(people());
    const rowByRow = createSearchIndex();
    for (let i = 0; i < rows.length; i += 64) rowByRow.upsert(rows.slice(i, i + 64));
    const bulk = createSearchIndex();
    bulk.deferOrdersToRebuild();
    bulk.deferTextToRebuild();
    for (let i = 0; i < rows.length; i += 64) bulk.upsert(rows.slice(i, i + 64));
    expect(await bulk.rebuildText(pauseEveryTurn, 0)).toBe(true);
    expect(await bulk.rebuildOrders(pauseEveryTurn, 0)).toBe(true);
    expectSameAnswers(bulk, rowByRow);
    // Later writes land in the built tables as in the others.
    const later = rowsOf(
      [makeUser({ userId: '99', name: 'Zz Top', email: 'zz@corp.example.net' })],
      9000,
    );
    for (const index of [bulk, rowByRow]) {
      index.upsert(later);
      index.upsert([{ ...(rows[3] as IndexedRow), searchText: 'zoë zz renamed', sortName: 'Zz' }]);
      index.remove([10, 11]);
    }
    expectSameAnswers(bulk, rowByRow);
  });

  // 9 000 rows: the texts are copied in steps of 4 096 slots, so the first
  // writes land while the copy runs, before and after their slots are copied.
  it.each([1500, 9000])(
    'catches up with rows written, renamed, removed and added while its passes run (%i rows)',
    async (count) => {
      const rows = rowsOf(people(count));
      const rowByRow = createSearchIndex();
      rowByRow.upsert(rows);
      const bulk = createSearchIndex();
      bulk.deferOrdersToRebuild();
      bulk.deferTextToRebuild();
      bulk.upsert(rows);
      const renamed = {
        ...(rows[20] as IndexedRow),
        searchText: 'иван zz\nzz@corp',
        sortName: 'Иван Zz',
      };
      const added = rowsOf(
        [makeUser({ userId: '77', name: 'Zoë Zz', email: 'zz@example.org' })],
        5000,
      );
      const late = {
        ...(rows[count - 10] as IndexedRow),
        searchText: 'late zz\nlate@corp',
        sortName: 'Late Zz',
      };
      const writes: ((index: SearchIndex) => void)[] = [
        (index) => index.upsert([late, renamed]),
        (index) => index.remove([2, 3, 1400]),
        (index) => index.upsert(added),
        // Takes a slot freed above: its text goes from the removed row's to this one's.
        (index) => index.upsert(rowsOf([makeUser({ userId: '78', name: 'Strasse Zz' })], 5001)),
        (index) => index.upsert([{ ...renamed, searchText: 'back to zoë' }]),
      ];
      let pauses = 0;
      const done = bulk.rebuildText(async () => {
        const write = writes[pauses++];
        if (write) {
          write(bulk);
          write(rowByRow);
        }
        await new Promise((resolve) => setImmediate(resolve));
        return true;
      }, 0);
      expect(await done).toBe(true);
      // Every write landed mid-way: there were more pauses than writes.
      expect(pauses).toBeGreaterThan(writes.length);
      expect(await bulk.rebuildOrders(pauseEveryTurn, 0)).toBe(true);
      expectSameAnswers(bulk, rowByRow);
      expect(bulk.search(searchQuery({ text: 'late zz' })).total).toBe(1);
    },
  );

  it('sorts in step with rows renamed at every pause, and rows that grow it while the orders are installed', async () => {
    const rows = rowsOf(people());
    const deferred = (): SearchIndex => {
      const index = createSearchIndex();
      index.deferOrdersToRebuild();
      index.upsert(rows);
      return index;
    };
    // How many pauses a rebuild of these rows makes: the last ones install the orders.
    let quiet = 0;
    const counted = deferred();
    expect(
      await counted.rebuildOrders(async () => {
        quiet++;
        return pauseEveryTurn();
      }, 0),
    ).toBe(true);
    const bulk = deferred();
    const rowByRow = createSearchIndex();
    rowByRow.upsert(rows);
    // Past the capacity of 2 048 slots: the buffers made for the orders are too small.
    const grown = rowsOf(people(700), 20_000).map((r) => ({ ...r, sortName: `Aa ${r.sortName}` }));
    let pauses = 0;
    const done = bulk.rebuildOrders(async () => {
      const k = pauses++;
      const row = rows[(k * 37) % rows.length] as IndexedRow;
      // A new name and join time: its keys differ between the column copies.
      const renamed = { ...row, sortName: `Mid ${k}`, joinedAt: k * 1000, roleRank: k % 5 };
      for (const index of [bulk, rowByRow]) {
        index.upsert([renamed]);
        if (k === quiet - 2) index.upsert(grown);
      }
      return pauseEveryTurn();
    }, 0);
    expect(await done).toBe(true);
    expect(pauses).toBe(quiet);
    expectSameAnswers(bulk, rowByRow);
    for (const sort of ['name', 'joined', 'role', 'lastActive'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const { offset: _o, limit: _l, ...all } = searchQuery({ sort, direction });
        expect(bulk.searchAll(all), `${sort} ${direction}`).toEqual(rowByRow.searchAll(all));
      }
    }
  });

  it('stays deferred when told to stop, and a clear ends it', async () => {
    const bulk = createSearchIndex();
    bulk.deferOrdersToRebuild();
    bulk.deferTextToRebuild();
    bulk.upsert(rowsOf(people(300)));
    expect(await bulk.rebuildText(async () => false, 0)).toBe(false);
    // Asked again, it builds from the start.
    expect(await bulk.rebuildText(pauseEveryTurn, 0)).toBe(true);
    expect(await bulk.rebuildOrders(pauseEveryTurn, 0)).toBe(true);
    const rowByRow = createSearchIndex();
    rowByRow.upsert(rowsOf(people(300)));
    expectSameAnswers(bulk, rowByRow);

    const cleared = createSearchIndex();
    cleared.deferTextToRebuild();
    cleared.upsert(rowsOf(people(300)));
    const stopped = cleared.rebuildText(async () => {
      cleared.clear();
      return true;
    }, 0);
    expect(await stopped).toBe(false);
    // After the clear the index is an ordinary one: rows are indexed as they come.
    cleared.upsert(rowsOf(people(300)));
    expectSameAnswers(cleared, rowByRow);
  });

  it('is not deferred over an index that holds rows', async () => {
    const index = createSearchIndex();
    index.upsert(rowsOf(people(50)));
    index.deferTextToRebuild();
    index.upsert(rowsOf([makeUser({ userId: '9', name: 'Zz Top' })], 100));
    // Searchable at once, with no rebuild.
    expect(index.search(searchQuery({ text: 'zz top' })).total).toBe(1);
    expect(await index.rebuildText(async () => false, 0)).toBe(true);
  });
});
