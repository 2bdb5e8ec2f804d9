/**
 * After an upgrade: the cached users an older version derived are derived
 * again by this one, in the background, from what the cache kept of the
 * server's answers. The derivation chain is the payload (kept whole) →
 * the provider's normalizer, read against the connection's stored context
 * (Zulip's field definitions and groups, Open WebUI's group names) → the
 * user → its card and search columns. What a sync adds around the
 * normalizer is added here too: Zulip's presence (fetched apart, so taken
 * from the stored user), the demo's offline pictures, the redaction.
 *
 * A row is read against the stored context only while its connection's
 * server still lists it: a gone user (the server dropped it, so the latest
 * context no longer knows its groups) and a connection without a readable
 * context keep their stored user, and only what derives from that user is
 * derived again. A payload the normalizer refuses keeps the stored user the
 * same way (counted, and said once per connection in the log); a row
 * neither can read is left as it is. Never a row lost.
 *
 * The work runs in slices of a few milliseconds that yield to the event
 * loop (store/users-rederive.ts), after the search index has loaded;
 * searches and reads go on meanwhile (an old row reads its missing fields
 * as their defaults). Every row records its version, so a run cut short
 * goes on at the next start.
 *
 * Node only; never imports `electron`.
 */
import type { ConnectionKind, DirectoryUser } from '@shared/model';
import { toRollcallError } from '@shared/errors';
import type { Logger } from '../log';
import { normalizeOpenWebUIUser } from '../providers/openwebui-user';
import { normalizeZulipUser } from '../providers/zulip-user';
import type { ProviderContext } from '../providers';
import { redactUser } from '../store/redact-payload';
import type { RederiveCounts, RederiveOptions, UnderivedRow } from '../store/users-rederive';
import type { UsersRepo } from '../store/users-repo';
import { offlineDemoUser } from './demo-directory';
import type { ProviderContexts } from './provider-context';

/** How each connection's rows were derived again. */
interface ConnectionTally {
  /** From the payload, by the normalizer. */
  fromPayload: number;
  /** From the stored user: gone from the server, or no readable context. */
  fromStored: number;
  /** From the stored user, because the normalizer refused the payload. */
  payloadRefused: number;
  /** Left as they were: neither the payload nor the stored user could be read. */
  unreadable: number;
}

/** What a finished (or stopped) run did. */
export interface RederiveReport extends RederiveCounts {
  byConnection: Record<string, ConnectionTally>;
  /** Rows still at an older version afterwards (those left, or all of them if stopped). */
  left: number;
  ms: number;
}

/** The re-deriver of one open core. */
export interface Rederiver {
  /** Settles when the run ends: the report, or null when there was nothing to do or it failed. */
  readonly done: Promise<RederiveReport | null>;
  /** Stops between two slices; what was written stays. */
  stop(): Promise<void>;
}

/** What the re-deriver is built from. */
export interface RederiverDeps {
  users: Pick<UsersRepo, 'rederive' | 'countUnderived'>;
  contexts: Pick<ProviderContexts, 'get'>;
  log: Logger;
  /** A cache opened read-only is never written: its rows read with defaults. */
  readOnly: boolean;
  /** Waited for before the first slice (the search index load). */
  after?: Promise<unknown>;
  /** Slice size (tests). */
  slices?: Pick<RederiveOptions, 'sliceRows' | 'sliceBudgetMs' | 'onSlice'>;
}

const KINDS: readonly ConnectionKind[] = ['zulip', 'openwebui'];

/** The row's user from its payload, as a sync would have made it; throws when the normalizer refuses it. */
function fromPayload(
  row: UnderivedRow,
  kind: ConnectionKind,
  context: ProviderContext | null,
): DirectoryUser {
  const env = { connectionId: row.identity.connectionId, baseUrl: row.connection.baseUrl };
  const raw = row.raw();
  const user =
    kind === 'zulip'
      ? normalizeZulipUser(raw, {
          ...env,
          context: context?.kind === 'zulip' ? context : null,
          // Fetched apart from the user (`/realm/presence`): the stored user keeps it.
          presence: row.storedPresence(),
        })
      : normalizeOpenWebUIUser(raw, {
          ...env,
          context: context?.kind === 'openwebui' ? context : null,
        });
  if (user.userId !== row.identity.userId) {
    throw new Error('the payload names another user');
  }
  return redactUser(row.connection.demo ? offlineDemoUser(user) : user);
}

