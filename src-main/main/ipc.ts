/**
 * Main's side of the contract: one `ipcMain.handle` per channel, each of
 * which checks the sender frame is the app's own page before the core
 * dispatcher parses the argument and runs the handler. The only file in main
 * that touches ipcMain; events go out through `createEmitter`.
 *
 * Runs in Electron's main process.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type EventName, type PayloadOf } from '@shared/contract';
import { err, rollcallError, type Result } from '@shared/errors';
import type { Dispatch } from '../core/handlers';

/** Decides whether a request's sender frame may use the API. */
export type SenderCheck = (frameUrl: string | undefined) => boolean;

/** The answer every refused sender gets; the handler never runs. */
export const REFUSED_SENDER = rollcallError(
  'FORBIDDEN',
  "Refused: the request did not come from Rollcall's own window.",
);

function senderUrl(event: IpcMainInvokeEvent): string | undefined {
  const frame = event.senderFrame;
  // Only the top frame of a page may call: the app has no iframes.
  if (!frame || frame.parent !== null) return undefined;
  return frame.url;
}

/** Registers every channel of the contract. Returns a function that removes them. */
export function registerIpc(dispatch: Dispatch, isTrustedSender: SenderCheck): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, arg: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(senderUrl(event))) return err(REFUSED_SENDER);
      return dispatch(channel, arg);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends events to the app window (and nowhere else). */
export function createEmitter(getWindow: () => BrowserWindow | null) {
  return <E extends EventName>(name: E, payload: PayloadOf<E>): void => {
    const win = getWindow();
    if (!win || win.isDestroyed()) return;
    win.webContents.send(name, payload);
  };
}
