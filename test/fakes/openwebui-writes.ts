/**
 * The fake Open WebUI's write endpoints (issue 15), as
 * backend/open_webui/routers/users.py has them (open-webui/open-webui at
 * 0006a6b5): `POST /api/v1/users/{id}/update` with UserUpdateForm and
 * `DELETE /api/v1/users/{id}`, admins only (the caller's check is the
 * fake's), the primary admin (the oldest account) changed by nobody else
 * and never demoted or deleted, no admin deleting their own account, an
 * email taken by another account refused, and 400 for an unknown id on
 * update. Deleting an unknown id answers `true`, as the router does
 * (`Users.delete_user_by_id` deletes nothing and succeeds).
 */
import type { IncomingMessage } from 'node:http';
import type { OpenWebUIWireUser } from '@core/services/synthetic/wire-shapes';
import { readBody } from './zulip-writes';

/** One answer of a write: status and JSON body. */
interface WriteAnswer {
  status: number;
  body: unknown;
}

/** What the writes act on, and how they behave. */
export interface OpenWebUIWriteState {
  byId: Map<string, OpenWebUIWireUser>;
  users: OpenWebUIWireUser[];
  /** Answer success and change nothing ("lying 200"). */
  lying: boolean;
  /**
   * How the primary-admin guard answers: 403 ACTION_PROHIBITED (servers
   * with the fix of issue #23973), or the 500 "Could not verify primary
   * admin status." older servers turn it into.
   */
  primaryGuard: 'forbidden' | 'wrapped-500';
  /** Requests that broke a rule Rollcall keeps (a password sent, a field missing). */
  violations: string[];
  changed: () => void;
}

const detail = (text: string): { detail: string } => ({ detail: text });
const ACTION_PROHIBITED = 'The requested action has been restricted as a security measure.';
const EMAIL_TAKEN =
  'Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.';
const USER_NOT_FOUND = "We could not find what you're looking for :/";
const FORM_FIELDS = ['role', 'name', 'email', 'profile_image_url'] as const;

/** `Users.get_first_user()`: the oldest account. */
export function primaryAdminOf(users: OpenWebUIWireUser[]): OpenWebUIWireUser | undefined {
  let first: OpenWebUIWireUser | undefined;
  for (const u of users) if (!first || u.created_at < first.created_at) first = u;
  return first;
}

function prohibited(state: OpenWebUIWriteState): WriteAnswer {
  return state.primaryGuard === 'forbidden'
    ? { status: 403, body: detail(ACTION_PROHIBITED) }
    : { status: 500, body: detail('Could not verify primary admin status.') };
}

/** UserModel as the update answers it: the user without the single-user extras. */
function userModel(u: OpenWebUIWireUser): Record<string, unknown> {
  const out: Record<string, unknown> = { ...u };
  delete out.groups;
  delete out.is_active;
  return out;
}

/** Answers a write, or returns null when the request is not one. `caller` is an admin. */
export async function openWebUIWrite(
  state: OpenWebUIWriteState,
  req: IncomingMessage,
  path: string,
  caller: OpenWebUIWireUser,
): Promise<WriteAnswer | null> {
  const update = /^\/api\/v1\/users\/([^/]+)\/update$/.exec(path);
  const remove = /^\/api\/v1\/users\/([^/]+)$/.exec(path);
  if (update && req.method === 'POST') {
    return updateUser(state, decodeURIComponent(update[1] ?? ''), await readBody(req), caller);
  }
  if (remove && req.method === 'DELETE') {
    return deleteUser(state, decodeURIComponent(remove[1] ?? ''), caller);
  }
  return null;
}

function updateUser(
  state: OpenWebUIWriteState,
  id: string,
  text: string,
  caller: OpenWebUIWireUser,
): WriteAnswer {
  let form: Record<string, unknown>;
  try {
    form = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {
      status: 422,
      body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }] },
    };
  }
  if (typeof form !== 'object' || form === null) form = {};
  if (Object.hasOwn(form, 'password')) state.violations.push(`a password was sent to ${path(id)}`);
  const missing = FORM_FIELDS.filter((k) => typeof form[k] !== 'string');
  if (missing.length > 0) {
    state.violations.push(`${path(id)} without ${missing.join(', ')}`);
    return {
      status: 422,
      body: {
        detail: missing.map((k) => ({
          type: 'missing',
          loc: ['body', k],
          msg: 'Field required',
          input: form,
        })),
      },
    };
  }
  const role = form.role as string;
  const email = (form.email as string).toLowerCase();
  const primary = primaryAdminOf(state.users);
  if (primary && id === primary.id && (caller.id !== id || role !== 'admin'))
    return prohibited(state);
  const user = state.byId.get(id);
  if (!user) return { status: 400, body: detail(USER_NOT_FOUND) };
  if (email !== user.email && state.users.some((u) => u.email === email))
    return { status: 400, body: detail(EMAIL_TAKEN) };
  if (state.lying) return { status: 200, body: userModel(user) };
  user.role = role as OpenWebUIWireUser['role'];
  user.name = form.name as string;
  user.email = email;
  user.profile_image_url = form.profile_image_url as string;
  state.changed();
  return { status: 200, body: userModel(user) };
}

function deleteUser(
  state: OpenWebUIWriteState,
  id: string,
  caller: OpenWebUIWireUser,
): WriteAnswer {
  const primary = primaryAdminOf(state.users);
  if (primary && id === primary.id) return prohibited(state);
  if (caller.id === id) return { status: 403, body: detail(ACTION_PROHIBITED) };
  if (!state.lying && state.byId.has(id)) {
    const i = state.users.findIndex((u) => u.id === id);
    if (i >= 0) state.users.splice(i, 1);
    state.byId.delete(id);
    state.changed();
  }
  return { status: 200, body: true };
}

function path(id: string): string {
  return `POST /api/v1/users/${id}/update`;
}
