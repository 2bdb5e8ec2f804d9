/**
 * The window's wiring, as hooks the root calls once: load what is needed
 * at start, follow main's events, re-probe offline connections, tick the
 * shared clock, and the global keyboard shortcuts.
 *
 * Runs in the window.
 */
import { useEffect } from 'react';
import { actionProgressed } from './actions/action-progressed';
import { closeDetail } from './actions/close-detail';
import { searchReady } from './actions/search-ready';
import { syncProgressed } from './actions/sync-progressed';
import { userRefreshed } from './actions/user-refreshed';
import { LOOKUP_INPUT_ID } from './components/LookupBox';
import { SEARCH_INPUT_ID } from './components/SearchBox';
import { hasModKey } from './lib/keys';
import { useAction } from './stores/action-store';
import { useAudit } from './stores/audit-store';
import { api } from './stores/bridge';
import { useAppInfo } from './stores/app-info-store';
import { CLOCK_TICK_MS, useClock } from './stores/clock-store';
import { useConnections } from './stores/connections-store';
import { useDetail } from './stores/detail-store';
import { useDirectory } from './stores/directory-store';
import { REPROBE_INTERVAL_MS, useOnline } from './stores/online-store';
import { useUi } from './stores/ui-store';

/** Loads the app's facts and connections, and follows main's events. */
export function useBootstrap(): void {
  useEffect(() => {
    void useAppInfo.getState().load();
    void useConnections.getState().load();
    // When the connections or their caches change (added, removed, synced), ask again.
    const signature = (list: { id: string; userCount: number; lastSyncAt: number | null }[]) =>
      list.map((c) => `${c.id}:${c.userCount}:${c.lastSyncAt ?? ''}`).join('|');
    const offList = useConnections.subscribe((state, prev) => {
      if (signature(state.list) === signature(prev.list)) return;
      if (useDirectory.getState().generation > 0) useDirectory.getState().refresh();
    });
    const rc = api();
    const offs = [
      offList,
      rc.onConnectionsChanged(() => {
        void useConnections.getState().load();
      }),
      rc.onSearchReady(searchReady),
      rc.onSyncProgress(syncProgressed),
      rc.onUserRefreshed(userRefreshed),
      rc.onActionProgress(actionProgressed),
    ];
    return () => offs.forEach((off) => off());
  }, []);
}

/** Ticks the shared clock so "Active now" and local times stay true. */
export function useClockTicker(): void {
  useEffect(() => {
    const timer = setInterval(() => useClock.getState().tick(), CLOCK_TICK_MS);
    return () => clearInterval(timer);
  }, []);
}

/**
 * Tests offline connections again every 30 s and as soon as the OS says the
 * network is back, so the offline banner leaves by itself.
 */
export function useReprobe(): void {
  useEffect(() => {
    const probeOffline = (): void => {
      const { list, probe, probing } = useConnections.getState();
      for (const c of list) {
        if (c.reachability.state === 'offline' && !c.demo && !probing[c.id]) void probe(c.id);
      }
    };
    const onOnline = (): void => {
      useOnline.getState().setOsOnline(true);
      probeOffline();
    };
    const onOffline = (): void => useOnline.getState().setOsOnline(false);
    const timer = setInterval(probeOffline, REPROBE_INTERVAL_MS);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
    };
  }, []);
}

function focusById(id: string): void {
  const el = document.getElementById(id);
  if (el instanceof HTMLInputElement) {
    el.focus();
    el.select();
  }
}

/**
 * Ctrl/Cmd+K focuses search, Ctrl/Cmd+L the lookup box, Esc closes the
 * detail panel (after dialogs and popovers had their chance to take it).
 */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (hasModKey(e) && !e.altKey && !e.shiftKey) {
        const key = e.key.toLowerCase();
        if (key === 'k') {
          e.preventDefault();
          focusById(SEARCH_INPUT_ID);
          return;
        }
        if (key === 'l') {
          e.preventDefault();
          focusById(LOOKUP_INPUT_ID);
          return;
        }
      }
      if (e.key === 'Escape' && !e.defaultPrevented) {
        if (useUi.getState().dialog || useUi.getState().confirmRemove) return;
        if (useAction.getState().flow || useAudit.getState().open) return;
        if (useDetail.getState().target) {
          e.preventDefault();
          closeDetail();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
