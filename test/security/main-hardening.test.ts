// The Electron glue in src-main/main and the preload, with `electron` mocked
// (the binary cannot run here): the window's web preferences, navigation,
// new windows, webviews, permissions and downloads, the app protocol's path
// and method checks, the schemes' privileges, and the preload exposing the
// bridge and nothing else. SECURITY.md points its checklist rows here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { APP_PAGE_URL } from '@core/app-page';
import { silentLogger } from '@core/log';
import { CHANNELS, EVENT_NAMES, contract, events } from '@shared/contract';
import { CONTENT_SECURITY_POLICY } from '@shared/csp';

type Listener = (...args: unknown[]) => unknown;

const hoisted = vi.hoisted(() => ({
  appListeners: new Map<string, (...args: unknown[]) => unknown>(),
  opened: [] as string[],
  windows: [] as { options: Record<string, unknown>; loaded: string[] }[],
  schemes: [] as unknown[],
  handlers: new Map<string, (request: Request) => Promise<Response>>(),
  exposed: [] as [string, unknown][],
  invoked: [] as [string, unknown][],
}));

vi.mock('electron', () => {
  class BrowserWindow {
    loaded: string[] = [];
    constructor(public options: Record<string, unknown>) {
      hoisted.windows.push(this);
    }
    maximize(): void {}
    once(): void {}
    on(): void {}
    isDestroyed(): boolean {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: 1200, height: 800 };
    }
    isMaximized(): boolean {
      return false;
    }
    async loadURL(url: string): Promise<void> {
      this.loaded.push(url);
    }
  }
  return {
    app: {
      on: (event: string, fn: (...args: unknown[]) => unknown) =>
        hoisted.appListeners.set(event, fn),
    },
    shell: {
      openExternal: async (url: string) => {
        hoisted.opened.push(url);
      },
    },
    BrowserWindow,
    nativeTheme: { shouldUseDarkColors: false },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => hoisted.schemes.push(...schemes),
      handle: (scheme: string, fn: (request: Request) => Promise<Response>) =>
        hoisted.handlers.set(scheme, fn),
    },
    contextBridge: {
      exposeInMainWorld: (name: string, api: unknown) => hoisted.exposed.push([name, api]),
    },
    ipcRenderer: {
      invoke: async (channel: string, arg: unknown) => {
        hoisted.invoked.push([channel, arg]);
        return { ok: true, value: null };
      },
      on: () => {},
      removeListener: () => {},
    },
  };
});

const { hardenSession, hardenWebContents, isDevServerReload } =
  await import('../../src-main/main/security');
const { createMainWindow } = await import('../../src-main/main/window');
const { handleAppProtocol, registerSchemes } = await import('../../src-main/main/app-protocol');

/** A stand-in webContents that records its listeners. */
function fakeContents() {
  const on = new Map<string, Listener>();
  let openHandler: Listener | null = null;
  return {
    on: (event: string, fn: Listener) => on.set(event, fn),
    setWindowOpenHandler: (fn: Listener) => {
      openHandler = fn;
    },
    fire(event: string, ...args: unknown[]) {
      const prevented = { value: false };
      on.get(event)?.({ preventDefault: () => (prevented.value = true) }, ...args);
      return prevented.value;
    },
    open: (url: string) => openHandler?.({ url }),
    listens: (event: string) => on.has(event),
  };
}

describe('every webContents the app creates', () => {
  const contents = fakeContents();
  beforeAll(() => {
    hardenWebContents(silentLogger);
    hoisted.appListeners.get('web-contents-created')?.({}, contents);
  });

  it('cannot navigate or be redirected anywhere (checklist 13)', () => {
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'rollcall-app://app/other.html',
      'javascript:alert(1)',
    ]) {
      expect(contents.fire('will-navigate', url), url).toBe(true);
      expect(contents.fire('will-redirect', url), url).toBe(true);
    }
  });

  it('lets no dev-server reload through in a packaged app (no dev URL given)', () => {
    expect(contents.fire('will-navigate', 'http://localhost:5173/')).toBe(true);
  });

  it('never opens a new window; only http(s) links go to the system browser (checklist 14, 15)', async () => {
    hoisted.opened.length = 0;
    for (const url of [
      'https://example.com/a?b=c',
      'http://example.com/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'rollcall-app://app/',
      'https://user:pw@example.com/',
      'smb://host/share',
      'data:text/html,x',
    ]) {
      expect(contents.open(url), url).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(hoisted.opened).toEqual(['https://example.com/a?b=c', 'http://example.com/']);
  });

  it('refuses every webview (checklist 11, 12)', () => {
    expect(
      contents.fire('will-attach-webview', {}, { src: 'https://evil.example/', allowpopups: true }),
    ).toBe(true);
  });
});

