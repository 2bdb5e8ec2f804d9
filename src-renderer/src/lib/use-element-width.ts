/**
 * The width of an element, kept current with a ResizeObserver: the grid
 * derives its number of columns from it.
 *
 * Runs in the window.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

/** Tracks `ref.current.clientWidth`. */
export function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
