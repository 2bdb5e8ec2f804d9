/**
 * Zulip's custom profile fields: the definitions from `/realm/profile_fields`
 * (types, choices, external account patterns) and one user's `profile_data`
 * joined with them into labelled, typed values.
 *
 * Node only; never imports `electron`.
 */
import type {
  JsonValue,
  ProfileFieldDefinition,
  ProfileFieldType,
  ProfileFieldValue,
} from '@shared/model';
import { capText, TEXT_CAPS, storableText } from '@shared/text-caps';
import {
  bool,
  field,
  int,
  isObject,
  isoDay,
  nonEmpty,
  num,
  safeHttpUrl,
  str,
  type JsonObject,
} from './json';

/** The wire's field type numbers. */
const FIELD_TYPES: ReadonlyMap<number, ProfileFieldType> = new Map([
  [1, 'short_text'],
  [2, 'long_text'],
  [3, 'choice'],
  [4, 'date'],
  [5, 'link'],
  [6, 'person'],
  [7, 'external_account'],
  [8, 'pronouns'],
]);

/** Zulip's built-in external account subtypes; a Map, since the subtype is the server's string. */
const EXTERNAL_ACCOUNT_PATTERNS: ReadonlyMap<string, string> = new Map([
  ['github', 'https://github.com/%(username)s'],
  ['twitter', 'https://twitter.com/%(username)s'],
]);

/**
 * The largest server-rendered HTML (`rendered_value`) kept for display
 * (text-caps.ts says why); anything larger is shown as its plain value.
 */
export const MAX_RENDERED_HTML_CHARS = TEXT_CAPS.renderedHtml;

// ---------------------------------------------------------------------------
// Definitions

/** Parses Zulip's `field_data` (a JSON string, or an object on some servers). */
function parseFieldData(value: unknown): JsonObject | null {
  if (isObject(value)) return value;
  const s = str(value);
  if (s === null || s.trim() === '') return null;
  try {
    const parsed: unknown = JSON.parse(s);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** One definition from `/realm/profile_fields`, or null when it has no usable ID. */
function normalizeDefinition(raw: unknown, index: number): ProfileFieldDefinition | null {
  if (!isObject(raw)) return null;
  const id = int(field(raw, 'id'));
  if (id === null) return null;
  const typeCode = int(field(raw, 'type')) ?? 0;
  const type = FIELD_TYPES.get(typeCode) ?? 'unknown';
  const data = parseFieldData(field(raw, 'field_data'));
  const choices: ProfileFieldDefinition['choices'] = [];
  if (type === 'choice' && data) {
    for (const key of Object.keys(data)) {
      const choice = field(data, key);
      if (!isObject(choice)) continue;
      const text = capText(str(field(choice, 'text')) ?? key, 'label');
      const orderRaw = field(choice, 'order');
      const order =
        num(typeof orderRaw === 'string' ? Number(orderRaw) : orderRaw) ?? choices.length;
      choices.push({ key, text, order });
    }
    choices.sort((a, b) => a.order - b.order || a.key.localeCompare(b.key));
  }
  let externalAccount: ProfileFieldDefinition['externalAccount'] = null;
  if (type === 'external_account') {
    const subtype = capText(str(data ? field(data, 'subtype') : undefined) ?? 'custom', 'label');
    const pattern = str(data ? field(data, 'url_pattern') : undefined);
    externalAccount = {
      subtype,
      urlPattern: pattern ?? EXTERNAL_ACCOUNT_PATTERNS.get(subtype) ?? null,
    };
  }
  return {
    id: String(id),
    name: capText(nonEmpty(field(raw, 'name')) ?? `Field ${id}`, 'label'),
    type,
    typeCode,
    hint: capText(str(field(raw, 'hint')) ?? '', 'hint'),
    order: num(field(raw, 'order')) ?? 1000 + index,
    displayInSummary: bool(field(raw, 'display_in_profile_summary')) ?? false,
    required: bool(field(raw, 'required')) ?? false,
    choices,
    externalAccount,
  };
}

/**
 * The organization's custom profile fields from a `/realm/profile_fields`
 * answer (or its `custom_fields` array), in display order. Entries without
 * an ID are dropped; anything else unreadable gets a fallback.
 */
export function normalizeZulipProfileFields(raw: unknown): ProfileFieldDefinition[] {
  const list = isObject(raw) ? field(raw, 'custom_fields') : raw;
  if (!Array.isArray(list)) return [];
  const out: ProfileFieldDefinition[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const def = normalizeDefinition(item, i);
    if (def && !seen.has(def.id)) {
      seen.add(def.id);
      out.push(def);
    }
  });
  return out.sort((a, b) => a.order - b.order || Number(a.id) - Number(b.id));
}

// ---------------------------------------------------------------------------
// Values

function externalUrl(def: ProfileFieldDefinition | undefined, value: string): string | null {
  const pattern = def?.externalAccount?.urlPattern;
  if (!pattern || !pattern.includes('%(username)s')) return null;
  return safeHttpUrl(pattern.split('%(username)s').join(encodeURIComponent(value.trim())));
}

function personIds(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list
      .map((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : null))
      .filter((v): v is string => v !== null);
  } catch {
    return /^\d+$/.test(value.trim()) ? [value.trim()] : [];
  }
}

