/**
 * The providers by kind, built over one HTTP client, so the directory
 * service can ask for "the provider of this connection" and stay ignorant of
 * which server it talks to.
 *
 * Node only; never imports `electron`.
 */
import type { ConnectionKind } from '@shared/model';
import type { HttpClient } from '../net/http';
import { createOpenWebUIProvider } from './openwebui';
import type { Provider } from './types';
import { createZulipProvider } from './zulip';

export type * from './types';
export { createZulipProvider } from './zulip';
export { normalizeZulipProfileFields } from './zulip-fields';
export { normalizeZulipUser } from './zulip-user';
export { PAGE_CONCURRENCY } from './openwebui';
export { normalizeOpenWebUIUser } from './openwebui-user';

/** What every provider is built from. */
export interface ProviderDeps {
  http: HttpClient;
  now?: () => number;
  /** Open WebUI list pages asked for ahead (see `OpenWebUIProviderDeps.pageReadAhead`). */
  pageReadAhead?: number;
}

/** Both providers, keyed by kind. */
export function createProviders(deps: ProviderDeps): Record<ConnectionKind, Provider> {
  return {
    zulip: createZulipProvider(deps),
    openwebui: createOpenWebUIProvider(deps),
  };
}
