/**
 * Whether the OS says the machine is online. Offline connections are
 * re-probed every 30 s and at once when the OS reports the network back,
 * so an offline banner goes away by itself when the server returns.
 *
 * Runs in the window.
 */
import { create } from 'zustand';

/** How often offline connections are tested again. */
export const REPROBE_INTERVAL_MS = 30_000;

interface OnlineState {
  osOnline: boolean;
  setOsOnline(online: boolean): void;
}

/** The OS's view of the network. */
export const useOnline = create<OnlineState>()((set) => ({
  osOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
  setOsOnline: (osOnline) => set({ osOnline }),
}));
