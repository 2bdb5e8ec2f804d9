/**
 * Reading Open WebUI's users list (`GET /api/v1/users/`): one page of it,
 * and finding a user's id by email through its `query` search, since the
 * single-user route takes only ids (an email there answers "no user with
 * id …").
 *
 * Node only; never imports `electron`.
 */
import { rollcallError, RollcallFailure } from '@shared/errors';
import type { JsonValue } from '@shared/model';
import { isOpenWebUIUserId } from '@shared/server-url';
import type { JsonResponse } from '../net/http';
import { badUser, field, isObject, num, str } from './json';

const PRODUCT = 'an Open WebUI server';

/**
 * One list page's users and the total it reports (null when none); an old
 * server's bare array or anything else unreadable is BAD_RESPONSE.
 */
export function readListPage(res: JsonResponse): { list: JsonValue[]; reported: number | null } {
  const body = res.json;
  if (Array.isArray(body)) {
    throw new RollcallFailure(
      rollcallError(
        'BAD_RESPONSE',
        'This Open WebUI sends the user list in an older format. Rollcall needs Open WebUI 0.6 or newer.',
        { url: res.url },
      ),
    );
  }
  if (!isObject(body)) badUser(PRODUCT, 'the user list is not an object');
  const list = field(body, 'users');
  if (!Array.isArray(list)) badUser(PRODUCT, 'the user list has no users');
  return { list, reported: num(field(body, 'total')) };
}

/** Asks for the first page of the list searched for `query` (the server matches names and emails). */
export type SearchUsers = (query: string) => Promise<JsonResponse>;

/**
 * The id of the user whose email is `email` (any case), from the server's
 * search; NOT_FOUND in words when none has exactly that email (the search
 * also matches parts of names and other emails, which are not answers).
 */
export async function findOpenWebUIIdByEmail(search: SearchUsers, email: string): Promise<string> {
  const wanted = email.toLowerCase();
  const { list } = readListPage(await search(email));
  for (const item of list) {
    if (!isObject(item)) continue;
    const id = str(field(item, 'id'));
    if (str(field(item, 'email'))?.toLowerCase() === wanted && isOpenWebUIUserId(id)) {
      return id!;
    }
  }
  throw new RollcallFailure(
    rollcallError(
      'NOT_FOUND',
      `Open WebUI has no user with the email ${email.slice(0, 320)}. Check the spelling, or look them up by id (Admin Panel → Users).`,
    ),
  );
}
