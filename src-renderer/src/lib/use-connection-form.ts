/**
 * `useConnectionForm`: the add/edit connection form's state (values, field
 * errors, the form's error, the test result, the zuliprc helpers) and what
 * can be done with it: edit a field, fill it from a zuliprc, test, save.
 * The dialog only lays it out.
 *
 * Runs in the window.
 */
import { useState } from 'react';
import type { RollcallError } from '@shared/errors';
import type { ConnectionSummary, ConnectionTestResult } from '@shared/model';
import { isInsecureHttpUrl } from '@shared/server-url';
import { connectionSaved } from '../actions/connection-saved';
import { api } from '../stores/bridge';
import type { ConnectionDialogState } from '../stores/ui-store';
import {
  connectionDraft,
  hostPreview,
  parsedBaseUrl,
  validateConnection,
  type ConnectionValues,
  type FieldErrors,
} from './connection-form';
import { connectionFieldOf, fieldMessage, type ConnectionField } from './errors';
import { looksLikeZuliprc, parseZuliprc, type Zuliprc } from './zuliprc';

/** A line under the zuliprc buttons: what was filled, or why nothing was. */
export interface ZuliprcNote {
  ok: boolean;
  text: string;
}

interface FormState {
  values: ConnectionValues;
  /** Editing with a saved key: whether a new one is being typed. */
  replacingKey: boolean;
  errors: FieldErrors;
  /** An error with no field of its own (or the server's words for one that has). */
  formError: RollcallError | null;
  /** What is on its way to main. */
  pending: 'test' | 'save' | null;
  tested: ConnectionTestResult | null;
  /** The server could not be reached: offer to save without the test. */
  offerSkip: boolean;
  zuliprc: { pasteOpen: boolean; pasteText: string; note: ZuliprcNote | null };
}

/** Errors that leave the server untested rather than refusing the key. */
const SKIPPABLE = ['OFFLINE', 'TIMEOUT', 'SERVER_ERROR', 'TLS'];

/** A zuliprc is a small text file; anything larger is something else. */
const MAX_ZULIPRC_BYTES = 64 * 1024;

function firstState(state: ConnectionDialogState, existing?: ConnectionSummary): FormState {
  return {
    values: {
      kind: existing?.kind ?? (state.mode === 'add' ? state.kind : 'zulip'),
      label: existing?.label ?? '',
      baseUrl: existing?.baseUrl ?? '',
      loginEmail: existing?.loginEmail ?? '',
      secret: '',
    },
    replacingKey: !existing?.hasSecret,
    errors: {},
    formError: null,
    pending: null,
    tested: null,
    offerSkip: false,
    zuliprc: { pasteOpen: false, pasteText: '', note: null },
  };
}