/** Builds the `derive` of one run, counting per connection how each row went. */
function deriver(
  contexts: RederiverDeps['contexts'],
  tallies: Map<string, ConnectionTally>,
): (row: UnderivedRow) => DirectoryUser | null {
  return (row) => {
    const connectionId = row.identity.connectionId;
    let tally = tallies.get(connectionId);
    if (!tally) {
      tally = { fromPayload: 0, fromStored: 0, payloadRefused: 0, unreadable: 0 };
      tallies.set(connectionId, tally);
    }
    const kind = KINDS.find((k) => k === row.connection.kind);
    const context = kind ? contexts.get(connectionId) : null;
    const readAgainstContext = kind !== undefined && context !== null && row.goneAt === null;
    let refused = false;
    if (readAgainstContext) {
      try {
        const user = fromPayload(row, kind, context);
        tally.fromPayload++;
        return user;
      } catch {
        refused = true;
      }
    }
    const stored = row.stored();
    if (stored) {
      if (refused) tally.payloadRefused++;
      else tally.fromStored++;
      return stored;
    }
    // The stored user is unreadable: the payload, even without its context, beats nothing.
    if (!readAgainstContext && kind !== undefined) {
      try {
        const user = fromPayload(row, kind, context);
        tally.fromPayload++;
        return user;
      } catch {
        // Neither can be read: left as it is.
      }
    }
    tally.unreadable++;
    return null;
  };
}

/** Says once per connection what could not be derived from the payload. */
function logTallies(log: Logger, tallies: Map<string, ConnectionTally>): void {
  for (const [connectionId, t] of tallies) {
    if (t.payloadRefused > 0) {
      log.warn('cached payloads this version cannot read; their stored users were kept', {
        connectionId,
        count: t.payloadRefused,
      });
    }
    if (t.unreadable > 0) {
      log.error('cached users left as they were: neither their payload nor their user reads', {
        connectionId,
        count: t.unreadable,
      });
    }
  }
}

function sum(tallies: Map<string, ConnectionTally>, key: keyof ConnectionTally): number {
  let n = 0;
  for (const t of tallies.values()) n += t[key];
  return n;
}

/** Starts deriving again, in the background, the rows an older version derived. */
export function startRederiver(deps: RederiverDeps): Rederiver {
  const { users, contexts, log } = deps;
  const stopping = new AbortController();
  const run = async (): Promise<RederiveReport | null> => {
    await deps.after;
    if (stopping.signal.aborted) return null;
    const waiting = users.countUnderived();
    if (waiting === 0) return null;
    if (deps.readOnly) {
      log.info('cache is read-only: rows an older version derived read with defaults', {
        rows: waiting,
      });
      return null;
    }
    log.info('deriving again the cached users an older version derived', { rows: waiting });
    const started = performance.now();
    const tallies = new Map<string, ConnectionTally>();
    let counts: RederiveCounts;
    try {
      counts = await users.rederive(deriver(contexts, tallies), {
        signal: stopping.signal,
        ...deps.slices,
      });
    } finally {
      logTallies(log, tallies);
    }
    const report: RederiveReport = {
      ...counts,
      byConnection: Object.fromEntries(tallies),
      left: users.countUnderived(),
      ms: Math.round(performance.now() - started),
    };
    log.info(
      stopping.signal.aborted
        ? 'stopped deriving the cached users again; the next start goes on'
        : 'cached users derived again',
      {
        rows: report.rederived,
        fromPayload: sum(tallies, 'fromPayload'),
        fromStored: sum(tallies, 'fromStored') + sum(tallies, 'payloadRefused'),
        left: report.left,
        slices: report.slices,
        longestSliceMs: Math.round(report.longestSliceMs),
        ms: report.ms,
      },
    );
    return report;
  };
  const done = run().catch((thrown: unknown) => {
    log.warn('could not derive the cached users again; the next start tries again', {
      code: toRollcallError(thrown).code,
    });
    return null;
  });
  return {
    done,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
