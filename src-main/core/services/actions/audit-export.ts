/**
 * Exporting the audit log, newest first, as CSV or JSON to a file the admin
 * chooses: the same save dialog, all-or-nothing file (export-file.ts) and
 * formula-safe CSV cells (export-format.ts) as the directory export, since
 * the log holds names and messages servers chose.
 *
 * Node only; never imports `electron`.
 */
import type { FileHandle } from 'node:fs/promises';
import type { AuditEntry } from '@shared/actions';
import type { ParsedArgOf } from '@shared/contract';
import { ROLE_LABELS } from '@shared/model';
import type { CoreDeps } from '../../deps';
import type { AuditRepo } from '../../store/audit-repo';
import { writeExportFile } from '../export-file';
import { CSV_BOM, csvRow, exportFileName } from '../export-format';

const COLUMNS = [
  'When',
  'Connection',
  'Connection ID',
  'Action',
  'Target',
  'User ID',
  'User',
  'Role before',
  'State before',
  'Role after',
  'State after',
  'Outcome',
  'Message',
  'Run ID',
];

function csvEntry(e: AuditEntry): string {
  return csvRow([
    new Date(e.at).toISOString(),
    e.connectionLabel,
    e.connectionId,
    e.actionLabel,
    e.targetDescription,
    e.userId,
    e.userName,
    ROLE_LABELS[e.before.role],
    e.before.state,
    e.after ? ROLE_LABELS[e.after.role] : '',
    e.after?.state ?? '',
    e.outcome,
    e.message,
    e.runId,
  ]);
}

function jsonEntry(e: AuditEntry): string {
  return JSON.stringify({ ...e, at: new Date(e.at).toISOString() });
}

/** Asks where, then writes the log there; `path` is null when the admin cancelled. */
export async function exportAuditLog(
  deps: { audit: AuditRepo; chooseSavePath: CoreDeps['chooseSavePath']; now: () => number },
  arg: ParsedArgOf<'audit:export'>,
): Promise<{ path: string | null; count: number }> {
  const { format } = arg;
  const path = await deps.chooseSavePath({
    defaultName: exportFileName(format, deps.now(), 'audit'),
    format,
  });
  if (!path) return { path: null, count: 0 };
  const write = async (file: FileHandle): Promise<number> => {
    let count = 0;
    if (format === 'csv') await file.write(CSV_BOM + csvRow(COLUMNS));
    else {
      await file.write(
        `{"exportedAt":${JSON.stringify(new Date(deps.now()).toISOString())},"connectionId":${JSON.stringify(arg.connectionId ?? null)},"entries":[`,
      );
    }
    for await (const chunk of deps.audit.iterate({ connectionId: arg.connectionId })) {
      let text = '';
      for (const e of chunk) {
        text += format === 'csv' ? csvEntry(e) : (count > 0 ? ',' : '') + jsonEntry(e);
        count++;
      }
      await file.write(text);
    }
    if (format === 'json') await file.write(`],"count":${count}}\n`);
    return count;
  };
  return { path, count: await writeExportFile(path, write) };
}
