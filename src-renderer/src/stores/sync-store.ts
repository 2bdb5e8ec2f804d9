/**
 * Directory syncs per connection: the latest progress event, the summary
 * when one finishes, the error when one fails. Fed both by the
 * `directory:sync` answer and by `directory:sync-progress` events, so a sync
 * started before the window opened still shows. What the rest of the window
 * does when a sync ends is the `syncFinished` action's business: `start` and
 * `onProgress` only say that one ended.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { RollcallError } from '@shared/errors';
import type { SyncProgress, SyncSummary } from '@shared/model';
import { api } from './bridge';

/** One connection's sync as the window shows it. */
export interface SyncRun {
  running: boolean;
  cancelling: boolean;
  progress: SyncProgress | null;
  /** The last finished sync's counts, until dismissed. */
  summary: SyncSummary | null;
  /** Why the last sync stopped (CANCELLED when the admin cancelled it). */
  error: RollcallError | null;
  /**
   * While it runs: how many users it had saved when the window last asked
   * to show them (actions/show-saved-users.ts), and when.
   */
  shown: { done: number; at: number } | null;
}

const IDLE: SyncRun = {
  running: false,
  cancelling: false,
  progress: null,
  summary: null,
  error: null,
  shown: null,
};

interface SyncData {
  runs: Record<string, SyncRun>;
}

interface SyncState extends SyncData {
  /**
   * Starts a sync; resolves when it ends, with whatever it ended in: true
   * then, false when one was already running (and nothing was started).
   */
  start(connectionId: string): Promise<boolean>;
  cancel(connectionId: string): Promise<void>;
  /** Takes a progress event; true when it ended a sync this window saw running. */
  onProgress(progress: SyncProgress): boolean;
  /** Notes that the window asked to show the users saved so far (`done`) at `at`. */
  markShown(connectionId: string, done: number, at: number): void;
  dismiss(connectionId: string): void;
  reset(): void;
}

/** No sync seen yet. */
const initial: SyncData = { runs: {} };

const FINAL_PHASES = new Set(['done', 'cancelled', 'failed']);

/** Every connection's sync state. */
export const useSync = create<SyncState>()((set, get) => {
  const patch = (id: string, change: Partial<SyncRun>): void => {
    set((s) => ({ runs: { ...s.runs, [id]: { ...(s.runs[id] ?? IDLE), ...change } } }));
  };

  return {
    ...initial,
    async start(connectionId) {
      if (get().runs[connectionId]?.running) return false;
      patch(connectionId, {
        ...IDLE,
        running: true,
        progress: {
          connectionId,
          phase: 'starting',
          done: 0,
          total: null,
          message: '',
          retryAfterSeconds: null,
          summary: null,
          error: null,
          at: Date.now(),
        },
      });
      const result = await api().syncDirectory({ connectionId });
      if (result.ok) {
        patch(connectionId, {
          running: false,
          cancelling: false,
          summary: result.value,
          error: null,
          shown: null,
        });
      } else {
        patch(connectionId, {
          running: false,
          cancelling: false,
          error: result.error,
          summary: null,
          shown: null,
        });
      }
      return true;
    },
    async cancel(connectionId) {
      patch(connectionId, { cancelling: true });
      const result = await api().cancelSync({ connectionId });
      if (!result.ok || !result.value.cancelled) patch(connectionId, { cancelling: false });
    },
    onProgress(progress) {
      const id = progress.connectionId;
      const wasRunning = get().runs[id]?.running ?? false;
      if (FINAL_PHASES.has(progress.phase)) {
        patch(id, {
          running: false,
          cancelling: false,
          progress,
          shown: null,
          summary: progress.summary ?? get().runs[id]?.summary ?? null,
          error:
            progress.phase === 'done'
              ? null
              : (progress.error ?? {
                  code: progress.phase === 'cancelled' ? 'CANCELLED' : 'INTERNAL',
                  message: progress.message || 'The sync stopped.',
                }),
        });
        return wasRunning;
      }
      patch(id, { running: true, progress, summary: null, error: null });
      return false;
    },
    markShown(connectionId, done, at) {
      patch(connectionId, { shown: { done, at } });
    },
    dismiss(connectionId) {
      patch(connectionId, { summary: null, error: null, progress: null });
    },
    reset() {
      set(initial);
    },
  };
});

/** Phase names in the progress bar. */
export const PHASE_LABELS: Record<SyncProgress['phase'], string> = {
  starting: 'Starting',
  fetching: 'Fetching users',
  writing: 'Saving to the cache',
  reconciling: 'Checking who is gone',
  waiting: 'Waiting for the rate limit',
  done: 'Done',
  cancelled: 'Cancelled',
  failed: 'Failed',
};
