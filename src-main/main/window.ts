/**
 * The one app window: hardened web preferences, shown when painted, and put
 * back where it was last time (if that place is still on a screen).
 *
 * Runs in Electron's main process.
 */
import { join } from 'node:path';
import { BrowserWindow, nativeTheme, screen } from 'electron';
import {
  MIN_SIZE,
  fitToDisplays,
  loadWindowState,
  saveWindowState,
  type WindowState,
} from '../core/window-state';
import type { Logger } from '../core/log';

/** Opens the main window on `pageUrl` with the preload bridge. */
export async function createMainWindow(options: {
  pageUrl: string;
  stateFile: string;
  devTools: boolean;
  log: Logger;
}): Promise<BrowserWindow> {
  const saved = await loadWindowState(options.stateFile);
  const state = fitToDisplays(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Rollcall',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
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
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  let timer: NodeJS.Timeout | undefined;
  const remember = (): void => {
    if (win.isDestroyed()) return;
    const next: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    saveWindowState(options.stateFile, next).catch((e: unknown) =>
      options.log.warn('Could not save the window position', { error: String(e) }),
    );
  };
  const rememberSoon = (): void => {
    clearTimeout(timer);
    timer = setTimeout(remember, 500);
  };
  win.on('resize', rememberSoon);
  win.on('move', rememberSoon);
  win.on('close', () => {
    clearTimeout(timer);
    remember();
  });

  await win.loadURL(options.pageUrl);
  return win;
}
