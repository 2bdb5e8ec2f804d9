/**
 * Window benchmarks in the Chromium harness (test/e2e/harness.ts: the built
 * window, the real bridge, the real core) with 100 000 Zulip users cached
 * before the page opens: keystroke → the grid (and the table) shows the new
 * result, first grid render after load, cards in the DOM while scrolling
 * top to bottom, opening a card, long tasks while typing, scrolling and
 * opening, and the page's JS heap. Other builds of the window can be typed
 * into and scrolled in the same run (ROLLCALL_BENCH_VARIANTS, window-views.ts
 * and window-scroll.ts). Every
 * figure has the same measurement on a 100-user directory as its baseline: same page,
 * same harness, same bridge transport, so the ratio is what 100 000 users
 * cost the window.
 *
 * Runs in Node (a bench child process, started by run.mjs), driving Chromium.
 */
import { cpSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium, openApp, type AppUnderTest } from '../../e2e/harness';
import { cache100k, makeZulipCache } from '../lib/cache-100k';
import {
  figure,
  statsOf,
  type Figure,
  type Stats,
  type SuiteArgs,
  type SuiteResult,
  type Target,
} from '../lib/figures';
import { installPageProbe, type KeystrokeTiming } from '../lib/page-probe';
import { waitUntilIdle } from '../lib/sampling';
import {
  benchVariants,
  coreSearches,
  frames,
  longTaskFigure,
  longTasksSince,
  openCards,
  type CardOpening,
  pageNow,
  rawBridge,
  searchRoundTrips,
  showView,
  variantFigures,
  type LongTask,
  type ProbeWindow,
} from '../lib/window-views';
import { scroll, variantScrollFigures } from '../lib/window-scroll';

/** The issue's target (issue 17, item 4): keystroke → new result on screen, in a frame. */
const KEYSTROKE_P95_MS = 16;

/** The keystroke target: p95 within it, and every keystroke's answer shown. */
function keystrokeTarget(stats: Stats | null, missed: number): Target {
  return {
    text: `p95 ≤ ${KEYSTROKE_P95_MS} ms`,
    holds: stats !== null && stats.p95 <= KEYSTROKE_P95_MS && missed === 0,
    why:
      missed > 0
        ? `${missed} keystroke(s) never showed their answer within 10 s`
        : `p95 ${stats?.p95.toFixed(1)} ms`,
  };
}

/** Typed one character at a time, then cleared (select all + Backspace: one more keystroke). */
const WORDS_FULL = [
  'müller',
  'anna',
  'иван',
  '王',
  'garcía',
  'example.org',
  '4711',
  'she/they',
  'zzq',
  'nguyen',
  'ol',
  'sato',
];
const WORDS_QUICK = ['müller', 'иван', 'example.org', 'zzq'];

interface Side {
  label: string;
  app: AppUnderTest;
  cdp: CDPSession;
  users: number;
}

const offline = async (): Promise<Response> => {
  throw new TypeError('fetch failed (the bench is offline)');
};

async function open(
  browser: Browser,
  userDataDir: string,
  label: string,
  rendererDir?: string,
): Promise<Side> {
  const app = await openApp({
    browser,
    userDataDir,
    deps: { fetch: offline },
    ...(rendererDir ? { rendererDir } : {}),
  });
  const cdp = await app.page.context().newCDPSession(app.page);
  await rawBridge(app, cdp);
  await app.page.addInitScript(installPageProbe);
  await app.page.reload();
  await firstCardPainted(app.page);
  const users = await app.page.evaluate(() =>
    Number(
      (document.querySelector('[data-testid="result-count"] strong')?.textContent ?? '').replace(
        /\D/g,
        '',
      ),
    ),
  );
  return { label, app, cdp, users };
}

async function firstCardPainted(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => {
      const t = (window as unknown as ProbeWindow).__bench?.firstCardPainted;
      return typeof t === 'number' && t > 0 ? t : null;
    },
    undefined,
    { timeout: 60_000, polling: 20 },
  );
  return (await handle.jsonValue()) as number;
}

