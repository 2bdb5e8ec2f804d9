/**
 * The parsed cards of recent search pages, kept so the next page that
 * shows the same users does not parse them again. A search's page of 60
 * cards spent about as long parsing `summary_json` (JSON, the schema, the
 * caps) as reading the rows; typing, scrolling back and clearing the
 * search show the same users over and over.
 *
 * Only the parse is kept, never the row: every page still reads its rows
 * from the cache, and a kept card is used only when the row's
 * `summary_json` and identity columns are exactly those it was parsed
 * from. What is not in them (gone, the bot owner's name) is applied from
 * the row each time. Kept cards are frozen, so no caller can change what
 * the next page returns.
 *
 * Node only; never imports `electron`.
 */
import type { UserSummary } from '@shared/model';
import type { Logger } from '../log';
import { parseStoredCard, SUMMARY_IDENTITY_COLUMNS, withRowState } from './stored-users';
import type { Row } from './users-rows';

/** Cards kept: a few pages' worth for each view the window keeps loaded (40 pages of 60). */
const SUMMARY_MEMO_CARDS = 4096;

/** Parses a row's card, or reuses the card parsed from the same columns. */
export interface SummaryMemo {
  /** `parseSummary(row, log)`, as `stored-users.ts` defines it; `row.row_id` names the row. */
  summaryOf(row: Row, log?: Logger): UserSummary;
  /** Cards kept now (for tests). */
  size(): number;
}

interface Kept {
  json: unknown;
  identity: unknown[];
  card: UserSummary;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function sameIdentity(kept: unknown[], row: Row): boolean {
  for (let i = 0; i < SUMMARY_IDENTITY_COLUMNS.length; i++) {
    if (kept[i] !== row[SUMMARY_IDENTITY_COLUMNS[i] as string]) return false;
  }
  return true;
}

/** A memo of at most `capacity` cards, the least recently used dropped first. */
export function createSummaryMemo(capacity = SUMMARY_MEMO_CARDS): SummaryMemo {
  const kept = new Map<number, Kept>();
  return {
    summaryOf(row, log) {
      const rowId = Number(row.row_id);
      const json = row.summary_json;
      const hit = kept.get(rowId);
      if (hit && hit.json === json && sameIdentity(hit.identity, row)) {
        // Most recently used last.
        kept.delete(rowId);
        kept.set(rowId, hit);
        return withRowState(hit.card, row);
      }
      const { card, readable } = parseStoredCard(row, log);
      if (hit) kept.delete(rowId);
      // A card that could not be read is parsed again (and logged) each time.
      if (readable && typeof json === 'string' && Number.isSafeInteger(rowId)) {
        kept.set(rowId, {
          json,
          identity: SUMMARY_IDENTITY_COLUMNS.map((c) => row[c]),
          card: deepFreeze(card),
        });
        if (kept.size > capacity) kept.delete(kept.keys().next().value as number);
      }
      return withRowState(card, row);
    },
    size: () => kept.size,
  };
}
