/**
 * The first screen, when there is no connection yet: Rollcall in one line
 * and three ways in (add a Zulip server, add an Open WebUI server, explore
 * the bundled demo directory), with the app's facts at the foot.
 *
 * Runs in the window.
 */
import { ChevronRight, FlaskConical, LoaderCircle } from 'lucide-react';
import { useState } from 'react';
import type { RollcallError } from '@shared/errors';
import { loadDemo } from '../actions/load-demo';
import { useConnections } from '../stores/connections-store';
import { useUi } from '../stores/ui-store';
import { AppFacts } from './AppFacts';
import { KindIcon } from './Badges';
import { ErrorNotice } from './ErrorNotice';

/** The empty state shown before any connection exists. */
export function FirstRun() {
  const openAdd = useUi((s) => s.openAdd);
  const listError = useConnections((s) => s.error);
  const [demoError, setDemoError] = useState<RollcallError | null>(null);
  const [loadingDemo, setLoadingDemo] = useState(false);

  const exploreDemo = async (): Promise<void> => {
    setLoadingDemo(true);
    setDemoError(null);
    const failed = await loadDemo();
    setLoadingDemo(false);
    if (failed) setDemoError(failed);
  };

  return (
    <main className="first-run" aria-labelledby="first-run-title" data-testid="first-run">
      <div className="first-run-card">
        <div className="first-run-head">
          <img src="./icon.svg" alt="" width={44} height={44} />
          <div>
            <h1 id="first-run-title">Rollcall</h1>
            <p className="lede">
              One searchable directory of everyone on your Zulip and Open WebUI servers, readable
              offline.
            </p>
          </div>
        </div>
        {listError && (
          <ErrorNotice
            error={listError}
            title="Could not read your connections"
            testId="list-error"
          />
        )}
        <div className="choices">
          <button
            type="button"
            className="choice"
            onClick={() => openAdd('zulip')}
            data-testid="first-add-zulip"
          >
            <KindIcon kind="zulip" size={18} decorative />
            <span className="choice-text">
              <span className="choice-title">Add a Zulip server</span>
              <span className="choice-hint">
                With a login email and API key, or a zuliprc file.
              </span>
            </span>
            <ChevronRight size={16} aria-hidden="true" className="choice-chevron" />
          </button>
          <button
            type="button"
            className="choice"
            onClick={() => openAdd('openwebui')}
            data-testid="first-add-openwebui"
          >
            <KindIcon kind="openwebui" size={18} decorative />
            <span className="choice-text">
              <span className="choice-title">Add an Open WebUI server</span>
              <span className="choice-hint">With an admin's API key or token.</span>
            </span>
            <ChevronRight size={16} aria-hidden="true" className="choice-chevron" />
          </button>
          <button
            type="button"
            className="choice"
            onClick={() => void exploreDemo()}
            disabled={loadingDemo}
            data-testid="first-demo"
          >
            <span className="kind-icon kind-demo" aria-hidden="true">
              {loadingDemo ? (
                <LoaderCircle size={18} className="spin" />
              ) : (
                <FlaskConical size={18} />
              )}
            </span>
            <span className="choice-text">
              <span className="choice-title">Explore a demo directory</span>
              <span className="choice-hint">
                A few hundred made-up users on two sample servers, offline. Remove it any time.
              </span>
            </span>
            <ChevronRight size={16} aria-hidden="true" className="choice-chevron" />
          </button>
        </div>
        {demoError && (
          <ErrorNotice
            error={demoError}
            title="Could not load the demo"
            onDismiss={() => setDemoError(null)}
            testId="demo-error"
          />
        )}
        <footer className="first-run-foot">
          <AppFacts />
          <p className="muted small">
            API keys stay in your system keychain; Rollcall only reads from your servers.
          </p>
        </footer>
      </div>
    </main>
  );
}
