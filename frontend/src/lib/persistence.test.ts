import { describe, expect, it, vi } from "vitest";

import { MemoryStorage } from "../testing/hud";
import { createPreferences, type SettingsAccess } from "./persistence";

function comfySettings(values = new Map<string, unknown>()): SettingsAccess & { values: Map<string, unknown> } {
  return { values, get: (id) => values.get(id), set: async (id, value) => void values.set(id, value) };
}

describe("createPreferences", () => {
  it("uses ComfyUI's settings when the frontend has them", () => {
    const comfy = comfySettings();
    const local = new MemoryStorage();
    const prefs = createPreferences(() => comfy, local);
    prefs.write("a", { x: 1, y: 2 });
    expect(prefs.backend).toBe("comfy");
    expect(comfy.values.get("a")).toEqual({ x: 1, y: 2 });
    expect(local.items.size).toBe(0);
    expect(prefs.read("a")).toEqual({ x: 1, y: 2 });
  });

  it("falls back to localStorage (JSON) without them", () => {
    const local = new MemoryStorage();
    const prefs = createPreferences(() => null, local);
    prefs.write("a", true);
    expect(prefs.backend).toBe("local");
    expect(local.getItem("a")).toBe("true");
    expect(createPreferences(() => null, local).read("a")).toBe(true);
    expect(prefs.read("missing")).toBeUndefined();
  });

  it("decides per call: settings that appear later are used from then on", () => {
    let comfy: SettingsAccess | null = null;
    const prefs = createPreferences(() => comfy, new MemoryStorage());
    expect(prefs.backend).toBe("local");
    comfy = comfySettings();
    expect(prefs.backend).toBe("comfy");
  });

  it("survives a corrupt value, a throwing storage and a rejecting settings API", async () => {
    const local = new MemoryStorage();
    local.setItem("a", "{oops");
    expect(createPreferences(() => null, local).read("a")).toBeUndefined();

    const full = new MemoryStorage();
    full.setItem = () => {
      throw new DOMException("quota", "QuotaExceededError");
    };
    const prefs = createPreferences(() => null, full);
    prefs.write("b", 5);
    expect(prefs.read("b")).toBe(5);

    const onError = vi.fn();
    const failing: SettingsAccess = {
      get: () => {
        throw new Error("no store");
      },
      set: () => Promise.reject(new Error("offline")),
    };
    const comfy = createPreferences(() => failing, null, onError);
    expect(comfy.read("c")).toBeUndefined();
    comfy.write("c", 1);
    await Promise.resolve();
    await Promise.resolve();
    expect(onError).toHaveBeenCalledTimes(2);
  });

  it("keeps values in memory with no storage at all", () => {
    const prefs = createPreferences(() => null, null);
    prefs.write("a", 1);
    expect(prefs.backend).toBe("memory");
    expect(prefs.read("a")).toBe(1);
  });
});
