/**
 * The everyday actions on one user in the detail panel: copy their email,
 * their ID, a Zulip mention (Zulip users only), and open them in the
 * server's own web UI (through main's `shell:open-external`, which opens
 * http(s) only, in the system browser).
 *
 * Runs in the window.
 */
import { AtSign, ExternalLink, Fingerprint, Mail } from 'lucide-react';
import type { UserRecord } from '@shared/model';
import { copyText } from '../lib/clipboard';
import { wasCut } from '../lib/profile';
import { OPEN_IN_LABELS, serverUserPageUrl, zulipMention } from '../lib/user-links';
import { api } from '../stores/bridge';
import { findConnection, useConnections } from '../stores/connections-store';
import { useUi } from '../stores/ui-store';

/** Copy and open buttons for the user a record holds. */
export function UserQuickActions({ record }: { record: UserRecord }) {
  const user = record.user;
  const toast = useUi((s) => s.toast);
  const connection = findConnection(
    useConnections((s) => s.list),
    user.connectionId,
  );
  const email = user.kind === 'zulip' ? (user.deliveryEmail ?? user.email) : user.email;
  const pageUrl =
    connection && !connection.demo
      ? serverUserPageUrl(user.kind, connection.baseUrl, user.userId)
      : null;

  const copy = async (text: string, what: string): Promise<void> => {
    const ok = await copyText(text);
    toast(ok ? `Copied ${what}.` : 'Could not copy to the clipboard.', ok ? 'info' : 'error');
  };
  const open = async (url: string): Promise<void> => {
    const result = await api().openExternal({ url });
    if (!result.ok) toast(result.error.message, 'error');
  };

  return (
    <>
      {email && (
        <button
          type="button"
          className="button small"
          onClick={() => void copy(email, 'the email')}
          data-testid="copy-email"
        >
          <Mail size={14} aria-hidden="true" />
          Copy email
        </button>
      )}
      <button
        type="button"
        className="button small"
        onClick={() => void copy(user.userId, 'the ID')}
        data-testid="copy-id"
      >
        <Fingerprint size={14} aria-hidden="true" />
        Copy ID
      </button>
      {user.kind === 'zulip' && (
        <button
          type="button"
          className="button small"
          title="A Zulip mention: @**Name|ID**"
          onClick={() =>
            void copy(zulipMention(user.name, user.userId, wasCut(user, 'name')), 'the mention')
          }
          data-testid="copy-mention"
        >
          <AtSign size={14} aria-hidden="true" />
          Copy mention
        </button>
      )}
      {pageUrl && (
        <button
          type="button"
          className="button small"
          title={pageUrl}
          onClick={() => void open(pageUrl)}
          data-testid="open-in-server"
        >
          <ExternalLink size={14} aria-hidden="true" />
          {OPEN_IN_LABELS[user.kind]}
        </button>
      )}
    </>
  );
}
