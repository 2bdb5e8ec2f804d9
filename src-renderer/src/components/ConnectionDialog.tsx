/**
 * Add or edit a connection: kind, label, server URL, login email (Zulip
 * only) and API key (a password field, never shown again after saving:
 * editing offers "Replace key" instead). "Test connection" shows who the
 * key belongs to and their role. Bad input gets an error on its field.
 * Zulip users can pick or paste their zuliprc to fill the form. The state
 * and the checks live in `useConnectionForm`; this lays them out.
 *
 * Runs in the window.
 */
import { KeyRound, LoaderCircle, LockOpen, PlugZap } from 'lucide-react';
import { useEffect, useId, useRef } from 'react';
import { CONNECTION_KIND_LABELS, type ConnectionSummary } from '@shared/model';
import { useConnectionForm } from '../lib/use-connection-form';
import { findConnection, useConnections } from '../stores/connections-store';
import { useUi, type ConnectionDialogState } from '../stores/ui-store';
import { ConnectionTestOutcome } from './ConnectionTestOutcome';
import { ErrorNotice } from './ErrorNotice';
import { TextField } from './FormField';
import { Modal } from './Modal';
import { Segmented } from './Segmented';
import { ZuliprcFill } from './ZuliprcFill';

function ConnectionForm({
  state,
  existing,
}: {
  state: ConnectionDialogState;
  existing?: ConnectionSummary;
}) {
  const close = useUi((s) => s.closeDialog);
  const form = useConnectionForm(state, existing);
  // A test's outcome or a save's error lands at the end of a form taller than
  // a short window: bring it into view, or the admin sees nothing happen.
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (form.tested || form.formError) outcome.current?.scrollIntoView?.({ block: 'nearest' });
  }, [form.tested, form.formError]);
  const { values, errors, editing, needKey, busy } = form;
  const kind = values.kind;
  const formId = useId();
  const ids = {
    label: `${formId}-label`,
    baseUrl: `${formId}-url`,
    loginEmail: `${formId}-email`,
    secret: `${formId}-key`,
    zuliprc: `${formId}-zuliprc`,
  };

  return (
    <Modal
      title={
        editing
          ? `Edit ${existing?.label ?? 'connection'}`
          : `Add ${kind === 'zulip' ? 'a Zulip' : 'an Open WebUI'} server`
      }
      description={
        kind === 'zulip'
          ? 'Rollcall reads the directory with your login email and API key. It never changes anything on the server.'
          : "Rollcall reads the user list with an admin's API key or token. It never changes anything on the server."
      }
      onClose={close}
      width={560}
      testId="connection-dialog"
      footer={
        <>
          <button
            type="button"
            className="button"
            onClick={() => void form.test()}
            disabled={busy}
            data-testid="test-connection"
          >
            {form.testing ? (
              <LoaderCircle size={14} aria-hidden="true" className="spin" />
            ) : (
              <PlugZap size={14} aria-hidden="true" />
            )}
            {form.testing ? 'Testing…' : 'Test connection'}
          </button>
          <span className="spacer" />
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button
            type="submit"
            form={formId}
            className="button primary"
            disabled={busy}
            data-testid="save-connection"
          >
            {form.saving && <LoaderCircle size={14} aria-hidden="true" className="spin" />}
            {editing ? 'Save changes' : 'Add connection'}
          </button>
        </>
      }
    >
      <form
        id={formId}
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void form.save();
        }}
        onPaste={(e) => {
          if ((e.target as HTMLElement).id === ids.zuliprc) return;
          if (form.takePaste(e.clipboardData.getData('text'))) e.preventDefault();
        }}
      >
        {!editing && (
          <div className="field">
            <span className="field-label" id={`${formId}-kind`}>
              Kind of server
            </span>
            <Segmented
              label="Kind of server"
              value={kind}
              onChange={(k) => form.set({ kind: k })}
              options={[
                { value: 'zulip', label: CONNECTION_KIND_LABELS.zulip, testId: 'kind-zulip' },
                {
                  value: 'openwebui',
                  label: CONNECTION_KIND_LABELS.openwebui,
                  testId: 'kind-openwebui',
                },
              ]}
            />
          </div>
        )}

        {kind === 'zulip' && <ZuliprcFill form={form} pasteId={ids.zuliprc} />}

        <TextField
          id={ids.baseUrl}
          label="Server URL"
          error={errors.baseUrl}
          hint={
            kind === 'zulip'
              ? 'The address you open Zulip at, like https://chat.example.com.'
              : 'The address you open Open WebUI at, like https://ai.example.com.'
          }
          type="url"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          placeholder={kind === 'zulip' ? 'https://chat.example.com' : 'https://ai.example.com'}
          value={values.baseUrl}
          onChange={(e) => form.set({ baseUrl: e.target.value })}
          onBlur={form.settleUrl}
          data-autofocus={kind === 'openwebui' || editing ? '' : undefined}
          data-testid="field-url"
        />
        {form.insecure && (
          <p className="field-warn" role="status" data-testid="insecure-warning">
            <LockOpen size={12} aria-hidden="true" />
            Plain http: the API key would travel unencrypted. Use https if the server offers it.
          </p>
        )}

        <TextField
          id={ids.label}
          label="Label"
          optional
          error={errors.label}
          hint="How this connection is named in Rollcall."
          autoComplete="off"
          placeholder={form.host || (kind === 'zulip' ? 'Acme chat' : 'Team AI')}
          value={values.label}
          maxLength={120}
          onChange={(e) => form.set({ label: e.target.value })}
          data-testid="field-label"
        />

        {kind === 'zulip' && (
          <TextField
            id={ids.loginEmail}
            label="Login email"
            error={errors.loginEmail}
            hint="The email of the account (or bot) the API key belongs to."
            type="email"
            autoComplete="username"
            spellCheck={false}
            placeholder="you@example.com"
            value={values.loginEmail}
            onChange={(e) => form.set({ loginEmail: e.target.value })}
            data-testid="field-email"
          />
        )}

        {needKey ? (
          <TextField
            id={ids.secret}
            label={editing ? 'New API key' : 'API key'}
            error={errors.secret}
            hint={
              kind === 'zulip'
                ? 'Personal settings → Account & privacy → API key. Stored in the system keychain, never shown again.'
                : 'Settings → Account → API keys (sk-…), or a JWT of an admin. Stored in the system keychain, never shown again.'
            }
            className="input mono"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            value={values.secret}
            onChange={(e) => form.set({ secret: e.target.value })}
            data-testid="field-key"
            after={
              editing &&
              existing?.hasSecret && (
                <button type="button" className="link-button" onClick={form.keepSavedKey}>
                  Keep the saved key
                </button>
              )
            }
          />
        ) : (
          <div className="field">
            <span className="field-label">API key</span>
            <div className="saved-key">
              <KeyRound size={14} aria-hidden="true" />
              <span>Saved in the system keychain.</span>
              <button
                type="button"
                className="button small"
                onClick={form.replaceKey}
                data-testid="replace-key"
              >
                Replace key…
              </button>
            </div>
          </div>
        )}

        <div ref={outcome} className="connection-outcome">
          {form.tested && <ConnectionTestOutcome result={form.tested} host={form.host} />}
          {form.formError && (
            <ErrorNotice
              error={form.formError}
              testId="connection-error"
              actions={
                form.offerSkip ? (
                  <button
                    type="button"
                    className="button small"
                    onClick={() => void form.save(true)}
                    data-testid="save-without-test"
                  >
                    Save without testing
                  </button>
                ) : undefined
              }
            />
          )}
        </div>
      </form>
    </Modal>
  );
}

/** The dialog, when one is asked for. */
export function ConnectionDialog() {
  const state = useUi((s) => s.dialog);
  const list = useConnections((s) => s.list);
  if (!state) return null;
  const existing = state.mode === 'edit' ? findConnection(list, state.id) : undefined;
  return (
    <ConnectionForm
      key={state.mode === 'edit' ? state.id : `add-${state.kind}`}
      state={state}
      existing={existing}
    />
  );
}
