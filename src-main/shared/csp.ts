/**
 * The window's Content-Security-Policy, in one place: main sends it as a
 * response header, the build writes it into index.html as a meta tag, and the
 * browser test harness serves it too, so all three can never drift apart.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */

/** Scheme of the protocol that serves cached avatars to the window. */
export const AVATAR_SCHEME = 'rollcall-avatar';

/**
 * Host part of avatar URLs: `rollcall-avatar://avatars/<connectionId>/<userId>`.
 * IDs live in the path, where case is kept (a standard scheme lowercases hosts).
 */
export const AVATAR_HOST = 'avatars';

/** Scheme of the protocol that serves the app's own files in a build. */
export const APP_SCHEME = 'rollcall-app';

/** Host part of app URLs: `rollcall-app://app/index.html`. */
export const APP_HOST = 'app';

/** The production policy. Nothing inline, nothing remote, no network from the page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' ${AVATAR_SCHEME}:`,
  "connect-src 'none'",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The development policy: Vite's hot reload needs an inline preamble and a
 * websocket. Used only by `electron-vite dev`; a test asserts no build has it.
 */
export const DEV_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' ${AVATAR_SCHEME}:`,
  "connect-src 'self' ws: http://localhost:* http://127.0.0.1:*",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
