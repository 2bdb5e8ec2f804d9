/**
 * Banners for the connections in view: offline (since when, with the
 * cached directory still usable), key rejected, plain http, the demo, the
 * keychain, and each sync's progress, summary or failure.
 *
 * Runs in the window.
 */
import {
  FlaskConical,
  KeyRound,
  LoaderCircle,
  LockOpen,
  RefreshCw,
  WifiOff,
  X,
} from 'lucide-react';
import type { ConnectionSummary } from '@shared/model';
import { startSync } from '../actions/start-sync';
import { absoluteDateTime, relativeTime, sinceText } from '../lib/time';
import { useAppInfo } from '../stores/app-info-store';
import { useClock } from '../stores/clock-store';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useOnline } from '../stores/online-store';
import { useSync } from '../stores/sync-store';
import { useUi } from '../stores/ui-store';
import { ErrorNotice } from './ErrorNotice';
import { SyncProgressBar } from './SyncProgressBar';
import { SyncSummaries } from './SyncSummaries';

function RetryButton({ c }: { c: ConnectionSummary }) {
  const probe = useConnections((s) => s.probe);
  const probing = useConnections((s) => s.probing[c.id] ?? false);
  return (
    <button
      type="button"
      className="button small"
      onClick={() => void probe(c.id)}
      disabled={probing}
      aria-label={`Try ${c.label} again`}
      data-testid="retry-connection"
    >
      {probing ? (
        <LoaderCircle size={14} aria-hidden="true" className="spin" />
      ) : (
        <RefreshCw size={14} aria-hidden="true" />
      )}
      Try again
    </button>
  );
}

/** "Acme Chat has been unreachable since 10:02 (5 minutes ago)". */
function UnreachableSince({ c, now }: { c: ConnectionSummary; now: number }) {
  const since = c.reachability.since;
  return since !== null ? (
    <>
      {c.label} has been unreachable since{' '}
      <span title={absoluteDateTime(since)}>
        {sinceText(since, now)} ({relativeTime(since, now)})
      </span>
    </>
  ) : (
    <>{c.label} cannot be reached</>
  );
}

function ServerSaid({ c }: { c: ConnectionSummary }) {
  return c.reachability.error?.serverMessage ? (
    <p className="notice-server">
      The server said: <q>{c.reachability.error.serverMessage}</q>
    </p>
  ) : null;
}

function OfflineBanner({ c }: { c: ConnectionSummary }) {
  const now = useClock((s) => s.now);
  return (
    <div
      className="notice notice-warn"
      role="status"
      data-testid="offline-banner"
      data-connection-id={c.id}
    >
      <WifiOff size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">
          <UnreachableSince c={c} now={now} />
        </p>
        <p className="notice-text">
          The cached directory stays fully usable
          {c.lastSyncAt !== null
            ? `: it is the copy from ${relativeTime(c.lastSyncAt, now)} (${absoluteDateTime(c.lastSyncAt)}).`
            : '.'}{' '}
          Rollcall checks again every 30 seconds.
        </p>
        <ServerSaid c={c} />
      </div>
      <RetryButton c={c} />
    </div>
  );
}

/**
 * Several connections in view are unreachable: one banner with a line
 * each, instead of a stack of banners that pushes the cards off screen.
 */
function OfflineGroupBanner({ list }: { list: ConnectionSummary[] }) {
  const now = useClock((s) => s.now);
  return (
    <div className="notice notice-warn" role="status" data-testid="offline-group-banner">
      <WifiOff size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">{list.length} connections are unreachable</p>
        <ul className="offline-list">
          {list.map((c) => (
            <li key={c.id} data-testid="offline-banner" data-connection-id={c.id}>
              <div className="offline-line">
                <p className="notice-text">
                  <UnreachableSince c={c} now={now} />
                  {c.lastSyncAt !== null && (
                    <span className="muted">
                      {' '}
                      · cached copy from{' '}
                      <span title={absoluteDateTime(c.lastSyncAt)}>
                        {relativeTime(c.lastSyncAt, now)}
                      </span>
                    </span>
                  )}
                </p>
                <ServerSaid c={c} />
              </div>
              <RetryButton c={c} />
            </li>
          ))}
        </ul>
        <p className="notice-text">
          Their cached directories stay fully usable. Rollcall checks again every 30 seconds.
        </p>
      </div>
    </div>
  );
}

function KeyRejectedBanner({ c }: { c: ConnectionSummary }) {
  const openEdit = useUi((s) => s.openEdit);
  return (
    <div className="notice notice-error" role="alert" data-testid="key-rejected-banner">
      <KeyRound size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">{c.label} rejected the API key</p>
        <p className="notice-text">
          {c.reachability.error?.message ??
            'The key may have been regenerated or the account deactivated.'}{' '}
          The cached directory stays readable.
        </p>
        {c.reachability.error?.serverMessage && (
          <p className="notice-server">
            The server said: <q>{c.reachability.error.serverMessage}</q>
          </p>
        )}
      </div>
      <button type="button" className="button small" onClick={() => openEdit(c.id)}>
        Replace key…
      </button>
    </div>
  );
}

