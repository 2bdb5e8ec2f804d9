/**
 * The switch between the cards and the table (remembered, view-store), and,
 * in the table, the chooser of its columns.
 *
 * Runs in the window.
 */
import { Columns3, LayoutGrid, Table2 } from 'lucide-react';
import { useView } from '../stores/view-store';
import { PopoverButton } from './Menu';
import { Segmented } from './Segmented';
import { useTableLayout } from './use-table-layout';

/** Which columns the table shows: a checkbox each; the name always stays. */
function ColumnChooser() {
  const { available, shown, setShown } = useTableLayout();
  const ids = shown.map((s) => s.column.id);
  return (
    <PopoverButton
      className="icon-button view-columns"
      align="end"
      label={<Columns3 size={16} aria-hidden="true" />}
      ariaLabel="Columns"
      title="Choose the table's columns"
      popoverLabel="Columns to show"
      testId="column-chooser"
    >
      {() => (
        <fieldset className="check-list">
          <legend>Columns</legend>
          {available.map((c) => (
            <label key={c.id} className="check">
              <input
                type="checkbox"
                checked={ids.includes(c.id)}
                disabled={c.fixed}
                data-testid={`show-column-${c.id}`}
                onChange={() =>
                  setShown(
                    ids.includes(c.id)
                      ? ids.filter((id) => id !== c.id)
                      : // In the built-in order, custom fields after them.
                        available.map((a) => a.id).filter((id) => id === c.id || ids.includes(id)),
                  )
                }
              />
              <bdi>{c.label}</bdi>
            </label>
          ))}
        </fieldset>
      )}
    </PopoverButton>
  );
}

/** Cards or table, and the table's columns. */
export function ViewSwitch() {
  const view = useView((s) => s.view);
  const setView = useView((s) => s.setView);
  return (
    <div className="view-switch">
      {view === 'table' && <ColumnChooser />}
      <Segmented
        label="View"
        value={view}
        onChange={setView}
        options={[
          {
            value: 'cards',
            label: (
              <span title="Cards">
                <LayoutGrid size={16} aria-hidden="true" />
                <span className="visually-hidden">Cards</span>
              </span>
            ),
            testId: 'view-cards',
          },
          {
            value: 'table',
            label: (
              <span title="Table">
                <Table2 size={16} aria-hidden="true" />
                <span className="visually-hidden">Table</span>
              </span>
            ),
            testId: 'view-table',
          },
        ]}
      />
    </div>
  );
}
