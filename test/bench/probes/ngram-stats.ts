// Probe: what the haystacks of 100 000 synthetic users look like (sizes,
// n-gram counts) and how fast a brute-force `includes` scan is, to size the
// in-memory index. Run:
//   node test/bench/probes/run.mjs test/bench/probes/ngram-stats.ts
import { performance } from 'node:perf_hooks';
import { buildHaystack, searchTerms } from '@core/search/search-text';
import { zulipWrites } from './probe-data';

export async function main(args: { count?: number }): Promise<unknown> {
  const { writes } = zulipWrites(args.count ?? 100_000);
  const hay = writes.map((w) => buildHaystack(w.user));
  const N = hay.length;
  let chars = 0;
  let twoByte = 0;
  const bi = new Map<number, number>();
  const tri = new Map<string, number>();
  const uni = new Map<number, number>();
  let biPost = 0;
  let triPost = 0;
  let uniPost = 0;
  for (const h of hay) {
    chars += h.length;
    if ([...h].some((c) => c.charCodeAt(0) > 0xff)) twoByte++;
    const b = new Set<number>();
    const t = new Set<string>();
    const u = new Set<number>();
    for (let i = 0; i < h.length; i++) {
      u.add(h.charCodeAt(i));
      if (i + 1 < h.length) b.add((h.charCodeAt(i) << 16) | h.charCodeAt(i + 1));
      if (i + 2 < h.length) t.add(h.slice(i, i + 3));
    }
    for (const k of b) bi.set(k, (bi.get(k) ?? 0) + 1);
    for (const k of t) tri.set(k, (tri.get(k) ?? 0) + 1);
    for (const k of u) uni.set(k, (uni.get(k) ?? 0) + 1);
    biPost += b.size;
    triPost += t.size;
    uniPost += u.size;
  }
  const dense = (m: Map<unknown, number>, cut: number) =>
    [...m.values()].filter((c) => c > cut).length;
  const memory = (m: Map<unknown, number>, cut: number) =>
    [...m.values()].reduce((s, c) => s + (c > cut ? N / 8 : c * 4), 0) / 1e6;
  const time = (term: string) => {
    const terms = searchTerms(term);
    let best = Infinity;
    let n = 0;
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      n = 0;
      for (let i = 0; i < N; i++) {
        const h = hay[i] as string;
        if (terms.every((x) => h.includes(x))) n++;
      }
      best = Math.min(best, performance.now() - t);
    }
    return { term, matches: n, bruteMs: +best.toFixed(2) };
  };
  const sample = hay.slice(0, 3);
  return {
    N,
    avgChars: +(chars / N).toFixed(1),
    twoByteRows: twoByte,
    distinct: { uni: uni.size, bi: bi.size, tri: tri.size },
    postingsPerRow: { uni: uniPost / N, bi: biPost / N, tri: triPost / N },
    dense32: { bi: dense(bi, N / 32), tri: dense(tri, N / 32) },
    memMB32: { uni: memory(uni, N / 32), bi: memory(bi, N / 32), tri: memory(tri, N / 32) },
    sample,
    brute: [
      'e',
      'a',
      'zz',
      'er',
      'mar',
      'example',
      'zulip.example.com',
      '4217',
      'berlin',
      'qqqq',
      '王',
      'ji',
    ].map(time),
  };
}
