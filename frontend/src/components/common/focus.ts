// Focus helpers shared by the primitives: what can take focus inside an element, and giving focus
// back to the element that had it before something opened.

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type='hidden'])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "[tabindex]:not([tabindex='-1'])",
].join(", ");

/** The elements inside `container` that Tab reaches, in document order (none hidden or inert). */
export function focusables(container: Element): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest("[hidden], [inert]"));
}

/** What gets focus when `container` opens: its `[data-autofocus]` element, else the container itself. */
export function initialFocusOf(container: HTMLElement): HTMLElement {
  return container.querySelector<HTMLElement>("[data-autofocus]") ?? container;
}

/** Remembers the focused element when something opens, and gives focus back to it when it closes. */
export class FocusReturn {
  #to: HTMLElement | null = null;

  remember(active: Element | null): void {
    this.#to = active instanceof HTMLElement && active !== active.ownerDocument.body ? active : null;
  }

  /**
   * Back to the remembered element when focus was inside `closing` (or went with it, to the body),
   * not when it has since gone somewhere of the user's choosing.
   */
  restore(active: Element | null, closing: Element): void {
    const to = this.#to;
    this.#to = null;
    const lost = active === null || active === active.ownerDocument.body || !active.isConnected || closing.contains(active);
    if (to?.isConnected && lost) to.focus();
  }
}
