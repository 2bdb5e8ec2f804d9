/**
 * The zuliprc helpers of the Zulip connection form: pick the file Zulip's
 * "Download zuliprc" gave, or paste its contents into a box, and the form
 * fills itself; a line below says what was filled or why nothing was.
 *
 * Runs in the window.
 */
import { ClipboardPaste, FileUp } from 'lucide-react';
import type { ConnectionForm } from '../lib/use-connection-form';

/** The zuliprc buttons, paste box and note; `pasteId` is the paste box's id. */
export function ZuliprcFill({ form, pasteId }: { form: ConnectionForm; pasteId: string }) {
  const { pasteOpen, pasteText, note } = form.zuliprc;
  return (
    <div className="zuliprc">
      <label className="button small file-button">
        <FileUp size={14} aria-hidden="true" />
        Fill from a zuliprc file…
        <input
          type="file"
          className="visually-hidden"
          accept=".zuliprc,text/plain,*"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void form.readZuliprcFile(file);
          }}
          data-testid="zuliprc-file"
        />
      </label>
      <button
        type="button"
        className="button small"
        aria-expanded={pasteOpen}
        onClick={form.togglePaste}
      >
        <ClipboardPaste size={14} aria-hidden="true" />
        Paste a zuliprc
      </button>
      <span className="field-hint inline">
        Zulip: Personal settings → Account &amp; privacy → API key → Download zuliprc.
      </span>
      {pasteOpen && (
        <div className="zuliprc-paste">
          <label htmlFor={pasteId} className="field-label">
            zuliprc contents
          </label>
          <textarea
            id={pasteId}
            className="input mono"
            rows={4}
            placeholder={'[api]\nemail=you@example.com\nkey=…\nsite=https://chat.example.com'}
            value={pasteText}
            onChange={(e) => form.setPasteText(e.target.value)}
            data-testid="zuliprc-text"
          />
          <button
            type="button"
            className="button small"
            onClick={() => form.readZuliprc(pasteText, 'the pasted zuliprc')}
            data-testid="zuliprc-apply"
          >
            Fill the form
          </button>
        </div>
      )}
      {note && (
        <p
          className={note.ok ? 'field-hint ok' : 'field-error'}
          role="status"
          data-testid="zuliprc-note"
        >
          {note.text}
        </p>
      )}
    </div>
  );
}
