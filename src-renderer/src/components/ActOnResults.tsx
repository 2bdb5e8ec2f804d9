/**
 * "Act on these N users", in the scope header: the actions over every user the current search
 * and filters match (not only the cards on screen). Core narrows the query
 * to one connection, so with several in scope the menu says to pick one.
 *
 * Runs in the window.
 */
import { plural } from '../lib/time';
import { useConnections } from '../stores/connections-store';
import { useDirectory } from '../stores/directory-store';
import { ActOnMenu } from './ActOnMenu';

/** The connection actions would go to: the one in scope, or the only one there is. */
function scopeConnection(scope: string[], all: string[]): string | null {
  if (scope.length === 1) return scope[0]!;
  if (scope.length === 0 && all.length === 1) return all[0]!;
  return null;
}

/** The filtered-set entry; nothing while there are no results. */
export function ActOnResults() {
  const total = useDirectory((s) => s.total);
  const scope = useDirectory((s) => s.filters.connectionIds);
  const ids = useConnections((s) => s.list.map((c) => c.id).join('\n'));
  if (!total) return null;
  const connectionId = scopeConnection(scope, ids === '' ? [] : ids.split('\n'));
  return (
    <ActOnMenu
      // The count hides in a narrow window, where the header has no room for it.
      label={
        // One span: the button's flex gap would otherwise widen the space before the count.
        <span>
          Act on
          <span className="wide-only">
            {' '}
            {total === 1 ? 'this user' : `these ${plural(total, 'user')}`}
          </span>
          <span className="narrow-only">…</span>
        </span>
      }
      ariaLabel={total === 1 ? 'Act on this user' : `Act on these ${plural(total, 'user')}`}
      connectionId={connectionId}
      blocked={
        connectionId
          ? null
          : 'Acting on users needs one connection: choose one in the sidebar, then act on its users.'
      }
      target={() => {
        const { filters } = useDirectory.getState();
        return { kind: 'query', query: { ...filters, connectionIds: [connectionId ?? ''] } };
      }}
      note={`Every user the search and filters match now (${plural(total, 'user')}).`}
      testId="act-on-results"
      align="end"
    />
  );
}
