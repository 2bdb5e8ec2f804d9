/**
 * The fake Zulip's write endpoints (issue 15): `PATCH /users/{id}` (role),
 * `DELETE /users/{id}` (deactivate) and `POST /users/{id}/reactivate`, with
 * the checks of zerver/views/users.py and zerver/lib/users.py in their
 * order: the target looked up (bots and deactivated users as each endpoint
 * allows them), `can_admin_user` (an administrator, or the bot's owner),
 * owners only for owners and the owner role, and never the last human
 * owner demoted or deactivated. Each request (path parameter, form body)
 * and each answer is checked against the OpenAPI description; what does
 * not match is recorded in `violations`, for tests to assert empty.
 */
import type { IncomingMessage } from 'node:http';
import type { ZulipWireUser } from '@core/services/synthetic/wire-shapes';
import { at, pointerSegment, zulipSchemaErrors } from './zulip-spec';

/** One answer of a write: status and body. */
interface WriteAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What the writes act on, and how they behave. */
export interface ZulipWriteState {
  byId: Map<number, ZulipWireUser>;
  members: ZulipWireUser[];
  /** Answer success and change nothing ("lying 200"). */
  lying: boolean;
  /** Requests and answers that did not match the description. */
  violations: string[];
  /** Called after a change, so cached bodies are rebuilt. */
  changed: () => void;
}

const ROLE_CODES = new Set([100, 200, 300, 400, 600]);
const USERS_PATH = '/paths/' + pointerSegment('/users/{user_id}');
const REACTIVATE_PATH = '/paths/' + pointerSegment('/users/{user_id}/reactivate');

const success = (): WriteAnswer => ({ status: 200, body: { result: 'success', msg: '' } });
const refusal = (msg: string, code = 'BAD_REQUEST'): WriteAnswer => ({
  status: 400,
  body: { result: 'error', msg, code },
});

/** Reads a request's body as text (small: a form). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `is_realm_owner and not is_bot` and the only one: zerver/views/users.py check_last_owner. */
function isLastOwner(state: ZulipWriteState, u: ZulipWireUser): boolean {
  if (u.role !== 100 || u.is_bot) return false;
  const owners = state.members.filter((m) => m.role === 100 && m.is_active && !m.is_bot);
  return owners.length === 1;
}

/** UserProfile.can_admin_user: the bot's owner, or an administrator. */
function canAdmin(caller: ZulipWireUser, target: ZulipWireUser): boolean {
  return (target.is_bot && target.bot_owner_id === caller.user_id) || caller.role <= 200;
}

function setRole(u: ZulipWireUser, role: ZulipWireUser['role']): void {
  u.role = role;
  u.is_owner = role === 100;
  u.is_admin = role <= 200;
  u.is_guest = role === 600;
}

/**
 * The form fields as the endpoint's schema types them: `role` is
 * JSON-encoded (the description's `encoding`), the rest are strings.
 */
function parseForm(
  text: string,
  schemaPointer: string | null,
  violations: string[],
  where: string,
): Record<string, unknown> | null {
  const fields = new URLSearchParams(text);
  const out: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    if (key === 'role') {
      try {
        out.role = JSON.parse(value) as unknown;
      } catch {
        out.role = value;
      }
    } else out[key] = value;
  }
  if (schemaPointer === null) {
    if (fields.size > 0) violations.push(`${where}: a body where none is described: ${text}`);
    return out;
  }
  const properties = at([...schemaPointer.split('/').slice(1).map(unescapeSegment), 'properties']);
  for (const key of Object.keys(out)) {
    if (!Object.hasOwn(properties as object, key))
      violations.push(`${where}: parameter ${key} is not described`);
  }
  for (const e of zulipSchemaErrors(schemaPointer, out))
    violations.push(`${where} request body: ${e}`);
  return out;
}

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Answers a write, or returns null when the path is not a write route.
 * `caller` is authenticated and active.
 */
