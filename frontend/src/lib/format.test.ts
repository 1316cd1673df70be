import { describe, expect, it } from "vitest";

import { formatGB, formatGHz, formatPercent, formatTemp, formatUsedOfTotalGB, MISSING, ratioPercent } from "./format";

const GB = 1024 ** 3;

describe("formatGB", () => {
  it("shows one decimal below 100 GB and none above", () => {
    expect(formatGB(12.34 * GB)).toBe("12.3 GB");
    expect(formatGB(0)).toBe("0.0 GB");
    expect(formatGB(128 * GB)).toBe("128 GB");
    expect(formatGB(5 * GB, false)).toBe("5.0");
  });
  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])("shows %s as missing", (value) => {
    expect(formatGB(value)).toBe(MISSING);
  });
});

describe("formatUsedOfTotalGB", () => {
  it("puts the unit once and drops a whole total's .0 (keeps the bar compact)", () => {
    expect(formatUsedOfTotalGB(5.2 * GB, 24 * GB)).toBe("5.2/24 GB");
    expect(formatUsedOfTotalGB(0, 23.54 * GB)).toBe("0.0/23.5 GB");
    expect(formatUsedOfTotalGB(100 * GB, 128 * GB)).toBe("100/128 GB");
  });
  it("never shows NaN or Infinity", () => {
    expect(formatUsedOfTotalGB(Number.NaN, 24 * GB)).toBe(MISSING);
    expect(formatUsedOfTotalGB(GB, Number.POSITIVE_INFINITY)).toBe(MISSING);
  });
  it("is missing when either side is unknown", () => {
    expect(formatUsedOfTotalGB(null, 24 * GB)).toBe(MISSING);
    expect(formatUsedOfTotalGB(GB, null)).toBe(MISSING);
  });
});

describe("formatPercent", () => {
  it("rounds and clamps", () => {
    expect(formatPercent(45.4)).toBe("45%");
    expect(formatPercent(45.5)).toBe("46%");
    expect(formatPercent(-3)).toBe("0%");
    expect(formatPercent(140)).toBe("100%");
  });
  it("shows NaN as missing, never as NaN%", () => {
    expect(formatPercent(Number.NaN)).toBe(MISSING);
    expect(formatPercent(null)).toBe(MISSING);
  });
});

describe("formatTemp", () => {
  it("rounds to whole degrees Celsius", () => {
    expect(formatTemp(64.6)).toBe("65°C");
    expect(formatTemp(undefined)).toBe(MISSING);
  });
});

describe("formatGHz", () => {
  it("converts MHz to GHz with two decimals", () => {
    expect(formatGHz(3600)).toBe("3.60 GHz");
    expect(formatGHz(4875.5)).toBe("4.88 GHz");
  });
  it("treats zero or negative as unknown (some VMs report 0 MHz)", () => {
    expect(formatGHz(0)).toBe(MISSING);
    expect(formatGHz(null)).toBe(MISSING);
  });
});

describe("ratioPercent", () => {
  it("divides and guards against a zero total", () => {
    expect(ratioPercent(1, 4)).toBe(25);
    expect(ratioPercent(1, 0)).toBeNull();
    expect(ratioPercent(null, 4)).toBeNull();
  });
});
