/**
 * Exports the current result (every match of the current search and
 * filters, not just what is on screen) as CSV or JSON, through main's save
 * dialog.
 *
 * Runs in the window.
 */
import { ChevronDown, Download, FileJson, FileSpreadsheet } from 'lucide-react';
import { plural } from '../lib/time';
import { api } from '../stores/bridge';
import { useDirectory } from '../stores/directory-store';
import { useUi } from '../stores/ui-store';
import { MenuItem, PopoverButton } from './Menu';

/** The Export menu. */
export function ExportButton() {
  const toast = useUi((s) => s.toast);
  const total = useDirectory((s) => s.total);

  const run = async (format: 'csv' | 'json'): Promise<void> => {
    const { filters } = useDirectory.getState();
    const result = await api().exportDirectory({ format, query: filters });
    if (!result.ok) toast(`Export failed: ${result.error.message}`, 'error');
    else if (result.value.path)
      toast(`Exported ${plural(result.value.count, 'user')} to ${result.value.path}`);
  };

  return (
    <PopoverButton
      className="button"
      label={
        <>
          <Download size={14} aria-hidden="true" />
          Export
          <ChevronDown size={14} aria-hidden="true" />
        </>
      }
      align="end"
      popoverLabel="Export the current result"
      testId="export-button"
    >
      {(close) => (
        <div className="menu">
          <p className="menu-note">{total !== null ? `${plural(total, 'user')} match now.` : ''}</p>
          <MenuItem
            icon={<FileSpreadsheet size={14} aria-hidden="true" />}
            onSelect={() => {
              close();
              void run('csv');
            }}
            testId="export-csv"
          >
            CSV, for spreadsheets
          </MenuItem>
          <MenuItem
            icon={<FileJson size={14} aria-hidden="true" />}
            onSelect={() => {
              close();
              void run('json');
            }}
            testId="export-json"
          >
            JSON, with every field
          </MenuItem>
        </div>
      )}
    </PopoverButton>
  );
}
