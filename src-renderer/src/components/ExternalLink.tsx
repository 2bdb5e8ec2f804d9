/**
 * A link that leaves the app: shown as a link, but activating it asks main
 * to open it in the system browser (http(s) only). Anything else is shown
 * as inert text.
 *
 * Runs in the window.
 */
import { ExternalLink as ExternalIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { isWebUrl } from '../lib/sanitize';

/** Opens a URL in the system browser through main. */
function openExternal(url: string): void {
  if (isWebUrl(url)) void window.rollcall.openExternal({ url });
}

/** An http(s) link opened by the system browser; other URLs are plain text. */
export function ExternalLink({ url, children }: { url: string | null; children: ReactNode }) {
  if (!isWebUrl(url)) return <span>{children}</span>;
  return (
    <a
      className="external-link"
      href={url}
      title={url}
      rel="noreferrer noopener"
      onClick={(e) => {
        e.preventDefault();
        openExternal(url);
      }}
    >
      {children}
      <ExternalIcon size={12} aria-hidden="true" className="external-icon" />
    </a>
  );
}
