/**
 * The directory:filter-choices answer over fixture records, as core gives
 * it (services/search.ts): a connection's groups with members not gone, by
 * name, and for Zulip the profile fields its users hold a value of (no
 * person fields), a choice field with the options its users chose.
 */
import type { ConnectionSummary, FilterChoices, UserRecord } from '@shared/model';

/** The choices of one connection over `records`. */
export function fixtureChoices(
  records: Iterable<UserRecord>,
  conn: Pick<ConnectionSummary, 'id' | 'kind'>,
): FilterChoices {
  const groups = new Map<string, { id: string; name: string; members: number }>();
  const fields = new Map<string, FilterChoices['profileFields'][number] & { order: number }>();
  for (const r of records) {
    if (r.user.connectionId !== conn.id) continue;
    for (const g of r.user.groups) {
      const entry = groups.get(g.id) ?? { id: g.id, name: g.name, members: 0 };
      if (r.goneAt === null) entry.members++;
      groups.set(g.id, entry);
    }
    if (conn.kind !== 'zulip') continue;
    for (const f of r.user.profileFields) {
      if (f.type === 'person') continue;
      const entry = fields.get(f.fieldId) ?? {
        id: f.fieldId,
        name: f.name,
        type: f.type,
        choices: [],
        order: f.order,
      };
      if (f.type === 'choice' && !entry.choices.some((c) => c.key === f.value)) {
        entry.choices.push({ key: f.value, text: f.text });
      }
      fields.set(f.fieldId, entry);
    }
  }
  return {
    connectionId: conn.id,
    kind: conn.kind,
    groups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name)),
    profileFields: [...fields.values()]
      .sort((a, b) => a.order - b.order)
      .map(({ order: _order, ...f }) => ({
        ...f,
        choices: [...f.choices].sort((a, b) => Number(a.key) - Number(b.key)),
      })),
  };
}
