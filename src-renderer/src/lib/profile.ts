/**
 * Labels for roles, profile fields and the extra fields one kind of server
 * sends, so the detail panel can show "everything the server returned"
 * with names an admin recognises.
 *
 * Runs in the window (pure functions).
 */
import type { ConnectionKind, CutField, JsonValue, ProfileFieldType, Role } from '@shared/model';

/** The hint beside a value the server sent more of than Rollcall keeps (shared/text-caps.ts). */
export const CUT_HINT = 'cut short';

/** What a cut value's tooltip adds: why it ends in "…", and where the rest is. */
export const CUT_TITLE =
  'Cut short: the server sent more than Rollcall keeps. Raw JSON has it all.';

/** Whether a user's or card's `field` was cut to its cap. */
export function wasCut(item: { cut?: readonly CutField[] }, field: CutField): boolean {
  return item.cut?.includes(field) ?? false;
}

/** One sentence per role: what it lets the person do. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: 'Full control of the organization, including other owners and billing.',
  administrator: 'Manages users, channels and settings; cannot change owners.',
  moderator: 'Can moderate content and manage some channels.',
  member: 'A regular member of the organization.',
  guest: 'Sees only the channels they are added to.',
  admin: 'Manages users, models and settings of the instance.',
  user: 'Can chat with the models and features they are allowed.',
  pending: 'Signed up but not yet approved; cannot use the instance.',
};

/** Field type names for the detail panel's small type hints. */
export const FIELD_TYPE_LABELS: Record<ProfileFieldType, string> = {
  short_text: 'Text',
  long_text: 'Long text',
  choice: 'Choice',
  date: 'Date',
  link: 'Link',
  person: 'People',
  external_account: 'Account',
  pronouns: 'Pronouns',
  unknown: 'Other',
};

/** Where a user's own page lives on each kind of server, for the "ID" hint. */
export const KIND_ID_HINTS: Record<ConnectionKind, string> = {
  zulip: 'Zulip user ID or email',
  openwebui: 'Open WebUI id, email or shared-{chat_id}',
};

/** Labels of keys servers send; a Map, since the keys are the server's strings. */
const KEY_LABELS: ReadonlyMap<string, string> = new Map([
  ['is_billing_admin', 'Billing admin'],
  ['oauth', 'OAuth'],
  ['oidc', 'OIDC'],
  ['sub', 'Subject'],
  ['scim', 'SCIM'],
  ['info', 'Info'],
  ['settings', 'Settings'],
  ['ui', 'Interface'],
  ['api_key', 'API key'],
  ['profile_banner_image_url', 'Banner image'],
]);

/** `is_billing_admin` -> "Billing admin", `chatBubble` -> "Chat bubble". */
export function humanizeKey(key: string): string {
  const known = KEY_LABELS.get(key);
  if (known) return known;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One row of flattened extra data: a path of labels and a printable value. */
export interface ExtraRow {
  path: string[];
  value: string;
}

/**
 * Flattens nested extra data into labelled rows ("OAuth › OIDC › Subject"),
 * stopping at `maxDepth` where the rest is shown as compact JSON. Null and
 * empty values are kept, as "—", so the admin sees the server sent them.
 */
export function flattenExtra(
  data: { [key: string]: JsonValue },
  maxDepth = 3,
  path: string[] = [],
): ExtraRow[] {
  const rows: ExtraRow[] = [];
  for (const [key, value] of Object.entries(data)) {
    const here = [...path, humanizeKey(key)];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (Object.keys(value).length === 0) rows.push({ path: here, value: '—' });
      else if (here.length >= maxDepth) rows.push({ path: here, value: JSON.stringify(value) });
      else rows.push(...flattenExtra(value, maxDepth, here));
    } else {
      rows.push({ path: here, value: printable(value) });
    }
  }
  return rows;
}

function printable(value: JsonValue): string {
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    return value.every((v) => typeof v !== 'object' || v === null)
      ? value.map((v) => String(v)).join(', ')
      : JSON.stringify(value);
  }
  return String(value);
}
