/**
 * The index's row ID → slot table, in pages of a typed array addressed by
 * row ID. A Map grows by rehashing every entry at once: at 262 144 rows
 * that took 17 ms on its own, and 41-46 ms inside one step of a profiled
 * start from the saved index (300 000 users). Sharding the Map did not
 * help: row IDs come in order, so every shard reached its next size in the
 * same slice. Here a page is added when its first row ID arrives, and
 * nothing is ever moved.
 *
 * SQLite gives a new row the largest row ID plus one, so pages fill up but
 * for the gaps removed rows leave. A key that is not a non-negative safe
 * integer (no row ID is) goes to a plain Map, so the table stays correct
 * for any number.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */

/** Row IDs per page: 16 KB of slots. */
const PAGE = 4096;

/** Row ID → slot; the part of Map the index uses. */
export class RowSlots {
  /** Page number → slot + 1 by row ID within the page (0: none). */
  private readonly pages = new Map<number, Int32Array>();
  private readonly others = new Map<number, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(rowId: number): number | undefined {
    if (!paged(rowId)) return this.others.get(rowId);
    const page = this.pages.get(Math.floor(rowId / PAGE));
    const held = page ? (page[rowId % PAGE] as number) : 0;
    return held === 0 ? undefined : held - 1;
  }

  has(rowId: number): boolean {
    return this.get(rowId) !== undefined;
  }

  /** `slot` must be a non-negative 31-bit integer (it is stored plus one in an Int32Array). */
  set(rowId: number, slot: number): void {
    if (!paged(rowId)) {
      if (!this.others.has(rowId)) this.count++;
      this.others.set(rowId, slot);
      return;
    }
    const n = Math.floor(rowId / PAGE);
    let page = this.pages.get(n);
    if (!page) this.pages.set(n, (page = new Int32Array(PAGE)));
    const at = rowId % PAGE;
    if (page[at] === 0) this.count++;
    page[at] = slot + 1;
  }

  delete(rowId: number): void {
    if (!paged(rowId)) {
      if (this.others.delete(rowId)) this.count--;
      return;
    }
    const page = this.pages.get(Math.floor(rowId / PAGE));
    const at = rowId % PAGE;
    if (!page || page[at] === 0) return;
    page[at] = 0;
    this.count--;
  }

  clear(): void {
    this.pages.clear();
    this.others.clear();
    this.count = 0;
  }
}

/** Row IDs as SQLite hands them out: addressed by page. */
function paged(rowId: number): boolean {
  return Number.isSafeInteger(rowId) && rowId >= 0;
}