/** The connection form for the dialog `state` (with the saved connection when editing). */
export function useConnectionForm(state: ConnectionDialogState, existing?: ConnectionSummary) {
  const [form, setForm] = useState<FormState>(() => firstState(state, existing));
  const update = (change: (f: FormState) => Partial<FormState>): void =>
    setForm((f) => ({ ...f, ...change(f) }));
  const editing = state.mode === 'edit';
  const { values } = form;
  const needKey = !editing || form.replacingKey;

  /** Edits fields: what was tested or wrong about them no longer holds. */
  const set = (patch: Partial<ConnectionValues>): void =>
    update((f) => {
      const errors = { ...f.errors };
      for (const k of Object.keys(patch) as ConnectionField[]) delete errors[k];
      return {
        values: { ...f.values, ...patch },
        tested: null,
        formError: null,
        offerSkip: false,
        errors,
      };
    });

  const note = (next: ZuliprcNote): void =>
    update((f) => ({ zuliprc: { ...f.zuliprc, note: next } }));

  const applyZuliprc = (rc: Zuliprc, from: string): void => {
    set({
      kind: 'zulip',
      baseUrl: rc.site,
      loginEmail: rc.email,
      secret: rc.key,
      label: values.label || hostPreview(rc.site),
    });
    update((f) => ({
      replacingKey: true,
      zuliprc: {
        ...f.zuliprc,
        note: { ok: true, text: `Filled the URL, email and key from ${from}.` },
      },
    }));
  };

  /** Fills the form from zuliprc text, or says why it cannot. */
  const readZuliprc = (text: string, from: string): void => {
    const parsed = parseZuliprc(text);
    if (parsed.ok) applyZuliprc(parsed.value, from);
    else note({ ok: false, text: parsed.message });
  };

  /** Routes an error to its field when it has one; else to the form. */
  const showError = (error: RollcallError): void => {
    const field = connectionFieldOf(error);
    const onField =
      field !== null &&
      field !== 'kind' &&
      (field !== 'secret' || needKey || error.code !== 'UNAUTHORIZED');
    update((f) => ({
      errors: onField ? { ...f.errors, [field]: fieldMessage(error) } : f.errors,
      formError:
        !onField || error.serverMessage || error.code !== 'INVALID_INPUT' ? error : f.formError,
      offerSkip: SKIPPABLE.includes(error.code),
    }));
  };

  /** Checks what can be checked here; true when the draft may be sent. */
  const check = (): boolean => {
    const found = validateConnection(values, needKey);
    update(() => ({ errors: found, formError: null }));
    return Object.keys(found).length === 0;
  };

  const draft = () => connectionDraft(values, needKey);

  return {
    values,
    errors: form.errors,
    formError: form.formError,
    tested: form.tested,
    offerSkip: form.offerSkip,
    zuliprc: form.zuliprc,
    editing,
    needKey,
    testing: form.pending === 'test',
    saving: form.pending === 'save',
    busy: form.pending !== null,
    /** The host the URL names, for the label's placeholder and the test result. */
    host: hostPreview(values.baseUrl),
    /** Plain http to another machine: the key would travel in clear. */
    insecure: isInsecureHttpUrl(values.baseUrl),
    set,
    /** On leaving the URL field: writes the URL as core will store it, when it parses. */
    settleUrl(): void {
      update((f) => ({
        values: { ...f.values, baseUrl: parsedBaseUrl(f.values.baseUrl) ?? f.values.baseUrl },
      }));
    },
    replaceKey(): void {
      update(() => ({ replacingKey: true }));
    },
    keepSavedKey(): void {
      update(() => ({ replacingKey: false }));
      set({ secret: '' });
    },
    togglePaste(): void {
      update((f) => ({ zuliprc: { ...f.zuliprc, pasteOpen: !f.zuliprc.pasteOpen } }));
    },
    setPasteText(pasteText: string): void {
      update((f) => ({ zuliprc: { ...f.zuliprc, pasteText } }));
    },
    readZuliprc,
    /** Fills the form from a picked zuliprc file. */
    async readZuliprcFile(file: File): Promise<void> {
      if (file.size > MAX_ZULIPRC_BYTES) {
        note({ ok: false, text: 'That file is too large to be a zuliprc.' });
        return;
      }
      readZuliprc(await file.text(), file.name);
    },
    /** Takes text pasted into a field as a zuliprc when it is one (Zulip only); true if taken. */
    takePaste(text: string): boolean {
      if (values.kind !== 'zulip' || !looksLikeZuliprc(text)) return false;
      readZuliprc(text, 'the pasted zuliprc');
      return true;
    },
    /** Tests the draft: who the key belongs to, or what is wrong. */
    async test(): Promise<void> {
      if (!check()) return;
      update(() => ({ pending: 'test', tested: null }));
      const result = await api().testConnection(
        state.mode === 'edit' ? { id: state.id, draft: draft() } : { draft: draft() },
      );
      update(() => ({ pending: null }));
      if (!result.ok) showError(result.error);
      else if (!result.value.ok && result.value.error) showError(result.value.error);
      else update(() => ({ tested: result.value }));
    },
    /** Saves (core tests first unless `skipTest`), then shows the saved connection. */
    async save(skipTest = false): Promise<void> {
      if (!check()) return;
      update(() => ({ pending: 'save' }));
      const result = await api().saveConnection({
        ...(state.mode === 'edit' ? { id: state.id } : {}),
        draft: draft(),
        skipTest,
      });
      update(() => ({ pending: null }));
      if (!result.ok) {
        showError(result.error);
        return;
      }
      await connectionSaved(result.value.connection, editing ? 'edited' : 'added');
    },
  };
}

/** What `useConnectionForm` gives the dialog. */
export type ConnectionForm = ReturnType<typeof useConnectionForm>;
