import { useEffect, useState } from 'react';
import type { AppInfo } from '@shared/model';
import type { RollcallError } from '@shared/errors';

/** The window's root. */
export function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<RollcallError | null>(null);

  useEffect(() => {
    let live = true;
    void window.rollcall.appInfo().then((result) => {
      if (!live) return;
      if (result.ok) setInfo(result.value);
      else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <main className="first-run">
      <h1>Rollcall</h1>
      <p className="tagline">
        One directory of every user on your Zulip and Open WebUI servers, searchable and readable
        offline.
      </p>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
      {info && (
        <dl className="about" aria-label="About this copy of Rollcall">
          <dt>Version</dt>
          <dd data-testid="app-version">{info.version}</dd>
          <dt>Data folder</dt>
          <dd data-testid="data-folder">{info.userDataDir}</dd>
        </dl>
      )}
    </main>
  );
}
