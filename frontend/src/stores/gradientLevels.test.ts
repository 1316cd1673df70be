import { describe, expect, it, vi } from "vitest";

import { LEVEL_SETTINGS } from "../lib/settingIds";
import { GradientLevelsStore } from "./gradientLevels.svelte";

const flush = async () => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

/** The three settings as ComfyUI 1.27/1.45 keep them (onChange with the old value, then stored). */
function harness(saved: Partial<Record<keyof typeof LEVEL_SETTINGS, number>> = {}) {
  const values = new Map<string, unknown>(Object.entries(saved).map(([level, value]) => [LEVEL_SETTINGS[level as keyof typeof LEVEL_SETTINGS], value]));
  const notifyError = vi.fn();
  const write = (id: string, value: unknown) => {
    const old = values.get(id);
    if (Object.is(old, value)) return;
    const level = (Object.keys(LEVEL_SETTINGS) as (keyof typeof LEVEL_SETTINGS)[]).find((key) => LEVEL_SETTINGS[key] === id)!;
    store.onSettingChange(level, value, old);
    values.set(id, value);
  };
  const store = new GradientLevelsStore({ ids: LEVEL_SETTINGS, readSetting: (id) => values.get(id), writeSetting: write, notifyError });
  return { store, values, write, notifyError };
}

describe("GradientLevelsStore", () => {
  it("starts at 50/70/90 and takes the saved thresholds at registration, one setting at a time", () => {
    const { store } = harness({ warm: 75, hot: 80, critical: 95 });
    expect(store.current).toEqual({ warm: 50, hot: 70, critical: 90 });
    // Registration calls each onChange in turn: 75 is checked against the saved 80 and 95, not the defaults.
    store.onSettingChange("warm", 75, undefined);
    expect(store.current).toEqual({ warm: 75, hot: 80, critical: 95 });
  });

  it("applies a change that keeps them in order", () => {
    const { store, write, notifyError } = harness();
    write(LEVEL_SETTINGS.critical, 80);
    expect(store.current).toEqual({ warm: 50, hot: 70, critical: 80 });
    expect(notifyError).not.toHaveBeenCalled();
  });

  it("refuses one that puts them out of order, saying why, keeps the previous and puts the setting back", async () => {
    const { store, values, write, notifyError } = harness({ warm: 50, hot: 70, critical: 90 });
    write(LEVEL_SETTINGS.hot, 95);
    expect(notifyError).toHaveBeenCalledWith("Tile colours not changed", "Yellow 50, orange 95, red 90: each must be above the one before (100 at most).");
    expect(store.current).toEqual({ warm: 50, hot: 70, critical: 90 });
    await flush();
    expect(values.get(LEVEL_SETTINGS.hot)).toBe(70);
    expect(store.current.hot).toBe(70);
  });

  it("keeps the defaults, quietly, when the saved thresholds are out of order", () => {
    const { store, notifyError } = harness({ warm: 95, hot: 70, critical: 90 });
    store.onSettingChange("warm", 95, undefined);
    expect(store.current).toEqual({ warm: 50, hot: 70, critical: 90 });
    expect(notifyError).not.toHaveBeenCalled();
  });
});
