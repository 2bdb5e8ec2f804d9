/**
 * The shape of every benchmark figure, and the statistics behind it. Suites
 * (child processes) return figures as JSON; the runner (run.mjs → report.ts)
 * turns them into the markdown table and the results file. Plain data only,
 * so a figure reads the same in the JSON as in the table.
 *
 * Runs in Node (bench processes).
 */

/** Order statistics of one set of samples. */
export interface Stats {
  n: number;
  median: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
  /** Every sample, in the order taken (4 significant decimals), for whoever wants the distribution. */
  samples: number[];
}

/** Units a figure may be in; the table formats each its own way. */
export type Unit = 'ms' | 's' | 'KiB' | 'MB' | 'cards' | 'tasks' | '%';

/** What a figure is compared against, measured in the same run. */
interface Baseline {
  /** What the baseline is, in a few words (the README explains why). */
  name: string;
  stats: Stats | null;
}

/** A target from the issue (or the brief) and whether this run met it. */
export interface Target {
  text: string;
  holds: boolean;
  /** Why it does not hold, or what it was judged on. */
  why?: string;
}

/** One row of the table. */
export interface Figure {
  /** Stable key for the JSON, e.g. `search.one-char`. */
  id: string;
  /** The table section, e.g. `Search (users:search, 100 000 users)`. */
  group: string;
  name: string;
  unit: Unit;
  stats: Stats | null;
  baseline: Baseline | null;
  /**
   * Rollcall's median over the baseline's median (lower is better for
   * every unit here): 0.25 reads "4× faster than the baseline".
   */
  ratio: number | null;
  target: Target | null;
  /**
   * Whether "n× faster / slower" reads right for the ratio (a duration of
   * work); false for delays and amounts, which get the bare multiple.
   */
  speedWords: boolean;
  /** Anything a reader needs to trust the figure (what was skipped, odd samples). */
  notes: string[];
  /** Figures that belong with this one but need no row of their own. */
  extra: Record<string, number | string | boolean | null>;
}

/** Nearest-rank percentile of sorted samples (p in 0..100). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Median, p95, p99, min, max and mean of samples; null when there are none. */
export function statsOf(samples: readonly number[]): Stats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const middle = Math.floor(n / 2);
  const median =
    n % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return {
    n,
    median,
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    mean: sorted.reduce((s, v) => s + v, 0) / n,
    samples: samples.map((v) => Math.round(v * 1e4) / 1e4),
  };
}

/** Median over median, or null when either side is missing or zero. */
function ratioOf(stats: Stats | null, baseline: Stats | null): number | null {
  if (!stats || !baseline || baseline.median === 0) return null;
  return stats.median / baseline.median;
}

/** Builds a figure with the ratio filled in. */
export function figure(
  f: Omit<Figure, 'ratio' | 'notes' | 'extra' | 'speedWords'> & {
    notes?: string[];
    extra?: Figure['extra'];
    ratio?: number | null;
    speedWords?: boolean;
  },
): Figure {
  return {
    ...f,
    ratio: f.ratio !== undefined ? f.ratio : ratioOf(f.stats, f.baseline?.stats ?? null),
    speedWords: f.speedWords ?? (f.unit === 'ms' || f.unit === 's'),
    notes: f.notes ?? [],
    extra: f.extra ?? {},
  };
}

/** What a suite hands back to the runner. */
export interface SuiteResult {
  suite: string;
  figures: Figure[];
  /** Wall time of the suite, ms. */
  elapsedMs: number;
  /** os.loadavg() when the suite started and ended. */
  load: { start: number[]; end: number[] };
  /** Lines for the reader: what was set up, anything odd. */
  log: string[];
  /** Parts that failed while the rest of the suite went on (each a sentence with the error). */
  failures?: string[];
}

/** The arguments every suite receives from the runner. */
export interface SuiteArgs {
  quick: boolean;
  /** A scratch folder the runner deletes at the end. */
  workDir: string;
  /** Seed of every synthetic directory. */
  seed: number;
  /** A user-data folder holding 100 000 cached Zulip users, when an earlier suite left one. */
  cache100k: string | null;
  /** Only parts whose name matches this regular expression (e.g. `zulip-10000`); null: all. */
  filter: string | null;
}
