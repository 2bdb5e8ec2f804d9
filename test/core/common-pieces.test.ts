// The common pieces (search/common-pieces.ts) spare the string check of a
// long term for the rows of a tracked piece that holds it. Only pieces of
// many rows are worth a visit: a piece of a few rows is left to the string
// check, and one that grows past the line is visited from then on, even
// when no new piece came since the last query.
import { createCommonPieces } from '@core/search/common-pieces';
import { createPostingPool } from '@core/search/postings';
import { createSlotColumns, growColumns } from '@core/search/slot-columns';
import { hasBit } from '@core/search/slot-bits';

/** Slots set in a bitset, in order. */
function slotsOf(bits: Uint32Array | null): number[] {
  const out: number[] = [];
  if (bits === null) return out;
  for (let s = 0; s < bits.length * 32; s++) if (hasBit(bits, s)) out.push(s);
  return out;
}

describe('common pieces', () => {
  function piecesOver(capacity: number) {
    const cols = createSlotColumns();
    growColumns(cols, capacity);
    return createCommonPieces(cols, createPostingPool());
  }
  // Each row's text: a line of its own, the domain and its words shared.
  const text = (slot: number, domain: string): string => `p${slot}@${domain}`;

  it('leaves the rows of a piece held by few rows to the string check', () => {
    const pieces = piecesOver(1024);
    for (let s = 0; s < 20; s++) pieces.indexPieces(s, text(s, 'team.example.io'), true);
    // Tracked from its 8th row on, but 13 rows are too few to be worth a visit.
    expect(pieces.count).toBeGreaterThan(0);
    expect(certain(pieces, 'team.example')).toEqual([]);
  });

  it('visits a piece once it has grown to many rows, with no new piece since the last query', () => {
    const pieces = piecesOver(1024);
    for (let s = 0; s < 20; s++) pieces.indexPieces(s, text(s, 'team.example.io'), true);
    const tracked = pieces.count;
    expect(certain(pieces, 'team.example')).toEqual([]);
    for (let s = 20; s < 100; s++) pieces.indexPieces(s, text(s, 'team.example.io'), true);
    // The same pieces: only their rows grew.
    expect(pieces.count).toBe(tracked);
    const rows = certain(pieces, 'team.example');
    // Rows from the 8th on (the piece is tracked from there), never a row without it.
    expect(rows).toEqual(Array.from({ length: 93 }, (_, k) => k + 7));
    expect(certain(pieces, 'elsewhere')).toEqual([]);
  });

  it('stops vouching for rows that lost the piece', () => {
    const pieces = piecesOver(1024);
    for (let s = 0; s < 100; s++) pieces.indexPieces(s, text(s, 'team.example.io'), true);
    for (let s = 50; s < 100; s++) {
      pieces.indexPieces(s, text(s, 'team.example.io'), false);
      pieces.indexPieces(s, text(s, 'elsewhere.example.net'), true);
    }
    const rows = certain(pieces, 'team.example');
    expect(rows).toEqual(Array.from({ length: 43 }, (_, k) => k + 7));
  });
});

function certain(pieces: ReturnType<typeof createCommonPieces>, term: string): number[] {
  return slotsOf(pieces.certainRows(term));
}
