/**
 * The common pieces of the search index: the accelerator for long terms
 * that match many rows. Substrings that many haystacks share (a field, an
 * email's domain, a word) are counted in hashed buckets, and once common
 * are tracked with the rows that hold them, so a term inside such a piece
 * needs no string check for those rows.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import * as postingOps from './postings';
import type { Posting, PostingPool } from './postings';
import * as slotBits from './slot-bits';
import type { SlotColumns } from './slot-columns';

// Bound once (see slot-bits.ts): these run per piece and per slot.
const { Posting: PostingClass, postingBytes, removeFrom } = postingOps;
const { lowerBound, setBit } = slotBits;

/** Hashed piece counters: 2^20 of them (2 MB). */
const PIECE_BUCKETS = 1 << 20;
/** A piece seen this often is tracked with its rows. */
const PIECE_HOT = 8;
/**
 * Fewest rows a tracked piece must hold for `certainRows` to look at it.
 * Most tracked pieces hold a row or two: their bucket reached `PIECE_HOT`
 * through other pieces' counts (a whole email line that shares its bucket
 * with others). Visiting each of them cost more than the string checks it
 * spared ("example.com" met 4 600 of them at 300 000 users: 1.7 ms a
 * query), and their rows are most often covered by a common piece anyway
 * (the "@example.com" every such line also gives).
 */
const CERTAIN_MIN_ROWS = 32;

/** Letters and digits of any script: what words are made of. */
function isWordUnit(c: number): boolean {
  return (
    c >= 0x80 || (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
  );
}

/**
 * The pieces of a haystack that rows commonly share, each a substring of it
 * at least 3 units long: every line (one field), the part of a line from its
 * last "@" (an email's domain), and every word of a line. Calls `visit` with
 * the piece's bounds and the hash of its units (FNV-1a, bucketed).
 */
function forEachPiece(
  text: string,
  visit: (start: number, end: number, hash: number) => void,
): void {
  const hashOf = (start: number, end: number): number => {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    return (h >>> 0) & (PIECE_BUCKETS - 1);
  };
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (lineEnd - lineStart >= 3) visit(lineStart, lineEnd, hashOf(lineStart, lineEnd));
    const at = text.lastIndexOf('@', lineEnd - 1);
    if (at > lineStart && lineEnd - at >= 3) visit(at, lineEnd, hashOf(at, lineEnd));
    let i = lineStart;
    while (i < lineEnd) {
      while (i < lineEnd && !isWordUnit(text.charCodeAt(i))) i++;
      const wordStart = i;
      while (i < lineEnd && isWordUnit(text.charCodeAt(i))) i++;
      const whole = wordStart === lineStart && i === lineEnd;
      if (i - wordStart >= 3 && !whole) visit(wordStart, i, hashOf(wordStart, i));
    }
    lineStart = lineEnd + 1;
  }
}

/** The common pieces of one index. */
export interface CommonPieces {
  /**
   * Counts a row's pieces in or out, and keeps the rows of every tracked
   * piece. A piece becomes tracked once its (hashed) count reaches
   * `PIECE_HOT`; rows that had it before stay unlisted, which only costs
   * them a string check later, never a wrong answer.
   */
  indexPieces(slot: number, text: string, add: boolean): void;
  /** The rows certain to hold `term`: those with a tracked piece that holds it. Null: none known. */
  certainRows(term: string): Uint32Array | null;
  /** Forgets every count and piece. */
  clear(): void;
  /** Bytes of the pieces' postings. */
  typedBytes(): number;
  /** Pieces tracked. */
  readonly count: number;
  /** What it holds, by reference, for a snapshot (index-state.ts); treat as read-only. */
  state(): PiecesState;
  /** Replaces what it holds with `state` (a snapshot's, checked by its reader). */
  restore(state: PiecesState): void;
}

/** The piece counters and tracked pieces, as a snapshot carries them. */
export interface PiecesState {
  /** `PIECE_BUCKETS` hashed counters. */
  counts: Uint16Array;
  /** `PIECE_BUCKETS` flags: 1 where a tracked piece hashes. */
  tracked: Uint8Array;
  texts: readonly string[];
  /** One per text. */
  postings: readonly Posting[];
}

/** Hashed piece counters a snapshot must carry. */
export const PIECE_COUNTERS = PIECE_BUCKETS;

