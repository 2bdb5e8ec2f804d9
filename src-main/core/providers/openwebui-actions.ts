/**
 * Open WebUI's write calls, one per action on one user (issue 15), as
 * backend/open_webui/routers/users.py takes them (open-webui/open-webui at
 * 0006a6b5): `POST /api/v1/users/{id}/update` with the whole user and only
 * the role changed (UserUpdateForm: role, name, email, profile_image_url,
 * and a password Rollcall never sends), and `DELETE /api/v1/users/{id}`.
 * Open WebUI has no deactivation, and none of Zulip's roles: refused in
 * words before any request. The refusals' words are in openwebui-errors.ts.
 *
 * Role `pending` as "suspend": an honest one for access, with caveats.
 * utils/auth.py (at 00d20f64) reads the user from the database on every
 * request, for a JWT (`get_current_user`: `Users.get_user_by_id(data["id"])`)
 * and an API key (`get_current_user_by_api_key`) alike, so a role change
 * applies to the next request of any session or key already issued; and
 * `get_verified_user` / `get_admin_user` refuse every role but user/admin
 * with 401 ACCESS_PROHIBITED. Chats, models and the API all depend on
 * them, so a pending user can sign in but use nothing. Caveats: a websocket
 * already open may keep the role it cached (SESSION_POOL) until it
 * reconnects, unless the server disconnects a user's sockets on a role
 * change (newer router code does); and where OAuth or
 * trusted-header role management is on, the next sign-in may set the role
 * again from the identity provider.
 *
 * Older servers (571e4c96) ignore `role` in the update form (roles went
 * through `POST /users/update/role`): they answer success and change
 * nothing, which the caller's fresh fetch shows as not applied.
 *
 * Node only; never imports `electron`.
 */
import type { ActionSpec } from '@shared/actions';
import { fail, rollcallError, RollcallFailure } from '@shared/errors';
import { OPENWEBUI_ROLES, type JsonValue, type OpenWebUIRole } from '@shared/model';
import { isOpenWebUIUserId } from '@shared/server-url';
import type { HttpRequest } from '../net/http';
import {
  apiUrl,
  checkSession,
  requireActionableId,
  requireProductRole,
  type ActionDeps,
} from './common';
import { field, isObject, str } from './json';
import {
  describeOpenWebUIActionError,
  describeOpenWebUIError,
  OPENWEBUI_URL_HINT,
  type OpenWebUIActionTarget,
} from './openwebui-errors';
import type { CallOptions, FetchedUser, ProviderSession } from './types';
import { wrongProductError } from './wrong-product';

/**
 * The update form: the user as the server last sent it, only the role
 * changed. The name and email must be there (older servers require them,
 * and a missing email would be taken as a change); the picture is sent
 * when known, so it is kept. Never a password.
 */
function updateForm(current: FetchedUser, role: OpenWebUIRole): Record<string, JsonValue> {
  const raw = current.raw;
  const name = isObject(raw) ? str(field(raw, 'name')) : null;
  const email = isObject(raw) ? str(field(raw, 'email')) : null;
  if (name === null || email === null) {
    fail(
      'INVALID_INPUT',
      `Rollcall does not have ${current.user.name}'s name and email as the server sent them, which Open WebUI's update form needs. Sync, then try again.`,
      { field: 'userId' },
    );
  }
  const picture = isObject(raw) ? str(field(raw, 'profile_image_url')) : null;
  return { name, email, role, ...(picture === null ? {} : { profile_image_url: picture }) };
}

/** The request for an action, or an INVALID_INPUT in words when Open WebUI has no such thing. */
function writeFor(
  current: FetchedUser,
  action: ActionSpec,
): Pick<HttpRequest, 'method' | 'body'> & { path: string; target: OpenWebUIActionTarget } {
  const { user } = current;
  const id = user.userId;
  requireActionableId(user, isOpenWebUIUserId, 'Open WebUI user id');
  const path = `/api/v1/users/${encodeURIComponent(id)}`;
  const target = (kind: OpenWebUIActionTarget['action'], email: string | null) => ({
    action: kind,
    userId: id,
    name: user.name,
    email,
  });
  switch (action.kind) {
    case 'set-role': {
      const role = requireProductRole(action.role, OPENWEBUI_ROLES, 'Open WebUI');
      const form = updateForm(current, role);
      return {
        method: 'POST',
        path: `${path}/update`,
        body: { kind: 'json', value: form },
        target: target('set-role', typeof form.email === 'string' ? form.email : null),
      };
    }
    case 'delete':
      return { method: 'DELETE', path, target: target('delete', null) };
    case 'deactivate':
    case 'reactivate':
      return fail(
        'INVALID_INPUT',
        `Open WebUI has no deactivation. To stop ${user.name} using it, suspend them (set their role to Pending), or delete the account.`,
        { field: 'action' },
      );
  }
}

/** A success that is not Open WebUI's answer to this write: never taken as done. */
function checkAnswer(
  json: JsonValue,
  url: string,
  action: 'set-role' | 'delete',
  id: string,
): void {
  const ok = action === 'delete' ? json === true : isObject(json) && field(json, 'id') === id;
  if (!ok) {
    throw new RollcallFailure(
      rollcallError(
        'BAD_RESPONSE',
        `${url} answered, but not the way Open WebUI does to ${action === 'delete' ? 'a deletion' : 'an update'}, so Rollcall cannot tell whether it was done. Check the server URL, then sync to see the user as the server has them.`,
        { url },
      ),
    );
  }
}

/**
 * Sends one action on one Open WebUI user and resolves when the server
 * answered as it does on success; any refusal throws in words. `current`
 * should be fresh: the update form sends back its name, email and picture.
 */
export async function applyOpenWebUIAction(
  deps: ActionDeps,
  session: ProviderSession,
  current: FetchedUser,
  action: ActionSpec,
  options: CallOptions,
): Promise<void> {
  const write = writeFor(current, action);
  checkSession(session, false);
  const res = await deps.http.getJson({
    url: apiUrl(session.baseUrl, write.path),
    method: write.method,
    ...(write.body ? { body: write.body } : {}),
    credentials: deps.credentials(session),
    signal: options.signal,
    onWait: options.onWait,
    waitBudget: options.waitBudget,
    urlHint: OPENWEBUI_URL_HINT,
    describeError: (info) =>
      wrongProductError('openwebui', info) ??
      describeOpenWebUIActionError(info, write.target) ??
      describeOpenWebUIError(info),
  });
  checkAnswer(res.json, res.url, write.target.action, current.user.userId);
}
