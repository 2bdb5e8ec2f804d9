/**
 * Server HTML, sanitized by DOMPurify before it reaches the DOM. Clicks on
 * the links it keeps (http(s) only) open the system browser; the window
 * itself never navigates.
 *
 * Runs in the window.
 */
import { useMemo, type MouseEvent } from 'react';
import { isWebUrl, sanitizeHtml } from '../lib/sanitize';

/** Renders untrusted HTML safely. */
export function SafeHtml({ html, className }: { html: string; className?: string }) {
  const clean = useMemo(() => sanitizeHtml(html), [html]);
  const onClick = (e: MouseEvent<HTMLDivElement>): void => {
    const link = (e.target as Element).closest('a');
    if (!link) return;
    e.preventDefault();
    const href = link.getAttribute('href');
    if (isWebUrl(href)) void window.rollcall.openExternal({ url: href });
  };
  return (
    <div
      className={className ? `rendered ${className}` : 'rendered'}
      onClick={onClick}
      // Sanitized just above by DOMPurify with a strict allow-list.
      dangerouslySetInnerHTML={{ __html: clean }}
    />
  );
}
