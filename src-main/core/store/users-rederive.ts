/**
 * Deriving cached users again: the rows an older version of this code
 * derived (`users.derived_version` below DERIVATION_VERSION, every row of an
 * older file included) get their user, card and search columns from a
 * `derive` function (services/rederive.ts runs the normalizers over the
 * stored payload), written the way a sync writes them (users-rows.ts
 * `columnsOf`), with when they were fetched, seen and gone and the payload
 * itself left as they were. Slices of a few milliseconds, each one
 * transaction, yield to the event loop in between; every row carries its
 * version, so work cut short (a crash, a quit) goes on at the next start
 * where it stopped. The search index learns every row like any write.
 *
 * Node only; never imports `electron`.
 */
import type { DirectoryUser, Presence } from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { DERIVATION_VERSION } from './derivation';
import { cacheFailure } from './sqlite-errors';
import { inTransaction } from './sqlite-helpers';
import {
  identityOf,
  parseJsonText,
  parseStoredPresence,
  parseStoredUser,
  type RowIdentity,
} from './stored-users';
import type { IndexChange } from './users-index-sync';
import {
  checkWrite,
  hashRederived,
  rewriteDerived,
  type Row,
  type UsersAccess,
} from './users-rows';
import type { UsersWriter } from './users-write';

/** A row an older version derived, as `derive` sees it. */
export interface UnderivedRow {
  rowId: number;
  /** The version that derived it (0: a file older than versions). */
  version: number;
  identity: RowIdentity;
  /** Its connection, as the normalizers need it. */
  connection: { kind: unknown; baseUrl: string; demo: boolean };
  fetchedAt: number;
  goneAt: number | null;
  /** The payload as the server sent it (redacted); `undefined` when it is not JSON. */
  raw(): unknown;
  /** The stored user, parsed with defaults (stored-users.ts); null when unreadable. */
  stored(): DirectoryUser | null;
  /** The stored user's presence alone (cheaper than `stored()`); null when none or unreadable. */
  storedPresence(): Presence | null;
}

/** What `derive` made of a row: its user now, or null to leave the row as it is. */
export type DeriveRow = (row: UnderivedRow) => DirectoryUser | null;

/** How a re-derivation went. */
export interface RederiveCounts {
  /** Rows written with their new derivation and stamped with this version. */
  rederived: number;
  /** Rows left as they were (`derive` gave nothing, or something that cannot be stored). */
  skipped: number;
  /** Slices run, each one transaction between two turns of the event loop. */
  slices: number;
  /** Longest a slice held the event loop, commit and index update included (ms). */
  longestSliceMs: number;
}

/** Options of `rederiveRows`. */
export interface RederiveOptions {
  /** Stops between slices; what was committed stays (and is not done again). */
  signal?: AbortSignal;
  /** Most rows one slice takes (default 200). */
  sliceRows?: number;
  /** A slice stops taking rows once it has run this long (default 8 ms). */
  sliceBudgetMs?: number;
  /** Called after each committed slice. */
  onSlice?: (slice: { rows: number; ms: number; counts: RederiveCounts }) => void;
}

/** Default time budget of one slice (ms): well under a frame, like the batch writes. */
const REDERIVE_SLICE_MS = 8;
/** Default most rows of one slice. */
const REDERIVE_SLICE_ROWS = 200;
/** Rows read per statement inside a slice. */
const READ_ROWS = 16;
/** Changes let pile up before merging them into the index's sort orders. */
const ORDER_MERGE_ROWS = 500;

const SQL = {
  // Oldest version first, then by row ID: the order of users_by_derived_version.
  next: `SELECT u.row_id, u.derived_version, u.connection_id, u.user_id, u.kind, u.name, u.role,
      u.is_bot, u.deactivated, coalesce(s.fetched_at, u.fetched_at) AS fetched_at, u.gone_at,
      p.user_json, p.raw_json, p.raw_parts,
      CASE WHEN json_valid(p.user_json) THEN json_extract(p.user_json, '$.presence') END
        AS stored_presence,
      c.kind AS connection_kind, c.base_url, c.demo
    FROM users u
    JOIN connections c ON c.id = u.connection_id
    LEFT JOIN user_payloads p ON p.row_id = u.row_id
    LEFT JOIN user_seen s ON s.row_id = u.row_id
    WHERE u.derived_version < ? AND (u.derived_version, u.row_id) > (?, ?)
    ORDER BY u.derived_version, u.row_id LIMIT ?`,
  count: 'SELECT count(*) AS n FROM users WHERE derived_version < ?',
};

/** A row of `SQL.next` as `derive` sees it; its JSON is parsed only if asked for. */
function underivedOf(r: Row): UnderivedRow {
  const identity = identityOf(r);
  let stored: DirectoryUser | null | undefined;
  return {
    rowId: Number(r.row_id),
    version: Number(r.derived_version),
    identity,
    connection: {
      kind: r.connection_kind,
      baseUrl: String(r.base_url),
      demo: r.demo === 1,
    },
    fetchedAt: Number(r.fetched_at),
    goneAt: r.gone_at === null ? null : Number(r.gone_at),
    raw: () => parseJsonText(r.raw_json),
    stored: () =>
      stored === undefined ? (stored = parseStoredUser(r.user_json, identity)) : stored,
    storedPresence: () => parseStoredPresence(r.stored_presence),
  };
}

