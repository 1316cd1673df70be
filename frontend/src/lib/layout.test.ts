import { describe, expect, it } from "vitest";

import {
  CHROME_GAP,
  chromeFromPieces,
  clampPosition,
  DEFAULT_TOP,
  defaultPosition,
  dockedTop,
  dragPosition,
  isNudgeKey,
  NO_CHROME,
  nudgePosition,
  parsePosition,
  sameChrome,
  visibleArea,
  VIEWPORT_MARGIN,
  type Chrome,
  type ChromePiece,
} from "./layout";

const viewport = { width: 1280, height: 720 };
const size = { width: 400, height: 32 };
const area = visibleArea(size, viewport);

// What host/chrome.ts measured on the real frontends at 1600x1000 (tests/integration).
const wide = { width: 1600, height: 1000 };
const row = (top: number, height: number, left = 0, width = 1600): ChromePiece => ({ kind: "row", rect: { left, top, width, height } });
const floating = (left: number, top: number, width: number, height: number): ChromePiece => ({
  kind: "floating",
  rect: { left, top, width, height },
});

describe("chromeFromPieces", () => {
  it("1.27, new menu on top with the tabs in it: one 78px row", () => {
    const chrome = chromeFromPieces([row(0, 78), row(1000, 0), row(0, 38), floating(1335, 40, 265, 36)], wide);
    expect(chrome.top).toBe(78);
    expect(chrome.bottom).toBe(0);
  });

  it("1.27, menu at the bottom: the bottom row, nothing on top", () => {
    const chrome = chromeFromPieces([row(0, 0), row(922, 78), row(922, 38)], wide);
    expect([chrome.top, chrome.bottom]).toEqual([0, 78]);
  });

  it("chains rows that touch: a tab row under the menu row extends it", () => {
    expect(chromeFromPieces([row(40, 38), row(0, 40)], wide).top).toBe(78);
    expect(chromeFromPieces([row(0, 40), row(60, 30)], wide).top).toBe(40);
  });

  it("1.27's second-row tab strip is narrow: an obstacle, not a band", () => {
    const strip = row(40, 37, 64, 198);
    const chrome = chromeFromPieces([row(0, 40), strip], wide);
    expect(chrome.top).toBe(40);
    expect(chrome.obstacles).toEqual([strip.rect]);
  });

  it("1.45+: the tab row is the band; the action bar and graph menu float", () => {
    const chrome = chromeFromPieces([row(0, 38), floating(1237, 42, 359, 48), floating(67, 46, 119, 40)], wide);
    expect(chrome.top).toBe(38);
    expect(chrome.obstacles).toHaveLength(2);
  });

  it("a row that touches no edge floats; hidden pieces count for nothing", () => {
    const chrome = chromeFromPieces([row(300, 40), floating(1410, 500, 0, 0), row(0, 0)], wide);
    expect([chrome.top, chrome.bottom]).toEqual([0, 0]);
    expect(chrome.obstacles).toEqual([{ left: 0, top: 300, width: 1600, height: 40 }]);
  });

  it("no chrome at all (the legacy menu hidden, the standalone host)", () => {
    expect(chromeFromPieces([], wide)).toEqual(NO_CHROME);
  });
});

describe("sameChrome", () => {
  it("compares to the pixel", () => {
    const a: Chrome = { top: 78, bottom: 0, obstacles: [{ left: 1, top: 2, width: 3, height: 4 }] };
    expect(sameChrome(a, { ...a, obstacles: [{ left: 1.2, top: 2, width: 3, height: 4 }] })).toBe(true);
    expect(sameChrome(a, { ...a, top: 40 })).toBe(false);
    expect(sameChrome(a, { ...a, obstacles: [] })).toBe(false);
  });
});

describe("visibleArea / clampPosition", () => {
  it("keeps a position that fits", () => {
    expect(clampPosition({ x: 100, y: 200 }, area)).toEqual({ x: 100, y: 200 });
  });
  it("pulls the bar back inside every edge, with a margin", () => {
    expect(clampPosition({ x: -50, y: -10 }, area)).toEqual({ x: VIEWPORT_MARGIN, y: VIEWPORT_MARGIN });
    expect(clampPosition({ x: 5000, y: 5000 }, area)).toEqual({ x: 1280 - 400 - 4, y: 720 - 32 - 4 });
  });
  it("keeps off ComfyUI's menu rows at the top and the bottom", () => {
    const rows = visibleArea(size, viewport, { top: 78, bottom: 40, obstacles: [] });
    expect(rows).toEqual({ left: 4, top: 82, right: 876, bottom: 720 - 40 - 32 - 4 });
    expect(clampPosition({ x: 300, y: 2 }, rows)).toEqual({ x: 300, y: 82 });
    expect(clampPosition({ x: 300, y: 700 }, rows)).toEqual({ x: 300, y: 644 });
  });
  it("pins a bar bigger than what is left to its top-left", () => {
    expect(clampPosition({ x: 300, y: 10 }, visibleArea({ width: 2000, height: 32 }, viewport))).toEqual({ x: 4, y: 10 });
    const crowded = visibleArea(size, { width: 1280, height: 100 }, { top: 78, bottom: 40, obstacles: [] });
    expect(clampPosition({ x: 300, y: 300 }, crowded)).toEqual({ x: 300, y: 82 });
  });
  it("rounds to whole pixels and never returns NaN", () => {
    expect(clampPosition({ x: 10.6, y: 20.2 }, area)).toEqual({ x: 11, y: 20 });
    const p = clampPosition({ x: Number.NaN, y: Number.POSITIVE_INFINITY }, area);
    expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  });
});

