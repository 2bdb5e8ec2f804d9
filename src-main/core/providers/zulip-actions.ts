/**
 * Zulip's write calls, one per action on one user (issue 15):
 * `PATCH /users/{id}` with `role` (owner 100, administrator 200, moderator
 * 300, member 400, guest 600, form-encoded as Zulip takes it),
 * `DELETE /users/{id}` to deactivate and `POST /users/{id}/reactivate`.
 * Zulip never deletes users, and has none of Open WebUI's roles: both are
 * refused in words before any request. The refusals' words are in
 * zulip-errors.ts.
 *
 * Bots: `DELETE /users/{id}` looks the target up without bots and answers
 * "No such user" for one (zerver/lib/users.py, access_user_common with
 * allow_bots=False); bots are deactivated by `DELETE /bots/{id}`, which the
 * OpenAPI description Rollcall checks against (feature level 339) does not
 * document. So a bot is not deactivated from Rollcall: refused in words
 * before any request. Reactivating and changing a bot's role go through the
 * user endpoints, which take bots (allow_bots=True).
 *
 * Node only; never imports `electron`.
 */
import type { ActionSpec } from '@shared/actions';
import { fail } from '@shared/errors';
import { ZULIP_ROLES, type ZulipRole } from '@shared/model';
import type { WriteBody } from '../net/http';
import {
  apiUrl,
  checkSession,
  requireActionableId,
  requireProductRole,
  type ActionDeps,
} from './common';
import type { CallOptions, FetchedUser, ProviderSession } from './types';
import { wrongProductError } from './wrong-product';
import {
  describeZulipActionError,
  describeZulipError,
  ZULIP_URL_HINT,
  zulipSuccessBody,
  type ZulipActionTarget,
} from './zulip-errors';

/** The wire's number for each role, as `PATCH /users/{id}` takes it. */
const ROLE_CODES: Record<ZulipRole, number> = {
  owner: 100,
  administrator: 200,
  moderator: 300,
  member: 400,
  guest: 600,
};

/** One write: its method, path below `/api/v1` and form body. */
interface ZulipWrite {
  method: 'PATCH' | 'DELETE' | 'POST';
  path: string;
  body?: WriteBody;
}

/** The request for an action, or an INVALID_INPUT in words when Zulip has no such thing. */
function writeFor(current: FetchedUser, action: ActionSpec): ZulipWrite {
  const { user } = current;
  const id = user.userId;
  requireActionableId(user, (v) => /^[1-9]\d{0,15}$/.test(v), 'Zulip user ID');
  switch (action.kind) {
    case 'set-role': {
      const role = requireProductRole(action.role, ZULIP_ROLES, 'Zulip');
      const fields = { role: String(ROLE_CODES[role]) };
      return { method: 'PATCH', path: `/users/${id}`, body: { kind: 'form', fields } };
    }
    case 'deactivate':
      if (user.isBot) {
        fail(
          'INVALID_INPUT',
          `${user.name} is a bot. Zulip deactivates bots from the bot settings (Settings → Bots, or the organization's bot list), not as users, so Rollcall leaves it alone.`,
          { field: 'action' },
        );
      }
      return { method: 'DELETE', path: `/users/${id}` };
    case 'reactivate':
      return { method: 'POST', path: `/users/${id}/reactivate` };
    case 'delete':
      return fail(
        'INVALID_INPUT',
        `Zulip does not delete users. Deactivate ${user.name} instead: it can be undone.`,
        { field: 'action' },
      );
  }
}

/**
 * Sends one action on one Zulip user and resolves when Zulip answered its
 * success envelope; any refusal throws in words. The key's role is the
 * server's to check: Rollcall's plan only predicts it.
 */
export async function applyZulipAction(
  deps: ActionDeps,
  session: ProviderSession,
  current: FetchedUser,
  action: ActionSpec,
  options: CallOptions,
): Promise<void> {
  const write = writeFor(current, action);
  checkSession(session, true);
  const target: ZulipActionTarget = {
    action: action.kind === 'delete' ? 'deactivate' : action.kind,
    userId: current.user.userId,
    name: current.user.name,
  };
  const res = await deps.http.getJson({
    url: apiUrl(session.baseUrl, `/api/v1${write.path}`),
    method: write.method,
    ...(write.body ? { body: write.body } : {}),
    credentials: deps.credentials(session),
    signal: options.signal,
    onWait: options.onWait,
    waitBudget: options.waitBudget,
    urlHint: ZULIP_URL_HINT,
    describeError: (info) =>
      wrongProductError('zulip', info) ??
      describeZulipActionError(info, target) ??
      describeZulipError(info),
  });
  zulipSuccessBody(res.json, res.url);
}
