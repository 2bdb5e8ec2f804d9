/**
 * The version of the search code's meaning: a saved index
 * (store/index-snapshot.ts) carries it and is rebuilt, never read, when it
 * differs. BUMP IT with any change to folding or tokenizing (search-text.ts:
 * `foldText`, `searchTerms`, `capSearchText`), to what the index derives
 * from a row (search-index.ts `upsert`, sort-key.ts) or to how its parts
 * hold it (n-gram keys, common pieces, sort orders, index-state.ts). 2:
 * slots carry their groups and profile field values (filter-keys.ts). 3:
 * the exact keys are packed units (exact-keys.ts), not strings. A
 * change to what a row's columns hold bumps DERIVATION_VERSION instead
 * (store/derivation.ts); the snapshot carries both.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */

/** See above: bump on any change to folding, tokenizing or the index's layout. */
export const SEARCH_INDEX_VERSION = 3;
