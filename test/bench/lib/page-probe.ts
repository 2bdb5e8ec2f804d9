/**
 * What the window benchmarks install in the page before the app's scripts
 * (Playwright init script, so the app's CSP does not apply to it): long
 * tasks, when the first card was painted after load, and "keystroke → the
 * grid shows the new result". The answer to each search is read where the
 * page receives it (the harness's bridge binding), so the probe knows what
 * the grid must show without asking core anything extra.
 *
 * `installPageProbe` is serialized by Playwright and runs in the page: it
 * must not use anything from outside its own body.
 */

/** One keystroke's timing, in the page's performance.now() clock (ms). */
export interface KeystrokeTiming {
  /** The earliest keydown / beforeinput / input event of the keystroke. */
  start: number;
  /** The DOM first showed the answer for the new text. */
  dom: number;
  /** The next frame began (its rAF callback): waiting for it is the display's rhythm, not work. */
  frameStart: number;
  /** The frame holding that DOM was produced (rAF, then a task after it). */
  painted: number;
  /** The window asked core for the first page of the new text (after its own handling). */
  asked: number | null;
  /** Core's answer reached the page (bridge + core done; React's turn next). */
  answered: number | null;
  text: string;
  total: number;
}

/** The probe's API on `window.__bench`. */
export interface PageProbe {
  longTasks: { start: number; duration: number }[];
  /** When the first user card was painted after load (ms since navigation start). */
  firstCardPainted: number | null;
  /** Starts watching for the next keystroke's answer. */
  arm(): void;
  /** Resolves when the armed keystroke's answer is on screen, or with null after `timeoutMs`. */
  result(timeoutMs: number): Promise<KeystrokeTiming | null>;
  /** Cards in the grid right now: real ones and placeholders still loading. */
  cards(): { cards: number; skeletons: number };
  /**
   * Routes the bridge through the raw CDP binding (JSON strings, like IPC's
   * one copy each way) instead of Playwright's binding (its own serializer,
   * ~20 ms for a page of 60 cards here). On by default, whenever
   * `RAW_BINDING` was added by CDP before the page loaded.
   */
  useRawBridge(on: boolean): void;
  /**
   * Calls `then` once the next frame is out (the task after its rAF), with
   * that time and the frame's start: how every "painted" figure ends.
   */
  afterFrame(then: (t: number, frameStart: number) => void): void;
}

/** The CDP binding the raw bridge sends requests through (added with Runtime.addBinding). */
export const RAW_BINDING = '__benchRawSend';
/** The page function Node calls with each raw answer. */
export const RAW_DELIVER = '__benchDeliver';

