/**
 * What the About box and the first screen show: version, data folder,
 * keychain state, from `app:info`.
 *
 * Runs in the window.
 */
import { create } from 'zustand';
import type { RollcallError } from '@shared/errors';
import type { AppInfo } from '@shared/model';
import { api } from './bridge';

interface AppInfoState {
  info: AppInfo | null;
  error: RollcallError | null;
  load(): Promise<void>;
  reset(): void;
}

/** The app's self-description, loaded once at start. */
export const useAppInfo = create<AppInfoState>()((set) => ({
  info: null,
  error: null,
  async load() {
    const result = await api().appInfo();
    if (result.ok) set({ info: result.value, error: null });
    else set({ error: result.error });
  },
  reset() {
    set({ info: null, error: null });
  },
}));
