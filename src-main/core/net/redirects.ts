/**
 * Where a redirect leads, for the HTTP client that follows them by hand
 * (http.ts): the statuses that redirect, and the checks a destination
 * must pass before it is requested. Split from http.ts to keep it small.
 *
 * Node only; never imports `electron`.
 */
import { RollcallFailure } from '@shared/errors';
import { displayUrl } from './http-errors';
import { redirectRefusedError } from './url-errors';

/** The statuses the client treats as redirects. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Where a redirect leads, or the failure that stops it: a destination must
 * be present, parse, be http(s), not come round again, and be within the
 * hop limit. The fragment is dropped.
 */
export function redirectTarget(
  response: Response,
  url: string,
  visited: ReadonlySet<string>,
  hop: number,
  maxRedirects: number,
  requestUrl: string,
): URL {
  const location = response.headers.get('location');
  const shown = displayUrl(url);
  if (!location) {
    throw new RollcallFailure(redirectRefusedError({ why: 'no-location' }, shown, response.status));
  }
  let next: URL;
  try {
    next = new URL(location, url);
  } catch {
    throw new RollcallFailure(redirectRefusedError({ why: 'invalid' }, shown, response.status));
  }
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    const refusal = { why: 'scheme', protocol: next.protocol } as const;
    throw new RollcallFailure(redirectRefusedError(refusal, shown, response.status));
  }
  if (next.username !== '' || next.password !== '') {
    // Never followed, and never shown: the user info may be a real password.
    throw new RollcallFailure(redirectRefusedError({ why: 'credentials' }, shown, response.status));
  }
  next.hash = '';
  if (visited.has(next.href)) {
    throw new RollcallFailure(redirectRefusedError({ why: 'loop' }, shown, response.status));
  }
  if (hop + 1 > maxRedirects) {
    const refusal = { why: 'too-many', requestUrl, maxRedirects } as const;
    throw new RollcallFailure(redirectRefusedError(refusal, shown, response.status));
  }
  return next;
}
