/**
 * The connections: the list as main reports it (never a secret, only
 * `hasSecret`), reloaded on every `connections:changed` event, plus the
 * actions that change it. Answers are sequence-numbered so a slow old list
 * never overwrites a newer one.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { Result, RollcallError } from '@shared/errors';
import type { ConnectionSummary, ConnectionTestResult } from '@shared/model';
import { api } from './bridge';

interface ConnectionsData {
  status: 'loading' | 'ready' | 'error';
  list: ConnectionSummary[];
  error: RollcallError | null;
  /** Connections being re-probed right now. */
  probing: Record<string, boolean>;
}

interface ConnectionsState extends ConnectionsData {
  load(): Promise<void>;
  /** Tests a saved connection again (the offline re-probe), then reloads the list. */
  probe(id: string): Promise<Result<ConnectionTestResult>>;
  remove(id: string): Promise<Result<{ removed: boolean }>>;
  loadDemo(): Promise<Result<ConnectionSummary[]>>;
  reset(): void;
}

/** Before the first list arrived. */
const initial: ConnectionsData = { status: 'loading', list: [], error: null, probing: {} };

let sequence = 0;

/** All connections, in the order main lists them. */
export const useConnections = create<ConnectionsState>()((set, get) => ({
  ...initial,
  async load() {
    const mine = ++sequence;
    const result = await api().listConnections();
    if (mine !== sequence) return;
    if (result.ok) set({ status: 'ready', list: result.value, error: null });
    else set({ status: get().list.length > 0 ? 'ready' : 'error', error: result.error });
  },
  async probe(id) {
    set((s) => ({ probing: { ...s.probing, [id]: true } }));
    const result = await api().testConnection({ id });
    set((s) => ({ probing: { ...s.probing, [id]: false } }));
    await get().load();
    return result;
  },
  async remove(id) {
    const result = await api().removeConnection({ id });
    await get().load();
    return result;
  },
  async loadDemo() {
    const result = await api().loadDemo();
    await get().load();
    return result;
  },
  reset() {
    sequence++;
    set(initial);
  },
}));

/** What removing `target` removes: the connection, or every demo connection (the demo goes whole). */
export function removedTogether(
  list: ConnectionSummary[],
  target: ConnectionSummary,
): ConnectionSummary[] {
  return target.demo ? list.filter((c) => c.demo) : [target];
}

/** One connection by id, or undefined. */
export function findConnection(
  list: ConnectionSummary[],
  id: string | null | undefined,
): ConnectionSummary | undefined {
  return id ? list.find((c) => c.id === id) : undefined;
}
