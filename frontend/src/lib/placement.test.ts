import { describe, expect, it } from "vitest";

import { placeBeside, type PlacementOptions } from "./placement";

const VIEWPORT = { width: 1000, height: 800 };
const OPTIONS: PlacementOptions = { align: "end", offsetPx: 12, marginPx: 4 };
const POPOVER = { width: 300, height: 120 };

describe("placeBeside", () => {
  it("goes below the anchor when it fits there", () => {
    expect(placeBeside({ left: 600, top: 50, width: 100, height: 30 }, POPOVER, VIEWPORT, OPTIONS)).toEqual({ side: "below", shiftX: 0 });
  });

  it("flips above an anchor at the bottom of the window", () => {
    const anchor = { left: 600, top: 700, width: 100, height: 30 };
    expect(placeBeside(anchor, POPOVER, VIEWPORT, OPTIONS).side).toBe("above");
  });

  it("needs the gap and the margin below too: one pixel short flips it", () => {
    // 800 - (500 + 164) - 12 - 4 = 120: just fits; one pixel lower does not.
    expect(placeBeside({ left: 600, top: 500, width: 100, height: 164 }, POPOVER, VIEWPORT, OPTIONS).side).toBe("below");
    expect(placeBeside({ left: 600, top: 501, width: 100, height: 164 }, POPOVER, VIEWPORT, OPTIONS).side).toBe("above");
  });

  it("where it fits on neither side, takes the roomier one", () => {
    const tall = { width: 300, height: 700 };
    expect(placeBeside({ left: 600, top: 100, width: 100, height: 30 }, tall, VIEWPORT, OPTIONS).side).toBe("below");
    expect(placeBeside({ left: 600, top: 600, width: 100, height: 30 }, tall, VIEWPORT, OPTIONS).side).toBe("above");
  });

  it("shifts right when its end-aligned box would leave the window on the left", () => {
    // Aligned right edges: left = 10 + 100 - 300 = -190; kept 4 px inside: shift 194.
    expect(placeBeside({ left: 10, top: 50, width: 100, height: 30 }, POPOVER, VIEWPORT, OPTIONS).shiftX).toBe(194);
  });

  it("shifts left when its start-aligned box would leave the window on the right", () => {
    const placement = placeBeside({ left: 900, top: 50, width: 80, height: 30 }, POPOVER, VIEWPORT, { ...OPTIONS, align: "start" });
    expect(placement.shiftX).toBe(1000 - 4 - 300 - 900);
  });

  it("centres on the anchor", () => {
    expect(placeBeside({ left: 400, top: 50, width: 200, height: 30 }, POPOVER, VIEWPORT, { ...OPTIONS, align: "center" }).shiftX).toBe(0);
  });

  it("keeps the left edge of a popover wider than the window in view", () => {
    const wide = { width: 1200, height: 100 };
    expect(placeBeside({ left: 800, top: 50, width: 100, height: 30 }, wide, VIEWPORT, OPTIONS).shiftX).toBe(4 - (900 - 1200));
  });
});
