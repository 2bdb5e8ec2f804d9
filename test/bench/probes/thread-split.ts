// Probe: what splitting a sync's work over two threads would pay to move
// its users between them. For N synthetic Zulip users (normalized as a sync
// does), per 100 000 users: the derivation a writer does per user
// (users-rows.ts `hashWrite` and `columnsOf`), and the cost of handing a
// batch to another thread three ways: the UserWrite objects
// structured-cloned (v8.serialize, what postMessage runs), the derived
// values cloned, and the same values as UTF-8 in one buffer
// (TextEncoder there, TextDecoder back). Batches of 8 000, as the worker
// writes, a batch at a time (dropped after, as a pipeline would hold them);
// `least` is each figure's lowest over the rounds.
// Run: node test/bench/probes/run.mjs test/bench/probes/thread-split.ts '{"count":100000}'
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { columnsOf, hashWrite, type UserWrite } from '@core/store/users-rows';
import { zulipWrites } from './probe-data';

const BATCH = 8000;

/** What a writer binds for one user (`hashWrite`, then `columnsOf`): what would cross to a writer thread. */
function derived(w: UserWrite): (string | number | null)[] {
  const h = hashWrite(w);
  return [h.userJson, h.rawJson, ...columnsOf(h).params];
}

export async function main(args: { count?: number; rounds?: number }): Promise<unknown> {
  const count = args.count ?? 100_000;
  const per100k = (ms: number): number => Math.round((ms * 100_000) / count);
  const { writes } = zulipWrites(count);
  const rounds: Record<string, number>[] = [];
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  for (let r = 0; r < (args.rounds ?? 2); r++) {
    const ms = { derive: 0, objects: 0, strings: 0, utf8: 0 };
    const mb = { objects: 0, strings: 0, utf8: 0 };
    // A batch at a time, dropped after, as a pipeline would hold them.
    for (let i = 0; i < writes.length; i += BATCH) {
      const batch = writes.slice(i, i + BATCH);
      let t = performance.now();
      const rows = batch.map(derived);
      ms.derive += performance.now() - t;
      t = performance.now();
      const objects = serialize(batch);
      deserialize(objects);
      ms.objects += performance.now() - t;
      mb.objects += objects.length / 1e6;
      t = performance.now();
      const strings = serialize(rows);
      deserialize(strings);
      ms.strings += performance.now() - t;
      mb.strings += strings.length / 1e6;
      // Every value's UTF-8, NUL-separated (what Rollcall stores never holds one).
      t = performance.now();
      const utf8 = encoder.encode(rows.flat().map(String).join('\0'));
      decoder.decode(utf8).split('\0');
      ms.utf8 += performance.now() - t;
      mb.utf8 += utf8.length / 1e6;
    }
    rounds.push({
      deriveMs: per100k(ms.derive),
      objectsMb: Math.round(mb.objects),
      objectsCloneMs: per100k(ms.objects),
      stringsMb: Math.round(mb.strings),
      stringsCloneMs: per100k(ms.strings),
      utf8Mb: Math.round(mb.utf8),
      utf8Ms: per100k(ms.utf8),
    });
  }
  // The least disturbed round per figure: a major collection lands in one phase or another.
  const least: Record<string, number> = {};
  for (const round of rounds)
    for (const [k, v] of Object.entries(round)) least[k] = Math.min(least[k] ?? v, v);
  return { count, batch: BATCH, least, per100kUsers: rounds };
}
