/**
 * The head of the main area: which connection (or all) is shown, its
 * address and last sync, and its actions (sync, edit, export).
 *
 * Runs in the window.
 */
import { LayoutGrid, LoaderCircle, Pencil, RefreshCw } from 'lucide-react';
import { CONNECTION_KIND_LABELS } from '@shared/model';
import { startSync } from '../actions/start-sync';
import { lastSyncText } from '../lib/connection-state';
import { absoluteDateTime, plural } from '../lib/time';
import { useClock } from '../stores/clock-store';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useSync } from '../stores/sync-store';
import { useUi } from '../stores/ui-store';
import { ActOnResults } from './ActOnResults';
import { KindIcon } from './Badges';
import { ExportButton } from './ExportButton';

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Title and actions of the current scope. */
export function ScopeHeader() {
  const list = useConnections((s) => s.list);
  const scope = useDirectory((s) => s.filters.connectionIds);
  const runs = useSync((s) => s.runs);
  const openEdit = useUi((s) => s.openEdit);
  const now = useClock((s) => s.now);
  const single = scope.length === 1 ? list.find((c) => c.id === scope[0]) : undefined;
  const syncing = single ? (runs[single.id]?.running ?? single.syncing) : false;

  return (
    <header className="scope">
      <div className="scope-title">
        {single ? (
          <KindIcon kind={single.kind} size={16} />
        ) : (
          <LayoutGrid size={20} aria-hidden="true" />
        )}
        <div className="scope-text">
          <h1 data-testid="scope-title">{single ? single.label : 'All connections'}</h1>
          <p className="scope-sub">
            {single ? (
              <>
                {single.demo ? 'Demo data' : CONNECTION_KIND_LABELS[single.kind]} ·{' '}
                {hostOf(single.baseUrl)}
                {!single.demo && (
                  <span title={single.lastSyncAt ? absoluteDateTime(single.lastSyncAt) : undefined}>
                    {' '}
                    · {lastSyncText(single, now)}
                  </span>
                )}
              </>
            ) : (
              `${plural(list.length, 'connection')} · ${plural(
                list.reduce((n, c) => n + c.userCount, 0),
                'cached user',
              )}`
            )}
          </p>
        </div>
      </div>
      <div className="scope-actions">
        {single && !single.demo && (
          <>
            <button
              type="button"
              className="button"
              onClick={() => openEdit(single.id)}
              data-testid="edit-connection"
            >
              <Pencil size={14} aria-hidden="true" />
              Edit
            </button>
            <button
              type="button"
              className="button primary"
              onClick={() => void startSync(single.id)}
              disabled={syncing}
              data-testid="sync-button"
            >
              {syncing ? (
                <LoaderCircle size={14} aria-hidden="true" className="spin" />
              ) : (
                <RefreshCw size={14} aria-hidden="true" />
              )}
              {syncing ? 'Syncing…' : 'Sync directory'}
            </button>
          </>
        )}
        <ActOnResults />
        <ExportButton />
      </div>
    </header>
  );
}