/** Types one keystroke and returns its timing (null: the answer never showed). */
async function keystroke(page: Page, key: string | 'clear'): Promise<KeystrokeTiming | null> {
  await page.evaluate(() => (window as unknown as ProbeWindow).__bench.arm());
  if (key === 'clear') {
    await page.keyboard.press('ControlOrMeta+A');
    await page.evaluate(() => (window as unknown as ProbeWindow).__bench.arm());
    await page.keyboard.press('Backspace');
  } else {
    await page.keyboard.type(key);
  }
  return page.evaluate((ms) => (window as unknown as ProbeWindow).__bench.result(ms), 10_000);
}

/** What typing on one side gave. */
interface Typed {
  ms: number[];
  missed: number;
  /** keystroke → the window asks core; core's answer back in the page; answer → painted. */
  toAsk: number[];
  ask: number[];
  render: number[];
  /** answer → painted, split: the answer until the DOM shows it (React), then until the frame is out. */
  react: number[];
  frame: number[];
  /** DOM shows it → the next frame begins: the display's rhythm (0–16.7 ms at 60 Hz), not work. */
  vsync: number[];
  /** The keystroke's work: everything from the event to the frame being out, less `vsync`. */
  work: number[];
  /** Every measured keystroke: the text it made, total ms, and its parts. */
  each: { text: string; ms: number; parts: [number, number, number, number] | null }[];
  /** Long tasks while typing (warm-up word included). */
  longTasks: LongTask[];
}

/** Types every word, a keystroke at a time, then clears it, on both sides in turn. */
async function typing(sides: Side[], words: string[]): Promise<Map<Side, Typed>> {
  const out = new Map(
    sides.map((s) => [
      s,
      {
        ms: [],
        missed: 0,
        toAsk: [],
        ask: [],
        render: [],
        react: [],
        frame: [],
        vsync: [],
        work: [],
        each: [],
        longTasks: [],
      } as Typed,
    ]),
  );
  const since = new Map<Side, number>();
  for (const side of sides) {
    await side.app.page.getByTestId('search-input').click();
    since.set(side, await pageNow(side.app.page));
  }
  // One word first, unrecorded: warm-up.
  for (const [w, word] of ['anna', ...words].entries()) {
    for (const side of sides) {
      const page = side.app.page;
      for (const key of [...[...word], 'clear' as const]) {
        const t = await keystroke(page, key);
        const record = out.get(side)!;
        if (w > 0) {
          if (!t) record.missed++;
          else {
            record.ms.push(t.painted - t.start);
            record.vsync.push(t.frameStart - t.dom);
            record.work.push(t.painted - t.start - (t.frameStart - t.dom));
            let parts: [number, number, number, number] | null = null;
            if (t.asked !== null && t.answered !== null && t.asked >= t.start) {
              parts = [
                t.asked - t.start,
                t.answered - t.asked,
                t.dom - t.answered,
                t.painted - t.dom,
              ];
              record.toAsk.push(parts[0]);
              record.ask.push(parts[1]);
              record.render.push(parts[2] + parts[3]);
              record.react.push(parts[2]);
              record.frame.push(parts[3]);
            }
            record.each.push({ text: t.text, ms: t.painted - t.start, parts });
          }
        }
        await frames(page);
        await sleep(30);
      }
    }
  }
  for (const side of sides) {
    out.get(side)!.longTasks = await longTasksSince(side.app.page, since.get(side)!);
  }
  return out;
}

/** Which bridge the page's requests take: the raw CDP one, or the harness's Playwright binding. */
async function useRaw(sides: Side[], on: boolean): Promise<void> {
  for (const side of sides) {
    await side.app.page.evaluate(
      (v) => (window as unknown as ProbeWindow).__bench.useRawBridge(v),
      on,
    );
  }
}

/** Reloads and times the first card painted. */
async function reloads(side: Side, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    await side.app.page.reload();
    out.push(await firstCardPainted(side.app.page));
    await sleep(200);
  }
  return out;
}

