/**
 * The facts about this copy of Rollcall: version, data folder, keychain
 * and cache, shown on the first screen and in the About popover (carrying
 * the `app-version` and `data-folder` test ids).
 *
 * Runs in the window.
 */
import { useAppInfo } from '../stores/app-info-store';
import { countText } from '../lib/time';
import { ErrorNotice } from './ErrorNotice';

const KEYCHAIN_TEXT = {
  available: 'Available',
  locked: 'Locked: unlock it to use saved keys',
  missing: 'Missing: keys cannot be saved',
  unknown: 'Unknown',
} as const;

/** Version, data folder, keychain and cache as a definition list. */
export function AppFacts() {
  const info = useAppInfo((s) => s.info);
  const error = useAppInfo((s) => s.error);
  if (error) return <ErrorNotice error={error} title="Could not read the app's details" compact />;
  if (!info) return null;
  return (
    <dl className="facts" aria-label="About this copy of Rollcall">
      <dt>Version</dt>
      <dd data-testid="app-version">{info.version}</dd>
      <dt>Data folder</dt>
      <dd data-testid="data-folder" className="mono">
        {info.userDataDir}
      </dd>
      <dt>Keychain</dt>
      <dd>
        {KEYCHAIN_TEXT[info.keychain.state]}
        {info.keychain.message && <span className="muted"> · {info.keychain.message}</span>}
      </dd>
      {info.database && (
        <>
          <dt>Cache</dt>
          <dd>
            {countText(info.counts.users)} users, {countText(info.counts.avatars)} pictures
            {info.database.readOnly && ' (read-only)'}
          </dd>
        </>
      )}
    </dl>
  );
}
