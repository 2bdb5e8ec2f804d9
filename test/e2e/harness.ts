/**
 * The browser harness: the built window served on 127.0.0.1 with the app's
 * CSP, in Debian's Chromium driven by playwright-core, with `window.rollcall`
 * built by the real `createBridge` over the real core handlers. Each app gets
 * a fresh user-data folder; every bridge result, event, console line and
 * external-open request is recorded for the tests to inspect.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { serveAppFile, isAppPageUrl, type FileAnswer } from '@core/app-page';
import type { CoreDeps } from '@core/deps';
import type { Core, Dispatch } from '@core/handlers';
import { openCore } from '@core/open-core';
import { createLogger } from '@core/log';
import { createKeytarSecretStore, createMemorySecretStore } from '@core/store/secrets';
import type { EventName } from '@shared/contract';

export const ROOT = resolve(__dirname, '../..');
const RENDERER_DIR = join(ROOT, 'out/renderer');
const SCREENSHOT_DIR = join(ROOT, 'test/e2e/screenshots');
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The flags this machine needs: no sandbox as root, no calls home. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts Debian's Chromium. One per test file; each app gets its own context. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

let bridgeScript: Promise<string> | null = null;

/** The page-side bridge, bundled once per process with the app's own createBridge. */
function pageBridgeScript(): Promise<string> {
  bridgeScript ??= build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    resolve: { alias: { '@shared': join(ROOT, 'src-main/shared') } },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: join(ROOT, 'test/e2e/page-bridge.ts'),
        formats: ['iife'],
        name: 'RollcallPageBridge',
      },
    },
  }).then((out) => {
    const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
    const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
    if (!chunk || chunk.type !== 'chunk') throw new Error('page bridge did not bundle');
    return chunk.code;
  });
  return bridgeScript;
}

/** One recorded bridge call. */
interface RecordedCall {
  channel: string;
  arg: unknown;
  result: unknown;
}

export interface OpenAppOptions {
  browser: Browser;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Reuse a folder (to test what survives a restart); a fresh one otherwise. */
  userDataDir?: string;
  /** Serve another build of the window (the window bench compares builds); `out/renderer` otherwise. */
  rendererDir?: string;
  /** Replace core dependencies (fetch, clock...). */
  deps?: Partial<CoreDeps>;
  /**
   * Answer the page from a script instead of core: only for the visual
   * gallery of states that real servers rarely produce on demand. Every
   * behavioural e2e test runs against the real core.
   */
  scripted?: {
    dispatch: Dispatch;
    serveAvatar?: (connectionId: string, userId: string) => Promise<FileAnswer>;
  };
  /**
   * Open this page instead of the built window (the launch test opens
   * `npm start`'s dev server); the sender check then trusts its origin.
   */
  pageUrl?: string;
}

export interface AppUnderTest {
  page: Page;
  core: Core;
  userDataDir: string;
  origin: string;
  calls: RecordedCall[];
  events: { event: EventName; payload: unknown }[];
  consoleLines: { type: string; text: string }[];
  pageErrors: string[];
  logLines: string[];
  openedExternal: string[];
  /** Sends an event to the page as main would. */
  emit: CoreDeps['emit'];
  /** Saves a PNG of the page to test/e2e/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') done(address.port);
      else fail(new Error('no port'));
    });
  });
}

/** Serves the built window with real core behind it and opens it in a new page. */
export async function openApp(options: OpenAppOptions): Promise<AppUnderTest> {
  const ownsDataDir = !options.userDataDir;
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-e2e-'));
  const calls: RecordedCall[] = [];
  const events: AppUnderTest['events'] = [];
  const consoleLines: AppUnderTest['consoleLines'] = [];
  const pageErrors: string[] = [];
  const logLines: string[] = [];
  const openedExternal: string[] = [];
  let page: Page | null = null;

  const emit: CoreDeps['emit'] = (event, payload) => {
    events.push({ event, payload });
    void page
      ?.evaluate(
        ([e, p]) =>
          (window as unknown as { __rollcallEmit(e: string, p: unknown): void }).__rollcallEmit(
            e,
            p,
          ),
        [event, payload] as [string, unknown],
      )
      .catch(() => {});
  };

  const core = await openCore({
    appVersion: (await import(join(ROOT, 'package.json'), { with: { type: 'json' } })).default
      .version,
    userDataDir,
    fetch: (input, init) => fetch(input, init),
    secrets: process.env.ROLLCALL_TEST_KEYCHAIN
      ? createKeytarSecretStore()
      : createMemorySecretStore(),
    now: () => Date.now(),
    emit,
    openExternal: async (url) => {
      openedExternal.push(url);
    },
    chooseSavePath: async ({ defaultName }) => join(userDataDir, 'exports', defaultName),
    log: createLogger((line) => logLines.push(line)),
    ...options.deps,
  });

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const avatar = /^\/__avatar\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const serveAvatar = options.scripted?.serveAvatar ?? core.serveAvatar;
      const answer = avatar
        ? await serveAvatar(decodeURIComponent(avatar[1]!), decodeURIComponent(avatar[2]!))
        : await serveAppFile(options.rendererDir ?? RENDERER_DIR, url.pathname);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  const port = await listen(server);
  const origin = options.pageUrl ? new URL(options.pageUrl).origin : `http://127.0.0.1:${port}`;

  const context = await options.browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 820 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  page = await context.newPage();
  page.on('console', (m) => consoleLines.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The same sender check main applies: only the app's own page may call.
  await page.exposeBinding('__rollcallInvoke', async (source, channel: unknown, arg: unknown) => {
    const dispatch = options.scripted?.dispatch ?? core.dispatch;
    const result =
      isAppPageUrl(source.frame.url(), origin) && source.frame.parentFrame() === null
        ? await dispatch(channel, arg)
        : { ok: false, error: { code: 'FORBIDDEN', message: 'Refused sender' } };
    calls.push({ channel: String(channel), arg, result });
    return result;
  });
  await page.addInitScript({ content: await pageBridgeScript() });
  await page.goto(options.pageUrl ?? `${origin}/index.html`);

  return {
    page,
    core,
    userDataDir,
    origin,
    calls,
    events,
    consoleLines,
    pageErrors,
    logLines,
    openedExternal,
    emit,
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page!.screenshot({ path, fullPage: false });
      return path;
    },
    async close() {
      await context.close();
      await new Promise<void>((done) => server.close(() => done()));
      await core.close();
      if (ownsDataDir) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
