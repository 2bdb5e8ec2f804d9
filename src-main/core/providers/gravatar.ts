/**
 * Gravatar URLs as Zulip's clients compute them when the server sends
 * `avatar_url: null` (with `client_gravatar=true`): the md5 of the
 * lower-cased email, with identicons for people who have none.
 *
 * Node only; never imports `electron`.
 */
import { textDigest } from '../text-digest';

/** md5 as lowercase hex: Gravatar's key, not a security measure. */
export function md5Hex(text: string): string {
  return textDigest('md5', text, 'hex');
}

/** `https://secure.gravatar.com/avatar/{md5}?d=identicon&version={v}`, as Zulip builds it. */
export function gravatarUrl(email: string, avatarVersion: number | null): string {
  const hash = md5Hex(email.trim().toLowerCase());
  const version = avatarVersion !== null ? `&version=${avatarVersion}` : '';
  return `https://secure.gravatar.com/avatar/${hash}?d=identicon${version}`;
}
