/**
 * Parts of the window bench beyond the grid's keystrokes: the raw bridge,
 * switching the results between cards and table (the table's keystrokes are
 * measured the same way as the grid's), opening a card (click → the frame showing the detail panel),
 * and the long tasks of each, so "no task over 50 ms while typing,
 * scrolling or opening a card" is a figure, not a hope.
 *
 * Runs in Node (the window bench's process), driving Chromium.
 */
import type { CDPSession, Page } from 'playwright-core';
import type { AppUnderTest } from '../../e2e/harness';
import { figure, statsOf, type Figure } from './figures';
import { RAW_BINDING, RAW_DELIVER, type PageProbe } from './page-probe';

/** The page's window with the bench's probe on it (page-probe.ts). */
export type ProbeWindow = Window & { __bench: PageProbe };

/** One long task (PerformanceObserver "longtask"), page clock. */
export interface LongTask {
  start: number;
  duration: number;
}

/** Waits for `n` animation frames of the page. */
export async function frames(page: Page, n = 2): Promise<void> {
  await page.evaluate(
    (count) =>
      new Promise<void>((done) => {
        let left = count;
        const tick = (): void => {
          if (--left <= 0) done();
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    n,
  );
}

/** The page's clock now. */
export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** Long tasks the page saw since `since` (its clock). */
export async function longTasksSince(page: Page, since: number): Promise<LongTask[]> {
  return page.evaluate(
    (t) => (window as unknown as ProbeWindow).__bench.longTasks.filter((x) => x.start >= t),
    since,
  );
}

/**
 * A second bridge transport, closer to Electron's IPC than the harness's
 * Playwright binding: the page sends JSON through a raw CDP binding, Node
 * answers through `Runtime.evaluate` with the result as a JSON literal, one
 * serialization each way. Same `core.dispatch`; the harness's sender check is
 * not repeated (only the app's page runs in this browser context).
 */
export async function rawBridge(app: AppUnderTest, cdp: CDPSession): Promise<void> {
  await cdp.send('Runtime.enable');
  await cdp.send('Runtime.addBinding', { name: RAW_BINDING });
  cdp.on('Runtime.bindingCalled', (event) => {
    if (event.name !== RAW_BINDING) return;
    void (async () => {
      const { seq, channel, arg } = JSON.parse(event.payload) as {
        seq: number;
        channel: unknown;
        arg: unknown;
      };
      const result = await app.core.dispatch(channel, arg);
      await cdp.send('Runtime.evaluate', {
        expression: `window.${RAW_DELIVER}(${seq}, ${JSON.stringify(result)})`,
        contextId: event.executionContextId,
      });
    })().catch(() => {
      // The page navigated away (a reload): its answer has nowhere to go.
    });
  });
}

/** Round trips of one page of search results through the page's current bridge, ms. */
export async function searchRoundTrips(page: Page, n: number): Promise<number[]> {
  return page.evaluate(async (count) => {
    const invoke = (
      window as unknown as { __rollcallInvoke(c: string, a: unknown): Promise<unknown> }
    ).__rollcallInvoke;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await invoke('users:search', { text: 'mü', limit: 60 });
      out.push(performance.now() - t0);
    }
    return out.slice(3);
  }, n);
}

/** The same search in core alone, ms. */
export async function coreSearches(app: AppUnderTest, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await app.core.dispatch('users:search', { text: 'mü', limit: 60 });
    out.push(performance.now() - t0);
  }
  return out.slice(3);
}

/** Live JS heap of the page after a full GC, MB. */
export async function heapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usage.usedSize / 1e6;
}

/** Shows the results as cards or as a table, and waits until the view is on the page. */
export async function showView(page: Page, view: 'cards' | 'table'): Promise<void> {
  await page.getByTestId(`view-${view}`).click();
  await page
    .getByTestId(view === 'table' ? 'user-table' : 'user-grid')
    .waitFor({ state: 'attached', timeout: 10_000 });
}

