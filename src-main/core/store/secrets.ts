/**
 * Where API keys live: the OS keychain, one entry a connection (service
 * `Rollcall`, account = connection id). Callers depend on the `SecretStore`
 * interface; main passes the keytar store, unit tests of callers pass the
 * in-memory one.
 *
 * The keytar store never hangs and never crashes the app: keytar is loaded
 * lazily (a missing libsecret is an error, not a failed start), every call is
 * time-boxed (a locked keyring with a display can wait forever on a prompt),
 * and every failure becomes `KEYCHAIN_UNAVAILABLE` with what to do on this
 * platform. No secret ever reaches an error, a log line or a return value
 * other than `get`'s.
 *
 * Node only; never imports `electron`.
 */
import { randomUUID } from 'node:crypto';
import type { KeychainState } from '@shared/model';
import { rollcallError, RollcallFailure } from '@shared/errors';
import { silentLogger, type Logger } from '../log';
import { requireKeytar } from './native-modules';
import { processKeychainQueue, QueueRefusal, type KeychainQueue } from './keychain-queue';

/** The keychain service name every entry is filed under. */
export const KEYCHAIN_SERVICE = 'Rollcall';

/** The account `probe()` writes and deletes; never a connection ID, never listed. */
export const PROBE_ACCOUNT = 'rollcall-keychain-probe';

/**
 * How long one keychain call may run before Rollcall stops waiting. Long
 * enough for a keyring daemon starved of CPU (seen over 5 s on a loaded
 * two-core machine), short enough that a hung keyring is reported well
 * before D-Bus's own 25 s.
 */
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 10_000;

/** The longest secret accepted (the IPC contract's limit). */
export const MAX_SECRET_LENGTH = 4096;

const ACCOUNT_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A place to keep one secret per connection. */
export interface SecretStore {
  /** The secret, or null when none is stored. Throws KEYCHAIN_UNAVAILABLE if it cannot tell. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves true when something was deleted. */
  delete(account: string): Promise<boolean>;
  /** Every account with a stored secret. */
  list(): Promise<string[]>;
  /** Whether the store can be used right now, and what to do if not. */
  probe(): Promise<{ state: KeychainState; message: string | null }>;
}

/** The in-memory store, with a switch to play an unavailable keychain. */
export interface MemorySecretStore extends SecretStore {
  /** From now on every call fails as a keychain in this state would (null: works again). */
  setUnavailable(state: Exclude<KeychainState, 'available'> | null): void;
}

/** Checks an account name: connection IDs only, so nothing odd reaches the keychain. */
function checkAccount(account: string): void {
  if (typeof account !== 'string' || !ACCOUNT_RE.test(account)) {
    throw new RollcallFailure(
      rollcallError('INVALID_INPUT', 'A keychain entry needs a connection ID as its name.'),
    );
  }
}

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new RollcallFailure(
      rollcallError('INVALID_INPUT', 'Enter the API key.', { field: 'secret' }),
    );
  }
  if (secret.length > MAX_SECRET_LENGTH) {
    throw new RollcallFailure(
      rollcallError(
        'INVALID_INPUT',
        `That key is longer than ${MAX_SECRET_LENGTH} characters; check what was pasted.`,
        { field: 'secret' },
      ),
    );
  }
}

/** What to do about an unavailable keychain, in the words of each platform. */
export function keychainAdvice(
  state: Exclude<KeychainState, 'available'>,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'darwin') {
    return state === 'locked'
      ? 'The macOS keychain is locked or refused access. Open Keychain Access, unlock the "login" keychain, allow Rollcall when asked, then try again.'
      : 'The macOS keychain could not be used. Open Keychain Access, check that the "login" keychain exists and is unlocked, then try again.';
  }
  if (platform === 'win32') {
    return 'Windows Credential Manager could not be used. Open Control Panel → Credential Manager → Windows Credentials, check that it opens and works for your account, then try again.';
  }
  switch (state) {
    case 'locked':
      return 'The keychain is locked or access was denied. Unlock it (GNOME: open "Passwords and Keys" and unlock the Login keyring; KDE: unlock KWallet), or log out and in again, then try again.';
    case 'missing':
      return 'No keychain (Secret Service) is running in this session. Install and start GNOME Keyring or KWallet — on Debian or Ubuntu: sudo apt install gnome-keyring libsecret-1-0 — then log out and in again.';
    case 'unknown':
      return 'The keychain did not work as expected. Make sure GNOME Keyring or KWallet is running and unlocked (log out and in again if unsure), then try again.';
  }
}

