import { describe, expect, it } from "vitest";

import { createPreferences } from "../lib/persistence";
import { COLLAPSED_SETTING } from "../lib/settingIds";
import { MemoryStorage } from "../testing/hud";
import { UiModeStore } from "./uiMode.svelte";

function storeWith(storage = new MemoryStorage()) {
  return { ui: new UiModeStore(createPreferences(() => null, storage)), storage };
}

describe("UiModeStore", () => {
  it("starts on the bar, shown and expanded", () => {
    const { ui } = storeWith();
    ui.load();
    expect([ui.mode, ui.visible, ui.collapsed]).toEqual([{ kind: "bar" }, true, false]);
  });

  it("loads the saved collapsed flag onto what the visible setting said first, and saves nothing", () => {
    const storage = new MemoryStorage();
    storage.setItem(COLLAPSED_SETTING, "true");
    const writes: string[] = [];
    const set = storage.setItem.bind(storage);
    storage.setItem = (key, value) => {
      writes.push(key);
      set(key, value);
    };
    const { ui } = storeWith(storage);
    ui.setVisible(false); // ComfyUI calls the setting's onChange at registration, before setup
    ui.load();
    expect(ui.mode).toEqual({ kind: "hidden", collapsed: true });
    ui.setVisible(true);
    expect(ui.mode).toEqual({ kind: "collapsed" });
    expect(writes).toEqual([]);
  });

  it("saves collapsed when a user action changes it, once per change", () => {
    const { ui, storage } = storeWith();
    ui.setCollapsed(false);
    expect(storage.items.size).toBe(0);
    ui.toggleCollapsed();
    expect(storage.getItem(COLLAPSED_SETTING)).toBe("true");
    ui.openModal("oom");
    ui.closeModal();
    expect(ui.mode).toEqual({ kind: "collapsed" });
    ui.toggleCollapsed();
    expect(storage.getItem(COLLAPSED_SETTING)).toBe("false");
  });

  it("collapsing closes the popup; escape closes the modal, then the popup, then reports nothing to close", () => {
    const { ui } = storeWith();
    ui.openPopup();
    ui.setCollapsed(true);
    expect(ui.mode).toEqual({ kind: "collapsed" });
    ui.setCollapsed(false);
    ui.togglePopup();
    ui.openModal("latest");
    ui.selectTab("analytics");
    expect(ui.mode).toEqual({ kind: "modal", tab: "analytics", under: { kind: "bar" } });
    expect(ui.escape()).toBe(true);
    expect(ui.mode).toEqual({ kind: "bar" });
    ui.openPopup();
    expect(ui.escape()).toBe(true);
    expect(ui.escape()).toBe(false);
    ui.closePopup();
    expect(ui.mode).toEqual({ kind: "bar" });
  });

  it("hiding the bar closes its popup; showing it again brings the bar back", () => {
    const { ui } = storeWith();
    ui.openPopup();
    ui.setVisible(false);
    expect([ui.mode.kind, ui.visible]).toEqual(["hidden", false]);
    ui.setVisible(true);
    expect(ui.mode).toEqual({ kind: "bar" });
  });
});