/** One card opened: page clock, ms from the click. */
export interface CardOpening {
  /** Until the frame holding the panel was produced (its rAF, then a task). */
  total: number;
  /** Until the panel was in the DOM (the click's own work: handlers, React). */
  dom: number;
  /** From the DOM holding the panel to the next frame beginning: the display's rhythm, not work. */
  frameWait: number;
  /** Until the frame holding the full record (users:get's answer) was produced. */
  full: number;
}

/** The cards opened in turn, from the first: all in view at the top of a grid of three columns. */
const OPENED_CARDS = 9;

/**
 * Opens `n` cards in turn, the first nine over and over (click → the frame
 * that shows the detail panel), closing each with Escape; before each, the
 * grid is back at the top of everything. The panel is seen entering the DOM
 * by a mutation observer (React commits in a microtask after the click's
 * handlers), and the frame that holds it is over at the task after that
 * frame's rAF, as for a keystroke (page-probe.ts).
 */
export async function openCards(
  page: Page,
  n: number,
): Promise<{ opens: CardOpening[]; longTasks: LongTask[] }> {
  await page.getByTestId('search-input').fill('');
  // Back at the top with the card in the DOM: an open card that the narrower grid moved is
  // scrolled into view, and stays so once the panel closes.
  const toTop = (index: number): Promise<void> =>
    page.evaluate(async (i) => {
      const grid = document.querySelector<HTMLElement>('[data-testid="user-grid"]');
      if (grid) grid.scrollTop = 0;
      for (let f = 0; f < 30; f++) {
        await new Promise((r) => requestAnimationFrame(r));
        if (document.querySelector(`[data-testid="user-card"][data-index="${i}"]`)) return;
      }
    }, index);
  const since = await pageNow(page);
  const opens: CardOpening[] = [];
  for (let i = 0; i < n; i++) {
    await toTop(i % OPENED_CARDS);
    const t = await page.evaluate(
      (index) =>
        new Promise<{ total: number; dom: number; frameWait: number; full: number }>(
          (done, fail) => {
            const card = document.querySelector<HTMLElement>(
              `[data-testid="user-grid"] [data-testid="user-card"][data-index="${index}"]`,
            );
            if (!card) {
              fail(new Error(`no card ${index} on the page`));
              return;
            }
            const give = setTimeout(() => fail(new Error('no detail panel within 10 s')), 10_000);
            let t0 = 0;
            let panel: { total: number; dom: number; frameWait: number } | null = null;
            let full: number | null = null;
            const finish = (): void => {
              if (!panel || full === null) return;
              clearTimeout(give);
              done({ ...panel, full });
            };
            /** When `selector` is first in the DOM, and the frame holding it is out. */
            const whenPainted = (
              selector: string,
              painted: (dom: number, frameStart: number, end: number) => void,
            ) => {
              let seen = false;
              return (): boolean => {
                if (seen || !document.querySelector(selector)) return seen;
                seen = true;
                const dom = performance.now();
                (window as unknown as ProbeWindow).__bench.afterFrame((end, frameStart) =>
                  painted(dom, frameStart, end),
                );
                return true;
              };
            };
            const panelShown = whenPainted(
              '[data-testid="detail-panel"]',
              (dom, frameStart, end) => {
                panel = { total: end - t0, dom: dom - t0, frameWait: frameStart - dom };
                finish();
              },
            );
            // The full record's footer ("From the cache · fetched …") comes with users:get's answer.
            const recordShown = whenPainted(
              '[data-testid="detail-source"]',
              (_dom, _start, end) => {
                full = end - t0;
                finish();
              },
            );
            const shown = (): void => {
              if (panelShown() && recordShown()) observer.disconnect();
            };
            const observer = new MutationObserver(shown);
            observer.observe(document.body, { childList: true, subtree: true });
            t0 = performance.now();
            card.click();
            shown();
          },
        ),
      i % OPENED_CARDS,
    );
    opens.push(t);
    await page.keyboard.press('Escape');
    await page.getByTestId('detail-panel').waitFor({ state: 'detached', timeout: 10_000 });
  }
  return { opens, longTasks: await longTasksSince(page, since) };
}

