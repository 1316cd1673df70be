import { describe, expect, it, vi } from "vitest";

import type { SettingDefinition } from "../lib/settings";
import { SettingsPanelStore } from "./settingsPanel.svelte";

function definitions() {
  return [
    { id: "a.visible", name: "Visible", type: "boolean", defaultValue: true, category: ["X", "Bar", "Visible"], onChange: vi.fn() },
    { id: "a.position", name: "Position", type: "hidden", defaultValue: null },
    { id: "a.mode", name: "Mode", type: "combo", defaultValue: "on", options: ["on", "off"], category: ["X", "Badges", "Mode"], onChange: vi.fn() },
  ] satisfies SettingDefinition[];
}

describe("SettingsPanelStore", () => {
  it("registers the definitions with onChange telling it the value first, then the definition's own", () => {
    const defs = definitions();
    const panel = new SettingsPanelStore({ read: () => undefined, write: () => true, lockedReason: () => null });
    const registered = panel.register(defs);
    expect(registered.map((d) => d.id)).toEqual(["a.visible", "a.position", "a.mode"]);
    expect(panel.sections.map((s) => s.name)).toEqual(["Bar", "Badges"]);
    expect(panel.value("a.visible")).toBe(true);
    registered[0]!.onChange!(false, true);
    expect(panel.value("a.visible")).toBe(false);
    expect(defs[0]!.onChange).toHaveBeenCalledWith(false, true);
  });

  it("reads what the frontend holds until an onChange says otherwise", () => {
    const panel = new SettingsPanelStore({ read: (id) => (id === "a.mode" ? "off" : undefined), write: () => true, lockedReason: () => null });
    panel.register(definitions());
    expect(panel.value("a.mode")).toBe("off");
  });

  it("writes a change through ComfyUI's settings, which call onChange", () => {
    const write = vi.fn(() => true);
    const defs = definitions();
    const panel = new SettingsPanelStore({ read: () => undefined, write, lockedReason: () => null });
    panel.register(defs);
    panel.set("a.mode", "off");
    expect(write).toHaveBeenCalledWith("a.mode", "off");
    expect(defs[2]!.onChange).not.toHaveBeenCalled();
    panel.set("a.visible", true);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("without a settings API, runs the onChange itself with the old value", () => {
    const defs = definitions();
    const panel = new SettingsPanelStore({ read: () => undefined, write: () => false, lockedReason: (id) => (id === "a.mode" ? "locked" : null) });
    panel.register(defs);
    panel.set("a.mode", "off");
    expect(defs[2]!.onChange).toHaveBeenCalledWith("off", "on");
    expect(panel.value("a.mode")).toBe("off");
    expect(panel.lockedReason("a.mode")).toBe("locked");
  });
});