/** Whether `user` may replace the row's derivation: storable, and the same user of the same connection. */
function fits(row: UnderivedRow, user: DirectoryUser): boolean {
  if (user.connectionId !== row.identity.connectionId || user.userId !== row.identity.userId) {
    return false;
  }
  try {
    checkWrite({ user, raw: null, fetchedAt: row.fetchedAt }, 0);
    return true;
  } catch {
    return false;
  }
}

/** Rows an older version derived: what `rederiveRows` has left to do. */
export function countUnderived(access: UsersAccess): number {
  return access.reading('read the cache', () =>
    Number((access.stmt(SQL.count).get(DERIVATION_VERSION) as Row).n),
  );
}

/** Where a run stands: past this (version, row ID) every row was done or passed over. */
interface Cursor {
  version: number;
  rowId: number;
}

/**
 * One slice, in one transaction: rows after `cursor`, derived and written
 * until `maxRows` or `budget` ms; what the index must learn goes to
 * `changes`. Says how many rows it took and whether none are left.
 */
function rederiveSlice(
  access: UsersAccess,
  derive: DeriveRow,
  run: { cursor: Cursor; counts: RederiveCounts; changes: IndexChange[]; indexed: boolean },
  limits: { maxRows: number; budget: number; started: number },
): { taken: number; exhausted: boolean } {
  const { cursor, counts, changes, indexed } = run;
  let taken = 0;
  let exhausted = false;
  inTransaction(access.db, () => {
    let due = false;
    while (taken < limits.maxRows && !due && !exhausted) {
      const want = Math.min(READ_ROWS, limits.maxRows - taken);
      const rows = access
        .stmt(SQL.next)
        .all(DERIVATION_VERSION, cursor.version, cursor.rowId, want) as Row[];
      for (const r of rows) {
        const row = underivedOf(r);
        const user = derive(row);
        if (user !== null && fits(row, user)) {
          // A payload in parts derives from its preview (every text cap is shorter).
          const prepared = hashRederived(
            user,
            String(r.raw_json ?? 'null'),
            typeof r.raw_parts === 'string' ? r.raw_parts : null,
            row.fetchedAt,
          );
          rewriteDerived(access, row.rowId, prepared, row.goneAt !== null, changes, indexed);
          counts.rederived++;
        } else {
          counts.skipped++;
        }
        cursor.version = row.version;
        cursor.rowId = row.rowId;
        taken++;
        // The rest of this read is left to the next slice.
        due = performance.now() - limits.started >= limits.budget;
        if (due) break;
      }
      exhausted = !due && rows.length < want;
    }
  });
  return { taken, exhausted };
}

/**
 * Derives again every row an older version derived, with `derive`, in
 * slices (one transaction each, within `sliceBudgetMs`), yielding between
 * them as batch writes do. A row `derive` leaves (or whose result cannot be
 * stored) keeps its data and its old version, and is passed over.
 */
export async function rederiveRows(
  w: UsersWriter,
  derive: DeriveRow,
  options: RederiveOptions = {},
): Promise<RederiveCounts> {
  const { access, sync } = w;
  if (access.cache.readOnly) {
    throw new RollcallFailure(
      rollcallError(
        'CACHE_UNAVAILABLE',
        'The cache is open read-only because a newer version of Rollcall wrote it.',
      ),
    );
  }
  const index = sync.index;
  const maxRows = Math.max(1, options.sliceRows ?? REDERIVE_SLICE_ROWS);
  const budget = options.sliceBudgetMs ?? REDERIVE_SLICE_MS;
  const counts: RederiveCounts = { rederived: 0, skipped: 0, slices: 0, longestSliceMs: 0 };
  const cursor: Cursor = { version: -1, rowId: 0 };
  for (;;) {
    if (options.signal?.aborted) return counts;
    const started = performance.now();
    const changes: IndexChange[] = [];
    let slice: { taken: number; exhausted: boolean };
    try {
      slice = rederiveSlice(
        access,
        derive,
        { cursor, counts, changes, indexed: index !== null },
        { maxRows, budget, started },
      );
    } catch (thrown) {
      // Rolled back: nothing of this slice was written; the next start does it again.
      throw cacheFailure(thrown, 'bring the cached users up to date', access.cache);
    }
    sync.apply(changes);
    const ms = performance.now() - started;
    if (slice.taken > 0) {
      counts.slices++;
      counts.longestSliceMs = Math.max(counts.longestSliceMs, ms);
      options.onSlice?.({ rows: slice.taken, ms, counts: { ...counts } });
    }
    const last = slice.exhausted || slice.taken === 0;
    await w.betweenChunks();
    // The index's sort orders take many slices' changes at once, in a turn of their own.
    if (index && index.pendingOrder >= (last ? 1 : ORDER_MERGE_ROWS)) {
      index.flushOrder();
      if (!last) await w.betweenChunks();
    }
    if (last) return counts;
  }
}
