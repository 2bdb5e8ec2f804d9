/**
 * Exposes `window.rollcall` and nothing else. The only file that touches
 * ipcRenderer; the API's shape comes from the shared contract.
 *
 * Runs in the sandboxed preload of the app window.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from '@shared/bridge';

contextBridge.exposeInMainWorld(
  'rollcall',
  createBridge(
    (channel, arg) => ipcRenderer.invoke(channel, arg),
    (event, listener) => {
      const forward = (_event: unknown, payload: unknown): void => listener(payload);
      ipcRenderer.on(event, forward);
      return () => {
        ipcRenderer.removeListener(event, forward);
      };
    },
  ),
);
