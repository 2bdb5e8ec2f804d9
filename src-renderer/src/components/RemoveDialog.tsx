/**
 * Confirms removing a connection (or the whole demo): what goes (the cached
 * users, their pictures, the key in the keychain) and what does not (the
 * server is never touched).
 *
 * Runs in the window.
 */
import { LoaderCircle, Trash2 } from 'lucide-react';
import { useState } from 'react';
import type { RollcallError } from '@shared/errors';
import { removeConnection } from '../actions/remove-connection';
import { plural } from '../lib/time';
import { removedTogether, useConnections } from '../stores/connections-store';
import { useUi } from '../stores/ui-store';
import { ErrorNotice } from './ErrorNotice';
import { Modal } from './Modal';

/** The confirmation, when a removal was asked for. */
export function RemoveDialog() {
  const id = useUi((s) => s.confirmRemove);
  const askRemove = useUi((s) => s.askRemove);
  const list = useConnections((s) => s.list);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<RollcallError | null>(null);
  const target = list.find((c) => c.id === id);
  if (!id || !target) return null;
  const victims = removedTogether(list, target);
  const users = victims.reduce((n, c) => n + c.userCount, 0);
  const close = (): void => {
    setError(null);
    askRemove(null);
  };

  const confirm = async (): Promise<void> => {
    setBusy(true);
    const failed = await removeConnection(target);
    setBusy(false);
    setError(failed);
  };

  return (
    <Modal
      title={target.demo ? 'Remove the demo directory?' : `Remove ${target.label}?`}
      onClose={close}
      width={460}
      testId="remove-dialog"
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" onClick={close} data-autofocus="">
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            onClick={() => void confirm()}
            disabled={busy}
            data-testid="confirm-remove"
          >
            {busy ? (
              <LoaderCircle size={14} aria-hidden="true" className="spin" />
            ) : (
              <Trash2 size={14} aria-hidden="true" />
            )}
            {target.demo ? 'Remove demo' : 'Remove connection'}
          </button>
        </>
      }
    >
      <p>
        {target.demo
          ? `Rollcall deletes the ${plural(victims.length, 'demo connection')} and ${plural(users, 'made-up user')}.`
          : `Rollcall forgets this connection, deletes its ${plural(users, 'cached user')} and their pictures, and removes its API key from the system keychain.`}
      </p>
      {!target.demo && <p className="muted">Nothing changes on the server itself.</p>}
      {error && <ErrorNotice error={error} title="Could not remove it" />}
    </Modal>
  );
}
