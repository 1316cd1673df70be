// A modal dialog's behaviour: focus kept inside (Tab wraps at either end, focus that escapes is
// brought back), Escape and the backdrop ask to close, focus returns to the opener on close.
import { FocusReturn, focusables } from "./focus";

export type DialogDismiss = "escape" | "backdrop";

export class DialogState {
  #focus = new FocusReturn();

  opened(active: Element | null): void {
    this.#focus.remember(active);
  }

  /** The dialog closes: focus goes back to what opened it. */
  closed(active: Element | null, dialog: Element): void {
    this.#focus.restore(active, dialog);
  }

  /**
   * A key pressed inside the dialog: Escape asks to close; Tab past the last focusable element goes
   * to the first and Shift+Tab before the first to the last. Returns the element to focus, if any.
   */
  keydown(event: Pick<KeyboardEvent, "key" | "shiftKey">, container: HTMLElement, active: Element | null): DialogDismiss | HTMLElement | null {
    if (event.key === "Escape") return "escape";
    if (event.key !== "Tab") return null;
    const items = focusables(container);
    const first = items[0] ?? container;
    const last = items.at(-1) ?? container;
    const inside = active instanceof Node && container.contains(active);
    if (event.shiftKey) return !inside || active === first || active === container ? last : null;
    return !inside || active === last ? first : null;
  }

  /** Focus moved to `target`: outside the dialog it is brought back in (to the first element). */
  focusin(target: EventTarget | null, container: HTMLElement): HTMLElement | null {
    return target instanceof Node && container.contains(target) ? null : (focusables(container)[0] ?? container);
  }
}
