/**
 * Add or edit a connection: kind, label, server URL, login email (Zulip
 * only) and API key (a password field, never shown again after saving:
 * editing offers "Replace key" instead). "Test connection" shows who the
 * key belongs to and their role. Bad input gets an error on its field.
 * Zulip users can pick or paste their zuliprc to fill the form.
 *
 * Runs in the window.
 */
import {
  CircleCheck,
  ClipboardPaste,
  FileUp,
  KeyRound,
  LoaderCircle,
  LockOpen,
  PlugZap,
  TriangleAlert,
} from 'lucide-react';
import { useId, useState, type ChangeEvent, type ClipboardEvent, type ReactNode } from 'react';
import { toRollcallError, type RollcallError } from '@shared/errors';
import {
  CONNECTION_KIND_LABELS,
  type ConnectionKind,
  type ConnectionSummary,
  type ConnectionTestResult,
} from '@shared/model';
import { isInsecureHttpUrl, looksLikeEmail, parseServerUrl } from '@shared/server-url';
import { connectionSaved } from '../actions/connection-saved';
import { connectionFieldOf, fieldMessage, type ConnectionField } from '../lib/errors';
import { looksLikeZuliprc, parseZuliprc, type Zuliprc } from '../lib/zuliprc';
import { api } from '../stores/bridge';
import { findConnection, useConnections } from '../stores/connections-store';
import { useUi, type ConnectionDialogState } from '../stores/ui-store';
import { RoleBadge } from './Badges';
import { ErrorNotice } from './ErrorNotice';
import { Modal } from './Modal';
import { Segmented } from './Segmented';

type FieldErrors = Partial<Record<ConnectionField, string>>;

/** The server URL as core will store it, or null when it does not parse. */
export function parsedBaseUrl(raw: string): string | null {
  try {
    return parseServerUrl(raw).baseUrl;
  } catch {
    return null;
  }
}

interface Values {
  kind: ConnectionKind;
  label: string;
  baseUrl: string;
  loginEmail: string;
  secret: string;
}

/** The errors the admin can fix before anything is sent. */
export function validateConnection(values: Values, needKey: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (values.label.trim().length > 100) errors.label = 'Keep the label under 100 characters.';
  try {
    parseServerUrl(values.baseUrl);
  } catch (thrown) {
    errors.baseUrl = toRollcallError(thrown).message;
  }
  if (values.kind === 'zulip') {
    const email = values.loginEmail.trim();
    if (email === '') errors.loginEmail = 'Enter the email you log in with (or the bot’s email).';
    else if (!looksLikeEmail(email))
      errors.loginEmail = 'That does not look like an email address.';
  }
  if (needKey) {
    if (values.secret === '') errors.secret = 'Paste the API key.';
    else if (/\s/.test(values.secret.trim()))
      errors.secret = 'The key has spaces in it; paste it again.';
  }
  return errors;
}

function Field({
  id,
  label,
  hint,
  error,
  children,
  optional,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
  optional?: boolean;
}) {
  return (
    <div className={error ? 'field has-error' : 'field'}>
      <label htmlFor={id} className="field-label">
        {label}
        {optional && <span className="muted"> (optional)</span>}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
          <TriangleAlert size={12} aria-hidden="true" />
          {error}
        </p>
      )}
    </div>
  );
}

function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  return (
    [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  );
}

function TestOutcome({ result, host }: { result: ConnectionTestResult; host: string }) {
  if (!result.ok || !result.who) return null;
  const who = result.who;
  const notAdmin = who.role === 'user' || who.role === 'pending';
  return (
    <div className="notice notice-ok test-ok" role="status" data-testid="test-result">
      <CircleCheck size={16} aria-hidden="true" className="notice-icon" />
      <div className="notice-body">
        <p className="notice-title">Connected to {host}</p>
        <p className="notice-text who">
          The key belongs to <strong>{who.name}</strong>
          {who.email && <span className="muted"> ({who.email})</span>}
          <RoleBadge role={who.role} />
        </p>
        {notAdmin && (
          <p className="notice-text">
            This account is not an admin, so the server will not list other users for it.
          </p>
        )}
      </div>
    </div>
  );
}

