/**
 * The one place stores reach `window.rollcall`, read on every call so a
 * test can install its fake bridge after the modules load.
 *
 * Runs in the window.
 */
import type { RollcallApi } from '@shared/bridge';

/** The window's bridge to main. */
export function api(): RollcallApi {
  return window.rollcall;
}
