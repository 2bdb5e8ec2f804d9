/**
 * Makes server HTML (Zulip's `rendered_value`) safe to show: DOMPurify keeps
 * simple formatting and links only. No styles, classes, forms, media,
 * frames, SVG or event handlers survive; links keep an href only when it is
 * http(s), and clicks on them are routed to the system browser by
 * `SafeHtml`, never followed by the window.
 *
 * Runs in the window (needs a DOM: the real one or jsdom).
 */
import DOMPurify, { type Config } from 'dompurify';

/** Tags a profile's long text may use; everything else is unwrapped or dropped. */
export const ALLOWED_TAGS = [
  'a',
  'b',
  'blockquote',
  'br',
  'code',
  'del',
  'div',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'span',
  'strong',
  'sub',
  'sup',
  'u',
  'ul',
] as const;

const CONFIG: Config = {
  ALLOWED_TAGS: [...ALLOWED_TAGS],
  ALLOWED_ATTR: ['href', 'title'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // Content of these is dropped, not just the tag.
  FORBID_CONTENTS: ['script', 'style', 'template', 'noscript', 'iframe', 'object', 'svg', 'math'],
  KEEP_CONTENT: true,
};

/** Whether a URL may leave the app for the system browser. */
export function isWebUrl(href: string | null | undefined): href is string {
  if (!href) return false;
  try {
    const url = new URL(href);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

let purifier: ReturnType<typeof DOMPurify> | null = null;

function getPurifier(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName !== 'A') return;
    const el = node as Element;
    const href = el.getAttribute('href');
    if (isWebUrl(href)) {
      // Kept so the link is focusable; SafeHtml turns activation into openExternal.
      el.setAttribute('rel', 'noreferrer noopener');
    } else {
      el.removeAttribute('href');
    }
    el.removeAttribute('target');
  });
  purifier = p;
  return p;
}

/** Sanitized HTML, safe to hand to `dangerouslySetInnerHTML`. */
export function sanitizeHtml(html: string): string {
  return getPurifier().sanitize(html, { ...CONFIG, RETURN_TRUSTED_TYPE: false }) as string;
}
