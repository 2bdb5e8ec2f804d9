/**
 * Remembers where the window was, and puts it back only where a screen still
 * is: a window restored onto a monitor that was unplugged is a window lost.
 *
 * Node only; never imports `electron`.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A rectangle in screen coordinates. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What is saved between runs. */
export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

/** The size a first run opens at. */
export const DEFAULT_SIZE = { width: 1280, height: 820 };
/** The smallest window the layout works in. */
export const MIN_SIZE = { width: 720, height: 480 };

function isRect(v: unknown): v is Rect {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every(
    (k) => typeof r[k] === 'number' && Number.isFinite(r[k] as number),
  );
}

/**
 * The bounds to open with: the saved ones if at least a 100x50 strip of the
 * title area is on a current display's work area (clamped to the minimum
 * size), else the default size centred on the first display.
 */
export function fitToDisplays(saved: WindowState | null, workAreas: Rect[]): WindowState {
  const primary = workAreas[0] ?? {
    x: 0,
    y: 0,
    width: DEFAULT_SIZE.width,
    height: DEFAULT_SIZE.height,
  };
  const fallback: WindowState = {
    bounds: {
      width: Math.min(DEFAULT_SIZE.width, primary.width),
      height: Math.min(DEFAULT_SIZE.height, primary.height),
      x: primary.x + Math.max(0, Math.round((primary.width - DEFAULT_SIZE.width) / 2)),
      y: primary.y + Math.max(0, Math.round((primary.height - DEFAULT_SIZE.height) / 2)),
    },
    maximized: false,
  };
  if (!saved) return fallback;
  const b = {
    ...saved.bounds,
    width: Math.max(MIN_SIZE.width, Math.round(saved.bounds.width)),
    height: Math.max(MIN_SIZE.height, Math.round(saved.bounds.height)),
  };
  const titleStrip = { x: b.x, y: b.y, width: b.width, height: 50 };
  const visible = workAreas.some((a) => {
    const w =
      Math.min(titleStrip.x + titleStrip.width, a.x + a.width) - Math.max(titleStrip.x, a.x);
    const h =
      Math.min(titleStrip.y + titleStrip.height, a.y + a.height) - Math.max(titleStrip.y, a.y);
    return w >= 100 && h >= 50;
  });
  return visible
    ? { bounds: b, maximized: saved.maximized }
    : { ...fallback, maximized: saved.maximized };
}

/** Reads the saved state; a missing or damaged file means "none". */
export async function loadWindowState(file: string): Promise<WindowState | null> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof data !== 'object' || data === null) return null;
    const d = data as Record<string, unknown>;
    if (!isRect(d.bounds)) return null;
    return { bounds: d.bounds, maximized: d.maximized === true };
  } catch {
    return null;
  }
}

/** Writes the state atomically (temp file + rename), so a crash never leaves half a file. */
export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state), 'utf8');
  await rename(tmp, file);
}
