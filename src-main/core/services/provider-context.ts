/**
 * A provider's context (Zulip's profile field definitions and groups, Open
 * WebUI's groups) kept in connection_meta for lookups and restarts. At
 * 100 000 Zulip users it is megabytes of group memberships, so it is
 * serialized in slices that yield, and the object itself is kept as the
 * parsed copy.
 *
 * Node only; never imports `electron`.
 */
import type { JsonValue } from '@shared/model';
import { stringifyJsonInSlices } from '../net/json-slices';
import type { ProviderContext } from '../providers';
import { asOpenWebUIContext } from '../providers/openwebui-user';
import { asZulipContext } from '../providers/zulip-user';
import type { MetaRepo } from '../store/meta-repo';

/** The meta key under which a provider's context (definitions, groups) is cached. */
const CONTEXT_KEY = 'provider-context';

/** Reads and writes the cached provider context of a connection. */
export interface ProviderContexts {
  get(connectionId: string): ProviderContext | null;
  /** Stores a context unless it is the one already stored. */
  store(connectionId: string, context: ProviderContext): Promise<void>;
}

/** Stored values already checked, and what the check gave (the meta repository keeps each parsed once). */
const checked = new WeakMap<object, ProviderContext | null>();

/**
 * A stored context, checked by its provider's own reader: anything
 * malformed, or of a kind this version does not know, counts as none.
 */
function parseProviderContext(value: JsonValue | null): ProviderContext | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const known = checked.get(value);
  if (known !== undefined) return known;
  const context: ProviderContext | null =
    value.kind === 'zulip'
      ? asZulipContext(value)
      : value.kind === 'openwebui'
        ? asOpenWebUIContext(value)
        : null;
  checked.set(value, context);
  return context;
}

/** Builds the context store over the meta repository. */
export function createProviderContexts(meta: MetaRepo): ProviderContexts {
  const get = (connectionId: string): ProviderContext | null =>
    parseProviderContext(meta.get(connectionId, CONTEXT_KEY)?.value ?? null);
  return {
    get,
    async store(connectionId, context) {
      const previous = get(connectionId);
      if (previous === context || previous?.fetchedAt === context.fetchedAt) return;
      const json = await stringifyJsonInSlices(context);
      meta.setSerialized(connectionId, CONTEXT_KEY, context as unknown as JsonValue, json);
      if (context.kind === 'zulip') {
        meta.setProfileFields(connectionId, context.profileFields, context.fetchedAt);
      }
    },
  };
}