describe("defaultPosition", () => {
  it("centered, 50px down, when nothing is in the way", () => {
    expect(defaultPosition(size, viewport)).toEqual({ x: 440, y: DEFAULT_TOP });
  });
  it("below a menu row that reaches lower than that (1.27's 78px top menu)", () => {
    expect(defaultPosition(size, viewport, { top: 78, bottom: 0, obstacles: [] })).toEqual({ x: 440, y: 78 + CHROME_GAP });
    // A 38px tab row (1.45) leaves the old spot free.
    expect(defaultPosition(size, viewport, { top: 38, bottom: 0, obstacles: [] }).y).toBe(DEFAULT_TOP);
  });
  it("below a floating control it would cover, and only then", () => {
    const runButton = { left: 800, top: 42, width: 359, height: 48 };
    expect(defaultPosition(size, viewport, { top: 38, bottom: 0, obstacles: [runButton] })).toEqual({ x: 440, y: 98 });
    const aside = { left: 1000, top: 42, width: 200, height: 48 };
    expect(defaultPosition(size, viewport, { top: 38, bottom: 0, obstacles: [aside] }).y).toBe(DEFAULT_TOP);
  });
  it("past a stack of obstacles, each found after moving below the last", () => {
    const first = { left: 500, top: 40, width: 100, height: 30 };
    const second = { left: 700, top: 75, width: 100, height: 30 };
    expect(defaultPosition(size, viewport, { top: 0, bottom: 0, obstacles: [second, first] }).y).toBe(105 + CHROME_GAP);
  });
  it("the first spot when obstacles fill the window down to its bottom", () => {
    const wall = { left: 0, top: 40, width: 1280, height: 700 };
    expect(defaultPosition(size, viewport, { top: 0, bottom: 0, obstacles: [wall] })).toEqual({ x: 440, y: DEFAULT_TOP });
  });
  it("stays inside a tiny window", () => {
    expect(defaultPosition({ width: 2000, height: 32 }, { width: 600, height: 60 }, { top: 78, bottom: 0, obstacles: [] })).toEqual({
      x: 4,
      y: 82,
    });
  });
});

describe("dockedTop", () => {
  it("holds the strip against the window's edge, or against ComfyUI's menu rows", () => {
    expect(dockedTop("top", 40, viewport)).toBe(0);
    expect(dockedTop("bottom", 40, viewport)).toBe(680);
    const rows: Chrome = { top: 78, bottom: 30, obstacles: [] };
    expect(dockedTop("top", 40, viewport, rows)).toBe(78);
    expect(dockedTop("bottom", 40, viewport, rows)).toBe(650);
  });

  it("moves past a floating piece it would cover: below it at the top, above it at the bottom", () => {
    const chrome: Chrome = { top: 40, bottom: 0, obstacles: [{ left: 900, top: 48, width: 300, height: 44 }, { left: 1100, top: 640, width: 160, height: 60 }] };
    expect(dockedTop("top", 40, viewport, chrome)).toBe(92);
    expect(dockedTop("bottom", 40, viewport, chrome)).toBe(600);
  });

  it("stays against the rows when the pieces leave no room", () => {
    const chrome: Chrome = { top: 0, bottom: 0, obstacles: [{ left: 0, top: 0, width: 1280, height: 700 }] };
    expect(dockedTop("top", 40, viewport, chrome)).toBe(0);
    expect(dockedTop("bottom", 40, viewport, chrome)).toBe(680);
  });
});

describe("dragPosition", () => {
  const start = { origin: { x: 440, y: 50 }, pointer: { x: 450, y: 60 }, size };
  it("moves the bar by the pointer's travel", () => {
    expect(dragPosition(start, { x: 500, y: 100 }, area)).toEqual({ x: 490, y: 90 });
    expect(dragPosition(start, { x: 450, y: 60 }, area)).toEqual({ x: 440, y: 50 });
  });
  it("stops at the window's edges and at the menus", () => {
    expect(dragPosition(start, { x: -1000, y: -1000 }, area)).toEqual({ x: 4, y: 4 });
    expect(dragPosition(start, { x: 450, y: -1000 }, visibleArea(size, viewport, { top: 78, bottom: 0, obstacles: [] }))).toEqual({
      x: 440,
      y: 82,
    });
  });
});

describe("nudgePosition", () => {
  it("moves 10px per arrow, 100px with Shift, clamped", () => {
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowRight", false, area)).toEqual({ x: 110, y: 100 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowUp", true, area)).toEqual({ x: 100, y: 4 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowLeft", false, area)).toEqual({ x: 90, y: 100 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowDown", false, area)).toEqual({ x: 100, y: 110 });
  });
  it("stops below the menu", () => {
    const below = visibleArea(size, viewport, { top: 78, bottom: 0, obstacles: [] });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowUp", true, below)).toEqual({ x: 100, y: 82 });
  });
  it("knows its keys", () => {
    expect(isNudgeKey("ArrowLeft")).toBe(true);
    expect(isNudgeKey("Enter")).toBe(false);
  });
});

describe("parsePosition", () => {
  it.each([
    [{ x: 10, y: 20 }, { x: 10, y: 20 }],
    ['{"x":10.4,"y":20}', { x: 10, y: 20 }],
    [null, null],
    [undefined, null],
    ["not json", null],
    [{ x: "10", y: 20 }, null],
    [{ x: Number.NaN, y: 1 }, null],
    [[1, 2], null],
  ])("%j -> %j", (saved, expected) => {
    expect(parsePosition(saved)).toEqual(expected);
  });
});
