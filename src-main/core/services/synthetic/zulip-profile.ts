/**
 * Zulip's custom profile fields: the eight field definitions (one of each
 * type, as `GET /realm/profile_fields` sends them) and the values a person
 * fills in (`profile_data`), with the minimal markdown rendering Zulip adds
 * to text fields.
 *
 * Node only; never imports `electron`.
 */
import type { Person } from './people';
import type { Rng } from './random';
import type { ZulipWireProfileField, ZulipWireUser } from './wire-shapes';

/** The choices of the Team field (a list field's options, by index). */
const ZULIP_TEAMS = [
  'Engineering',
  'Design',
  'Support',
  'Sales',
  'Marketing',
  'Finance',
  'People Ops',
  'Research',
  'Legal',
];

/** Pronouns people pick, in several languages. */
const PRONOUNS = [
  'she/her',
  'he/him',
  'they/them',
  'she/they',
  'he/they',
  'elle',
  'er/ihm',
  'ze/hir',
];

/** The eight custom profile fields, one of each type, so every field kind reaches the app. */
export function zulipProfileFields(): ZulipWireProfileField[] {
  const choices: Record<string, { text: string; order: string }> = {};
  ZULIP_TEAMS.forEach((text, i) => (choices[String(i)] = { text, order: String(i + 1) }));
  return [
    {
      id: 1,
      name: 'Phone number',
      type: 1,
      hint: 'Including the country code',
      field_data: '',
      order: 1,
      required: false,
      editable_by_user: true,
    },
    {
      id: 2,
      name: 'Biography',
      type: 2,
      hint: 'What are you known for?',
      field_data: '',
      order: 2,
      required: false,
      editable_by_user: true,
    },
    {
      id: 3,
      name: 'Team',
      type: 3,
      hint: '',
      field_data: JSON.stringify(choices),
      order: 3,
      display_in_profile_summary: true,
      required: true,
      editable_by_user: false,
    },
    {
      id: 4,
      name: 'Start date',
      type: 4,
      hint: '',
      field_data: '',
      order: 4,
      required: false,
      editable_by_user: false,
    },
    {
      id: 5,
      name: 'Website',
      type: 5,
      hint: 'Or your blog',
      field_data: '',
      order: 5,
      required: false,
      editable_by_user: true,
    },
    {
      id: 6,
      name: 'Manager',
      type: 6,
      hint: '',
      field_data: '',
      order: 6,
      required: false,
      editable_by_user: false,
    },
    {
      id: 7,
      name: 'GitHub',
      type: 7,
      hint: 'Your GitHub username',
      field_data: '{"subtype":"github"}',
      order: 7,
      required: false,
      editable_by_user: true,
    },
    {
      id: 8,
      name: 'Pronouns',
      type: 8,
      hint: 'What pronouns should people use to refer to you?',
      field_data: '',
      order: 8,
      display_in_profile_summary: true,
      required: false,
      editable_by_user: true,
    },
  ];
}

/** Facts about one human that decide which fields they fill in. */
export interface ProfileOwner {
  person: Person;
  guest: boolean;
  joinedMs: number;
  /** Active members at moderator or above so far, who may be named as a manager. */
  managers: readonly number[];
}

/**
 * One human's `profile_data`, keyed by field ID: each field filled in with
 * its own probability, guests filling in less, so the app meets partial
 * profiles. Draws in field order.
 */
export function zulipProfileData(
  rng: Rng,
  { person, guest, joinedMs, managers }: ProfileOwner,
): NonNullable<ZulipWireUser['profile_data']> {
  const profile: Record<string, { value: string; rendered_value?: string }> = {};
  if (rng.chance(guest ? 0.3 : 0.6)) {
    const phone = `+${rng.int(1, 99)} ${rng.int(10, 999)} ${rng.int(100000, 9999999)}`;
    profile['1'] = { value: phone, rendered_value: `<p>${phone}</p>` };
  }
  if (rng.chance(guest ? 0.2 : 0.5)) {
    const bio = rng.pick(person.culture.bios);
    profile['2'] = { value: bio, rendered_value: renderMarkdown(bio) };
  }
  if (rng.chance(0.9)) profile['3'] = { value: String(rng.int(0, ZULIP_TEAMS.length - 1)) };
  if (rng.chance(0.85)) profile['4'] = { value: isoDate(joinedMs + rng.int(0, 30) * 86_400_000) };
  if (rng.chance(0.4))
    profile['5'] = { value: `https://${person.handle.replace(/\./g, '-')}.example.net/` };
  if (managers.length > 0 && rng.chance(guest ? 0.2 : 0.7)) {
    profile['6'] = { value: `[${rng.pick(managers)}]` };
  }
  if (rng.chance(0.45)) profile['7'] = { value: person.handle.replace(/\./g, '-') };
  if (rng.chance(0.6)) profile['8'] = { value: rng.pick(PRONOUNS) };
  return profile;
}

/** A date field's value: `YYYY-MM-DD` in UTC. */
function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Minimal markdown for the culture bios: **bold**, *em*, [text](url), and escaping. */
function renderMarkdown(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  const html = escaped
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>');
  return `<p>${html}</p>`;
}