function SyncNotice({ c }: { c: ConnectionSummary }) {
  const run = useSync((s) => s.runs[c.id]);
  const cancel = useSync((s) => s.cancel);
  const dismiss = useSync((s) => s.dismiss);
  if (!run) return null;
  // The demo is bundled, not synced: loading it reports progress, but a
  // "Synced" summary for made-up data would only push the cards down.
  if (c.demo && !run.running) return null;
  if (run.running && run.progress) {
    return (
      <div
        className="notice notice-info sync-notice"
        data-testid="sync-panel"
        data-connection-id={c.id}
      >
        <LoaderCircle size={16} aria-hidden="true" className="notice-icon spin" />
        <div className="notice-body">
          <p className="notice-title">Syncing {c.label}</p>
          <SyncProgressBar progress={run.progress} />
        </div>
        <button
          type="button"
          className="button small"
          onClick={() => void cancel(c.id)}
          disabled={run.cancelling}
          data-testid="cancel-sync"
        >
          {run.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
    );
  }
  // Finished syncs are summed up together, in SyncSummaries.
  if (run.summary) return null;
  if (run.error) {
    if (run.error.code === 'CANCELLED') {
      return (
        <div className="notice notice-info" role="status" data-testid="sync-cancelled">
          <X size={16} aria-hidden="true" className="notice-icon" />
          <p className="notice-text">
            Sync of {c.label} cancelled. The cache keeps the users it had before.
          </p>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => dismiss(c.id)}
          >
            <X size={14} aria-hidden="true" />
          </button>
        </div>
      );
    }
    return (
      <ErrorNotice
        error={run.error}
        title={`Sync of ${c.label} stopped`}
        onDismiss={() => dismiss(c.id)}
        testId="sync-error"
        actions={
          <button type="button" className="button small" onClick={() => void startSync(c.id)}>
            <RefreshCw size={14} aria-hidden="true" />
            Try again
          </button>
        }
      />
    );
  }
  return null;
}

/** Every banner for the connections in view. */
export function ScopeNotices() {
  const list = useConnections((s) => s.list);
  const scope = useDirectory((s) => s.filters.connectionIds);
  const keychain = useAppInfo((s) => s.info?.keychain);
  const askRemove = useUi((s) => s.askRemove);
  const osOnline = useOnline((s) => s.osOnline);
  const inScope = scope.length > 0 ? list.filter((c) => scope.includes(c.id)) : list;
  const demo = inScope.find((c) => c.demo);
  const offline = inScope.filter((c) => c.reachability.state === 'offline' && !c.demo);
  return (
    <div className="notices">
      {!osOnline && (
        <div className="notice notice-warn" role="status" data-testid="os-offline-banner">
          <WifiOff size={16} aria-hidden="true" className="notice-icon" />
          <p className="notice-text">
            This computer is offline. The cached directory stays fully usable; servers are asked
            again as soon as the network is back.
          </p>
        </div>
      )}
      {keychain && keychain.state !== 'available' && keychain.state !== 'unknown' && (
        <div className="notice notice-warn" role="status">
          <KeyRound size={16} aria-hidden="true" className="notice-icon" />
          <p className="notice-text">
            The system keychain is {keychain.state}: saved API keys cannot be read, so servers
            cannot be asked. The cached directory stays readable.
            {keychain.message ? ` ${keychain.message}` : ''}
          </p>
        </div>
      )}
      {demo && (
        <div className="notice notice-info" role="status" data-testid="demo-banner">
          <FlaskConical size={16} aria-hidden="true" className="notice-icon" />
          <p className="notice-text">
            This is the demo directory: made-up people on two sample servers, all offline.
          </p>
          <button type="button" className="button small" onClick={() => askRemove(demo.id)}>
            Remove demo…
          </button>
        </div>
      )}
      {offline.length > 1 && <OfflineGroupBanner list={offline} />}
      {inScope.map((c) => (
        <div key={c.id} className="notice-group">
          {offline.length === 1 && offline[0] === c && <OfflineBanner c={c} />}
          {c.reachability.state === 'unauthorized' && !c.demo && <KeyRejectedBanner c={c} />}
          {c.insecureHttp && (
            <div className="notice notice-warn" role="status" data-testid="insecure-banner">
              <LockOpen size={16} aria-hidden="true" className="notice-icon" />
              <p className="notice-text">
                {c.label} uses plain http: its API key travels unencrypted. Use https if the server
                offers it.
              </p>
            </div>
          )}
          <SyncNotice c={c} />
        </div>
      ))}
      <SyncSummaries list={inScope} />
    </div>
  );
}
