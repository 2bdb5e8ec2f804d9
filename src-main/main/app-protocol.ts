/**
 * Serves the built window from `rollcall-app://app/` instead of file://, so
 * the page has a real origin, every response carries the CSP header, and no
 * path outside the renderer folder can be read.
 *
 * Runs in Electron's main process.
 */
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME, AVATAR_SCHEME } from '@shared/csp';
import { serveAppFile } from '../core/app-page';

/** Must run before `app` is ready: gives both schemes their privileges. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: AVATAR_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

/** Serves `rendererDir` on the app scheme. */
export function handleAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') {
      return new Response('Not found', { status: 404 });
    }
    const answer = await serveAppFile(rendererDir, url.pathname);
    return new Response(new Uint8Array(answer.body), {
      status: answer.status,
      headers: answer.headers,
    });
  });
}
