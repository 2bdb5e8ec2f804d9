/**
 * The audit log view: whether it is open, the page of entries shown (newest
 * first, as core answers), and why a page could not be read.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { AuditEntry } from '@shared/actions';
import type { RollcallError } from '@shared/errors';
import { api } from './bridge';

/** Entries a page. */
export const AUDIT_PAGE_SIZE = 50;

interface AuditData {
  open: boolean;
  offset: number;
  total: number | null;
  entries: AuditEntry[];
  loading: boolean;
  error: RollcallError | null;
}

interface AuditState extends AuditData {
  /** Opens the view on the newest page. */
  show(): void;
  hide(): void;
  /** Reads the page starting at `offset`. */
  load(offset: number): Promise<void>;
  reset(): void;
}

/** Closed, nothing read. */
const initial: AuditData = {
  open: false,
  offset: 0,
  total: null,
  entries: [],
  loading: false,
  error: null,
};

let asked = 0;

/** The audit log view's state. */
export const useAudit = create<AuditState>()((set, get) => ({
  ...initial,
  show() {
    set({ ...initial, open: true });
    void get().load(0);
  },
  hide: () => set(initial),
  async load(offset) {
    const ticket = ++asked;
    set({ loading: true, offset });
    const result = await api().listAudit({ offset, limit: AUDIT_PAGE_SIZE });
    if (ticket !== asked || !get().open) return;
    if (result.ok) {
      set({
        loading: false,
        total: result.value.total,
        entries: result.value.entries,
        error: null,
      });
    } else set({ loading: false, error: result.error });
  },
  reset: () => set(initial),
}));
