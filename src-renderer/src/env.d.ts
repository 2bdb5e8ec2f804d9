// Types of the globals the window has: `window.rollcall`, built by the preload.
import type { RollcallApi } from '@shared/bridge';

declare global {
  interface Window {
    /** The only way the window reaches main; built by the preload. */
    readonly rollcall: RollcallApi;
  }
}

export {};
