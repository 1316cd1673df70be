import { describe, expect, it } from "vitest";

import { createPreferences } from "../lib/persistence";
import { MemoryStorage } from "../testing/hud";
import { COLLAPSED_SETTING, HudLayout, POSITION_SETTING } from "./hudLayout.svelte";

const rect = { left: 440, top: 50, width: 400, height: 32 };

function layoutWith(storage = new MemoryStorage()) {
  const layout = new HudLayout(createPreferences(() => null, storage), { width: 1280, height: 720 });
  layout.load();
  return { layout, storage };
}

describe("HudLayout", () => {
  it("starts at the default place, expanded and visible", () => {
    const { layout } = layoutWith();
    expect([layout.position, layout.collapsed, layout.visible, layout.dragging]).toEqual([null, false, true, false]);
  });

  it("a click on the handle without motion does not pin the bar", () => {
    const { layout, storage } = layoutWith();
    layout.beginDrag({ x: 450, y: 60 }, rect);
    layout.moveDrag({ x: 450, y: 60 });
    layout.endDrag();
    expect(layout.position).toBeNull();
    expect(storage.items.size).toBe(0);
  });

  it("saves once per drag, at the end", () => {
    const { layout, storage } = layoutWith();
    const writes: string[] = [];
    const original = storage.setItem.bind(storage);
    storage.setItem = (key, value) => {
      writes.push(key);
      original(key, value);
    };
    layout.beginDrag({ x: 450, y: 60 }, rect);
    for (let i = 1; i <= 20; i++) layout.moveDrag({ x: 450 + i * 5, y: 60 + i });
    expect(writes).toEqual([]);
    layout.endDrag();
    layout.endDrag();
    expect(writes).toEqual([POSITION_SETTING]);
    expect(JSON.parse(storage.getItem(POSITION_SETTING)!)).toEqual({ x: 540, y: 70 });
  });

  it("ignores moves without a drag", () => {
    const { layout } = layoutWith();
    layout.moveDrag({ x: 10, y: 10 });
    expect(layout.position).toBeNull();
  });

  it("survives a reload: a new layout reads what the old one saved", () => {
    const storage = new MemoryStorage();
    const { layout } = layoutWith(storage);
    layout.beginDrag({ x: 450, y: 60 }, rect);
    layout.moveDrag({ x: 350, y: 260 });
    layout.endDrag();
    layout.setCollapsed(true);
    const reloaded = layoutWith(storage).layout;
    expect(reloaded.position).toEqual({ x: 340, y: 250 });
    expect(reloaded.collapsed).toBe(true);
    expect(storage.getItem(COLLAPSED_SETTING)).toBe("true");
  });

  it("shows a saved spot inside a window that has shrunk, without overwriting it", () => {
    const storage = new MemoryStorage();
    storage.setItem(POSITION_SETTING, JSON.stringify({ x: 1000, y: 600 }));
    const { layout } = layoutWith(storage);
    layout.setBarSize({ width: 400, height: 32 });
    layout.setViewport({ width: 800, height: 400 });
    expect(layout.displayed).toEqual({ x: 396, y: 364 });
    expect(layout.position).toEqual({ x: 1000, y: 600 });
    layout.setViewport({ width: 1920, height: 1080 });
    expect(layout.displayed).toEqual({ x: 1000, y: 600 });
  });

  it("reset goes back to the default place and saves that", () => {
    const { layout, storage } = layoutWith();
    layout.nudge("ArrowDown", false, rect);
    expect(layout.position).toEqual({ x: 440, y: 60 });
    layout.resetPosition();
    expect(layout.position).toBeNull();
    expect(storage.getItem(POSITION_SETTING)).toBe("null");
  });

  it("toggles collapsed and writes only on change", () => {
    const { layout, storage } = layoutWith();
    layout.setCollapsed(false);
    expect(storage.items.size).toBe(0);
    layout.toggleCollapsed();
    expect(layout.collapsed).toBe(true);
    layout.toggleCollapsed();
    expect(storage.getItem(COLLAPSED_SETTING)).toBe("false");
  });

  it("a corrupt saved layout is the default one", () => {
    const storage = new MemoryStorage();
    storage.setItem(POSITION_SETTING, '{"x":"left"}');
    storage.setItem(COLLAPSED_SETTING, "maybe");
    const { layout } = layoutWith(storage);
    expect([layout.position, layout.collapsed]).toEqual([null, false]);
  });
});
