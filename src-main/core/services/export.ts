/**
 * Exporting the current search (query and filters) as CSV or JSON to a file
 * the admin chooses. Rows are streamed a chunk at a time into a partial file
 * that is renamed into place only when complete (export-file.ts).
 * CSV cells are guarded against formulas (export-format.ts).
 *
 * Node only; never imports `electron`.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ParsedArgOf } from '@shared/contract';
import type { CoreDeps } from '../deps';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { MetaRepo } from '../store/meta-repo';
import type { UsersRepo } from '../store/users-repo';
import {
  CSV_BOM,
  csvHeader,
  csvUserRow,
  exportFileName,
  profileFieldColumns,
  type ExportRecord,
} from './export-format';
import { writeExportFile } from './export-file';

/** The export channel. */
export interface ExportService {
  exportDirectory(
    arg: ParsedArgOf<'directory:export'>,
  ): Promise<{ path: string | null; count: number }>;
}

/** What the export service is built from. */
export interface ExportDeps {
  chooseSavePath: CoreDeps['chooseSavePath'];
  connections: Pick<ConnectionsRepo, 'list'>;
  users: Pick<UsersRepo, 'searchAll' | 'get'>;
  meta: Pick<MetaRepo, 'getProfileFields'>;
  now: () => number;
}

/** One exported user as a JSON array item. */
function jsonItem(item: ExportRecord): string {
  return JSON.stringify({
    connection: item.connectionLabel,
    user: item.user,
    botOwnerName: item.botOwnerName,
    fetchedAt: new Date(item.fetchedAt).toISOString(),
    goneAt: item.goneAt === null ? null : new Date(item.goneAt).toISOString(),
  });
}

/** Builds the export service. */
export function createExportService(deps: ExportDeps): ExportService {
  const { connections, users, meta, now } = deps;
  /** Writes the header, every matching user and the end; returns how many users. */
  async function writeUsers(
    file: FileHandle,
    arg: ParsedArgOf<'directory:export'>,
    columns: ReturnType<typeof profileFieldColumns>,
    labels: Map<string, string>,
  ): Promise<number> {
    let count = 0;
    if (arg.format === 'csv') {
      await file.write(CSV_BOM + csvHeader(columns));
    } else {
      await file.write(
        `{"exportedAt":${JSON.stringify(new Date(now()).toISOString())},"query":${JSON.stringify(arg.query)},"users":[`,
      );
    }
    for await (const chunk of users.searchAll(arg.query, { chunkSize: 500 })) {
      let text = '';
      for (const summary of chunk) {
        const record = users.get(summary.connectionId, summary.userId);
        if (!record) continue;
        const item: ExportRecord = {
          user: record.user,
          connectionLabel: labels.get(summary.connectionId) ?? summary.connectionId,
          fetchedAt: record.fetchedAt,
          goneAt: record.goneAt,
          botOwnerName: summary.botOwnerName,
        };
        if (arg.format === 'csv') text += csvUserRow(item, columns);
        else text += (count > 0 ? ',' : '') + jsonItem(item);
        count++;
      }
      await file.write(text);
    }
    if (arg.format === 'json') await file.write(`],"count":${count}}\n`);
    return count;
  }

  return {
    async exportDirectory(arg) {
      const path = await deps.chooseSavePath({
        defaultName: exportFileName(arg.format, now()),
        format: arg.format,
      });
      if (!path) return { path: null, count: 0 };
      const labels = new Map(connections.list().map((c) => [c.id, c.label]));
      const connectionIds =
        arg.query.connectionIds.length > 0 ? arg.query.connectionIds : [...labels.keys()];
      const definitions = connectionIds.flatMap((id) => meta.getProfileFields(id)?.value ?? []);
      const columns = profileFieldColumns(definitions);
      const count = await writeExportFile(path, (file) => writeUsers(file, arg, columns, labels));
      return { path, count };
    },
  };
}
