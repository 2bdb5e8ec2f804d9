/**
 * Whether a click on a card or a table row ended a text selection inside
 * it: then the admin was selecting its text (to copy an email, say) and the
 * click must not open it. Text selected anywhere else does not count: a
 * query selected in the search box used to keep a card from opening when
 * the click landed on its picture (which moves no selection).
 *
 * Only a click that ends a drag, or a double or triple click, can end a
 * selection, so a single click whose press began where it ended does not
 * ask the selection at all. Asking costs a layout: in Chromium, `type`,
 * `anchorNode`, `isCollapsed` and `toString` all bring the layout up to
 * date first when the selection is in the search box or nowhere (220-400
 * ms each on a page of 20 000 paragraphs with a layout pending), and at a
 * click the grid's layout is often dirty. In a trace of the bench's 30 card
 * openings, 4 clicks laid the whole grid out inside the click that way, and
 * the frame laid it out again.
 *
 * Runs in the window.
 */

/** Movement (px) between press and click past which the click ended a drag. */
const DRAG_PX = 4;

/** Where the last press of the primary button began (captured on the window). */
let pressedAt: { x: number; y: number } | null = null;

window.addEventListener(
  'mousedown',
  (e) => {
    if (e.button === 0) pressedAt = { x: e.clientX, y: e.clientY };
  },
  { capture: true, passive: true },
);

/** True when a range of text that starts or ends inside `within` is selected. */
export function hasTextSelectionIn(within: Node): boolean {
  const selection = window.getSelection();
  if (!selection || selection.type !== 'Range') return false;
  const { anchorNode, focusNode } = selection;
  const touches =
    (anchorNode !== null && within.contains(anchorNode)) ||
    (focusNode !== null && within.contains(focusNode));
  return touches && selection.toString() !== '';
}

/**
 * True when `click` ended a selection of text inside `within`: a drag, or
 * the second or third click of a double or triple click (which selects a
 * word or a line where it stands). A click from the keyboard or a script
 * (no press), or a single click that did not move from its press, selected
 * nothing.
 */
export function clickEndedSelectionIn(
  click: { clientX: number; clientY: number; detail: number },
  within: Node,
): boolean {
  const from = pressedAt;
  if (click.detail === 0 || from === null) return false;
  const moved = Math.hypot(click.clientX - from.x, click.clientY - from.y) >= DRAG_PX;
  if (click.detail === 1 && !moved) return false;
  return hasTextSelectionIn(within);
}
