/**
 * Runs in the test page (bundled to an IIFE and injected before the app's
 * scripts): builds `window.rollcall` with the real `createBridge`, whose
 * invoke goes through Playwright's exposed binding to the real core, just as
 * the preload's goes through ipcRenderer to main.
 */
import { createBridge } from '@shared/bridge';

type Listener = (payload: unknown) => void;

interface HarnessWindow {
  __rollcallInvoke(channel: string, arg: unknown): Promise<unknown>;
  __rollcallEmit(event: string, payload: unknown): void;
}

const w = window as unknown as HarnessWindow & Window;
const listeners = new Map<string, Set<Listener>>();

w.__rollcallEmit = (event, payload) => {
  for (const listener of listeners.get(event) ?? []) listener(payload);
};

Object.defineProperty(window, 'rollcall', {
  value: createBridge(
    (channel, arg) => w.__rollcallInvoke(channel, arg),
    (event, listener) => {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    { avatarBase: `${location.origin}/__avatar/` },
  ),
  writable: false,
  configurable: false,
});
