/**
 * From a full user to the small summary a card draws. One function, used by
 * the cache (which stores summaries for fast search) and by the window
 * (which draws a card for a user it just looked up), so both agree.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */
import type { AvatarSource, DirectoryUser, UserSummary } from './model';

/** FNV-1a, 32 bits, as 8 hex digits: a stable short key, not a security hash. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** A key that changes whenever the picture's source does; null when there is none. */
export function avatarKeyOf(avatar: AvatarSource): string | null {
  switch (avatar.kind) {
    case 'none':
      return null;
    case 'server':
    case 'external':
      return shortHash(`${avatar.kind}:${avatar.url}`);
    case 'inline':
      return shortHash(`inline:${avatar.dataUrl.length}:${avatar.dataUrl.slice(-64)}`);
  }
}

/** The address to show: the real one where the admin may see it, else the API one. */
export function displayEmail(user: Pick<DirectoryUser, 'email' | 'deliveryEmail'>): string | null {
  return user.deliveryEmail ?? user.email;
}

/**
 * The card-sized view of a user. `botOwnerName` is left null here: the
 * owner is another user, filled in by whoever can look them up.
 */
export function summarize(
  user: DirectoryUser,
  goneAt: number | null = null,
  botOwnerName: string | null = null,
): UserSummary {
  return {
    connectionId: user.connectionId,
    kind: user.kind,
    userId: user.userId,
    name: user.name,
    email: displayEmail(user),
    role: user.role,
    isBot: user.isBot,
    botTypeLabel: user.bot?.typeLabel ?? null,
    botOwnerId: user.bot?.ownerId ?? null,
    botOwnerName,
    deactivated: user.deactivated,
    gone: goneAt !== null,
    presence: user.presence,
    status: user.status,
    timezone: user.timezone,
    joinedAt: user.joinedAt,
    groups: user.groups.map((g) => g.name),
    summaryFields: user.profileFields
      .filter((f) => f.displayInSummary && f.text !== '')
      .sort((a, b) => a.order - b.order)
      .map((f) => ({ name: f.name, type: f.type, text: f.text, url: f.url })),
    avatarKey: avatarKeyOf(user.avatar),
  };
}
