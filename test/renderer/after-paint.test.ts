import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterNextPaint } from '@renderer/lib/after-paint';

/** Lets queued tasks run (a message, a zero timer). */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('afterNextPaint', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('resolves in the callbacks of the frame after the next one, not before', async () => {
    const frames: FrameRequestCallback[] = [];
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((callback) => {
      frames.push(callback);
      return frames.length;
    });
    let done = false;
    void afterNextPaint().then(() => {
      done = true;
    });
    await turn();
    expect(done).toBe(false);
    expect(frames).toHaveLength(1);
    // The next frame: it is drawn as it is, and asks for the one after.
    frames[0]?.(performance.now());
    await turn();
    expect(done).toBe(false);
    expect(frames).toHaveLength(2);
    // The frame after: what waited goes in now, and is drawn in this frame.
    frames[1]?.(performance.now());
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it('does not hold content back when no frame comes (a hidden window)', async () => {
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation(() => 1);
    let done = false;
    void afterNextPaint().then(() => {
      done = true;
    });
    await turn();
    expect(done).toBe(false);
    await vi.waitFor(() => expect(done).toBe(true), { timeout: 2000, interval: 10 });
  });
});
