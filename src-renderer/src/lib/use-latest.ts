/**
 * The latest value of something a render computed, behind a ref that keeps
 * its identity: callbacks made once (so memoised cards and rows are not
 * redrawn by new closures) read the current render's handlers through it.
 *
 * Runs in the window.
 */
import { useLayoutEffect, useRef, type RefObject } from 'react';

/** A ref holding `value` as of the last committed render. */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
