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

interface AppInfoData {
  info: AppInfo | null;
  error: RollcallError | null;
}

interface AppInfoState extends AppInfoData {
  load(): Promise<void>;
  reset(): void;
}

/** Before `app:info` answered. */
const initial: AppInfoData = { info: null, error: null };

/** The app's self-description, loaded once at start. */
export const useAppInfo = create<AppInfoState>()((set) => ({
  ...initial,
  async load() {
    const result = await api().appInfo();
    if (result.ok) set({ info: result.value, error: null });
    else set({ error: result.error });
  },
  reset() {
    set(initial);
  },
}));
