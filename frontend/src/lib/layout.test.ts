import { describe, expect, it } from "vitest";

import { clampPosition, dragPosition, isNudgeKey, nudgePosition, parseCollapsed, parsePosition, VIEWPORT_MARGIN } from "./layout";

const viewport = { width: 1280, height: 720 };
const size = { width: 400, height: 32 };

describe("clampPosition", () => {
  it("keeps a position that fits", () => {
    expect(clampPosition({ x: 100, y: 200 }, size, viewport)).toEqual({ x: 100, y: 200 });
  });
  it("pulls the bar back inside every edge, with a margin", () => {
    expect(clampPosition({ x: -50, y: -10 }, size, viewport)).toEqual({ x: VIEWPORT_MARGIN, y: VIEWPORT_MARGIN });
    expect(clampPosition({ x: 5000, y: 5000 }, size, viewport)).toEqual({ x: 1280 - 400 - 4, y: 720 - 32 - 4 });
  });
  it("pins a bar wider than the window to its left edge", () => {
    expect(clampPosition({ x: 300, y: 10 }, { width: 2000, height: 32 }, viewport)).toEqual({ x: 4, y: 10 });
  });
  it("rounds to whole pixels and never returns NaN", () => {
    expect(clampPosition({ x: 10.6, y: 20.2 }, size, viewport)).toEqual({ x: 11, y: 20 });
    const p = clampPosition({ x: Number.NaN, y: Number.POSITIVE_INFINITY }, size, viewport);
    expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  });
});

describe("dragPosition", () => {
  const start = { origin: { x: 440, y: 50 }, pointer: { x: 450, y: 60 }, size };
  it("moves the bar by the pointer's travel", () => {
    expect(dragPosition(start, { x: 500, y: 100 }, viewport)).toEqual({ x: 490, y: 90 });
    expect(dragPosition(start, { x: 450, y: 60 }, viewport)).toEqual({ x: 440, y: 50 });
  });
  it("stops at the window's edges", () => {
    expect(dragPosition(start, { x: -1000, y: -1000 }, viewport)).toEqual({ x: 4, y: 4 });
  });
});

describe("nudgePosition", () => {
  it("moves 10px per arrow, 100px with Shift, clamped", () => {
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowRight", false, size, viewport)).toEqual({ x: 110, y: 100 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowUp", true, size, viewport)).toEqual({ x: 100, y: 4 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowLeft", false, size, viewport)).toEqual({ x: 90, y: 100 });
    expect(nudgePosition({ x: 100, y: 100 }, "ArrowDown", false, size, viewport)).toEqual({ x: 100, y: 110 });
  });
  it("knows its keys", () => {
    expect(isNudgeKey("ArrowLeft")).toBe(true);
    expect(isNudgeKey("Enter")).toBe(false);
  });
});

describe("parsePosition / parseCollapsed", () => {
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
  it("collapses only for true", () => {
    expect(parseCollapsed(true)).toBe(true);
    expect(parseCollapsed("true")).toBe(true);
    expect(parseCollapsed(1)).toBe(false);
    expect(parseCollapsed(undefined)).toBe(false);
  });
});
