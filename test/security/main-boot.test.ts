// The packaged app's start-up (src-main/main/index.ts) with `electron`
// mocked: the schemes are registered and the sandbox enabled before the app
// is ready, the session and every webContents are hardened, every channel
// is registered behind the sender check, the window loads the app scheme
// with developer tools off, and the menu has no developer items.
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { DatabaseSync } from '@photostructure/sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { APP_PAGE_URL } from '@core/app-page';
import { DATABASE_FILE_NAME } from '@core/store/db';
import type * as SecretsModule from '@core/store/secrets';
import { CHANNELS } from '@shared/contract';

const h = vi.hoisted(() => ({
  calls: [] as string[],
  handled: [] as string[],
  windows: [] as { options: Record<string, unknown>; loaded: string[] }[],
  menu: null as unknown,
  session: {} as Record<string, unknown>,
  errors: [] as string[],
  userData: '',
  appListeners: new Map<string, (...args: unknown[]) => unknown>(),
  secretStoreOptions: [] as unknown[],
}));

// The real keytar store, with the options main gives it recorded.
vi.mock('../../src-main/core/store/secrets', async (importOriginal) => {
  const real = await importOriginal<typeof SecretsModule>();
  return {
    ...real,
    createKeytarSecretStore: (options: Parameters<typeof real.createKeytarSecretStore>[0]) => {
      h.secretStoreOptions.push(options);
      return real.createKeytarSecretStore(options);
    },
  };
});

vi.mock('electron', () => {
  class BrowserWindow {
    loaded: string[] = [];
    static getAllWindows = () => h.windows;
    constructor(public options: Record<string, unknown>) {
      h.calls.push('new BrowserWindow');
      h.windows.push(this);
    }
    maximize(): void {}
    once(): void {}
    on(): void {}
    isDestroyed = () => false;
    isMinimized = () => false;
    getNormalBounds = () => ({ x: 0, y: 0, width: 1200, height: 800 });
    isMaximized = () => false;
    async loadURL(url: string): Promise<void> {
      this.loaded.push(url);
    }
  }
  const session = {
    setPermissionRequestHandler: () => h.calls.push('session.setPermissionRequestHandler'),
    setPermissionCheckHandler: () => h.calls.push('session.setPermissionCheckHandler'),
    setDevicePermissionHandler: () => h.calls.push('session.setDevicePermissionHandler'),
    on: (event: string) => h.calls.push(`session.on ${event}`),
  };
  return {
    app: {
      isPackaged: true,
      enableSandbox: () => h.calls.push('app.enableSandbox'),
      requestSingleInstanceLock: () => true,
      on: (event: string, listener: (...args: unknown[]) => unknown) => {
        h.calls.push(`app.on ${event}`);
        h.appListeners.set(event, listener);
      },
      whenReady: async () => {
        h.calls.push('app.whenReady');
      },
      getPath: (name: string) => join(h.userData, name),
      getVersion: () => '0.1.0',
      quit: () => h.calls.push('app.quit'),
      exit: (code?: number) => h.calls.push(`app.exit ${code ?? 0}`),
    },
    BrowserWindow,
    dialog: {
      showErrorBox: (title: string, text: string) => h.errors.push(`${title}: ${text}`),
      showSaveDialog: async () => ({ canceled: true }),
    },
    net: { request: () => ({}) },
    session: { defaultSession: session },
    shell: { openExternal: async () => {} },
    protocol: {
      registerSchemesAsPrivileged: () => h.calls.push('protocol.registerSchemesAsPrivileged'),
      handle: (scheme: string) => h.calls.push(`protocol.handle ${scheme}`),
    },
    ipcMain: {
      handle: (channel: string) => h.handled.push(channel),
      removeHandler: () => {},
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => (h.menu = menu),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    nativeTheme: { shouldUseDarkColors: false },
  };
});

describe('the packaged app starting up', () => {
  beforeAll(async () => {
    h.userData = mkdtempSync(join(tmpdir(), 'rollcall-boot-'));
    await import('../../src-main/main/index');
    await vi.waitFor(() => expect(h.windows[0]?.loaded.length).toBe(1), { timeout: 20_000 });
  });

  it('registers its schemes and enables the sandbox before the app is ready (checklist 4, 18)', () => {
    const ready = h.calls.indexOf('app.whenReady');
    expect(h.calls.indexOf('protocol.registerSchemesAsPrivileged')).toBeGreaterThanOrEqual(0);
    expect(h.calls.indexOf('protocol.registerSchemesAsPrivileged')).toBeLessThan(ready);
    expect(h.calls.indexOf('app.enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(h.calls.indexOf('app.enableSandbox')).toBeLessThan(ready);
    expect(h.errors).toEqual([]);
  });

  it('hardens the session and every webContents before opening the window (checklist 5, 13, 14)', () => {
    const win = h.calls.indexOf('new BrowserWindow');
    for (const call of [
      'app.on web-contents-created',
      'session.setPermissionRequestHandler',
      'session.setPermissionCheckHandler',
      'session.setDevicePermissionHandler',
      'session.on will-download',
      'protocol.handle rollcall-app',
      'protocol.handle rollcall-avatar',
    ]) {
      expect(h.calls.indexOf(call), call).toBeGreaterThanOrEqual(0);
      expect(h.calls.indexOf(call), call).toBeLessThan(win);
    }
  });

  it('answers every channel of the contract, and nothing else (checklist 17)', () => {
    expect([...h.handled].sort()).toEqual([...CHANNELS].sort());
  });

  it('loads the app scheme with developer tools off and no developer menu (checklist 1, 18)', () => {
    const win = h.windows[0]!;
    expect(win.loaded).toEqual([APP_PAGE_URL]);
    expect((win.options.webPreferences as Record<string, unknown>).devTools).toBe(false);
    const roles = JSON.stringify(h.menu);
    expect(roles).not.toMatch(/toggleDevTools|forceReload|"reload"/);
  });

  it('hands the keychain store the log, so keychain faults reach main.log', () => {
    expect(h.secretStoreOptions).toHaveLength(1);
    const options = h.secretStoreOptions[0] as { log?: { warn?: unknown } } | undefined;
    expect(typeof options?.log?.warn).toBe('function');
  });

  it('holds the quit until the cache is closed, then exits, leaving no WAL content behind', async () => {
    const willQuit = h.appListeners.get('will-quit');
    expect(willQuit).toBeTypeOf('function');
    const dbFile = join(h.userData, 'userData', DATABASE_FILE_NAME);
    expect(existsSync(dbFile)).toBe(true);
    let prevented = 0;
    willQuit!({ preventDefault: () => prevented++ });
    expect(prevented).toBe(1);
    expect(h.calls).not.toContain('app.exit 0'); // not before core has closed
    await vi.waitFor(() => expect(h.calls).toContain('app.exit 0'), { timeout: 20_000 });
    // Closed for real: nothing left in a -wal file, and the file opens cleanly read-only.
    const wal = `${dbFile}-wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    const db = new DatabaseSync(dbFile, { readOnly: true });
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    db.close();
  });
});
