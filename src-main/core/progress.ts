/**
 * Paces sync progress events: every phase change goes out at once, counts
 * at most every `minGapMs`, and while nothing changes the last state is
 * repeated every `heartbeatMs`, so the window hears from a sync at least
 * every 250 ms and is never flooded.
 *
 * Node only; never imports `electron`.
 */
import type { SyncProgress } from '@shared/model';

export interface ProgressPacer {
  /** Merges a change into the current state and emits it if due. */
  update(change: Partial<Omit<SyncProgress, 'connectionId' | 'at'>>): void;
  /** The last state emitted or pending. */
  current(): SyncProgress;
  /** Emits the final state and stops the heartbeat. */
  finish(change: Partial<Omit<SyncProgress, 'connectionId' | 'at'>>): void;
}

/** Starts pacing events for one sync. */
export function createProgressPacer(options: {
  connectionId: string;
  emit: (progress: SyncProgress) => void;
  now: () => number;
  minGapMs?: number;
  heartbeatMs?: number;
}): ProgressPacer {
  const minGap = options.minGapMs ?? 50;
  const heartbeat = options.heartbeatMs ?? 200;
  let state: SyncProgress = {
    connectionId: options.connectionId,
    phase: 'starting',
    done: 0,
    total: null,
    message: 'Starting…',
    retryAfterSeconds: null,
    summary: null,
    error: null,
    at: options.now(),
  };
  let lastEmit = 0;
  let finished = false;
  const send = (): void => {
    state = { ...state, at: options.now() };
    lastEmit = state.at;
    options.emit(state);
  };
  const timer = setInterval(
    () => {
      if (!finished && options.now() - lastEmit >= heartbeat) send();
    },
    Math.max(10, Math.floor(heartbeat / 2)),
  );
  timer.unref?.();
  send();
  return {
    update(change) {
      if (finished) return;
      const phaseChanged = change.phase !== undefined && change.phase !== state.phase;
      state = { ...state, ...change };
      if (phaseChanged || options.now() - lastEmit >= minGap) send();
    },
    current: () => state,
    finish(change) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      state = { ...state, ...change };
      send();
    },
  };
}
