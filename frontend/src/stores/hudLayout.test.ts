import { describe, expect, it } from "vitest";

import { createPreferences } from "../lib/persistence";
import { POSITION_SETTING } from "../lib/settingIds";
import { MemoryStorage } from "../testing/hud";
import { HudLayout } from "./hudLayout.svelte";

const rect = { left: 440, top: 50, width: 400, height: 32 };

function layoutWith(storage = new MemoryStorage()) {
  const layout = new HudLayout(createPreferences(() => null, storage), { width: 1280, height: 720 });
  layout.load();
  return { layout, storage };
}

describe("HudLayout", () => {
  it("starts at the default place, not dragging", () => {
    const { layout } = layoutWith();
    expect([layout.position, layout.dragging, layout.displayed]).toEqual([null, false, null]);
    layout.setBarSize({ width: 400, height: 32 });
    expect(layout.displayed).toEqual({ x: 440, y: 50 });
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
    const reloaded = layoutWith(storage).layout;
    expect(reloaded.position).toEqual({ x: 340, y: 250 });
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

  it("follows ComfyUI's menus: the default place moves below them, nothing is saved", () => {
    const { layout, storage } = layoutWith();
    layout.setBarSize({ width: 400, height: 32 });
    layout.setChrome({ top: 78, bottom: 0, obstacles: [] });
    expect(layout.displayed).toEqual({ x: 440, y: 86 });
    layout.setChrome({ top: 0, bottom: 78, obstacles: [] });
    expect(layout.displayed).toEqual({ x: 440, y: 50 });
    expect(storage.items.size).toBe(0);
  });

  it("shows a saved spot that a menu now covers just below it, and back where it was when the menu goes", () => {
    const storage = new MemoryStorage();
    storage.setItem(POSITION_SETTING, JSON.stringify({ x: 300, y: 2 }));
    const { layout } = layoutWith(storage);
    layout.setBarSize({ width: 400, height: 32 });
    layout.setChrome({ top: 78, bottom: 0, obstacles: [] });
    expect(layout.displayed).toEqual({ x: 300, y: 82 });
    layout.setChrome({ top: 0, bottom: 0, obstacles: [] });
    expect(layout.displayed).toEqual({ x: 300, y: 4 });
    expect(JSON.parse(storage.getItem(POSITION_SETTING)!)).toEqual({ x: 300, y: 2 });
  });

  it("drags and nudges stop at the menus", () => {
    const { layout } = layoutWith();
    layout.setChrome({ top: 78, bottom: 40, obstacles: [] });
    layout.beginDrag({ x: 450, y: 100 }, { left: 440, top: 90, width: 400, height: 32 });
    layout.moveDrag({ x: 450, y: -500 });
    expect(layout.position).toEqual({ x: 440, y: 82 });
    layout.moveDrag({ x: 450, y: 5000 });
    expect(layout.position).toEqual({ x: 440, y: 720 - 40 - 32 - 4 });
    layout.endDrag();
    layout.nudge("ArrowDown", true, { left: 440, top: 644, width: 400, height: 32 });
    expect(layout.position).toEqual({ x: 440, y: 644 });
  });

  it("ignores a chrome measurement that changed nothing", () => {
    const { layout } = layoutWith();
    const chrome = { top: 78, bottom: 0, obstacles: [] };
    layout.setChrome(chrome);
    layout.setChrome({ top: 78, bottom: 0, obstacles: [] });
    expect(layout.chrome).toBe(chrome);
  });

  it("a corrupt saved layout is the default one", () => {
    const storage = new MemoryStorage();
    storage.setItem(POSITION_SETTING, '{"x":"left"}');
    const { layout } = layoutWith(storage);
    expect(layout.position).toBeNull();
  });
});
