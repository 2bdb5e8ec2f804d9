/**
 * Window-level UI state that several components share: which dialog is
 * open, which connection the lookup box targets, and short notices.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { ConnectionKind } from '@shared/model';

/** The add/edit connection dialog. */
export type ConnectionDialogState =
  { mode: 'add'; kind: ConnectionKind } | { mode: 'edit'; id: string };

/** A short notice at the bottom of the window. */
interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

interface UiData {
  dialog: ConnectionDialogState | null;
  /** The connection whose removal awaits confirmation. */
  confirmRemove: string | null;
  /** Where lookups go; null means "the first connection". */
  lookupConnectionId: string | null;
  toasts: Toast[];
  /** The card that holds the grid's roving focus, by result index. */
  gridActive: number;
  /** Bumped to ask the grid to focus its active card (after the panel closes). */
  gridFocusRequest: number;
}

interface UiState extends UiData {
  setGridActive(index: number): void;
  focusGrid(): void;
  openAdd(kind: ConnectionKind): void;
  openEdit(id: string): void;
  closeDialog(): void;
  askRemove(id: string | null): void;
  setLookupConnection(id: string | null): void;
  toast(text: string, tone?: Toast['tone']): void;
  dismissToast(id: number): void;
  reset(): void;
}

/** No dialog, no notice, lookups to the first connection. */
const initial: UiData = {
  dialog: null,
  confirmRemove: null,
  lookupConnectionId: null,
  toasts: [],
  gridActive: 0,
  gridFocusRequest: 0,
};

let toastId = 0;

/** Shared UI state. */
export const useUi = create<UiState>()((set) => ({
  ...initial,
  setGridActive: (gridActive) => set({ gridActive }),
  focusGrid: () => set((s) => ({ gridFocusRequest: s.gridFocusRequest + 1 })),
  openAdd: (kind) => set({ dialog: { mode: 'add', kind } }),
  openEdit: (id) => set({ dialog: { mode: 'edit', id } }),
  closeDialog: () => set({ dialog: null }),
  askRemove: (id) => set({ confirmRemove: id }),
  setLookupConnection: (id) => set({ lookupConnectionId: id }),
  toast(text, tone = 'info') {
    const id = ++toastId;
    set((s) => ({ toasts: [...s.toasts.slice(-2), { id, text, tone }] }));
    setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 5000);
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  reset: () => set(initial),
}));
