/**
 * Opening links in the system browser: only http(s) URLs that pass
 * `safeExternalUrl` (no credentials, no control characters) ever reach it.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf } from '@shared/contract';
import { fail } from '@shared/errors';
import type { CoreDeps } from '../deps';
import { safeExternalUrl } from '../external-url';

/** The shell:open-external channel. */
export interface LinksService {
  openExternal(arg: ParsedArgOf<'shell:open-external'>): Promise<{ opened: boolean }>;
}

/** Builds the links service over the system browser. */
export function createLinksService(deps: Pick<CoreDeps, 'openExternal'>): LinksService {
  return {
    async openExternal(arg) {
      const url = safeExternalUrl(arg.url);
      if (!url) fail('INVALID_INPUT', 'Only http and https links can be opened.', { field: 'url' });
      await deps.openExternal(url);
      return { opened: true };
    },
  };
}
