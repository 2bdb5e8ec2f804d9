import { afterEach, describe, expect, it } from 'vitest';
import { clickEndedSelectionIn, hasTextSelectionIn } from '@renderer/lib/text-selection';

describe('hasTextSelectionIn', () => {
  afterEach(() => {
    window.getSelection()?.removeAllRanges();
    document.body.innerHTML = '';
  });

  it('is true only for a selected range with text that starts or ends inside the element', () => {
    document.body.innerHTML =
      '<div id="card"><p id="name">Zoë Müller</p><p id="empty"></p></div><p id="elsewhere">ann</p>';
    const card = document.getElementById('card') as HTMLElement;
    const text = (id: string): Node => document.getElementById(id)?.firstChild as Node;
    const selection = window.getSelection() as Selection;
    expect(hasTextSelectionIn(card)).toBe(false);
    // A caret holds no text.
    selection.collapse(text('name'), 2);
    expect(selection.type).toBe('Caret');
    expect(hasTextSelectionIn(card)).toBe(false);
    selection.setBaseAndExtent(text('name'), 0, text('name'), 3);
    expect(selection.type).toBe('Range');
    expect(hasTextSelectionIn(card)).toBe(true);
    // Ended inside the card, begun outside it.
    selection.setBaseAndExtent(text('elsewhere'), 1, text('name'), 2);
    expect(hasTextSelectionIn(card)).toBe(true);
    // Text selected elsewhere (the search box, say) is not this card's.
    selection.setBaseAndExtent(text('elsewhere'), 0, text('elsewhere'), 3);
    expect(hasTextSelectionIn(card)).toBe(false);
    // A range inside the card that holds no text.
    const empty = document.getElementById('empty') as HTMLElement;
    selection.setBaseAndExtent(empty, 0, card, 2);
    expect(selection.type).toBe('Range');
    expect(hasTextSelectionIn(card)).toBe(false);
  });
});

describe('clickEndedSelectionIn', () => {
  afterEach(() => {
    window.getSelection()?.removeAllRanges();
    document.body.innerHTML = '';
  });

  it('asks the selection only for a click that ended a drag, or a double click', () => {
    document.body.innerHTML = '<div id="card"><p id="name">Zoë Müller</p></div>';
    const card = document.getElementById('card') as HTMLElement;
    const name = document.getElementById('name')?.firstChild as Node;
    const selection = window.getSelection() as Selection;
    selection.setBaseAndExtent(name, 0, name, 3);
    const press = (x: number): void => {
      card.dispatchEvent(
        new MouseEvent('mousedown', { bubbles: true, button: 0, clientX: x, clientY: 5 }),
      );
    };
    press(10);
    // Dragged 50 px: the text it selected in the card counts.
    expect(clickEndedSelectionIn({ clientX: 60, clientY: 5, detail: 1 }, card)).toBe(true);
    // Pressed and let go in place: no drag, so no text was selected by it.
    press(10);
    expect(clickEndedSelectionIn({ clientX: 12, clientY: 6, detail: 1 }, card)).toBe(false);
    // The second click of a double click selects a word where it stands: it counts.
    press(10);
    expect(clickEndedSelectionIn({ clientX: 10, clientY: 5, detail: 2 }, card)).toBe(true);
    // From the keyboard or a script (detail 0): no press at all.
    press(10);
    expect(clickEndedSelectionIn({ clientX: 60, clientY: 5, detail: 0 }, card)).toBe(false);
    // A press of another button (a right-click at the end) does not replace the primary one.
    press(10);
    card.dispatchEvent(
      new MouseEvent('mousedown', { bubbles: true, button: 2, clientX: 58, clientY: 5 }),
    );
    expect(clickEndedSelectionIn({ clientX: 60, clientY: 5, detail: 1 }, card)).toBe(true);
  });
});
