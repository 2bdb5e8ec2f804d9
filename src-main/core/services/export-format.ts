/**
 * How an export looks on disk. CSV opens in spreadsheets, which execute
 * cells starting with `=`, `+`, `-`, `@` (and tab or CR) as formulas: a user
 * named `=HYPERLINK(...)` must arrive as text, so such cells get a leading
 * apostrophe (OWASP's advice). A spreadsheet may split on `;` or tab rather
 * than `,`, and then a quote in the middle of its cell is only a character:
 * so every place in a value where any of those separators could start a
 * cell is made safe too, not only the value's start. Values are quoted per
 * RFC 4180 and the file starts with a BOM so spreadsheet apps read
 * non-Latin names correctly.
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

/** What starts a formula: OWASP's list, with the full-width forms spreadsheets also read. */
const FORMULA_CHAR = /[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;
/** What ends a cell in some spreadsheet: `,`, `;`, tab, or a line break. */
const CELL_BOUNDARIES = new Set([',', ';', '\t', '\r', '\n']);
/** What a spreadsheet may skip before a cell's content: whitespace and quotes. */
const SKIPPED_BEFORE_CONTENT = /^[\s"]$/;

/**
 * `text` with an apostrophe before every formula character that could start
 * a cell: at the start, or after a separator of any spreadsheet, past any
 * whitespace or quotes.
 */
function defuseFormulas(text: string): string {
  if (!FORMULA_CHAR.test(text)) return text;
  let out = '';
  let cellStart = true;
  for (const c of text) {
    if (cellStart && FORMULA_CHAR.test(c)) out += "'";
    out += c;
    if (CELL_BOUNDARIES.has(c)) cellStart = true;
    else if (!(cellStart && SKIPPED_BEFORE_CONTENT.test(c))) cellStart = false;
  }
  return out;
}

/** One CSV cell: formula-safe, quoted when it must be. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = defuseFormulas(String(value));
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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

/** A file name for an export made now: `rollcall-users-2026-11-23.csv` (or `rollcall-audit-…`). */
export function exportFileName(
  format: 'csv' | 'json',
  now: number,
  what: 'users' | 'audit' = 'users',
): string {
  return `rollcall-${what}-${new Date(now).toISOString().slice(0, 10)}.${format}`;
}
