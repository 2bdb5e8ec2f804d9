/**
 * The words for URLs the HTTP client refuses to request or to follow: not
 * parseable, not http(s), credentials inside, a redirect it cannot check or
 * will not follow. Split from http-errors.ts, whose helpers they use.
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, type RollcallError } from '@shared/errors';
import { displayUrl } from './http-errors';

/** The request's URL does not parse: a caller's mistake, named as the server URL. */
export function invalidUrlError(): RollcallError {
  return rollcallError('INVALID_INPUT', 'That server URL is not valid.', { field: 'baseUrl' });
}

/** The request's URL is not http(s). */
export function unsupportedSchemeError(protocol: string): RollcallError {
  return rollcallError(
    'INVALID_INPUT',
    `Rollcall only talks to servers over http(s), not ${protocol}.`,
    { field: 'baseUrl' },
  );
}

/**
 * A URL to fetch carries `user:password@` (a picture or page URL a server
 * sent): never requested, and the user info is never shown or logged.
 */
export function credentialsInUrlError(url: string): RollcallError {
  return rollcallError(
    'BAD_RESPONSE',
    `${displayUrl(url)} was given with a user name or password in it. Rollcall never sends credentials inside a URL, so it did not request it.`,
    { url: displayUrl(url) },
  );
}

/** The fetch followed or hid a redirect itself (`opaqueredirect`), so it cannot be checked. */
export function opaqueRedirectError(url: string): RollcallError {
  return rollcallError(
    'BAD_RESPONSE',
    `${displayUrl(url)} redirected somewhere Rollcall cannot follow. Use the final server URL instead.`,
    { url: displayUrl(url) },
  );
}

/** Why a redirect is not followed, with what the message names. */
export type RedirectRefusal =
  | { why: 'no-location' | 'invalid' | 'loop' | 'credentials' | 'write' }
  | { why: 'scheme'; protocol: string }
  | { why: 'too-many'; requestUrl: string; maxRedirects: number };

/**
 * A redirect the client will not follow: no or an invalid destination, not
 * http(s), credentials in it, a loop, too many, or any redirect of a write.
 */
export function redirectRefusedError(
  refusal: RedirectRefusal,
  shown: string,
  status: number,
): RollcallError {
  return rollcallError('BAD_RESPONSE', redirectRefusalMessage(refusal, shown, status), {
    url: shown,
    status,
  });
}

/** The words for each `RedirectRefusal`. */
function redirectRefusalMessage(refusal: RedirectRefusal, shown: string, status: number): string {
  switch (refusal.why) {
    case 'no-location':
      return `${shown} answered with a redirect (HTTP ${status}) but no destination.`;
    case 'invalid':
      return `${shown} redirected to an invalid address.`;
    case 'scheme':
      return `${shown} redirected to a ${refusal.protocol} address, which Rollcall never follows.`;
    case 'credentials':
      return `${shown} redirected (HTTP ${status}) to an address with a user name or password in it. Rollcall refuses such redirects and sent nothing there; check the server's redirect settings, or use the final server URL.`;
    case 'loop':
      return `${shown} redirects in a loop. Check the server URL and the server's proxy configuration.`;
    case 'write':
      return `${shown} answered a change with a redirect (HTTP ${status}). Rollcall never sends a change on to another address, so it stopped there; check on the server whether the change was made, and use the final server URL in the connection.`;
    case 'too-many':
      return `${displayUrl(refusal.requestUrl)} redirected more than ${refusal.maxRedirects} times. Use the final server URL instead.`;
  }
}
