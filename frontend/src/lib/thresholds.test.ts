import { describe, expect, it } from "vitest";

import { LEVEL_COLORS, levelFor, worstLevel } from "./thresholds";

describe("levelFor", () => {
  it.each([
    [0, "ok"],
    [49.9, "ok"],
    [50, "warm"],
    [69.9, "warm"],
    [70, "hot"],
    [89.9, "hot"],
    [90, "critical"],
    [100, "critical"],
  ])("%s%% is %s", (percent, level) => {
    expect(levelFor(percent)).toBe(level);
  });
  it("is unknown without a number", () => {
    expect(levelFor(null)).toBe("unknown");
    expect(levelFor(Number.NaN)).toBe("unknown");
  });
  it("uses the product's colors", () => {
    expect(LEVEL_COLORS).toMatchObject({ ok: "#22c55e", warm: "#eab308", hot: "#f97316", critical: "#ef4444" });
  });
});

describe("worstLevel", () => {
  it("picks the most severe, ignoring unknown", () => {
    expect(worstLevel(["ok", "unknown", "hot", "warm"])).toBe("hot");
    expect(worstLevel(["unknown", "ok"])).toBe("ok");
    expect(worstLevel(["critical", "ok"])).toBe("critical");
  });
  it("is unknown for nothing known", () => {
    expect(worstLevel([])).toBe("unknown");
    expect(worstLevel(["unknown"])).toBe("unknown");
  });
});
