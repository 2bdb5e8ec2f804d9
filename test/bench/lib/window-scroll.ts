/**
 * The window bench's scroll: the grid top to bottom in jumps, then a
 * stretch wheeled back up, with the cards in the DOM, how long each jump
 * took to fill, the page heap at a few points, and the long tasks meanwhile;
 * other builds of the window (ROLLCALL_BENCH_VARIANTS) scrolled the same way.
 *
 * Runs in Node (the window bench's process), driving Chromium.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CDPSession, Page } from 'playwright-core';
import { figure, statsOf, type Figure } from './figures';
import {
  frames,
  heapMb,
  longTaskFigure,
  longTasksSince,
  pageNow,
  type LongTask,
  type ProbeWindow,
} from './window-views';

export interface ScrollReport {
  cards: number[];
  fillMs: number[];
  longTasks: LongTask[];
  /** Long tasks left out: they overlapped the bench's own forced GC (the heap sample). */
  forcedGcTasks: number;
  heap: number[];
  cardsAtTop: number;
  unfilled: number;
}

/** Scrolls the grid top to bottom in `steps` jumps, then wheels through a stretch. */
export async function scroll(
  page: Page,
  cdp: CDPSession,
  steps: number,
  wheels: number,
): Promise<ScrollReport> {
  await page.getByTestId('search-input').fill('');
  await sleep(300);
  await frames(page);
  const top = await page.evaluate(() => (window as unknown as ProbeWindow).__bench.cards());
  const report: ScrollReport = {
    cards: [],
    fillMs: [],
    longTasks: [],
    forcedGcTasks: 0,
    heap: [],
    cardsAtTop: top.cards,
    unfilled: 0,
  };
  const since = await pageNow(page);
  const heapEvery = Math.max(1, Math.floor(steps / 4));
  // The heap is sampled after a full GC forced over CDP, on the page's main
  // thread: 50-70 ms at 100 000 users, which the page may see as a long
  // task of its own. Those windows, in the page's clock, are left out below.
  const forcedGc: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const step = await page.evaluate(
      async ({ fraction }) => {
        const probe = (window as unknown as ProbeWindow).__bench;
        const grid = document.querySelector<HTMLElement>('[data-testid="user-grid"]');
        if (!grid) return null;
        const t0 = performance.now();
        grid.scrollTop = fraction * (grid.scrollHeight - grid.clientHeight);
        // Filled: a frame drawn with no placeholder card left (or 3 s).
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          const c = probe.cards();
          if (c.skeletons === 0 && c.cards > 0)
            return { ms: performance.now() - t0, ...c, filled: true };
          if (performance.now() - t0 > 3_000)
            return { ms: performance.now() - t0, ...c, filled: false };
        }
      },
      { fraction: i / steps },
    );
    if (!step) throw new Error('the grid is not on the page');
    report.cards.push(step.cards + step.skeletons);
    if (step.filled) report.fillMs.push(step.ms);
    else report.unfilled++;
    if (i % heapEvery === 0) {
      const from = await pageNow(page);
      report.heap.push(await heapMb(cdp));
      forcedGc.push([from, await pageNow(page)]);
    }
  }
  // Then wheel back up through a stretch, as a hand on a mouse would.
  const box = await page.getByTestId('user-grid').boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < wheels; i++) {
    await page.mouse.wheel(0, -400);
    await frames(page, 1);
    const c = await page.evaluate(() => (window as unknown as ProbeWindow).__bench.cards());
    report.cards.push(c.cards + c.skeletons);
  }
  const tasks = await longTasksSince(page, since);
  const inForcedGc = (t: LongTask): boolean =>
    forcedGc.some(([a, b]) => t.start < b && t.start + t.duration > a);
  report.longTasks = tasks.filter((t) => !inForcedGc(t));
  report.forcedGcTasks = tasks.length - report.longTasks.length;
  return report;
}

/** A page to scroll: this build's or another's (ROLLCALL_BENCH_VARIANTS). */
export interface ScrollSide {
  label: string;
  page: Page;
  cdp: CDPSession;
}

/**
 * Other builds of the window scrolled as this one was, each in two runs
 * alternating with two more of this build, so a change to drawing the grid
 * is told from the hour: its fill times and long tasks, this build's three
 * runs (`first` and the two here) as the baseline.
 */
export async function variantScrollFigures(o: {
  group: string;
  base: ScrollSide;
  first: ScrollReport;
  variants: ScrollSide[];
  steps: number;
  wheels: number;
}): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const v of o.variants) {
    const mine = [o.first];
    const theirs: ScrollReport[] = [];
    for (let run = 0; run < 2; run++) {
      theirs.push(await scroll(v.page, v.cdp, o.steps, o.wheels));
      mine.push(await scroll(o.base.page, o.base.cdp, o.steps, o.wheels));
    }
    const baselineName = `this build (${o.base.label}), ${mine.length} runs alternating`;
    figures.push(
      figure({
        id: `window.scroll-fill.variant.${v.label}`,
        group: o.group,
        name: `scroll jump → every card in view filled, build "${v.label}" (${theirs.length} runs)`,
        unit: 'ms',
        stats: statsOf(theirs.flatMap((r) => r.fillMs)),
        baseline: { name: baselineName, stats: statsOf(mine.flatMap((r) => r.fillMs)) },
        target: null,
      }),
      longTaskFigure({
        id: `window.scroll-long-tasks.variant.${v.label}`,
        group: o.group,
        what: `during the scroll, build "${v.label}" (${theirs.length} runs)`,
        tasks: theirs.flatMap((r) => r.longTasks),
        baselineName,
        baselineTasks: mine.flatMap((r) => r.longTasks),
      }),
    );
  }
  return figures;
}
