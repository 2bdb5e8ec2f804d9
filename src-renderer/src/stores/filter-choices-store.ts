/**
 * What the group and profile-field filters of each connection can offer
 * (directory:filter-choices): its groups with member counts and, for Zulip,
 * its custom profile fields. Asked again each time "More filters" opens, so
 * a sync's new groups show; kept by connection ID in a Map (server IDs are
 * never object keys), so the chips can name a group or field after the
 * popover closes.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { RollcallError } from '@shared/errors';
import type { FilterChoices } from '@shared/model';
import { api } from './bridge';

interface FilterChoicesState {
  byConnection: ReadonlyMap<string, FilterChoices>;
  errors: ReadonlyMap<string, RollcallError>;
  /** Asks core for a connection's choices; the last answer wins. */
  load(connectionId: string): Promise<void>;
  reset(): void;
}

/** Each connection's filter choices, as last answered. */
export const useFilterChoices = create<FilterChoicesState>()((set, get) => ({
  byConnection: new Map(),
  errors: new Map(),
  async load(connectionId) {
    const result = await api().filterChoices({ connectionId });
    const byConnection = new Map(get().byConnection);
    const errors = new Map(get().errors);
    if (result.ok) {
      byConnection.set(connectionId, result.value);
      errors.delete(connectionId);
    } else {
      errors.set(connectionId, result.error);
    }
    set({ byConnection, errors });
  },
  reset() {
    set({ byConnection: new Map(), errors: new Map() });
  },
}));
