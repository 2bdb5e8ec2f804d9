/**
 * "Act on…" menus: a button whose popover lists what core says can be done
 * on one connection (`actions:available`), disabled ones with their reason
 * (offline, the key's role...). Choosing one asks for a plan and opens the
 * preview. Used by the selection bar, the filtered-set entry and the detail
 * panel, with different targets.
 *
 * Runs in the window.
 */
import { ChevronDown, LoaderCircle, Zap } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { ActionAvailability } from '@shared/actions';
import type { RollcallError } from '@shared/errors';
import { planAction } from '../actions/plan-action';
import { api } from '../stores/bridge';
import { actionKey, type ActionRequest } from '../stores/action-store';
import { ErrorNotice } from './ErrorNotice';
import { PopoverButton } from './Menu';

interface ActOnMenuProps {
  /** The button's content. */
  label: ReactNode;
  /** The button's accessible name when its content leans on what is next to it. */
  ariaLabel?: string;
  /** The one connection acted on; null when there is none, with `blocked` saying why. */
  connectionId: string | null;
  /** Why acting is not possible here, in words; shown inside the menu. */
  blocked?: string | null;
  /** The target of the plan. */
  target: () => ActionRequest['target'];
  /** A sentence above the actions, e.g. "12 selected users". */
  note?: string;
  testId: string;
  className?: string;
  align?: 'start' | 'end';
}

/** A button opening the actions available for a target. */
export function ActOnMenu({
  label,
  ariaLabel,
  connectionId,
  blocked,
  target,
  note,
  testId,
  className = 'button',
  align = 'start',
}: ActOnMenuProps) {
  return (
    <PopoverButton
      className={className}
      ariaLabel={ariaLabel}
      title={ariaLabel}
      label={
        <>
          <Zap size={14} aria-hidden="true" />
          {label}
          <ChevronDown size={14} aria-hidden="true" />
        </>
      }
      align={align}
      popoverLabel="Actions"
      testId={testId}
    >
      {(close) =>
        connectionId === null || blocked ? (
          <div className="menu" data-testid="act-blocked">
            <p className="menu-note act-blocked">{blocked ?? 'Acting needs one connection.'}</p>
          </div>
        ) : (
          <ActionItems
            connectionId={connectionId}
            note={note}
            onChoose={(a) => {
              close();
              void planAction({ connectionId, action: a.action, target: target() }, a.label);
            }}
          />
        )
      }
    </PopoverButton>
  );
}

/** The actions of a connection, fetched when the menu opens (availability changes with reachability). */
function ActionItems({
  connectionId,
  note,
  onChoose,
}: {
  connectionId: string;
  note?: string;
  onChoose: (a: ActionAvailability) => void;
}) {
  const [items, setItems] = useState<ActionAvailability[] | null>(null);
  const [error, setError] = useState<RollcallError | null>(null);
  useEffect(() => {
    let live = true;
    void api()
      .availableActions({ connectionId })
      .then((result) => {
        if (!live) return;
        if (result.ok) setItems(result.value);
        else setError(result.error);
      });
    return () => {
      live = false;
    };
  }, [connectionId]);

  return (
    <div className="menu act-menu" data-testid="act-menu">
      {note && <p className="menu-note">{note}</p>}
      {error && (
        <ErrorNotice error={error} title="Could not list the actions" compact testId="act-error" />
      )}
      {!items && !error && (
        <p className="menu-note" role="status">
          <LoaderCircle size={12} aria-hidden="true" className="spin" /> Loading actions…
        </p>
      )}
      {items?.length === 0 && <p className="menu-note">No actions for this connection.</p>}
      {items?.map((a) => {
        const key = actionKey(a.action);
        const reasonId = `act-reason-${testIdSafe(connectionId)}-${key}`;
        return (
          <button
            key={key}
            type="button"
            className={`menu-item act-item${a.reversible ? '' : ' is-danger'}`}
            disabled={!a.allowed}
            aria-describedby={a.allowed ? undefined : reasonId}
            onClick={() => onChoose(a)}
            data-testid={`act-${key}`}
          >
            <span className="act-item-text">
              <span>{a.label}</span>
              {!a.allowed && a.reason && (
                <span id={reasonId} className="act-reason">
                  {a.reason}
                </span>
              )}
            </span>
          </button>
        );
      })}
    </div>
  );
}

/** An ID for an attribute: connection IDs are safe already, this keeps it so. */
function testIdSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
