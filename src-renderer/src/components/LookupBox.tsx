/**
 * Look up one user by ID on one connection: a Zulip ID or email, an Open
 * WebUI id or `shared-{chat_id}`. Enter fetches and opens the card; errors
 * are shown in words with the server's own text. Ctrl/Cmd+L focuses it.
 *
 * Runs in the window.
 */
import { ArrowRight, LoaderCircle } from 'lucide-react';
import { useState } from 'react';
import type { RollcallError } from '@shared/errors';
import { rollcallError } from '@shared/errors';
import { userLookedUp } from '../actions/user-looked-up';
import { modKeyLabel } from '../lib/keys';
import { KIND_ID_HINTS } from '../lib/profile';
import { api } from '../stores/bridge';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { useUi } from '../stores/ui-store';
import { ErrorNotice } from './ErrorNotice';

const LOOKUP_PLACEHOLDERS = {
  zulip: 'Look up by ID or email',
  openwebui: 'Look up by id or email',
} as const;

/** Id of the lookup input, for the Ctrl/Cmd+L shortcut. */
export const LOOKUP_INPUT_ID = 'rc-lookup';

/** The connection lookups go to: the chosen one, else the one in scope, else the first. */
function useLookupConnectionId(): string | null {
  const list = useConnections((s) => s.list);
  const chosen = useUi((s) => s.lookupConnectionId);
  const scope = useDirectory((s) => s.filters.connectionIds);
  if (chosen && list.some((c) => c.id === chosen)) return chosen;
  if (scope.length === 1 && list.some((c) => c.id === scope[0])) return scope[0]!;
  return list[0]?.id ?? null;
}

/** The lookup form. */
export function LookupBox() {
  const list = useConnections((s) => s.list);
  const connectionId = useLookupConnectionId();
  const setConnection = useUi((s) => s.setLookupConnection);
  const [ref, setRef] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ error: RollcallError; ref: string; label: string } | null>(
    null,
  );
  const connection = list.find((c) => c.id === connectionId);

  const submit = async (): Promise<void> => {
    if (!connection || busy) return;
    const wanted = ref.trim();
    if (wanted === '') {
      setError({
        error: rollcallError('INVALID_INPUT', `Type a ${KIND_ID_HINTS[connection.kind]}.`),
        ref: wanted,
        label: connection.label,
      });
      return;
    }
    setBusy(true);
    setError(null);
    const result = await api().lookupUser({ connectionId: connection.id, ref: wanted });
    setBusy(false);
    if (result.ok) userLookedUp(result.value, wanted);
    else setError({ error: result.error, ref: wanted, label: connection.label });
  };

  return (
    <>
      <form
        className="lookup"
        role="search"
        aria-label="Look up a user by ID"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && error) {
            e.preventDefault();
            e.stopPropagation();
            setError(null);
          }
        }}
      >
        <select
          className="lookup-connection"
          aria-label="Connection to look up in"
          value={connectionId ?? ''}
          onChange={(e) => {
            setConnection(e.target.value);
            setError(null);
          }}
          data-testid="lookup-connection"
        >
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <input
          id={LOOKUP_INPUT_ID}
          className="lookup-input"
          aria-label={connection ? `Look up by ${KIND_ID_HINTS[connection.kind]}` : 'Look up by ID'}
          aria-keyshortcuts="Control+L Meta+L"
          placeholder={connection ? LOOKUP_PLACEHOLDERS[connection.kind] : 'Look up by ID'}
          autoComplete="off"
          spellCheck={false}
          value={ref}
          maxLength={320}
          onChange={(e) => {
            setRef(e.target.value);
            if (error) setError(null);
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'lookup-error' : undefined}
          data-testid="lookup-input"
        />
        <kbd className="kbd" aria-hidden="true">
          {modKeyLabel()} L
        </kbd>
        <button
          type="submit"
          className="icon-button lookup-go"
          aria-label="Look up"
          title="Look up (Enter)"
          disabled={busy || !connection}
          data-testid="lookup-submit"
        >
          {busy ? (
            <LoaderCircle size={16} aria-hidden="true" className="spin" />
          ) : (
            <ArrowRight size={16} aria-hidden="true" />
          )}
        </button>
      </form>
      {error && (
        <div
          className="lookup-error"
          id="lookup-error"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              setError(null);
            }
          }}
        >
          <ErrorNotice
            error={error.error}
            title={lookupTitle(error.error, error.ref, error.label)}
            onDismiss={() => setError(null)}
            testId="lookup-error"
          />
        </div>
      )}
    </>
  );
}

function lookupTitle(error: RollcallError, ref: string, label: string): string {
  switch (error.code) {
    case 'NOT_FOUND':
      return `No user “${ref}” on ${label}`;
    case 'FORBIDDEN':
      return `${label} does not let this key see “${ref}”`;
    case 'RATE_LIMITED':
      return `${label} is rate limiting requests`;
    case 'NOT_AN_API':
      return `${label}'s URL is not its API`;
    case 'OFFLINE':
    case 'TIMEOUT':
      return `${label} cannot be reached, and “${ref}” is not in the cache`;
    case 'UNAUTHORIZED':
      return `${label} rejected the API key`;
    case 'INVALID_INPUT':
      return ref === '' ? 'Nothing to look up' : `“${ref}” is not an ID this server accepts`;
    default:
      return `Could not look up “${ref}”`;
  }
}
