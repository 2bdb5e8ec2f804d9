/**
 * Turns the suites' figures into the markdown table `npm run bench` prints
 * and the JSON file it writes: one row per figure with median, p95,
 * min–max, n, the baseline measured in the same run, the ratio, the target
 * and whether it held.
 *
 * Runs in Node (the bench runner).
 */
import type { Figure, Stats, SuiteResult, Unit } from './lib/figures';

/** Where and when the figures were taken. */
export interface RunMeta {
  startedAt: string;
  elapsedMs: number;
  quick: boolean;
  node: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  /** os.loadavg() at the start and end of the whole run. */
  load: { start: number[]; end: number[] };
  git: { commit: string; changedFiles: number };
  command: string;
}

function num(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'cards':
    case 'tasks':
    case '%':
      return String(Math.round(value));
    case 's':
      return value < 10 ? value.toFixed(2) : value.toFixed(1);
    case 'KiB':
    case 'MB':
      return value.toFixed(1);
    case 'ms':
      return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
  }
}

const withUnit = (value: number, unit: Unit): string => `${num(value, unit)} ${unit}`;

function ratioText(f: Figure): string {
  if (f.ratio === null || !Number.isFinite(f.ratio)) return '–';
  const r = f.ratio;
  const base = `×${r < 0.1 ? r.toFixed(3) : r < 10 ? r.toFixed(2) : r.toFixed(0)}`;
  if (!f.speedWords) return base;
  if (r < 1) return `${base} (${(1 / r).toFixed(1)}× faster)`;
  if (r > 1) return `${base} (${r.toFixed(1)}× slower)`;
  return base;
}

function baselineText(f: Figure): string {
  const b = f.baseline;
  if (!b) return '–';
  if (!b.stats) return `none (${b.name})`;
  return `${withUnit(b.stats.median, f.unit)} (${b.name})`;
}

function cells(stats: Stats | null, unit: Unit): [string, string, string, string] {
  if (!stats) return ['–', '–', '–', '0'];
  return [
    withUnit(stats.median, unit),
    withUnit(stats.p95, unit),
    `${num(stats.min, unit)}–${num(stats.max, unit)}`,
    String(stats.n),
  ];
}

function nameOf(f: Figure): string {
  const rate = f.extra.usersPerSecond;
  return typeof rate === 'number' && Number.isFinite(rate)
    ? `${f.name} (${Math.round(rate).toLocaleString('en-US').replace(/,/g, ' ')} users/s)`
    : f.name;
}

const escape = (text: string): string => text.replace(/\|/g, '\\|');

/** The order of the issue: search first, then sync, lookups, the window, the bundle. */
const ID_ORDER = ['search.', 'start.', 'sync.', 'ingest.', 'lookup.', 'window.', 'bundle.'];

/** Figures grouped, groups in the issue's order (then as they come), figures in order within. */
function grouped(figures: readonly Figure[]): Figure[] {
  const rank = (f: Figure): number => {
    const i = ID_ORDER.findIndex((p) => f.id.startsWith(p));
    return i < 0 ? ID_ORDER.length : i;
  };
  const firstRank = new Map<string, number>();
  for (const f of figures)
    firstRank.set(f.group, Math.min(firstRank.get(f.group) ?? Infinity, rank(f)));
  const order = [...new Set(figures.map((f) => f.group))].sort(
    (a, b) => (firstRank.get(a) as number) - (firstRank.get(b) as number),
  );
  return order.flatMap((g) => figures.filter((f) => f.group === g));
}

/** The markdown table of every figure, grouped. */
function markdownTable(unordered: readonly Figure[]): string {
  const figures = grouped(unordered);
  const lines = [
    '| Benchmark | median | p95 | min–max | n | baseline (median) | ratio | target | holds |',
    '| --- | --: | --: | --: | --: | --- | --- | --- | :-: |',
  ];
  let group = '';
  for (const f of figures) {
    if (f.group !== group) {
      group = f.group;
      lines.push(`| **${escape(group)}** | | | | | | | | |`);
    }
    const [median, p95, range, n] = cells(f.stats, f.unit);
    lines.push(
      `| ${escape(nameOf(f))} | ${median} | ${p95} | ${range} | ${n} | ${escape(baselineText(f))} | ${ratioText(f)} | ${escape(f.target?.text ?? '–')} | ${f.target ? (f.target.holds ? '✓' : '✗') : '–'} |`,
    );
  }
  return lines.join('\n');
}

/** The whole printed report: table, missed targets, machine, and what the suites noted. */
export function markdownReport(
  meta: RunMeta,
  suites: readonly SuiteResult[],
  failures: readonly string[],
  warnings: readonly string[],
): string {
  const figures = grouped(suites.flatMap((s) => s.figures));
  const missed = figures.filter((f) => f.target && !f.target.holds);
  const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' / ');
  const out = [
    `# Rollcall benchmarks${meta.quick ? ' (--quick)' : ''}`,
    '',
    markdownTable(figures),
    '',
    missed.length === 0
      ? `Targets: all ${figures.filter((f) => f.target).length} hold.`
      : `Targets missed (${missed.length} of ${figures.filter((f) => f.target).length}): ${missed.map((f) => `${f.group.split(' (')[0]} / ${f.name} — ${f.target?.why ?? ''}`).join('; ')}.`,
    '',
    `Ratio = Rollcall's median ÷ the baseline's median, both measured in this run. Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGb.toFixed(0)} GB, Node ${meta.node}. Load average (1/5/15 min) ${load(meta.load.start)} at the start, ${load(meta.load.end)} at the end. Commit ${meta.git.commit}${meta.git.changedFiles > 0 ? ` with ${meta.git.changedFiles} uncommitted change(s) in src-main/ and src-renderer/` : ''}. Started ${meta.startedAt}, took ${(meta.elapsedMs / 60_000).toFixed(1)} min.`,
  ];
  const notes = suites.flatMap((s) => [
    `- ${s.suite}: ${(s.elapsedMs / 1000).toFixed(0)} s, load ${load(s.load.start)} → ${load(s.load.end)}`,
    ...s.log.map((l) => `  - ${l}`),
  ]);
  if (notes.length > 0 || failures.length > 0 || warnings.length > 0) {
    out.push(
      '',
      'Suites:',
      ...notes,
      ...failures.map((f) => `- FAILED: ${f}`),
      ...warnings.map((w) => `- WARNING: ${w}`),
    );
  }
  return out.join('\n');
}
