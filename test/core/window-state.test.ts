import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SIZE,
  MIN_SIZE,
  fitToDisplays,
  loadWindowState,
  saveWindowState,
} from '@core/window-state';

const screenA = { x: 0, y: 0, width: 1920, height: 1080 };
const screenB = { x: 1920, y: 0, width: 1440, height: 900 };

describe('window state', () => {
  it('centres the default size on the first display on a first run', () => {
    const s = fitToDisplays(null, [screenA]);
    expect(s.bounds).toEqual({
      width: DEFAULT_SIZE.width,
      height: DEFAULT_SIZE.height,
      x: 320,
      y: 130,
    });
  });

  it('restores a window that is still on a display, including a second one', () => {
    const saved = { bounds: { x: 2000, y: 50, width: 900, height: 700 }, maximized: true };
    expect(fitToDisplays(saved, [screenA, screenB])).toEqual(saved);
  });

  it('brings back a window whose display was unplugged', () => {
    const saved = { bounds: { x: 2000, y: 50, width: 900, height: 700 }, maximized: false };
    const s = fitToDisplays(saved, [screenA]);
    expect(s.bounds.x).toBeLessThan(1920);
    expect(s.bounds.width).toBe(DEFAULT_SIZE.width);
  });

  it('never restores below the minimum size', () => {
    const s = fitToDisplays({ bounds: { x: 10, y: 10, width: 50, height: 20 }, maximized: false }, [
      screenA,
    ]);
    expect(s.bounds.width).toBe(MIN_SIZE.width);
    expect(s.bounds.height).toBe(MIN_SIZE.height);
  });

  it('round-trips through a file and treats a damaged file as none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-ws-'));
    const file = join(dir, 'nested', 'window-state.json');
    const state = { bounds: { x: 5, y: 6, width: 800, height: 600 }, maximized: false };
    await saveWindowState(file, state);
    expect(await loadWindowState(file)).toEqual(state);
    writeFileSync(file, '{"bounds":{"x":"NaN"');
    expect(await loadWindowState(file)).toBeNull();
    expect(await loadWindowState(join(dir, 'missing.json'))).toBeNull();
  });
});
