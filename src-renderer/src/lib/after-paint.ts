/**
 * Waiting for the window to show a frame before heavier content goes in,
 * so what is at hand (a card's summary) is on screen in the first frame
 * after a click, and the rest is drawn in the frame after, instead of
 * making that first frame late.
 *
 * Runs in the window.
 */

/** How long to wait for frames when none come (a hidden window, a page without rendering). */
const NO_FRAME_MS = 50;

/**
 * Resolves once the next frame has been produced, in the animation
 * callbacks of the frame after it: DOM changes made then are drawn in that
 * second frame, and the first one was not held up by them. Resolves after
 * `NO_FRAME_MS` when frames do not come, so a window that is not drawing
 * never holds content back for long.
 */
export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, NO_FRAME_MS);
    if (typeof requestAnimationFrame !== 'function') return;
    // A callback asked for during a frame's callbacks runs in the next frame.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        clearTimeout(fallback);
        resolve();
      }),
    );
  });
}
