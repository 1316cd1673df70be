// A popover's behaviour: its place beside the anchor, what dismisses it (Escape, a pointer outside),
// and focus (in on open, back to where it was on close). Popover.svelte only renders it.
import { placeBeside, type Align, type Placement, type Rect, type Size } from "../../lib/placement";
import { FocusReturn } from "./focus";

export type PopoverDismiss = "escape" | "outside";

/** The gap to the anchor and the least room to the window's edges, in px. */
export const POPOVER_OFFSET_PX = 12;
export const POPOVER_MARGIN_PX = 4;

export class PopoverState {
  placement = $state<Placement>({ side: "below", shiftX: 0 });
  #focus = new FocusReturn();
  #dismissed: PopoverDismiss | null = null;

  /** Place it beside the anchor: once it has rendered, and again when the window changes. */
  place(anchor: Rect, popover: Size, viewport: Size, align: Align): void {
    const next = placeBeside(anchor, popover, viewport, { align, offsetPx: POPOVER_OFFSET_PX, marginPx: POPOVER_MARGIN_PX });
    if (next.side !== this.placement.side || next.shiftX !== this.placement.shiftX) this.placement = next;
  }

  /** A key pressed in the popover or on its anchor: Escape dismisses. */
  keydown(key: string): PopoverDismiss | null {
    return key === "Escape" ? this.#dismiss("escape") : null;
  }

  /**
   * A pointer went down on the page: anywhere but the anchor and the popover dismisses, except in a
   * modal dialog (a confirmation the popover opened sits over it; answering it keeps the popover).
   */
  pointerdown(target: EventTarget | null, inside: readonly (Element | null | undefined)[]): PopoverDismiss | null {
    const node = target instanceof Node ? target : null;
    if (inside.some((element) => element && node && element.contains(node))) return null;
    const element = node instanceof Element ? node : (node?.parentElement ?? null);
    return element?.closest('[aria-modal="true"]') ? null : this.#dismiss("outside");
  }

  opened(active: Element | null): void {
    this.#dismissed = null;
    this.#focus.remember(active);
  }

  /** Focus goes back where it was, unless a pointer outside closed it: that click chose its own. */
  closed(active: Element | null, popover: Element): void {
    if (this.#dismissed === "outside") this.#focus.remember(null);
    this.#focus.restore(active, popover);
  }

  #dismiss(reason: PopoverDismiss): PopoverDismiss {
    this.#dismissed = reason;
    return reason;
  }
}
