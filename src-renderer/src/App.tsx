/**
 * The window's root: the first-run screen until a connection exists, then
 * the directory (connections sidebar, search and lookup, filters, banners,
 * the virtualized grid, and the detail panel), plus dialogs and notices.
 *
 * Runs in the window.
 */
import { useEffect, type ReactNode } from 'react';
import { closeDetail } from './actions/close-detail';
import { useBootstrap, useClockTicker, useReprobe, useShortcuts } from './app-hooks';
import { ActionDialog } from './components/ActionDialog';
import { AuditView } from './components/AuditView';
import { ConnectionDialog } from './components/ConnectionDialog';
import { DetailPanel } from './components/DetailPanel';
import { FilterBar } from './components/FilterBar';
import { FirstRun } from './components/FirstRun';
import { LookupBox } from './components/LookupBox';
import { RemoveDialog } from './components/RemoveDialog';
import { ScopeHeader } from './components/ScopeHeader';
import { ScopeNotices } from './components/ScopeNotices';
import { SearchBox } from './components/SearchBox';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { UserGrid } from './components/UserGrid';
import { UserTable } from './components/UserTable';
import { ViewSwitch } from './components/ViewSwitch';
import { useConnections } from './stores/connections-store';
import { useDetail } from './stores/detail-store';
import { useDirectory } from './stores/directory-store';
import { useView } from './stores/view-store';

/**
 * The directory's frame: it alone follows whether the detail panel is open,
 * so opening or closing it re-renders the frame and the panel, not the
 * sidebar, toolbar and results passed in as `children` (the same elements
 * as before, which React skips).
 */
function DirectoryShell({ children }: { children: ReactNode }) {
  const detailOpen = useDetail((s) => s.target !== null);
  return (
    <div className={detailOpen ? 'shell has-detail' : 'shell'}>
      {children}
      {detailOpen && (
        // Shown only when the panel overlays the grid (narrow windows, styles.css);
        // Esc closes the panel for keyboard users, so the click is a mouse convenience.
        <div className="detail-backdrop" data-backdrop="" onClick={() => closeDetail()} />
      )}
      <DetailPanel />
    </div>
  );
}

/** The directory: everything once at least one connection exists. */
function Directory() {
  const view = useView((s) => s.view);
  // Ask for results whenever the directory appears (first start, or after the first run).
  useEffect(() => {
    useDirectory.getState().refresh();
  }, []);
  return (
    <DirectoryShell>
      <Sidebar />
      <main className="main" aria-label="Directory">
        <ScopeHeader />
        <div className="toolbar">
          <div className="toolbar-row">
            <SearchBox />
            <LookupBox />
            <ViewSwitch />
          </div>
        </div>
        <FilterBar />
        <ScopeNotices />
        {view === 'table' ? <UserTable /> : <UserGrid />}
      </main>
    </DirectoryShell>
  );
}

/** The window's root. */
export function App() {
  useBootstrap();
  useClockTicker();
  useReprobe();
  useShortcuts();
  const status = useConnections((s) => s.status);
  const count = useConnections((s) => s.list.length);

  return (
    <>
      {status === 'loading' ? (
        <div className="app-loading" aria-busy="true" aria-label="Loading Rollcall" />
      ) : count === 0 ? (
        <FirstRun />
      ) : (
        <Directory />
      )}
      <ConnectionDialog />
      <RemoveDialog />
      <ActionDialog />
      <AuditView />
      <Toasts />
    </>
  );
}
