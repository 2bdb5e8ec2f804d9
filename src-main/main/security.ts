/**
 * The hardening every window and session gets: no navigation, no new
 * windows (http(s) links go to the system browser instead), no webviews,
 * no permissions, no downloads.
 *
 * Runs in Electron's main process.
 */
import { app, shell, type Session } from 'electron';
import { isAppPageUrl } from '../core/app-page';
import { safeExternalUrl } from '../core/external-url';
import type { Logger } from '../core/log';

/**
 * Whether a navigation goes to the dev server's own page: Vite reloads the
 * whole window when a file changes under `npm start`. Only ever true when
 * `devServerUrl` is given, which main does only for an unpackaged app.
 */
export function isDevServerReload(url: string, devServerUrl: string | undefined): boolean {
  if (!devServerUrl || !isAppPageUrl(url, devServerUrl)) return false;
  try {
    return new URL(url).origin === new URL(devServerUrl).origin;
  } catch {
    return false;
  }
}

/**
 * Applies the per-page rules to every webContents the app ever creates.
 * `devServerUrl` (unpackaged only) lets Vite's full reloads through.
 */
export function hardenWebContents(log: Logger, devServerUrl?: string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (isDevServerReload(url, devServerUrl)) return;
      event.preventDefault();
      log.warn('Blocked a navigation', {
        to: safeExternalUrl(url) ? new URL(url).origin : 'non-http',
      });
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const safe = safeExternalUrl(url);
      if (safe) void shell.openExternal(safe);
      return { action: 'deny' };
    });
  });
}

/** Denies every permission and download in a session. */
export function hardenSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
}
