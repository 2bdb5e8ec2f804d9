/**
 * The bar above the grid while users are selected: how many, "Act on
 * these…", and Clear. A selection across several connections cannot be
 * acted on at once, and the menu says so.
 *
 * Runs in the window.
 */
import { X } from 'lucide-react';
import { countText, plural } from '../lib/time';
import { selectedConnections, useSelection } from '../stores/selection-store';
import { ActOnMenu } from './ActOnMenu';

/** The selection's count and actions; nothing when nothing is selected. */
export function SelectionBar() {
  const selected = useSelection((s) => s.selected);
  const clear = useSelection((s) => s.clear);
  if (selected.size === 0) return null;
  const connections = selectedConnections(selected);
  const one = connections.length === 1 ? connections[0]! : null;
  return (
    <div className="selection-bar" role="region" aria-label="Selection" data-testid="selection-bar">
      <span className="selection-count" data-testid="selection-count" aria-live="polite">
        {countText(selected.size)} selected
      </span>
      <ActOnMenu
        label="Act on these…"
        connectionId={one}
        blocked={
          one
            ? null
            : `The selection spans ${connections.length} connections. Acting works on one connection at a time: select users of one connection.`
        }
        target={() => ({
          kind: 'users',
          userIds: [...useSelection.getState().selected.values()]
            .filter((u) => u.connectionId === one)
            .map((u) => u.userId),
        })}
        note={plural(selected.size, 'selected user')}
        testId="act-on-selection"
        align="end"
        className="button small primary"
      />
      <button type="button" className="button small" onClick={clear} data-testid="clear-selection">
        <X size={14} aria-hidden="true" />
        Clear
      </button>
    </div>
  );
}
