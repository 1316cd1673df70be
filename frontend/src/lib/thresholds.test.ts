import { describe, expect, it } from "vitest";

import { DEFAULT_LEVEL_THRESHOLDS, LEVEL_COLORS, levelFor, thresholdsProblem, worstLevel } from "./thresholds";

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
  it("follows the thresholds given", () => {
    const levels = { warm: 10, hot: 20, critical: 30 };
    expect([9.9, 10, 20, 30, 100].map((p) => levelFor(p, levels))).toEqual(["ok", "warm", "hot", "critical", "critical"]);
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

describe("thresholdsProblem", () => {
  it("takes thresholds that rise, each above 0 and at most 100", () => {
    expect(thresholdsProblem(DEFAULT_LEVEL_THRESHOLDS)).toBeNull();
    expect(thresholdsProblem({ warm: 0.5, hot: 1, critical: 100 })).toBeNull();
  });
  it.each([
    [{ warm: 70, hot: 70, critical: 90 }],
    [{ warm: 80, hot: 70, critical: 90 }],
    [{ warm: 50, hot: 95, critical: 90 }],
    [{ warm: 0, hot: 70, critical: 90 }],
    [{ warm: 50, hot: 70, critical: 101 }],
    [{ warm: Number.NaN, hot: 70, critical: 90 }],
  ])("refuses %j, saying the rule", (levels) => {
    expect(thresholdsProblem(levels)).toBe(`Yellow ${levels.warm}, orange ${levels.hot}, red ${levels.critical}: each must be above the one before (100 at most).`);
  });
});
