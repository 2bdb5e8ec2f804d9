/**
 * The user open in the detail panel: the full cached record (from
 * `users:get`), or what a lookup answered (with where it came from and
 * whether a refresh is on its way), and the names of people that person
 * picker fields and bot owners point to. Sequence numbers keep a slow
 * answer for a user the admin has already left from replacing the one shown.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { Result, RollcallError } from '@shared/errors';
import type { LookupResult, UserRecord, UserSummary } from '@shared/model';
import { afterNextPaint } from '../lib/after-paint';
import { api } from './bridge';

/** Which user the panel shows. */
interface DetailTarget {
  connectionId: string;
  userId: string;
}

/** Where the shown record came from. */
interface RecordOrigin {
  source: 'cache' | 'network';
  /** Why the server could not be asked (offline...), when the copy is older. */
  stale: RollcallError | null;
}

interface DetailData {
  target: DetailTarget | null;
  /** The card's summary, drawn at once while the full record loads. */
  summary: UserSummary | null;
  record: UserRecord | null;
  origin: RecordOrigin;
  loading: boolean;
  error: RollcallError | null;
  /** A refresh from the server is on its way (asked for, or promised by a lookup). */
  refreshing: boolean;
  /** The reference a promised refresh will answer (`users:refreshed` carries it). */
  pendingRef: string | null;
  refreshError: RollcallError | null;
  tab: 'profile' | 'raw';
  /**
   * Names of other users, by `connectionId/userId` (a Map: the user ID is
   * the server's); null when not cached, absent while not asked yet.
   */
  people: ReadonlyMap<string, string | null>;
}

interface DetailState extends DetailData {
  openSummary(summary: UserSummary): Promise<void>;
  openUser(connectionId: string, userId: string): Promise<void>;
  showLookup(result: LookupResult, ref: string): void;
  refresh(): Promise<void>;
  applyRefreshed(payload: {
    connectionId: string;
    ref: string;
    result: Result<LookupResult>;
  }): boolean;
  setTab(tab: 'profile' | 'raw'): void;
  resolvePeople(connectionId: string, userIds: string[]): void;
  close(): void;
  reset(): void;
}

let sequence = 0;
/** People whose names are being asked for right now. */
const asked = new Set<string>();

/** The panel with nobody in it (what closing it leaves, names and tab aside). */
const EMPTY: Omit<DetailData, 'people'> = {
  target: null,
  summary: null,
  record: null,
  origin: { source: 'cache', stale: null },
  loading: false,
  error: null,
  refreshing: false,
  pendingRef: null,
  refreshError: null,
  tab: 'profile',
};

/** Nobody shown, no names known. */
const initial: DetailData = { ...EMPTY, people: new Map() };

/** Key of a person in `people`. */
export function personKey(connectionId: string, userId: string): string {
  return `${connectionId}/${userId}`;
}

/** The detail panel's user. */
export const useDetail = create<DetailState>()((set, get) => {
  const learn = (record: UserRecord): void => {
    set((s) => ({
      people: new Map(s.people).set(
        personKey(record.user.connectionId, record.user.userId),
        record.user.name,
      ),
    }));
  };

  const load = async (connectionId: string, userId: string, summary: UserSummary | null) => {
    const mine = ++sequence;
    set({
      ...EMPTY,
      target: { connectionId, userId },
      summary,
      loading: true,
      tab: get().tab,
    });
    // A card's summary draws the panel at once: its first frame shows that,
    // and the full record, however soon it comes, fills the frame after.
    const painted = summary ? afterNextPaint() : null;
    const result = await api().getUser({ connectionId, userId });
    if (painted) await painted;
    if (mine !== sequence) return;
    // A refresh that answered meanwhile holds a newer copy than this read of the cache.
    if (get().record !== null) {
      set({ loading: false });
      return;
    }
    if (result.ok) {
      set({ record: result.value, loading: false });
      learn(result.value);
    } else {
      set({ error: result.error, loading: false });
    }
  };

  return {
    ...initial,
    openSummary: (summary) => load(summary.connectionId, summary.userId, summary),
    openUser: (connectionId, userId) => load(connectionId, userId, null),
    showLookup(result, ref) {
      sequence++;
      set({
        ...EMPTY,
        tab: get().tab,
        target: { connectionId: result.user.connectionId, userId: result.user.userId },
        record: result,
        origin: { source: result.source, stale: result.stale },
        refreshing: result.refreshing,
        pendingRef: result.refreshing ? ref : null,
      });
      learn(result);
    },
    async refresh() {
      const { target } = get();
      if (!target) return;
      const mine = sequence;
      set({ refreshing: true, refreshError: null, pendingRef: target.userId });
      const result = await api().lookupUser({
        connectionId: target.connectionId,
        ref: target.userId,
        waitForNetwork: true,
      });
      if (mine !== sequence) return;
      if (result.ok) {
        set({
          record: result.value,
          origin: { source: result.value.source, stale: result.value.stale },
          refreshing: result.value.refreshing,
          pendingRef: result.value.refreshing ? target.userId : null,
          error: null,
        });
        learn(result.value);
      } else {
        set({ refreshing: false, pendingRef: null, refreshError: result.error });
      }
    },
    applyRefreshed({ connectionId, ref, result }) {
      const { target, pendingRef } = get();
      if (!target || target.connectionId !== connectionId) return false;
      const sameUser = result.ok && result.value.user.userId === target.userId;
      if (!sameUser && ref !== pendingRef) return false;
      if (result.ok) {
        set({
          record: result.value,
          origin: { source: result.value.source, stale: result.value.stale },
          refreshing: false,
          pendingRef: null,
          refreshError: null,
          error: null,
        });
        learn(result.value);
      } else {
        set({ refreshing: false, pendingRef: null, refreshError: result.error });
      }
      return true;
    },
    setTab(tab) {
      set({ tab });
    },
    resolvePeople(connectionId, userIds) {
      for (const userId of userIds.slice(0, 50)) {
        const key = personKey(connectionId, userId);
        // Asked again while unresolved: a sync or lookup may have cached them since.
        if (asked.has(key) || typeof get().people.get(key) === 'string') continue;
        asked.add(key);
        void api()
          .getUser({ connectionId, userId })
          .then((result) => {
            asked.delete(key);
            set((s) => ({
              people: new Map(s.people).set(key, result.ok ? result.value.user.name : null),
            }));
          });
      }
    },
    close() {
      sequence++;
      set({ ...EMPTY, tab: get().tab });
    },
    reset() {
      sequence++;
      asked.clear();
      set(initial);
    },
  };
});
