/**
 * The connection form's values and the checks made before anything is
 * sent: the URL, insecure-http and email rules are core's own
 * (`@shared/server-url`), so what the dialog accepts is what core accepts.
 *
 * Runs in the window (pure functions).
 */
import type { ArgOf } from '@shared/contract';
import { toRollcallError } from '@shared/errors';
import type { ConnectionKind } from '@shared/model';
import { looksLikeEmail, parseServerUrl } from '@shared/server-url';
import type { ConnectionField } from './errors';

/** What the admin typed, as typed. */
export interface ConnectionValues {
  kind: ConnectionKind;
  label: string;
  baseUrl: string;
  loginEmail: string;
  secret: string;
}

/** One message per field that needs fixing. */
export type FieldErrors = Partial<Record<ConnectionField, string>>;

/** What `connections:test` and `connections:save` are sent as the draft. */
export type ConnectionDraft = ArgOf<'connections:save'>['draft'];

/** The server URL as core will store it, or null when it does not parse. */
export function parsedBaseUrl(raw: string): string | null {
  try {
    return parseServerUrl(raw).baseUrl;
  } catch {
    return null;
  }
}

/** The host (and port) of a server URL that parses, for previews; nothing for one that does not. */
export function hostPreview(raw: string): string {
  const baseUrl = parsedBaseUrl(raw);
  return baseUrl === null ? '' : new URL(baseUrl).host;
}

/** The errors the admin can fix before anything is sent. */
export function validateConnection(values: ConnectionValues, needKey: boolean): FieldErrors {
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

/** The draft for values that passed `validateConnection`; the key only when one is being set. */
export function connectionDraft(values: ConnectionValues, needKey: boolean): ConnectionDraft {
  return {
    kind: values.kind,
    label: values.label.trim(),
    baseUrl: parsedBaseUrl(values.baseUrl) ?? values.baseUrl.trim(),
    ...(values.kind === 'zulip' ? { loginEmail: values.loginEmail.trim() } : {}),
    ...(needKey ? { secret: values.secret.trim() } : {}),
  };
}