/** A figure of long-task durations while doing something, against the baseline's. */
export function longTaskFigure(f: {
  id: string;
  group: string;
  what: string;
  tasks: LongTask[];
  baselineName: string;
  baselineTasks: LongTask[];
  notes?: string[];
}): Figure {
  const blocking = (ts: LongTask[]): number =>
    ts.reduce((n, t) => n + Math.max(0, t.duration - 50), 0);
  const max = Math.max(0, ...f.tasks.map((t) => t.duration));
  return figure({
    id: f.id,
    group: f.group,
    name: `long tasks ${f.what} (count ${f.tasks.length} vs ${f.baselineTasks.length})`,
    unit: 'ms',
    stats: statsOf(f.tasks.map((t) => t.duration)),
    baseline: { name: f.baselineName, stats: statsOf(f.baselineTasks.map((t) => t.duration)) },
    target: {
      text: 'no task over 50 ms',
      holds: f.tasks.length === 0,
      why: f.tasks.length === 0 ? 'none' : `${f.tasks.length}, longest ${max.toFixed(0)} ms`,
    },
    extra: {
      count: f.tasks.length,
      baselineCount: f.baselineTasks.length,
      totalBlockingMs: blocking(f.tasks),
      baselineTotalBlockingMs: blocking(f.baselineTasks),
    },
    notes: ['PerformanceObserver("longtask") entries: tasks over 50 ms', ...(f.notes ?? [])],
  });
}

/**
 * Other builds of the window to type into in the same run, from
 * `ROLLCALL_BENCH_VARIANTS="label=/path/to/out/renderer;label2=…"`: how two
 * ways of drawing the results compare under the same load at the same time.
 */
export function benchVariants(): { label: string; rendererDir: string }[] {
  return (process.env.ROLLCALL_BENCH_VARIANTS ?? '')
    .split(';')
    .filter((v) => v.includes('='))
    .map((v) => {
      const [label, rendererDir] = v.split('=') as [string, string];
      return { label: label.trim(), rendererDir: rendererDir.trim() };
    });
}

/** Keystroke times: total, and answer → painted. */
interface Keystrokes {
  ms: number[];
  render: number[];
}

/** Keystroke figures of another build against this build's, typed in the same run. */
export function variantFigures(
  group: string,
  label: string,
  typed: Record<'grid' | 'table', Keystrokes>,
  base: Record<'grid' | 'table', Keystrokes>,
): Figure[] {
  const baseName = 'this build (out/renderer), 100 000 users, same run';
  const render = (view: 'grid' | 'table', samples: number[], baseline: number[]): Figure =>
    figure({
      id: `window.keystroke.${view}-render.variant.${label}`,
      group,
      name: `↳ answer → ${view} painted, build "${label}"`,
      unit: 'ms',
      stats: statsOf(samples),
      baseline: { name: baseName, stats: statsOf(baseline) },
      target: null,
    });
  return [
    figure({
      id: `window.keystroke.variant.${label}`,
      group,
      name: `keystroke → grid, build "${label}"`,
      unit: 'ms',
      stats: statsOf(typed.grid.ms),
      baseline: { name: baseName, stats: statsOf(base.grid.ms) },
      target: null,
    }),
    render('grid', typed.grid.render, base.grid.render),
    figure({
      id: `window.keystroke.table.variant.${label}`,
      group,
      name: `keystroke → table, build "${label}"`,
      unit: 'ms',
      stats: statsOf(typed.table.ms),
      baseline: { name: baseName, stats: statsOf(base.table.ms) },
      target: null,
    }),
    render('table', typed.table.render, base.table.render),
  ];
}
