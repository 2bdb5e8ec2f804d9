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

interface OnlineData {
  osOnline: boolean;
}

interface OnlineState extends OnlineData {
  setOsOnline(online: boolean): void;
  reset(): void;
}

/** Online, unless the OS said otherwise when the window opened. */
const initial: OnlineData = {
  osOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
};

/** The OS's view of the network. */
export const useOnline = create<OnlineState>()((set) => ({
  ...initial,
  setOsOnline: (osOnline) => set({ osOnline }),
  reset: () => set(initial),
}));
