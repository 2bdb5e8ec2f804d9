// Probe: how long the re-deriver takes over a whole cache after a
// DERIVATION_VERSION bump. Copies a probe cache, marks every row as derived
// by an older version, opens core and waits for the re-deriver's log line.
//   node test/bench/probes/run.mjs test/bench/probes/rederive-all.ts '{"from":"/tmp/rollcall-probe-core-100000"}'
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from '@photostructure/sqlite';
import { openBenchCore } from '../lib/bench-core';
import { loopWatch } from './probe-data';

export async function main(args: { from: string }): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-rederive-'));
  for (const name of ['rollcall.sqlite', 'rollcall.sqlite-wal']) {
    if (existsSync(join(args.from, name))) copyFileSync(join(args.from, name), join(dir, name));
  }
  const db = new DatabaseSync(join(dir, 'rollcall.sqlite'));
  db.exec('UPDATE users SET derived_version = 3');
  db.close();
  const loop = loopWatch();
  const t0 = performance.now();
  const bench = await openBenchCore({ workDir: dir, userDataDir: dir });
  const opened = performance.now() - t0;
  for (;;) {
    const line = bench.logLines.find((l) =>
      /cached users derived again|stopped deriving|could not derive/.test(l),
    );
    if (line) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - t0;
  const stats = loop.stop();
  const lines = bench.logLines.filter((l) => /deriv/i.test(l));
  await bench.close();
  return { openedMs: Math.round(opened), doneMs: Math.round(ms), loopMaxMs: stats.maxGapMs, lines };
}