/** Runs in the page at document start. Self-contained. */
export function installPageProbe(): void {
  // Repeated here: an init script cannot see the module's constants.
  const rawBinding = '__benchRawSend';
  const rawDeliver = '__benchDeliver';
  interface Answer {
    firstId: string | null;
    total: number;
  }
  const w = window as unknown as {
    __bench: PageProbe;
    __rollcallInvoke?: (channel: string, arg: unknown) => Promise<unknown>;
  } & Record<string, unknown>;
  let raw = true;
  let rawSeq = 0;
  const rawPending = new Map<number, (result: unknown) => void>();
  w[rawDeliver] = (seq: number, result: unknown): void => {
    rawPending.get(seq)?.(result);
    rawPending.delete(seq);
  };
  const answers = new Map<string, Answer>();
  const asked = new Map<string, number>();
  const answered = new Map<string, number>();
  let armed = false;
  let start = Number.POSITIVE_INFINITY;
  let done: KeystrokeTiming | null = null;
  let waiting: ((t: KeystrokeTiming) => void) | null = null;
  let checking = false;

  const afterFrame = (then: (t: number, frameStart: number) => void): void => {
    requestAnimationFrame(() => {
      const frameStart = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => then(performance.now(), frameStart);
      channel.port2.postMessage(null);
    });
  };

  const probe: PageProbe = {
    afterFrame,
    longTasks: [],
    firstCardPainted: null,
    arm() {
      armed = true;
      start = Number.POSITIVE_INFINITY;
      done = null;
      checking = false;
    },
    result(timeoutMs) {
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          armed = false;
          resolve(null);
        }, timeoutMs);
        waiting = (t) => {
          clearTimeout(timer);
          resolve(t);
        };
      });
    },
    useRawBridge(on) {
      raw = on;
    },
    cards() {
      const grid = document.querySelector('[data-testid="user-grid"]');
      return {
        cards: grid ? grid.querySelectorAll('[data-testid="user-card"]').length : 0,
        skeletons: grid ? grid.querySelectorAll('.is-skeleton').length : 0,
      };
    },
  };
  w.__bench = probe;

  // Long tasks, from the start.
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        probe.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task timing in this browser: the figure says so (no entries).
  }

  // What the grid (or the table) shows now.
  const shown = (): Answer | null => {
    if (document.querySelector('[data-testid="empty-results"]')) return { firstId: null, total: 0 };
    const first = document.querySelector(
      '[data-testid="user-grid"] [data-testid="user-card"][data-index="0"], [data-testid="user-table"] [data-testid="table-row"][data-index="0"]',
    );
    const count = document.querySelector('[data-testid="result-count"] strong');
    if (!first || !count) return null;
    const total = Number((count.textContent ?? '').replace(/\D/g, ''));
    return { firstId: first.getAttribute('data-user-id'), total };
  };

  const check = (): void => {
    if (!armed || done || checking || start === Number.POSITIVE_INFINITY) return;
    const input = document.querySelector<HTMLInputElement>('[data-testid="search-input"]');
    if (!input) return;
    const text = input.value;
    const want = answers.get(text);
    // Only an answer that came after this keystroke counts (the same text may have been asked before).
    if ((answered.get(text) ?? Number.NEGATIVE_INFINITY) < start) return;
    const now = shown();
    if (!want || !now || want.firstId !== now.firstId || want.total !== now.total) return;
    checking = true;
    const dom = performance.now();
    afterFrame((painted, frameStart) => {
      done = {
        start,
        dom,
        frameStart,
        painted,
        asked: asked.get(text) ?? null,
        answered: answered.get(text) ?? null,
        text,
        total: want.total,
      };
      armed = false;
      const resolve = waiting;
      waiting = null;
      resolve?.(done);
    });
  };

  const onInputEvent = (e: Event): void => {
    if (armed && e.timeStamp < start) start = e.timeStamp;
  };
  for (const type of ['keydown', 'beforeinput', 'input']) {
    window.addEventListener(type, onInputEvent, { capture: true });
  }

  // The answers, where the page receives them from core.
  const wrap =
    (invoke: (channel: string, arg: unknown) => Promise<unknown>) =>
    async (channel: string, arg: unknown): Promise<unknown> => {
      const a = arg as { text?: string; offset?: number } | null;
      const first = channel === 'users:search' && a !== null && (a.offset ?? 0) === 0;
      if (first) asked.set(a.text ?? '', performance.now());
      const send = w[rawBinding];
      const result =
        raw && typeof send === 'function'
          ? await new Promise((resolve) => {
              const seq = ++rawSeq;
              rawPending.set(seq, resolve);
              (send as (payload: string) => void)(JSON.stringify({ seq, channel, arg }));
            })
          : await invoke(channel, arg);
      const r = result as { ok?: boolean; value?: { total: number; items: { userId: string }[] } };
      if (first && r.ok && r.value) {
        answered.set(a.text ?? '', performance.now());
        answers.set(a.text ?? '', {
          firstId: r.value.items[0]?.userId ?? null,
          total: r.value.total,
        });
        // The grid may already show it (same first card and count): check after React's turn.
        setTimeout(check, 0);
      }
      return result;
    };
  let invoke = w.__rollcallInvoke ? wrap(w.__rollcallInvoke) : undefined;
  Object.defineProperty(window, '__rollcallInvoke', {
    configurable: true,
    get: () => invoke,
    set: (fn: (channel: string, arg: unknown) => Promise<unknown>) => {
      invoke = wrap(fn);
    },
  });

  const start0 = (): void => {
    new MutationObserver(() => {
      if (probe.firstCardPainted === null && document.querySelector('[data-testid="user-card"]')) {
        probe.firstCardPainted = -1;
        afterFrame((t) => (probe.firstCardPainted = t));
      }
      check();
    }).observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  };
  start0();
}
