/**
 * Electron glue, kept thin: one instance, hardened sessions and windows,
 * the app and avatar protocols, and core started with Electron's own fetch,
 * the user-data folder and the OS keychain. All behaviour lives in core.
 *
 * Runs in Electron's main process.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { app, BrowserWindow, dialog, net, session, shell } from 'electron';
import { APP_PAGE_URL, isAppPageUrl } from '../core/app-page';
import type { Core } from '../core/handlers';
import { openCore } from '../core/open-core';
import { fetchOverNetRequest } from '../core/net/net-request';
import { createLogger, type Logger } from '../core/log';
import { createKeytarSecretStore } from '../core/store/secrets';
import { handleAppProtocol, registerSchemes } from './app-protocol';
import { handleAvatarProtocol } from './avatar-protocol';
import { createEmitter, registerIpc } from './ipc';
import { installMenu } from './menu';
import { closeBeforeQuit } from './quit';
import { hardenSession, hardenWebContents } from './security';
import { createMainWindow } from './window';

/** The sync worker's entry, which the main build emits beside this file (electron.vite.config.ts). */
const SYNC_WORKER_FILE = 'sync-worker.js';

// Dev server URL is honoured only in an unpackaged app started by electron-vite.
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;

registerSchemes();
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
/** Core while it opens and after; the quit path waits for it to close. */
let coreOpening: Promise<Core> | null = null;

function fileLogger(): Logger {
  const dir = join(app.getPath('userData'), 'logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'main.log');
  return createLogger((line) => {
    try {
      appendFileSync(file, line + '\n');
    } catch {
      // A full disk must not take the app down with it.
    }
    if (!app.isPackaged) console.log(line);
  });
}

async function start(log: Logger): Promise<void> {
  await app.whenReady();
  hardenWebContents(log, devServerUrl);
  hardenSession(session.defaultSession);
  handleAppProtocol(join(__dirname, '../renderer'));
  installMenu(!app.isPackaged);

  coreOpening = openCore({
    appVersion: app.getVersion(),
    userDataDir: app.getPath('userData'),
    // Chromium's network stack (system proxies apply), with redirects handed
    // back to core so credentials never follow one to another origin.
    fetch: fetchOverNetRequest((options) => net.request(options)),
    // Syncs parse and write on this worker thread (built beside this file).
    startSyncWorker: () => new Worker(join(__dirname, SYNC_WORKER_FILE)),
    secrets: createKeytarSecretStore({ log }),
    now: () => Date.now(),
    emit: createEmitter(() => mainWindow),
    openExternal: (url) => shell.openExternal(url),
    chooseSavePath: async ({ defaultName, format }) => {
      const options = {
        defaultPath: join(app.getPath('downloads'), defaultName),
        filters: [
          format === 'csv'
            ? { name: 'CSV', extensions: ['csv'] }
            : { name: 'JSON', extensions: ['json'] },
        ],
      };
      const result = mainWindow
        ? await dialog.showSaveDialog(mainWindow, options)
        : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    log,
  });
  const core = await coreOpening;
  registerIpc(core.dispatch, (url) => isAppPageUrl(url, devServerUrl));
  handleAvatarProtocol(core);

  const openWindow = async (): Promise<void> => {
    mainWindow = await createMainWindow({
      pageUrl: devServerUrl ?? APP_PAGE_URL,
      stateFile: join(app.getPath('userData'), 'window-state.json'),
      devTools: !app.isPackaged,
      log,
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };
  await openWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void openWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  const log = fileLogger();
  closeBeforeQuit(
    app,
    async () => {
      const opened = await coreOpening?.catch(() => null);
      await opened?.close();
    },
    log,
  );
  start(log).catch((error: unknown) => {
    dialog.showErrorBox(
      'Rollcall could not start',
      error instanceof Error ? error.message : String(error),
    );
    app.exit(1);
  });
}
