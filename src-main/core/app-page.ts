/**
 * The app's own page: which URLs are it (so IPC can refuse every other
 * sender) and how its files are served from the build folder (so no path
 * ever escapes that folder). Main's `rollcall-app:` protocol and the browser
 * test harness's HTTP server both serve through `serveAppFile`.
 *
 * Node only; never imports `electron`.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from '@shared/csp';

/** The URL a build loads: `rollcall-app://app/index.html`. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Whether a frame URL is the app's own page. In a build only the app
 * protocol's origin; with `electron-vite dev`, also the dev server's origin
 * (given only when the app is not packaged).
 */
export function isAppPageUrl(frameUrl: string | undefined, devServerUrl?: string): boolean {
  if (!frameUrl) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true;
  if (devServerUrl) {
    try {
      const dev = new URL(devServerUrl);
      return (
        (dev.protocol === 'http:' || dev.protocol === 'https:') &&
        (dev.hostname === 'localhost' || dev.hostname === '127.0.0.1') &&
        url.origin === dev.origin
      );
    } catch {
      return false;
    }
  }
  return false;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Maps a URL path to a file inside `root`, or null when it would leave the
 * folder (`..`, encoded slashes, NUL, absolute paths) or has no known type.
 */
export function resolveAppFile(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relativePath =
    decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  if (isAbsolute(relativePath)) return null;
  const absRoot = resolve(root);
  const target = resolve(absRoot, relativePath);
  const rel = relative(absRoot, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return null;
  }
  if (!(extname(target).toLowerCase() in CONTENT_TYPES)) return null;
  return target;
}

/** A response in plain data, turned into a `Response` by main or the harness. */
export interface FileAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Headers every app file is sent with: the CSP and no sniffing. */
const APP_FILE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/** Serves one file of the built window from `root`, with the CSP header. */
export async function serveAppFile(root: string, urlPath: string): Promise<FileAnswer> {
  const path = resolveAppFile(root, urlPath);
  const notFound: FileAnswer = {
    status: 404,
    headers: { ...APP_FILE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    body: new TextEncoder().encode('Not found'),
  };
  if (!path) return notFound;
  try {
    const body = await readFile(path);
    return {
      status: 200,
      headers: {
        ...APP_FILE_HEADERS,
        'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      },
      body,
    };
  } catch {
    return notFound;
  }
}
