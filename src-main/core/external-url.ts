/**
 * Which links may leave the app for the system browser: http(s) only, no
 * embedded credentials, nothing that would start another program
 * (`file:`, `javascript:`, custom schemes).
 *
 * Node only; never imports `electron`.
 */

/** The normalized URL to hand to the system browser, or null to refuse it. */
export function safeExternalUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192) return null;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return null;
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '') return null;
  return url.href;
}
