/**
 * The version of the code that derives a cached user's rows. A users row
 * holds the server's payload whole (`user_payloads.raw_json`) and what this
 * code made of it: the normalized user (`user_json`), the card
 * (`summary_json`) and the search and sort columns. Every write stamps the
 * row with `DERIVATION_VERSION` (`users.derived_version`); at the next start
 * rows of an older version are derived again from their payload
 * (services/rederive.ts), so a cache written by an older Rollcall shows what
 * this one would have made of the same answers, offline.
 *
 * BUMP IT whenever a change alters what a row would hold for the same
 * payload: the normalizers (providers/zulip-user.ts, zulip-fields.ts,
 * zulip-wire.ts, json.ts, the normalizer in openwebui.ts), the card
 * (shared/summary.ts), the derived text of search/search-text.ts
 * (buildHaystack, sortNameOf, timeKey), the columns of users-rows.ts
 * (`columnsOf`), or the redaction of redact-payload.ts. A schema change
 * alone does not need it; a new field of `UserSummary` or `DirectoryUser`
 * does (reads give it its default until the row is derived again).
 *
 * Node only; never imports `electron`.
 */

/** The version stamped on every users row this code derives (see above for when to bump it). */
export const DERIVATION_VERSION = 5;
