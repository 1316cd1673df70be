import { describe, expect, it } from "vitest";

import { LEVEL_COLORS, levelFor } from "./thresholds";

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
