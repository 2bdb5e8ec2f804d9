/**
 * jsdom setup for the window's component tests: jest-dom matchers, a clean
 * DOM and fresh stores after each test, and the little layout jsdom lacks
 * (it computes no sizes): the grid's (and the table's) scroll box reports a window-sized box,
 * so the virtualizer has rows to lay out, and elements can scroll.
 */
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { resetStores } from '@renderer/stores/reset';

/** The size the grid's scroll box reports; a test may change it. */
export const gridBox = { width: 1200, height: 800 };

function sized(el: Element, axis: 'width' | 'height'): number {
  return el.classList.contains('grid-scroller') || el.classList.contains('table-scroller')
    ? gridBox[axis]
    : 0;
}

Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
  configurable: true,
  get(this: HTMLElement) {
    return sized(this, 'width');
  },
});
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get(this: HTMLElement) {
    return sized(this, 'height');
  },
});
Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
  configurable: true,
  get(this: HTMLElement) {
    return sized(this, 'height');
  },
});
if (!('scrollTo' in Element.prototype)) {
  Object.defineProperty(Element.prototype, 'scrollTo', {
    configurable: true,
    value(this: Element, options?: ScrollToOptions | number, y?: number) {
      const top = typeof options === 'object' ? options.top : y;
      if (typeof top === 'number') this.scrollTop = top;
      this.dispatchEvent(new Event('scroll'));
    },
  });
}

afterEach(() => {
  cleanup();
  resetStores();
  gridBox.width = 1200;
  gridBox.height = 800;
});