export async function zulipWrite(
  state: ZulipWriteState,
  req: IncomingMessage,
  rest: string,
  caller: ZulipWireUser,
): Promise<WriteAnswer | null> {
  const method = req.method ?? 'GET';
  const reactivate = /^\/users\/([^/]+)\/reactivate$/.exec(rest);
  const user = /^\/users\/([^/]+)$/.exec(rest);
  const segment = reactivate?.[1] ?? user?.[1];
  if (segment === undefined) return null;
  const route = reactivate
    ? method === 'POST'
      ? 'reactivate'
      : null
    : method === 'PATCH'
      ? 'update'
      : method === 'DELETE'
        ? 'deactivate'
        : null;
  if (route === null) return null;
  const where = `${method} /api/v1${rest}`;

  const idErrors = zulipSchemaErrors('/components/parameters/UserId/schema', Number(segment));
  if (!/^\d+$/.test(segment) || idErrors.length > 0) {
    state.violations.push(`${where}: user_id is not an integer`);
    return { status: 404, body: { result: 'error', msg: 'Not Found', code: 'BAD_REQUEST' } };
  }
  const bodyPointer =
    route === 'update'
      ? '/components/requestBodies/UpdateUser/content/application~1x-www-form-urlencoded/schema'
      : route === 'deactivate'
        ? `${USERS_PATH}/delete/requestBody/content/application~1x-www-form-urlencoded/schema`
        : null;
  const form = parseForm(await readBody(req), bodyPointer, state.violations, where);
  const answer = act(state, route, Number(segment), form ?? {}, caller);
  const responses =
    route === 'reactivate'
      ? `${REACTIVATE_PATH}/post/responses`
      : `${USERS_PATH}/${route === 'update' ? 'patch' : 'delete'}/responses`;
  const schema =
    answer.status === 200 ? '/components/schemas/JsonSuccess' : '/components/schemas/CodedError';
  for (const e of zulipSchemaErrors(schema, answer.body))
    state.violations.push(`${where} answer ${answer.status}: ${e}`);
  if (answer.status !== 200 && answer.status !== 400)
    state.violations.push(`${where}: status ${answer.status} is not among ${responses}`);
  return answer;
}

function act(
  state: ZulipWriteState,
  route: 'update' | 'deactivate' | 'reactivate',
  id: number,
  form: Record<string, unknown>,
  caller: ZulipWireUser,
): WriteAnswer {
  const target = state.byId.get(id);
  if (!target) return refusal('No such user');
  // access_user_by_id: bots and deactivated users as each endpoint allows them.
  if (route === 'deactivate' && target.is_bot) return refusal('No such user');
  if (route === 'deactivate' && !target.is_active) return refusal('User is deactivated');
  if (!canAdmin(caller, target)) return refusal('Insufficient permission');

  if (route === 'update') {
    const role = form.role;
    if (role === undefined) return success();
    if (typeof role !== 'number' || !ROLE_CODES.has(role)) return refusal('Invalid role');
    if (role === target.role) return success();
    if ((role === 100 || target.role === 100) && caller.role !== 100)
      return refusal('Must be an organization owner', 'UNAUTHORIZED_PRINCIPAL');
    if (caller.role > 200)
      return refusal('Must be an organization administrator', 'UNAUTHORIZED_PRINCIPAL');
    if (target.role === 100 && isLastOwner(state, target))
      return refusal('The owner permission cannot be removed from the only organization owner.');
    if (!state.lying) {
      setRole(target, role as ZulipWireUser['role']);
      state.changed();
    }
    return success();
  }
  if (route === 'deactivate') {
    if (target.role === 100 && caller.role !== 100)
      return refusal('Must be an organization owner', 'UNAUTHORIZED_PRINCIPAL');
    if (isLastOwner(state, target)) return refusal('Cannot deactivate the only organization owner');
    if (!state.lying) {
      target.is_active = false;
      state.changed();
    }
    return success();
  }
  // Reactivation takes bots and deactivated users; an active user is left as is.
  if (!state.lying && !target.is_active) {
    target.is_active = true;
    state.changed();
  }
  return success();
}