/** No pieces yet, over `cols`, writing through `pool`. */
export function createCommonPieces(cols: SlotColumns, pool: PostingPool): CommonPieces {
  const { addTo } = pool;
  const pieceCounts = new Uint16Array(PIECE_BUCKETS);
  /** 1 where some piece of the bucket is tracked, so removals look only there. */
  const pieceTracked = new Uint8Array(PIECE_BUCKETS);
  const pieceIndex = new Map<string, number>();
  const pieceTexts: string[] = [];
  /**
   * The tracked pieces of at least `CERTAIN_MIN_ROWS` rows joined by "\n",
   * where each starts and which piece it is; rebuilt when pieces were
   * added or one grew to that size (`blobStale`). A piece that shrank below
   * it stays until then: it only costs a visit.
   */
  let pieceBlob = '';
  let pieceStarts = new Int32Array(0);
  let blobPieces = new Int32Array(0);
  let blobStale = true;
  const piecePostings: Posting[] = [];

  function indexPieces(slot: number, text: string, add: boolean): void {
    const words = cols.words;
    forEachPiece(text, (start, end, hash) => {
      const c = pieceCounts[hash] as number;
      if (add) {
        if (c < 0xffff) pieceCounts[hash] = c + 1;
        if (c + 1 < PIECE_HOT) return;
        const piece = text.slice(start, end);
        let at = pieceIndex.get(piece);
        if (at === undefined) {
          at = pieceTexts.length;
          pieceTexts.push(piece);
          piecePostings.push(new PostingClass());
          pieceIndex.set(piece, at);
          pieceTracked[hash] = 1;
          blobStale = true;
        }
        const p = piecePostings[at] as Posting;
        const before = p.count;
        addTo(p, slot, words);
        if (before < CERTAIN_MIN_ROWS && p.count >= CERTAIN_MIN_ROWS) blobStale = true;
      } else {
        if (c > 0 && c < 0xffff) pieceCounts[hash] = c - 1;
        if (pieceTracked[hash] !== 1) return;
        const at = pieceIndex.get(text.slice(start, end));
        if (at !== undefined) removeFrom(piecePostings[at] as Posting, slot);
      }
    });
  }

  function certainRows(term: string): Uint32Array | null {
    const words = cols.words;
    // One scan of one string, not a visit to every piece: pieces never hold
    // "\n", and a term never does either.
    if (blobStale) {
      const ids: number[] = [];
      for (let i = 0; i < piecePostings.length; i++) {
        if ((piecePostings[i] as Posting).count >= CERTAIN_MIN_ROWS) ids.push(i);
      }
      blobPieces = Int32Array.from(ids);
      pieceStarts = new Int32Array(ids.length);
      let at = 0;
      for (let k = 0; k < ids.length; k++) {
        pieceStarts[k] = at;
        at += (pieceTexts[ids[k] as number] as string).length + 1;
      }
      pieceBlob = ids.map((i) => pieceTexts[i] as string).join('\n');
      blobStale = false;
    }
    const n = blobPieces.length;
    let out: Uint32Array | null = null;
    for (let hit = pieceBlob.indexOf(term); hit >= 0;) {
      const k = lowerBound(pieceStarts, n, hit + 1) - 1;
      const next = k + 1 < n ? (pieceStarts[k + 1] as number) : pieceBlob.length;
      hit = pieceBlob.indexOf(term, next);
      const p = piecePostings[blobPieces[k] as number] as Posting;
      if (p.count === 0) continue;
      out ??= new Uint32Array(words);
      if (p.bits) {
        const b = p.bits;
        const n = Math.min(words, b.length);
        for (let w = 0; w < n; w++) out[w] = (out[w] as number) | (b[w] as number);
      } else {
        const list = p.list as Int32Array;
        for (let j = 0; j < p.count; j++) setBit(out, list[j] as number);
      }
    }
    return out;
  }

  function clear(): void {
    pieceCounts.fill(0);
    pieceTracked.fill(0);
    pieceIndex.clear();
    pieceTexts.length = 0;
    piecePostings.length = 0;
    pieceBlob = '';
    pieceStarts = new Int32Array(0);
    blobPieces = new Int32Array(0);
    blobStale = true;
  }

  function typedBytes(): number {
    let typed = 0;
    for (const p of piecePostings) typed += postingBytes(p);
    return typed;
  }

  function restore(state: PiecesState): void {
    clear();
    pieceCounts.set(state.counts);
    pieceTracked.set(state.tracked);
    state.texts.forEach((text, i) => {
      pieceTexts.push(text);
      piecePostings.push(state.postings[i] as Posting);
      pieceIndex.set(text, i);
    });
  }

  return {
    indexPieces,
    certainRows,
    clear,
    typedBytes,
    state: () => ({
      counts: pieceCounts,
      tracked: pieceTracked,
      texts: pieceTexts,
      postings: piecePostings,
    }),
    restore,
    get count() {
      return pieceTexts.length;
    },
  };
}
