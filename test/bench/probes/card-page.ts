// Probe: what one page of 60 cards costs a search after the index has
// picked the row IDs (users-read.ts summariesByIds): the SQL read of the
// rows, the parse of their cards (JSON, schema, caps), and the same parse
// answered by the memo (summary-memo.ts) once the page has been shown.
// Pages of random row IDs, 20 of them in turn, over a cache file. Run:
//   node test/bench/probes/run.mjs test/bench/probes/card-page.ts '{"file":"/path/rollcall.sqlite"}'
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from '@photostructure/sqlite';
import { parseSummary, SUMMARY_COLUMNS } from '@core/store/stored-users';
import { createSummaryMemo } from '@core/store/summary-memo';
import type { Row } from '@core/store/users-rows';
import { pct } from './probe-data';

export async function main(args: { file: string; pages?: number }): Promise<unknown> {
  const db = new DatabaseSync(args.file, { readOnly: true });
  const max = Number((db.prepare('SELECT max(row_id) AS m FROM users').get() as Row).m);
  const read = db.prepare(`SELECT u.row_id, ${SUMMARY_COLUMNS}, o.name AS owner_name
    FROM json_each(?) AS page JOIN users u ON u.row_id = page.value
    LEFT JOIN users o ON o.connection_id = u.connection_id AND o.user_id = u.bot_owner_id`);
  const pages = Array.from({ length: 20 }, () =>
    Array.from({ length: 60 }, () => 1 + Math.floor(Math.random() * max)),
  );
  const memo = createSummaryMemo();
  const ms = {
    sql: [] as number[],
    jsonParse: [] as number[],
    parse: [] as number[],
    memo: [] as number[],
  };
  for (let i = 0; i < (args.pages ?? 400); i++) {
    let s = performance.now();
    const rows = read.all(JSON.stringify(pages[i % pages.length])) as Row[];
    ms.sql.push(performance.now() - s);
    s = performance.now();
    for (const r of rows) JSON.parse(String(r.summary_json));
    ms.jsonParse.push(performance.now() - s);
    s = performance.now();
    for (const r of rows) parseSummary(r);
    ms.parse.push(performance.now() - s);
    s = performance.now();
    for (const r of rows) memo.summaryOf(r);
    // The first round fills the memo; after it, every page is one it has seen.
    if (i >= pages.length) ms.memo.push(performance.now() - s);
  }
  db.close();
  const f = (a: number[]): string =>
    `p50 ${pct(a, 50).toFixed(3)} ms, p95 ${pct(a, 95).toFixed(3)} ms`;
  return {
    users: max,
    sqlRead: f(ms.sql),
    jsonParseOnly: f(ms.jsonParse),
    parseSummary: f(ms.parse),
    memoHit: f(ms.memo),
  };
}
