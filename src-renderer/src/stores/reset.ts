/**
 * Puts every store back to its first state: for tests, which share the
 * module-level stores between renders.
 *
 * Runs in the window (and jsdom).
 */
import { useAction } from './action-store';
import { useAppInfo } from './app-info-store';
import { useAudit } from './audit-store';
import { useConnections } from './connections-store';
import { useDetail } from './detail-store';
import { useDirectory } from './directory-store';
import { useFilterChoices } from './filter-choices-store';
import { useOnline } from './online-store';
import { useSelection } from './selection-store';
import { useSync } from './sync-store';
import { useUi } from './ui-store';
import { useView } from './view-store';

/** Resets all stores. */
export function resetStores(): void {
  useAppInfo.getState().reset();
  useConnections.getState().reset();
  useDetail.getState().reset();
  useDirectory.getState().reset();
  useFilterChoices.getState().reset();
  useSync.getState().reset();
  useUi.getState().reset();
  useOnline.getState().reset();
  useSelection.getState().reset();
  useAction.getState().reset();
  useAudit.getState().reset();
  useView.getState().reset();
}
