/**
 * From a full user to the small summary a card draws. One function, used by
 * the cache (which stores summaries for fast search) and by the window
 * (which draws a card for a user it just looked up), so both agree.
 *
 * Runs everywhere: no `electron`, no `node:*`, no DOM.
 */
import type { AvatarSource, CutField, DirectoryUser, UserSummary } from './model';
import { CARD_LIST_CAPS, capText, TEXT_CAPS, textCutter } from './text-caps';

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

/** The fields of a user that its card shows (the others' cuts do not concern a card). */
const CARD_FIELDS: ReadonlySet<CutField> = new Set(['name', 'email', 'status', 'groups']);

/**
 * A card held to the caps of text-caps.ts: every text cut to its kind's cap,
 * the lists to the length a card can show, and `cut` saying which were.
 * `summarize` ends with it, and the cache applies it to every stored card it
 * reads, so a page stays small even with a card stored before the caps.
 * Capping a capped card changes nothing.
 */
export function capSummary(summary: UserSummary): UserSummary {
  const cutter = textCutter();
  for (const field of summary.cut ?? []) cutter.mark(field);
  const status = summary.status && {
    ...summary.status,
    emoji: cutter.capOrNull(summary.status.emoji, 'emoji', 'status'),
    message: cutter.capOrNull(summary.status.message, 'status', 'status'),
  };
  if (summary.groups.length > CARD_LIST_CAPS.groups) cutter.mark('groups');
  if (summary.summaryFields.length > CARD_LIST_CAPS.summaryFields) cutter.mark('profileFields');
  const capped: UserSummary = {
    ...summary,
    name: cutter.cap(summary.name, 'name', 'name'),
    email: cutter.capOrNull(summary.email, 'email', 'email'),
    // Not this user's own text: cut, but not marked.
    botTypeLabel: summary.botTypeLabel === null ? null : capText(summary.botTypeLabel, 'label'),
    botOwnerName: summary.botOwnerName === null ? null : capText(summary.botOwnerName, 'name'),
    status,
    timezone:
      summary.timezone !== null && summary.timezone.length <= TEXT_CAPS.timezone
        ? summary.timezone
        : null,
    groups: summary.groups
      .slice(0, CARD_LIST_CAPS.groups)
      .map((g) => cutter.cap(g, 'label', 'groups')),
    summaryFields: summary.summaryFields.slice(0, CARD_LIST_CAPS.summaryFields).map((f) => ({
      ...f,
      name: cutter.cap(f.name, 'label', 'profileFields'),
      text: cutter.cap(f.text, 'cardLine', 'profileFields'),
      url: f.url !== null && f.url.length <= TEXT_CAPS.url ? f.url : null,
    })),
  };
  const cut = cutter.cut();
  if (cut) capped.cut = cut;
  else delete capped.cut;
  return capped;
}

/**
 * The card-sized view of a user, held to the caps (`capSummary`).
 * `botOwnerName` is left null here: the owner is another user, filled in by
 * whoever can look them up.
 */
export function summarize(
  user: DirectoryUser,
  goneAt: number | null = null,
  botOwnerName: string | null = null,
): UserSummary {
  return capSummary({
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
    ...(user.cut ? { cut: user.cut.filter((f) => CARD_FIELDS.has(f)) } : {}),
  });
}
