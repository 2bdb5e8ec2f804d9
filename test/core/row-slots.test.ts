// The index's row ID → slot table (search/row-slots.ts) holds exactly what a
// Map would, through any sequence of sets, deletes and clears, for row IDs
// as SQLite hands them out (dense, from 1), across page boundaries, far
// apart, and for numbers no row ID is (negative, fractional, unsafe, NaN).
import fc from 'fast-check';
import { RowSlots } from '@core/search/row-slots';

const PAGE = 4096;

const rowId = fc.oneof(
  fc.integer({ min: 0, max: 3 * PAGE }),
  fc.constantFrom(0, PAGE - 1, PAGE, PAGE + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 40, 2 ** 53 - 1),
  fc.constantFrom(-1, -PAGE, 0.5, 2 ** 53, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY),
);

const operation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: rowId, slot: fc.nat({ max: 2 ** 30 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: rowId }),
  fc.record({ kind: fc.constant('clear' as const) }),
);

describe('RowSlots', () => {
  it('answers get, has and size as a Map does, whatever the keys', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), fc.array(rowId), (ops, probes) => {
        const table = new RowSlots();
        const reference = new Map<number, number>();
        for (const op of ops) {
          if (op.kind === 'set') {
            table.set(op.id, op.slot);
            reference.set(op.id, op.slot);
          } else if (op.kind === 'delete') {
            table.delete(op.id);
            reference.delete(op.id);
          } else {
            table.clear();
            reference.clear();
          }
          expect(table.size).toBe(reference.size);
        }
        for (const id of [...probes, ...ops.flatMap((o) => ('id' in o ? [o.id] : []))]) {
          expect(table.get(id)).toBe(reference.get(id));
          expect(table.has(id)).toBe(reference.has(id));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps slot 0 apart from "none", and a row ID that shares a page with others', () => {
    const table = new RowSlots();
    table.set(1, 0);
    table.set(2, 7);
    expect(table.get(1)).toBe(0);
    expect(table.get(2)).toBe(7);
    expect(table.get(3)).toBeUndefined();
    table.delete(1);
    expect(table.has(1)).toBe(false);
    expect(table.get(2)).toBe(7);
    expect(table.size).toBe(1);
  });
});
