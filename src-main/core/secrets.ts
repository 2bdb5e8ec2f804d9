/**
 * Where API keys live: the OS keychain, one entry a connection (service
 * `Rollcall`, account = connection id). Callers depend on the `SecretStore`
 * interface; main passes the keytar store, unit tests of callers pass the
 * in-memory one.
 *
 * Node only; never imports `electron`.
 */
import type { KeychainState } from '@shared/model';

/** The keychain service name every entry is filed under. */
export const KEYCHAIN_SERVICE = 'Rollcall';

/** A place to keep one secret per connection. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves true when something was deleted. */
  delete(account: string): Promise<boolean>;
  list(): Promise<string[]>;
  /** Whether the store can be used right now, and what to do if not. */
  probe(): Promise<{ state: KeychainState; message: string | null }>;
}

/** A store in memory, for unit tests of callers only. Never used by the app. */
export function createMemorySecretStore(initial: Record<string, string> = {}): SecretStore {
  const entries = new Map(Object.entries(initial));
  return {
    get: async (account) => entries.get(account) ?? null,
    set: async (account, secret) => {
      entries.set(account, secret);
    },
    delete: async (account) => entries.delete(account),
    list: async () => [...entries.keys()],
    probe: async () => ({ state: 'available', message: null }),
  };
}

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

/**
 * The OS keychain through keytar (libsecret on Linux, Keychain on macOS,
 * Credential Vault on Windows). Loaded lazily so a missing libsecret is a
 * KEYCHAIN_UNAVAILABLE error, not a crash at start.
 */
export function createKeytarSecretStore(): SecretStore {
  let loaded: Promise<KeytarModule> | null = null;
  const load = (): Promise<KeytarModule> => {
    loaded ??= import('keytar').then(
      (m) => ((m as { default?: KeytarModule }).default ?? m) as KeytarModule,
    );
    return loaded;
  };
  return {
    get: async (account) => (await load()).getPassword(KEYCHAIN_SERVICE, account),
    set: async (account, secret) => (await load()).setPassword(KEYCHAIN_SERVICE, account, secret),
    delete: async (account) => (await load()).deletePassword(KEYCHAIN_SERVICE, account),
    list: async () =>
      (await (await load()).findCredentials(KEYCHAIN_SERVICE)).map((c) => c.account),
    probe: async () => {
      try {
        await (await load()).findCredentials(KEYCHAIN_SERVICE);
        return { state: 'available', message: null };
      } catch {
        return { state: 'missing', message: 'The system keychain could not be reached.' };
      }
    },
  };
}