/** The suite. */
export async function main(args: SuiteArgs): Promise<SuiteResult> {
  const t0 = performance.now();
  const start = loadavg();
  const log: string[] = [];
  const figures: Figure[] = [];
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Debian's Chromium is missing (${CHROMIUM_PATH}): run \`sudo apt-get install -y chromium\` (npm test does it as root).`,
    );
  }
  const bigDir = await cache100k(args, log);
  const smallDir = await makeZulipCache(args, 100);
  const browser = await launchChromium();
  const sides: Side[] = [];
  try {
    const big = await open(browser, bigDir, '100 000 users');
    sides.push(big);
    const small = await open(browser, smallDir, '100 users');
    sides.push(small);
    // Other builds of the window over copies of the same cache, typed in turn with the rest.
    const variants: Side[] = [];
    for (const v of benchVariants()) {
      const dir = `${bigDir}-${v.label}`;
      cpSync(bigDir, dir, { recursive: true });
      variants.push(await open(browser, dir, v.label, v.rendererDir));
    }
    sides.push(...variants);
    const idle = await waitUntilIdle({ timeoutMs: 120_000 });
    if (!idle.settled) log.push('ODD: core never went idle after opening the window (120 s)');
    log.push(
      `window: grids show ${big.users} and ${small.users} users; Chromium ${browser.version()}`,
    );

    const group = 'Window (Chromium harness over the real core; baseline: the same on 100 users)';
    const baselineName = 'the same, 100-user directory';
    /** "In a frame": the keystroke's own work fits in one (the wait for the display's next frame left out). */
    const workFigure = (id: string, view: string, big: Typed, small: Typed): Figure => {
      const stats = statsOf(big.work);
      return figure({
        id,
        group,
        name: `keystroke → ${view} shows it, its work only (the wait for the next frame left out)`,
        unit: 'ms',
        stats,
        baseline: { name: baselineName, stats: statsOf(small.work) },
        target: keystrokeTarget(stats, big.missed),
        notes: [
          "the figure above less the time from the DOM showing the answer to the next frame beginning (rAF): event → ask → answer → DOM, then the frame's style, layout and paint",
          'the end-to-end figure also holds that wait (0-16.7 ms at 60 Hz, whatever the window does), so its p95 stays over 16 ms on the 100-user directory too',
        ],
      });
    };

    // Keystrokes: through the raw bridge (the figure), then through the harness's binding.
    const words = args.quick ? WORDS_QUICK : WORDS_FULL;
    await useRaw(sides, true);
    // ROLLCALL_BENCH_TRACE=file.json: a Chromium trace of this typing, to find where a keystroke's time goes.
    const tracePath = process.env.ROLLCALL_BENCH_TRACE;
    if (tracePath)
      await browser.startTracing(big.app.page, { path: tracePath, screenshots: false });
    const typed = await typing([big, small, ...variants], words);
    if (tracePath) {
      await browser.stopTracing();
      log.push(`window: Chromium trace of the grid typing written to ${tracePath}`);
    }
    await useRaw(sides, false);
    const typedPw = await typing([big, small], words);
    const pwTrip = statsOf(await searchRoundTrips(big.app.page, 33));
    await useRaw(sides, true);
    const rawTrip = statsOf(await searchRoundTrips(big.app.page, 33));
    const coreTrip = statsOf(await coreSearches(big.app, 33));
    const kb = typed.get(big)!;
    const ks = typed.get(small)!;
    const kStats = statsOf(kb.ms);
    const own = (t: Typed): number[] => t.toAsk.map((v, i) => v + (t.render[i] as number));
    const trips = {
      searchInCoreMedianMs: coreTrip?.median ?? null,
      rawBridgeRoundTripMedianMs: rawTrip?.median ?? null,
      playwrightBridgeRoundTripMedianMs: pwTrip?.median ?? null,
    };
    figures.push(
      figure({
        id: 'window.keystroke',
        group,
        name: 'keystroke → grid shows the new result',
        unit: 'ms',
        stats: kStats,
        baseline: { name: baselineName, stats: statsOf(ks.ms) },
        target: keystrokeTarget(kStats, kb.missed),
        extra: {
          missed: kb.missed,
          baselineMissed: ks.missed,
          ...trips,
          slowest: [...kb.each]
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 6)
            .map(
              (k) =>
                `"${k.text}" ${k.ms.toFixed(0)} ms${k.parts ? ` (key→ask ${k.parts[0].toFixed(0)}, ask→answer ${k.parts[1].toFixed(0)}, answer→DOM ${k.parts[2].toFixed(0)}, DOM→painted ${k.parts[3].toFixed(0)})` : ''}`,
            )
            .join('; '),
        },
        notes: [
          'from the keystroke event to the frame after the DOM shows the answer (rAF + a task)',
          'bridge: JSON over a raw CDP binding, one serialization each way as with IPC',
        ],
      }),
      workFigure('window.keystroke.work', 'grid', kb, ks),
      figure({
        id: 'window.keystroke.ask',
        group,
        name: '↳ of which ask → answer (bridge + users:search)',
        unit: 'ms',
        stats: statsOf(kb.ask),
        baseline: { name: baselineName, stats: statsOf(ks.ask) },
        target: null,
        extra: trips,
        notes: [
          `one page of 60 results: ${coreTrip?.median.toFixed(1)} ms in core, ${rawTrip?.median.toFixed(1)} ms through the raw bridge, ${pwTrip?.median.toFixed(1)} ms through Playwright's binding (medians)`,
        ],
      }),
      figure({
        id: 'window.keystroke.ui',
        group,
        name: "↳ of which the window's own work (key → ask, answer → painted)",
        unit: 'ms',
        stats: statsOf(own(kb)),
        baseline: { name: baselineName, stats: statsOf(own(ks)) },
        target: null,
      }),
      figure({
        id: 'window.keystroke.react',
        group,
        name: '↳ of which answer → the DOM shows it (React)',
        unit: 'ms',
        stats: statsOf(kb.react),
        baseline: { name: baselineName, stats: statsOf(ks.react) },
        target: null,
      }),
      figure({
        id: 'window.keystroke.frame',
        group,
        name: '↳ of which the DOM shows it → the frame is out (rAF + a task)',
        unit: 'ms',
        stats: statsOf(kb.frame),
        baseline: { name: baselineName, stats: statsOf(ks.frame) },
        target: null,
        notes: ['waiting for the next frame: 0-16.7 ms at 60 Hz, whatever the window does'],
      }),
      figure({
        id: 'window.keystroke.vsync',
        group,
        name: '↳↳ of which waiting for the next frame to begin (rAF)',
        unit: 'ms',
        stats: statsOf(kb.vsync),
        baseline: { name: baselineName, stats: statsOf(ks.vsync) },
        target: null,
        notes: ["the display's rhythm, not work: 0-16.7 ms at 60 Hz, more when a frame is skipped"],
      }),
      figure({
        id: 'window.keystroke.playwright-bridge',
        group,
        name: "keystroke → grid, through the harness's Playwright binding instead",
        unit: 'ms',
        stats: statsOf(typedPw.get(big)!.ms),
        baseline: { name: baselineName, stats: statsOf(typedPw.get(small)!.ms) },
        target: null,
        extra: { missed: typedPw.get(big)!.missed, ...trips },
        notes: [
          `Playwright's binding serializes every value with its own walker: a page of 60 cards took ${pwTrip?.median.toFixed(1)} ms through it against ${rawTrip?.median.toFixed(1)} ms through the raw bridge; shown for comparison with the e2e tests`,
        ],
      }),
    );

    // The same keystrokes in the table view (raw bridge), then back to cards.
    for (const side of sides) await showView(side.app.page, 'table');
    const typedTable = await typing([big, small, ...variants], words);
    for (const side of sides) await showView(side.app.page, 'cards');
    const tb = typedTable.get(big)!;
    const tStats = statsOf(tb.ms);
    figures.push(
      figure({
        id: 'window.keystroke.table',
        group,
        name: 'keystroke → table shows the new result',
        unit: 'ms',
        stats: tStats,
        baseline: { name: baselineName, stats: statsOf(typedTable.get(small)!.ms) },
        target: keystrokeTarget(tStats, tb.missed),
        extra: { missed: tb.missed, baselineMissed: typedTable.get(small)!.missed },
        notes: ['as the grid figure, with the results shown as a table'],
      }),
      workFigure('window.keystroke.table.work', 'table', tb, typedTable.get(small)!),
      longTaskFigure({
        id: 'window.typing-long-tasks',
        group,
        what: 'while typing in the grid',
        tasks: kb.longTasks,
        baselineName,
        baselineTasks: ks.longTasks,
      }),
      longTaskFigure({
        id: 'window.typing-long-tasks.table',
        group,
        what: 'while typing in the table',
        tasks: tb.longTasks,
        baselineName,
        baselineTasks: typedTable.get(small)!.longTasks,
      }),
    );

    for (const v of variants) {
      figures.push(
        ...variantFigures(
          group,
          v.label,
          { grid: typed.get(v)!, table: typedTable.get(v)! },
          { grid: kb, table: tb },
        ),
      );
    }
    const slow = figures.find((f) => f.id === 'window.keystroke')?.extra.slowest;
    if (typeof slow === 'string') log.push(`window: slowest keystrokes at 100 000: ${slow}`);

    // First render after load.
    const runs = args.quick ? 3 : 8;
    const loadsBig: number[] = [];
    const loadsSmall: number[] = [];
    for (let i = 0; i < runs; i++) {
      loadsBig.push(...(await reloads(big, 1)));
      loadsSmall.push(...(await reloads(small, 1)));
    }
    figures.push(
      figure({
        id: 'window.first-render',
        group,
        name: 'first grid render after load',
        unit: 'ms',
        stats: statsOf(loadsBig),
        baseline: { name: baselineName, stats: statsOf(loadsSmall) },
        target: null,
        notes: ['navigation start → first user card painted, page reloaded each run'],
      }),
    );
    await waitUntilIdle({ timeoutMs: 30_000 });

    // Scroll top to bottom.
    const steps = args.quick ? 40 : 120;
    const wheels = args.quick ? 20 : 60;
    const sb = await scroll(big.app.page, big.cdp, steps, wheels);
    const ss = await scroll(small.app.page, small.cdp, steps, wheels);
    const maxCards = Math.max(...sb.cards);
    const bound = Math.max(2 * sb.cardsAtTop, 1);
    figures.push(
      figure({
        id: 'window.scroll-cards',
        group,
        name: `cards in the DOM while scrolling (${steps + 1} jumps + ${wheels} wheel steps)`,
        unit: 'cards',
        stats: statsOf(sb.cards),
        baseline: { name: baselineName, stats: statsOf(ss.cards) },
        target: {
          text: 'bounded: max ≤ 2× the cards at the top',
          holds: maxCards <= bound,
          why: `max ${maxCards}, ${sb.cardsAtTop} at the top`,
        },
        extra: { cardsAtTop: sb.cardsAtTop, max: maxCards },
      }),
      figure({
        id: 'window.scroll-fill',
        group,
        name: 'scroll jump → every card in view filled',
        unit: 'ms',
        stats: statsOf(sb.fillMs),
        baseline: { name: baselineName, stats: statsOf(ss.fillMs) },
        target: null,
        extra: { unfilled: sb.unfilled },
        notes: sb.unfilled > 0 ? [`${sb.unfilled} jump(s) still had placeholders after 3 s`] : [],
      }),
      longTaskFigure({
        id: 'window.scroll-long-tasks',
        group,
        what: 'during the scroll',
        tasks: sb.longTasks,
        baselineName,
        baselineTasks: ss.longTasks,
        notes:
          sb.forcedGcTasks + ss.forcedGcTasks > 0
            ? [
                `left out: ${sb.forcedGcTasks} (vs ${ss.forcedGcTasks}) long task(s) inside the bench's own forced GC for the heap figure`,
              ]
            : [],
      }),
      figure({
        id: 'window.heap',
        group,
        name: 'page JS heap while scrolling (after GC)',
        unit: 'MB',
        stats: statsOf(sb.heap),
        baseline: { name: baselineName, stats: statsOf(ss.heap) },
        target: null,
        notes: [
          'CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage, sampled 5 times top → bottom',
        ],
      }),
    );
    figures.push(
      ...(await variantScrollFigures({
        group,
        base: { label: big.label, page: big.app.page, cdp: big.cdp },
        first: sb,
        variants: variants.map((v) => ({ label: v.label, page: v.app.page, cdp: v.cdp })),
        steps,
        wheels,
      })),
    );
    // Open a card (click → the frame showing the detail panel), a few times.
    const none = { opens: [], longTasks: [] };
    const opening = async (side: Side) =>
      openCards(side.app.page, args.quick ? 4 : 30).catch((e: unknown) => {
        log.push(`FAILED: opening cards on ${side.label}: ${String(e)}`);
        return none;
      });
    // ROLLCALL_BENCH_TRACE_OPEN=file.json: a Chromium trace (with JS samples) of the big side's openings.
    const openTrace = process.env.ROLLCALL_BENCH_TRACE_OPEN;
    if (openTrace) {
      await browser.startTracing(big.app.page, {
        path: openTrace,
        screenshots: false,
        categories: [
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'v8.execute',
          'disabled-by-default-v8.cpu_profiler',
        ],
      });
    }
    const opensBig = await opening(big);
    if (openTrace) {
      await browser.stopTracing();
      log.push(`window: Chromium trace of the card openings written to ${openTrace}`);
    }
    const opensSmall = await opening(small);
    const openStats = (side: { opens: CardOpening[] }, part: (o: CardOpening) => number) =>
      statsOf(side.opens.map(part));
    const openWork = (o: CardOpening): number => o.total - o.frameWait;
    const openWorkStats = openStats(opensBig, openWork);
    figures.push(
      figure({
        id: 'window.open-card',
        group,
        name: 'click a card → the frame showing the detail panel',
        unit: 'ms',
        stats: openStats(opensBig, (o) => o.total),
        baseline: { name: baselineName, stats: openStats(opensSmall, (o) => o.total) },
        target: null,
        notes: [
          "the panel shows the card's summary at once; the full record (users:get) follows in the next frame or a later one",
        ],
      }),
      figure({
        id: 'window.open-card-work',
        group,
        name: 'click a card → panel painted, its work only (the wait for the next frame left out)',
        unit: 'ms',
        stats: openWorkStats,
        baseline: { name: baselineName, stats: openStats(opensSmall, openWork) },
        target: {
          text: `p95 ≤ ${KEYSTROKE_P95_MS} ms (in a frame)`,
          holds: openWorkStats !== null && openWorkStats.p95 <= KEYSTROKE_P95_MS,
          why: openWorkStats ? `p95 ${openWorkStats.p95.toFixed(1)} ms` : 'no card opened',
        },
        notes: [
          "click → panel in the DOM, then the frame's style, layout and paint; the wait for that frame to begin (0-16.7 ms at 60 Hz) is left out, as for a keystroke",
        ],
      }),
      figure({
        id: 'window.open-card-full',
        group,
        name: '↳ click a card → the frame showing its full record',
        unit: 'ms',
        stats: openStats(opensBig, (o) => o.full),
        baseline: { name: baselineName, stats: openStats(opensSmall, (o) => o.full) },
        target: null,
        notes: [
          "the record (users:get) goes in at the frame after the panel's first, however soon it answers: the summary's frame is never held up by it",
        ],
      }),
      figure({
        id: 'window.open-card-dom',
        group,
        name: '↳ of which click → the panel is in the DOM (handlers, React)',
        unit: 'ms',
        stats: openStats(opensBig, (o) => o.dom),
        baseline: { name: baselineName, stats: openStats(opensSmall, (o) => o.dom) },
        target: null,
      }),
      longTaskFigure({
        id: 'window.open-card-long-tasks',
        group,
        what: 'while opening cards',
        tasks: opensBig.longTasks,
        baselineName,
        baselineTasks: opensSmall.longTasks,
      }),
    );
    for (const side of sides) {
      const errors =
        side.app.pageErrors.length + side.app.consoleLines.filter((l) => l.type === 'error').length;
      if (errors > 0) {
        log.push(
          `ODD: the ${side.label} page logged ${errors} error(s): ${[...side.app.pageErrors, ...side.app.consoleLines.filter((l) => l.type === 'error').map((l) => l.text)].slice(0, 3).join(' | ')}`,
        );
      }
    }
  } finally {
    for (const side of sides) await side.app.close().catch(() => {});
    await browser.close();
  }
  return {
    suite: 'window',
    figures,
    elapsedMs: performance.now() - t0,
    load: { start, end: loadavg() },
    log,
  };
}