describe('every webContents under npm start (unpackaged, with the dev server URL)', () => {
  const contents = fakeContents();
  beforeAll(() => {
    hardenWebContents(silentLogger, 'http://localhost:5173');
    hoisted.appListeners.get('web-contents-created')?.({}, contents);
  });

  it("lets Vite's full reloads of the dev page through, and nothing else", () => {
    for (const url of ['http://localhost:5173/', 'http://localhost:5173/index.html']) {
      expect(contents.fire('will-navigate', url), url).toBe(false);
    }
    for (const url of [
      'http://localhost:5174/',
      'http://127.0.0.1:5173/',
      'https://localhost:5173/',
      'https://evil.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(contents.fire('will-navigate', url), url).toBe(true);
    }
    expect(contents.fire('will-redirect', 'http://localhost:5173/')).toBe(true);
  });

  it('accepts only a loopback http(s) dev URL as the dev origin', () => {
    expect(isDevServerReload('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isDevServerReload('http://evil.example/', 'http://evil.example')).toBe(false);
    expect(isDevServerReload('http://localhost:5173/', undefined)).toBe(false);
    expect(isDevServerReload('not a url', 'http://localhost:5173')).toBe(false);
  });
});

describe('the session', () => {
  const handlers: Record<string, Listener> = {};
  const session = {
    setPermissionRequestHandler: (fn: Listener) => (handlers.request = fn),
    setPermissionCheckHandler: (fn: Listener) => (handlers.check = fn),
    setDevicePermissionHandler: (fn: Listener) => (handlers.device = fn),
    on: (event: string, fn: Listener) => (handlers[event] = fn),
  };
  beforeAll(() => hardenSession(session as never));

  it('denies every permission request and check (checklist 5)', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'fullscreen',
      'hid',
      'serial',
    ]) {
      const answers: unknown[] = [];
      handlers.request?.({}, permission, (granted: boolean) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
      expect(handlers.check?.({}, permission, 'rollcall-app://app', {}), permission).toBe(false);
    }
    expect(handlers.device?.({ deviceType: 'usb', origin: 'rollcall-app://app' })).toBe(false);
  });

  it('cancels every download', () => {
    let prevented = false;
    handlers['will-download']?.({ preventDefault: () => (prevented = true) }, {}, {});
    expect(prevented).toBe(true);
  });
});

describe('the main window', () => {
  it('is sandboxed and isolated, with web security on and nothing experimental (checklist 2, 3, 4, 6, 8, 9, 10, 11)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-window-'));
    await createMainWindow({
      pageUrl: APP_PAGE_URL,
      stateFile: join(dir, 'state.json'),
      devTools: false,
      log: silentLogger,
    });
    const win = hoisted.windows.at(-1)!;
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.js$/);
    // Loaded from the app's own scheme, never file:// (checklist 1, 18).
    expect(win.loaded).toEqual(['rollcall-app://app/index.html']);
  });
});

describe('the app and avatar schemes', () => {
  it('are standard and secure, and neither bypasses the CSP nor allows service workers (checklist 7, 18)', () => {
    registerSchemes();
    expect(hoisted.schemes).toHaveLength(2);
    for (const s of hoisted.schemes as { scheme: string; privileges: Record<string, unknown> }[]) {
      expect(s.privileges).toMatchObject({ standard: true, secure: true });
      for (const risky of ['bypassCSP', 'allowServiceWorkers', 'corsEnabled', 'stream']) {
        expect(s.privileges[risky], `${s.scheme}.${risky}`).toBeFalsy();
      }
    }
  });

  it('serves only GETs of the built window, with the CSP, and nothing outside it (checklist 7, 18)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-renderer-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, '..', 'outside.json'), '{"secret":1}');
    handleAppProtocol(dir);
    const handle = hoisted.handlers.get('rollcall-app')!;
    const ok = await handle(new Request('rollcall-app://app/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    for (const request of [
      new Request('rollcall-app://app/../outside.json'),
      new Request('rollcall-app://app/%2e%2e/outside.json'),
      new Request('rollcall-app://evil/index.html'),
      new Request('rollcall-app://app/index.html', { method: 'POST', body: 'x' }),
    ]) {
      expect((await handle(request)).status, `${request.method} ${request.url}`).toBe(404);
    }
  });
});

describe('the preload', () => {
  it('exposes window.rollcall and nothing else: one method per channel, no Electron API (checklist 20)', async () => {
    await import('../../src-main/preload/index');
    expect(hoisted.exposed.map(([name]) => name)).toEqual(['rollcall']);
    const api = hoisted.exposed[0]![1] as Record<string, unknown>;
    expect(Object.isFrozen(api)).toBe(true);
    const expected = [
      ...CHANNELS.map((c) => contract[c].method),
      ...EVENT_NAMES.map((e) => events[e].method),
      'avatarUrl',
    ].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    // A call reaches ipcRenderer.invoke with the contract's channel name only.
    await (api.appInfo as () => Promise<unknown>)();
    expect(hoisted.invoked).toEqual([['app:info', {}]]);
  });
});