const LOCKED_PATTERNS = [
  /locked/i,
  /dismiss/i,
  /cancel/i,
  /denied/i,
  /not allowed/i,
  /interaction/i,
  /passphrase/i,
  /authoriz/i,
  /auth.?fail/i,
];
const MISSING_PATTERNS = [
  /autolaunch/i,
  /could not connect/i,
  /failed to connect/i,
  /not provided by any \.service/i,
  /serviceunknown/i,
  /name has no owner/i,
  /no such (interface|object|method)/i,
  /shared object/i,
  /cannot find module/i,
  /did not self-register/i,
  /dlopen/i,
  /\bdbus\b|d-bus/i,
  /no keychain/i,
  /could not be found/i,
];

/**
 * What a keychain error message says about its state. Locked covers denied
 * and dismissed prompts; missing covers no Secret Service, no D-Bus, and a
 * keytar that cannot load (libsecret not installed).
 */
export function classifyKeychainError(message: string): Exclude<KeychainState, 'available'> {
  if (LOCKED_PATTERNS.some((p) => p.test(message))) return 'locked';
  if (MISSING_PATTERNS.some((p) => p.test(message))) return 'missing';
  return 'unknown';
}

/** The OS's own words, trimmed, with any secret in play cut out. */
function systemText(thrown: unknown, secret: string | null): string {
  let text = thrown instanceof Error ? thrown.message : String(thrown);
  if (secret) text = text.split(secret).join('[secret]');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** A `KEYCHAIN_UNAVAILABLE` failure that also says which state the keychain is in. */
export class KeychainFailure extends RollcallFailure {
  readonly state: Exclude<KeychainState, 'available'>;

  constructor(state: Exclude<KeychainState, 'available'>, message: string) {
    super(rollcallError('KEYCHAIN_UNAVAILABLE', message));
    this.state = state;
  }
}

/** Builds the `KEYCHAIN_UNAVAILABLE` failure for a state, with the system's words if any. */
export function keychainFailure(
  state: Exclude<KeychainState, 'available'>,
  platform: NodeJS.Platform = process.platform,
  systemSays?: string,
): KeychainFailure {
  const said = systemSays ? ` (The system said: ${systemSays})` : '';
  return new KeychainFailure(state, `${keychainAdvice(state, platform)}${said}`);
}

/** A store in memory, for unit tests of callers only. Never used by the app. */
export function createMemorySecretStore(initial: Record<string, string> = {}): MemorySecretStore {
  const entries = new Map(Object.entries(initial));
  let unavailable: Exclude<KeychainState, 'available'> | null = null;
  const guard = (): void => {
    if (unavailable) throw keychainFailure(unavailable);
  };
  return {
    get: async (account) => {
      checkAccount(account);
      guard();
      return entries.get(account) ?? null;
    },
    set: async (account, secret) => {
      checkAccount(account);
      checkSecret(secret);
      guard();
      entries.set(account, secret);
    },
    delete: async (account) => {
      checkAccount(account);
      guard();
      return entries.delete(account);
    },
    list: async () => {
      guard();
      return [...entries.keys()];
    },
    probe: async () =>
      unavailable
        ? { state: unavailable, message: keychainAdvice(unavailable) }
        : { state: 'available', message: null },
    setUnavailable: (state) => {
      unavailable = state;
    },
  };
}

/** The part of keytar Rollcall uses. */
export interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

/** Options of the keytar store; the defaults are what the app uses. */
export interface KeytarStoreOptions {
  /** Per call; default `DEFAULT_KEYCHAIN_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Whose words to use in messages; default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Loads keytar; default `require('keytar')`. Tests pass a loader that fails like a missing libsecret. */
  loadKeytar?: () => Promise<KeytarModule>;
  log?: Logger;
  /** Whose turn it is; default the process-wide queue. Tests pass their own. */
  queue?: KeychainQueue;
}

async function importKeytar(): Promise<KeytarModule> {
  const m = requireKeytar() as { default?: KeytarModule } & KeytarModule;
  return m.default ?? m;
}

/**
 * The probe running in this process, if any. Probes write, read back and
 * delete the same entry: two at once would read each other's token and
 * report a healthy keychain as locked, so a second probe shares the first.
 */
let probeInFlight: Promise<{ state: KeychainState; message: string | null }> | null = null;

/**
 * The OS keychain through keytar (libsecret on Linux, Keychain on macOS,
 * Credential Vault on Windows). Calls go through one process-wide queue
 * (keychain-queue.ts): one at a time, each time-boxed from when it starts.
 */
export function createKeytarSecretStore(options: KeytarStoreOptions = {}): SecretStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const platform = options.platform ?? process.platform;
  const log = options.log ?? silentLogger;
  const loadKeytar = options.loadKeytar ?? importKeytar;
  const queue = options.queue ?? processKeychainQueue;
  let loaded: Promise<KeytarModule> | null = null;

  const load = (): Promise<KeytarModule> => {
    loaded ??= loadKeytar().catch((thrown: unknown) => {
      loaded = null; // Try again next time: libsecret may have been installed since.
      throw thrown;
    });
    return loaded;
  };

  const seconds = Math.max(1, Math.round(timeoutMs / 1000));
  const unlockOrAdvice = `If it is asking for a password, unlock it there; otherwise: ${keychainAdvice('unknown', platform)}`;

  /** The words for a call the queue did not answer. */
  const refusalFailure = (reason: QueueRefusal['reason']): RollcallFailure => {
    switch (reason) {
      case 'timed-out':
        return new KeychainFailure(
          'unknown',
          `The keychain did not answer within ${seconds} s. ${unlockOrAdvice}`,
        );
      case 'stuck':
        return new KeychainFailure(
          'unknown',
          `The keychain did not answer an earlier request within ${seconds} s and was still busy with it ${seconds} s later, so Rollcall is not asking it more for now. ${unlockOrAdvice}`,
        );
      case 'full':
        return new RollcallFailure(
          rollcallError(
            'KEYCHAIN_BUSY',
            'The keychain has too many requests waiting right now. Wait a moment and try again.',
          ),
        );
    }
  };

  /** Runs one keychain operation in its turn, under the time box, mapping every failure. */
  async function call<T>(
    op: string,
    run: (k: KeytarModule) => Promise<T>,
    secret: string | null = null,
  ): Promise<T> {
    try {
      return await queue.run(() => load().then(run), timeoutMs);
    } catch (thrown) {
      if (thrown instanceof QueueRefusal) {
        if (thrown.reason === 'timed-out') {
          log.warn('keychain call timed out', { op, timeoutMs });
          void thrown.late?.then(() => log.warn('a timed-out keychain call finished late', { op }));
        } else {
          log.warn('keychain call not sent', { op, reason: thrown.reason });
        }
        throw refusalFailure(thrown.reason);
      }
      if (thrown instanceof RollcallFailure) throw thrown;
      const said = systemText(thrown, secret);
      const state = classifyKeychainError(said);
      log.warn('keychain call failed', { op, state, error: said });
      throw keychainFailure(state, platform, said);
    }
  }

  /** Writes, reads back and deletes a throwaway entry: the only way to see a locked keyring. */
  function probe(): Promise<{ state: KeychainState; message: string | null }> {
    probeInFlight ??= probeOnce().finally(() => {
      probeInFlight = null;
    });
    return probeInFlight;
  }

  async function probeOnce(): Promise<{ state: KeychainState; message: string | null }> {
    const token = `probe-${randomUUID()}`;
    try {
      await call('probe-set', (k) => k.setPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT, token));
      const back = await call('probe-get', (k) => k.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT));
      await call('probe-delete', (k) => k.deletePassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT));
      if (back !== token) return { state: 'locked', message: keychainAdvice('locked', platform) };
      return { state: 'available', message: null };
    } catch (thrown) {
      if (thrown instanceof KeychainFailure) {
        return { state: thrown.state, message: thrown.error.message };
      }
      return { state: 'unknown', message: keychainAdvice('unknown', platform) };
    }
  }

  return {
    get: async (account) => {
      checkAccount(account);
      const value = await call('get', (k) => k.getPassword(KEYCHAIN_SERVICE, account));
      if (value !== null) return value;
      // libsecret answers "nothing" for a locked keyring: make sure it is really empty.
      const health = await probe();
      if (health.state !== 'available') {
        throw new KeychainFailure(
          health.state,
          health.message ?? keychainAdvice(health.state, platform),
        );
      }
      return null;
    },
    set: async (account, secret) => {
      checkAccount(account);
      checkSecret(secret);
      await call('set', (k) => k.setPassword(KEYCHAIN_SERVICE, account, secret), secret);
    },
    delete: async (account) => {
      checkAccount(account);
      return call('delete', (k) => k.deletePassword(KEYCHAIN_SERVICE, account));
    },
    list: async () => {
      const found = await call('list', (k) => k.findCredentials(KEYCHAIN_SERVICE));
      return found.map((c) => c.account).filter((a) => a !== PROBE_ACCOUNT);
    },
    probe,
  };
}