/** Each definitions list by ID, built once: a sync joins thousands of users with one list. */
const definitionMaps = new WeakMap<ProfileFieldDefinition[], Map<string, ProfileFieldDefinition>>();

/**
 * One user's `profile_data` joined with the definitions into labelled, typed
 * values in display order, so a card shows names, choice texts and safe links
 * rather than field IDs and raw strings. Empty values are left out.
 */
export function zulipProfileValues(
  data: JsonValue | undefined,
  defs: ProfileFieldDefinition[],
): ProfileFieldValue[] {
  if (!isObject(data)) return [];
  let byId = definitionMaps.get(defs);
  if (!byId) {
    byId = new Map(defs.map((d) => [d.id, d]));
    definitionMaps.set(defs, byId);
  }
  const out: ProfileFieldValue[] = [];
  for (const fieldId of Object.keys(data)) {
    if (!/^\d{1,12}$/.test(fieldId)) continue;
    const entry = field(data, fieldId);
    const rawValue = isObject(entry) ? field(entry, 'value') : entry;
    const whole =
      typeof rawValue === 'string'
        ? rawValue
        : typeof rawValue === 'number'
          ? String(rawValue)
          : null;
    if (whole === null || whole.trim() === '') continue;
    // Everything below reads the value cut to its cap; the payload keeps it whole.
    const value = capText(whole, 'fieldValue');
    // A unit made storable (capText) keeps the length: only a shorter value was cut.
    const valueCut = value.length !== whole.length;
    const renderedRaw = isObject(entry) ? str(field(entry, 'rendered_value')) : null;
    const rendered =
      renderedRaw !== null && renderedRaw.length <= MAX_RENDERED_HTML_CHARS
        ? storableText(renderedRaw)
        : null;
    const cut = valueCut || (renderedRaw !== null && rendered === null);
    const def = byId.get(fieldId);
    const type: ProfileFieldType = def?.type ?? 'unknown';
    let text = value;
    let url: string | null = null;
    let userIds: string[] | null = null;
    switch (type) {
      case 'choice':
        text = def?.choices.find((c) => c.key === value)?.text ?? value;
        break;
      case 'date':
        text = isoDay(value) ?? value;
        break;
      case 'link':
        // A cut link points elsewhere: none.
        url = valueCut ? null : safeHttpUrl(value);
        break;
      case 'person':
        userIds = personIds(value);
        text = userIds.join(', ');
        break;
      case 'external_account':
        url = valueCut ? null : externalUrl(def, value);
        break;
      default:
        break;
    }
    // A choice's text from a cached definition may predate the caps.
    text = capText(text, 'fieldValue');
    out.push({
      fieldId,
      // A cached definition may predate the caps: cut here too.
      name: capText(def?.name ?? `Field ${fieldId}`, 'label'),
      type,
      order: def?.order ?? 10_000 + Number(fieldId),
      displayInSummary: def?.displayInSummary ?? false,
      value,
      text,
      renderedHtml: rendered,
      url,
      userIds,
      ...(cut ? { cut: true as const } : {}),
    });
  }
  return out.sort((a, b) => a.order - b.order || Number(a.fieldId) - Number(b.fieldId));
}
