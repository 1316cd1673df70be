import { describe, expect, it } from "vitest";

import { SETTING_IDS } from "./settingIds";

describe("setting ids", () => {
  it("are the ids users' settings are saved under (renaming one loses what they saved)", () => {
    expect(SETTING_IDS).toEqual([
      "SwissArmyKnife.monitor.visible",
      "SwissArmyKnife.monitor.sample_interval_s",
      "SwissArmyKnife.monitor.position",
      "SwissArmyKnife.monitor.collapsed",
      "SwissArmyKnife.monitor.preset",
      "SwissArmyKnife.monitor.hidden_tiles",
      "SwissArmyKnife.monitor.dock",
      "SwissArmyKnife.debug_mode",
      "SwissArmyKnife.badges.mode",
      "SwissArmyKnife.badges.show_time",
      "SwissArmyKnife.badges.show_vram",
      "SwissArmyKnife.badges.opacity",
      "SwissArmyKnife.sparklines.enabled",
      "SwissArmyKnife.sparklines.window_minutes",
      "SwissArmyKnife.toasts.verbosity",
      "SwissArmyKnife.monitor.level_warm_percent",
      "SwissArmyKnife.monitor.level_hot_percent",
      "SwissArmyKnife.monitor.level_critical_percent",
      "SwissArmyKnife.profiler.enabled",
      "SwissArmyKnife.profiler.vram_warning_percent",
      "SwissArmyKnife.profiler.vram_critical_percent",
      "SwissArmyKnife.actions.guard",
    ]);
  });
});
