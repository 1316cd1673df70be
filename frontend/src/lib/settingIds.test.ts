import { describe, expect, it } from "vitest";

import { SETTING_IDS } from "./settingIds";

describe("setting ids", () => {
  it("are the ids users' settings are saved under (renaming one loses what they saved)", () => {
    expect(SETTING_IDS).toEqual([
      "SwissArmyKnife.monitor.visible",
      "SwissArmyKnife.monitor.sample_interval_s",
      "SwissArmyKnife.monitor.position",
      "SwissArmyKnife.monitor.collapsed",
      "SwissArmyKnife.debug_mode",
      "SwissArmyKnife.badges.mode",
      "SwissArmyKnife.badges.show_time",
      "SwissArmyKnife.badges.show_vram",
      "SwissArmyKnife.badges.opacity",
    ]);
  });
});
