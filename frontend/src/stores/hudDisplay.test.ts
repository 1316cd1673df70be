import { describe, expect, it } from "vitest";

import { createPreferences } from "../lib/persistence";
import { DOCK_SETTING, HIDDEN_TILES_SETTING, PRESET_SETTING } from "../lib/settingIds";
import { MemoryStorage } from "../testing/hud";
import { HudDisplay } from "./hudDisplay.svelte";

/**
 * ComfyUI's settings as the extension sees them: saved per user (one map for every browser of the
 * user), a change calling the definition's onChange with the old value on the page that made it
 * (ComfyUI tells no other page).
 */
class FakeSettings {
  values = new Map<string, unknown>();
  writes: [string, unknown][] = [];
  read = (id: string): unknown => this.values.get(id);
  write(id: string, value: unknown, onChange: (id: string, value: unknown, old: unknown) => void): void {
    const old = this.values.get(id) ?? "";
    this.values.set(id, value);
    this.writes.push([id, value]);
    onChange(id, value, old);
  }
}

/** One browser (its own localStorage) on the user's settings; `set` is a change in its dialog. */
function browser(settings = new FakeSettings(), storage = new MemoryStorage()) {
  const onChange = (id: string, value: unknown, old: unknown) => display.onSetting(id, value, old);
  const set = (id: string, value: unknown) => settings.write(id, value, onChange);
  const display: HudDisplay = new HudDisplay({ local: createPreferences(() => null, storage), readSetting: settings.read, writeSetting: set });
  return { display, settings, storage, set };
}

describe("HudDisplay", () => {
  it("starts on Full, floating, and shows that in the dialog", () => {
    const { display, settings } = browser();
    display.load();
    expect([display.preset, display.hidden, display.dock]).toEqual(["full", [], "float"]);
    expect(settings.values.get(PRESET_SETTING)).toBe("full");
    expect(settings.values.get(HIDDEN_TILES_SETTING)).toBe("");
    expect(settings.values.get(DOCK_SETTING)).toBe("float");
  });

  it("applies a change made in the dialog at once and saves it in this browser, not only in the user's settings", () => {
    const { display, settings, storage, set } = browser();
    display.load();
    set(PRESET_SETTING, "minimal");
    set(DOCK_SETTING, "bottom");
    set(HIDDEN_TILES_SETTING, "gpu-temp, VRAM-3");
    expect([display.preset, display.hidden, display.dock]).toEqual(["minimal", ["gpu-temp", "vram-3"], "bottom"]);
    expect(storage.getItem(PRESET_SETTING)).toBe('"minimal"');
    expect(storage.getItem(DOCK_SETTING)).toBe('"bottom"');
    expect(storage.getItem(HIDDEN_TILES_SETTING)).toBe('"gpu-temp, vram-3"');
    // What the user typed stays as typed in the dialog.
    expect(settings.values.get(HIDDEN_TILES_SETTING)).toBe("gpu-temp, VRAM-3");
  });

  it("keeps each browser's own choice: at load it wins over the dialog's value, which then shows it", () => {
    const settings = new FakeSettings();
    const laptop = browser(settings);
    laptop.display.load();
    laptop.set(PRESET_SETTING, "laptop");
    const desktop = browser(settings, new MemoryStorage());
    desktop.storage.setItem(PRESET_SETTING, '"full"');
    desktop.storage.setItem(DOCK_SETTING, '"top"');
    desktop.display.load();
    expect(desktop.display.preset).toBe("full");
    expect(desktop.display.dock).toBe("top");
    expect(settings.values.get(PRESET_SETTING)).toBe("full");
    // The laptop's page reloads: its own choice again.
    const again = browser(settings, laptop.storage);
    again.display.load();
    expect(again.display.preset).toBe("laptop");
    expect(settings.values.get(PRESET_SETTING)).toBe("laptop");
  });

  it("ignores the dialog's value at registration (no old value) and other settings, and takes a value it cannot read as the default", () => {
    const { display, storage } = browser();
    storage.setItem(DOCK_SETTING, '"top"');
    display.load();
    display.onSetting(PRESET_SETTING, "compact", undefined);
    display.onSetting("SwissArmyKnife.monitor.visible", false, true);
    expect(display.preset).toBe("full");
    display.onSetting(PRESET_SETTING, "minimal", "full");
    display.onSetting(PRESET_SETTING, "sideways", "minimal");
    display.onSetting(DOCK_SETTING, 3, "top");
    expect(display.preset).toBe("full");
    expect(display.dock).toBe("float");
  });

  it("writes to the dialog only what differs from it", () => {
    const { display, settings } = browser();
    display.load();
    settings.writes = [];
    display.load();
    expect(settings.writes).toEqual([]);
  });

  it("hides a tile by switching to Custom with what the preset hid and that tile, and shows all again", () => {
    const { display, settings, storage, set } = browser();
    display.load();
    set(PRESET_SETTING, "minimal");
    display.hide("vram-1");
    expect(display.preset).toBe("custom");
    expect(display.hidden).toEqual(["cpu-temp", "gpu", "gpu-temp", "vram-1"]);
    expect(settings.values.get(PRESET_SETTING)).toBe("custom");
    expect(settings.values.get(HIDDEN_TILES_SETTING)).toBe("cpu-temp, gpu, gpu-temp, vram-1");
    expect(storage.getItem(PRESET_SETTING)).toBe('"custom"');
    display.hide("vram-1");
    expect(display.hidden).toHaveLength(4);
    display.showAll();
    expect(display.hidden).toEqual([]);
    expect(settings.values.get(HIDDEN_TILES_SETTING)).toBe("");
  });

  it("undocks and shows it in the dialog", () => {
    const { display, settings, storage } = browser();
    storage.setItem(DOCK_SETTING, '"top"');
    display.load();
    display.setDock("float");
    expect(settings.values.get(DOCK_SETTING)).toBe("float");
    expect(storage.getItem(DOCK_SETTING)).toBe('"float"');
  });

  it("works without a settings dialog (the writes go nowhere) and with a stored value it cannot read", () => {
    const storage = new MemoryStorage();
    storage.setItem(PRESET_SETTING, "{not json");
    const display = new HudDisplay({ local: createPreferences(() => null, storage), readSetting: () => undefined, writeSetting: () => {} });
    display.load();
    expect(display.preset).toBe("full");
    display.hide("cpu");
    expect(display.hidden).toEqual(["cpu"]);
  });
});
