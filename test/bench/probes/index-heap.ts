// Probe: what the search index leaves on main's heap for the collector to
// mark, over a cache folder (search-core.ts makes one): the index built
// from the cache (`built: true`, its saved index deleted first) or read
// from the saved one, then saved and compacted as the app does once it
// settles. Prints the heap, a forced full collection's time (every pause
// that holds the loop marks these objects), and the heap's objects by kind
// from a heap snapshot (written to a temporary file, then deleted).
// Run: node --expose-gc test/bench/probes/run.mjs test/bench/probes/index-heap.ts '{"dir":"/tmp/rollcall-probe-core-100000","built":true}'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { createSearchIndex } from '@core/search/search-index';
import { databasePath, openDatabase } from '@core/store/db';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { createUsersRepo } from '@core/store/users-repo';

/** The parts of a V8 heap snapshot this probe reads. */
interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Heap objects by kind ("string", "object:Array", …): count and MB, the most numerous first. */
function objectsByKind(file: string, top: number): { objects: number; kinds: string[] } {
  const s = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byKind = new Map<string, { n: number; bytes: number }>();
  let objects = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType!]!] ?? '?';
    // Strings and numbers are named by their value: counted by type alone.
    const named = type === 'object' || type === 'array' || type === 'native';
    const kind = named ? `${type}:${(s.strings[s.nodes[i + iName!]!] ?? '').slice(0, 40)}` : type;
    const k = byKind.get(kind) ?? { n: 0, bytes: 0 };
    k.n++;
    k.bytes += s.nodes[i + iSize!]!;
    byKind.set(kind, k);
    objects++;
  }
  const kinds = [...byKind]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, top)
    .map(([kind, { n, bytes }]) => `${n} ${kind} (${(bytes / 1e6).toFixed(1)} MB)`);
  return { objects, kinds };
}

export async function main(args: { dir: string; built?: boolean; top?: number }): Promise<unknown> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  if (args.built) rmSync(join(args.dir, SNAPSHOT_FILE_NAME), { force: true });
  const log = { info() {}, warn() {}, error() {} };
  const cache = openDatabase(databasePath(args.dir), { log, now: Date.now });
  const users = createUsersRepo(cache, { now: () => 1, log, index: createSearchIndex() });
  const t0 = performance.now();
  await users.buildSearchIndex();
  const readyMs = performance.now() - t0;
  const saved = await users.saveSearchIndex();
  const compacted = await users.compactSearchIndex({ budgetMs: 100 });
  gc();
  const t1 = performance.now();
  gc();
  const fullGcMs = performance.now() - t1;
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-heap-'));
  try {
    const heap = objectsByKind(writeHeapSnapshot(join(dir, 'index.heapsnapshot')), args.top ?? 12);
    return {
      from: args.built ? 'built from the cache' : 'saved index (if any)',
      readyMs: Math.round(readyMs),
      saved,
      compacted,
      heapMb: +heapMb.toFixed(1),
      fullGcMs: +fullGcMs.toFixed(1),
      ...heap,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    cache.close();
  }
}
