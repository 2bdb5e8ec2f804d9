/**
 * How an export looks on disk. CSV opens in spreadsheets, which execute
 * cells starting with `=`, `+`, `-`, `@` (and tab or CR) as formulas: a user
 * named `=HYPERLINK(...)` must arrive as text, so such cells get a leading
 * apostrophe (OWASP's advice). Values are quoted per RFC 4180 and the file
 * starts with a BOM so spreadsheet apps read non-Latin names correctly.
 *
 * Node only; never imports `electron`.
 */
import { CONNECTION_KIND_LABELS, ROLE_LABELS, type DirectoryUser } from '@shared/model';
import { displayEmail } from '@shared/summary';

/** A user as exported, with what the cache knows about it. */
export interface ExportRecord {
  user: DirectoryUser;
  connectionLabel: string;
  fetchedAt: number;
  goneAt: number | null;
  botOwnerName: string | null;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-safe, quoted when it must be. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (/[",\r\n]/.test(text)) text = `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** One CSV line (CRLF-terminated). */
export function csvRow(cells: (string | number | boolean | null | undefined)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The UTF-8 byte-order mark spreadsheet apps look for. */
export const CSV_BOM = '\ufeff';

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** The fixed columns every export has, before the profile fields. */
export const COMMON_COLUMNS = [
  'Connection',
  'Kind',
  'User ID',
  'Name',
  'Email',
  'API email',
  'Username',
  'Role',
  'Bot',
  'Bot type',
  'Bot owner ID',
  'Bot owner',
  'Deactivated',
  'No longer on server',
  'Timezone',
  'Joined',
  'Last active',
  'Groups',
  'Fetched',
] as const;

/**
 * The profile field columns for a set of field definitions (or values):
 * every field name that occurs, in the organization's order (then by name),
 * each once.
 */
export function profileFieldColumns(fields: Iterable<{ name: string; order: number }>): string[] {
  const seen = new Map<string, number>();
  for (const f of fields) {
    const prev = seen.get(f.name);
    if (prev === undefined || f.order < prev) seen.set(f.name, f.order);
  }
  return [...seen.entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .map(([name]) => name);
}

/** The header line for the given profile field columns. */
export function csvHeader(fieldColumns: string[]): string {
  return csvRow([...COMMON_COLUMNS, ...fieldColumns]);
}

/** One user as a CSV line, with its profile fields in the given columns. */
export function csvUserRow(record: ExportRecord, fieldColumns: string[]): string {
  const { user } = record;
  const byName = new Map(user.profileFields.map((f) => [f.name, f]));
  return csvRow([
    record.connectionLabel,
    CONNECTION_KIND_LABELS[user.kind],
    user.userId,
    user.name,
    displayEmail(user),
    user.email,
    user.username,
    ROLE_LABELS[user.role],
    user.isBot ? 'yes' : 'no',
    user.bot?.typeLabel ?? '',
    user.bot?.ownerId ?? '',
    record.botOwnerName ?? '',
    user.deactivated ? 'yes' : 'no',
    record.goneAt === null ? 'no' : 'yes',
    user.timezone,
    iso(user.joinedAt),
    iso(user.presence?.lastActiveAt ?? null),
    user.groups.map((g) => g.name).join('; '),
    iso(record.fetchedAt),
    ...fieldColumns.map((name) => {
      const f = byName.get(name);
      return f ? (f.url ?? f.text) : '';
    }),
  ]);
}

/** A file name for an export made now: `rollcall-users-2026-11-23.csv`. */
export function exportFileName(format: 'csv' | 'json', now: number): string {
  return `rollcall-users-${new Date(now).toISOString().slice(0, 10)}.${format}`;
}