function ConnectionForm({
  state,
  existing,
}: {
  state: ConnectionDialogState;
  existing?: ConnectionSummary;
}) {
  const close = useUi((s) => s.closeDialog);
  const formId = useId();
  const ids = {
    label: `${formId}-label`,
    baseUrl: `${formId}-url`,
    loginEmail: `${formId}-email`,
    secret: `${formId}-key`,
    zuliprc: `${formId}-zuliprc`,
  };
  const editing = state.mode === 'edit';
  const [values, setValues] = useState<Values>({
    kind: existing?.kind ?? (state.mode === 'add' ? state.kind : 'zulip'),
    label: existing?.label ?? '',
    baseUrl: existing?.baseUrl ?? '',
    loginEmail: existing?.loginEmail ?? '',
    secret: '',
  });
  const [replacingKey, setReplacingKey] = useState(!existing?.hasSecret);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<RollcallError | null>(null);
  const [testing, setTesting] = useState(false);
  const [saving, setSaving] = useState(false);
  const [tested, setTested] = useState<ConnectionTestResult | null>(null);
  const [offerSkip, setOfferSkip] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [pasteText, setPasteText] = useState('');
  const [rcNote, setRcNote] = useState<{ ok: boolean; text: string } | null>(null);

  const kind = values.kind;
  const set = (patch: Partial<Values>): void => {
    setValues((v) => ({ ...v, ...patch }));
    setTested(null);
    setFormError(null);
    setOfferSkip(false);
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch) as ConnectionField[]) delete next[k];
      return next;
    });
  };

  const applyZuliprc = (rc: Zuliprc, from: string): void => {
    set({
      kind: 'zulip',
      baseUrl: rc.site,
      loginEmail: rc.email,
      secret: rc.key,
      label: values.label || hostLabel(rc.site),
    });
    setReplacingKey(true);
    setRcNote({ ok: true, text: `Filled the URL, email and key from ${from}.` });
  };

  const readZuliprc = (text: string, from: string): void => {
    const parsed = parseZuliprc(text);
    if (parsed.ok) applyZuliprc(parsed.value, from);
    else setRcNote({ ok: false, text: parsed.message });
  };

  const onPickFile = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > 64 * 1024) {
      setRcNote({ ok: false, text: 'That file is too large to be a zuliprc.' });
      return;
    }
    readZuliprc(await file.text(), file.name);
  };

  const onPaste = (e: ClipboardEvent<HTMLFormElement>): void => {
    if (kind !== 'zulip' || (e.target as HTMLElement).id === ids.zuliprc) return;
    const text = e.clipboardData.getData('text');
    if (looksLikeZuliprc(text)) {
      e.preventDefault();
      readZuliprc(text, 'the pasted zuliprc');
    }
  };

  const needKey = !editing || replacingKey;
  const draft = () => ({
    kind,
    label: values.label.trim(),
    baseUrl: parsedBaseUrl(values.baseUrl) ?? values.baseUrl.trim(),
    ...(kind === 'zulip' ? { loginEmail: values.loginEmail.trim() } : {}),
    ...(needKey ? { secret: values.secret.trim() } : {}),
  });

  /** Routes an error to its field when it has one; else to the form. */
  const showError = (error: RollcallError): void => {
    const field = connectionFieldOf(error);
    if (
      field &&
      field !== 'kind' &&
      (field !== 'secret' || needKey || error.code !== 'UNAUTHORIZED')
    ) {
      setErrors((e) => ({ ...e, [field]: fieldMessage(error) }));
      if (error.serverMessage || error.code !== 'INVALID_INPUT') setFormError(error);
    } else {
      setFormError(error);
    }
    setOfferSkip(['OFFLINE', 'TIMEOUT', 'SERVER_ERROR', 'TLS'].includes(error.code));
  };

  const check = (): boolean => {
    const found = validateConnection(values, needKey);
    setErrors(found);
    setFormError(null);
    return Object.keys(found).length === 0;
  };

  const test = async (): Promise<void> => {
    if (!check()) return;
    setTesting(true);
    setTested(null);
    const result = await api().testConnection(
      editing ? { id: state.id, draft: draft() } : { draft: draft() },
    );
    setTesting(false);
    if (!result.ok) showError(result.error);
    else if (!result.value.ok && result.value.error) showError(result.value.error);
    else setTested(result.value);
  };

  const save = async (skipTest = false): Promise<void> => {
    if (!check()) return;
    setSaving(true);
    const result = await api().saveConnection({
      ...(editing ? { id: state.id } : {}),
      draft: draft(),
      skipTest,
    });
    setSaving(false);
    if (!result.ok) {
      showError(result.error);
      return;
    }
    await connectionSaved(result.value.connection, editing ? 'edited' : 'added');
  };

  const host = hostLabel(values.baseUrl);
  const insecure = isInsecureHttpUrl(values.baseUrl);
  const busy = testing || saving;

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
            onClick={() => void test()}
            disabled={busy}
            data-testid="test-connection"
          >
            {testing ? (
              <LoaderCircle size={14} aria-hidden="true" className="spin" />
            ) : (
              <PlugZap size={14} aria-hidden="true" />
            )}
            {testing ? 'Testing…' : 'Test connection'}
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
            {saving && <LoaderCircle size={14} aria-hidden="true" className="spin" />}
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
          void save();
        }}
        onPaste={onPaste}
      >
        {!editing && (
          <div className="field">
            <span className="field-label" id={`${formId}-kind`}>
              Kind of server
            </span>
            <Segmented
              label="Kind of server"
              value={kind}
              onChange={(k) => set({ kind: k })}
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

        {kind === 'zulip' && (
          <div className="zuliprc">
            <label className="button small file-button">
              <FileUp size={14} aria-hidden="true" />
              Fill from a zuliprc file…
              <input
                type="file"
                className="visually-hidden"
                accept=".zuliprc,text/plain,*"
                onChange={(e) => void onPickFile(e)}
                data-testid="zuliprc-file"
              />
            </label>
            <button
              type="button"
              className="button small"
              aria-expanded={pasteOpen}
              onClick={() => setPasteOpen((o) => !o)}
            >
              <ClipboardPaste size={14} aria-hidden="true" />
              Paste a zuliprc
            </button>
            <span className="field-hint inline">
              Zulip: Personal settings → Account &amp; privacy → API key → Download zuliprc.
            </span>
            {pasteOpen && (
              <div className="zuliprc-paste">
                <label htmlFor={ids.zuliprc} className="field-label">
                  zuliprc contents
                </label>
                <textarea
                  id={ids.zuliprc}
                  className="input mono"
                  rows={4}
                  placeholder={'[api]\nemail=you@example.com\nkey=…\nsite=https://chat.example.com'}
                  value={pasteText}
                  onChange={(e) => setPasteText(e.target.value)}
                  data-testid="zuliprc-text"
                />
                <button
                  type="button"
                  className="button small"
                  onClick={() => readZuliprc(pasteText, 'the pasted zuliprc')}
                  data-testid="zuliprc-apply"
                >
                  Fill the form
                </button>
              </div>
            )}
            {rcNote && (
              <p
                className={rcNote.ok ? 'field-hint ok' : 'field-error'}
                role="status"
                data-testid="zuliprc-note"
              >
                {rcNote.text}
              </p>
            )}
          </div>
        )}

        <Field
          id={ids.baseUrl}
          label="Server URL"
          error={errors.baseUrl}
          hint={
            kind === 'zulip'
              ? 'The address you open Zulip at, like https://chat.example.com.'
              : 'The address you open Open WebUI at, like https://ai.example.com.'
          }
        >
          <input
            id={ids.baseUrl}
            className="input"
            type="url"
            inputMode="url"
            autoComplete="url"
            spellCheck={false}
            placeholder={kind === 'zulip' ? 'https://chat.example.com' : 'https://ai.example.com'}
            value={values.baseUrl}
            onChange={(e) => set({ baseUrl: e.target.value })}
            onBlur={() =>
              setValues((v) => ({ ...v, baseUrl: parsedBaseUrl(v.baseUrl) ?? v.baseUrl }))
            }
            aria-invalid={errors.baseUrl ? true : undefined}
            aria-describedby={describedBy(ids.baseUrl, true, Boolean(errors.baseUrl))}
            data-autofocus={kind === 'openwebui' || editing ? '' : undefined}
            data-testid="field-url"
          />
        </Field>
        {insecure && (
          <p className="field-warn" role="status" data-testid="insecure-warning">
            <LockOpen size={12} aria-hidden="true" />
            Plain http: the API key would travel unencrypted. Use https if the server offers it.
          </p>
        )}

        <Field
          id={ids.label}
          label="Label"
          optional
          error={errors.label}
          hint="How this connection is named in Rollcall."
        >
          <input
            id={ids.label}
            className="input"
            autoComplete="off"
            placeholder={host || (kind === 'zulip' ? 'Acme chat' : 'Team AI')}
            value={values.label}
            maxLength={120}
            onChange={(e) => set({ label: e.target.value })}
            aria-invalid={errors.label ? true : undefined}
            aria-describedby={describedBy(ids.label, true, Boolean(errors.label))}
            data-testid="field-label"
          />
        </Field>

        {kind === 'zulip' && (
          <Field
            id={ids.loginEmail}
            label="Login email"
            error={errors.loginEmail}
            hint="The email of the account (or bot) the API key belongs to."
          >
            <input
              id={ids.loginEmail}
              className="input"
              type="email"
              autoComplete="username"
              spellCheck={false}
              placeholder="you@example.com"
              value={values.loginEmail}
              onChange={(e) => set({ loginEmail: e.target.value })}
              aria-invalid={errors.loginEmail ? true : undefined}
              aria-describedby={describedBy(ids.loginEmail, true, Boolean(errors.loginEmail))}
              data-testid="field-email"
            />
          </Field>
        )}

        {needKey ? (
          <Field
            id={ids.secret}
            label={editing ? 'New API key' : 'API key'}
            error={errors.secret}
            hint={
              kind === 'zulip'
                ? 'Personal settings → Account & privacy → API key. Stored in the system keychain, never shown again.'
                : 'Settings → Account → API keys (sk-…), or a JWT of an admin. Stored in the system keychain, never shown again.'
            }
          >
            <input
              id={ids.secret}
              className="input mono"
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              value={values.secret}
              onChange={(e) => set({ secret: e.target.value })}
              aria-invalid={errors.secret ? true : undefined}
              aria-describedby={describedBy(ids.secret, true, Boolean(errors.secret))}
              data-testid="field-key"
            />
            {editing && existing?.hasSecret && (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setReplacingKey(false);
                  set({ secret: '' });
                }}
              >
                Keep the saved key
              </button>
            )}
          </Field>
        ) : (
          <div className="field">
            <span className="field-label">API key</span>
            <div className="saved-key">
              <KeyRound size={14} aria-hidden="true" />
              <span>Saved in the system keychain.</span>
              <button
                type="button"
                className="button small"
                onClick={() => setReplacingKey(true)}
                data-testid="replace-key"
              >
                Replace key…
              </button>
            </div>
          </div>
        )}

        {tested && <TestOutcome result={tested} host={host} />}
        {formError && (
          <ErrorNotice
            error={formError}
            testId="connection-error"
            actions={
              offerSkip ? (
                <button
                  type="button"
                  className="button small"
                  onClick={() => void save(true)}
                  data-testid="save-without-test"
                >
                  Save without testing
                </button>
              ) : undefined
            }
          />
        )}
      </form>
    </Modal>
  );
}

/** The host (and port) of a server URL that parses; nothing for one that does not. */
function hostLabel(raw: string): string {
  const baseUrl = parsedBaseUrl(raw);
  return baseUrl === null ? '' : new URL(baseUrl).host;
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
