// Where a popover goes next to its anchor: below it when it fits in the window, else above, and
// shifted sideways to stay inside. Pure geometry in viewport pixels, so every case is unit-tested.

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export type Side = "below" | "above";
/** Which edges line up: the anchor's and the popover's left edges (start), right edges (end), or centres. */
export type Align = "start" | "center" | "end";

export interface Placement {
  side: Side;
  /** Sideways shift from the aligned position, in px, that keeps the popover in the window. */
  shiftX: number;
}

export interface PlacementOptions {
  align: Align;
  /** Gap between the anchor and the popover. */
  offsetPx: number;
  /** The least room kept between the popover and the window's edges. */
  marginPx: number;
}

export function placeBeside(anchor: Rect, popover: Size, viewport: Size, options: PlacementOptions): Placement {
  const { align, offsetPx, marginPx } = options;
  const roomBelow = viewport.height - (anchor.top + anchor.height) - offsetPx - marginPx;
  const roomAbove = anchor.top - offsetPx - marginPx;
  const side: Side = popover.height <= roomBelow || (popover.height > roomAbove && roomBelow >= roomAbove) ? "below" : "above";

  const alignedLeft =
    align === "start"
      ? anchor.left
      : align === "end"
        ? anchor.left + anchor.width - popover.width
        : anchor.left + (anchor.width - popover.width) / 2;
  // Too wide for the window: its left edge stays visible (where text starts).
  const maxLeft = Math.max(marginPx, viewport.width - marginPx - popover.width);
  const left = Math.min(Math.max(alignedLeft, marginPx), maxLeft);
  return { side, shiftX: Math.round(left - alignedLeft) };
}
