import { describe, expect, it } from "vitest";

import { formatGiB, formatGHz, formatPercent, formatTemp, formatUsedOfTotalGiB, MISSING, ratioPercent } from "./format";

const GIB = 1024 ** 3;

describe("formatGiB", () => {
  it("shows one decimal below 100 GIB and none above", () => {
    expect(formatGiB(12.34 * GIB)).toBe("12.3 GiB");
    expect(formatGiB(0)).toBe("0.0 GiB");
    expect(formatGiB(128 * GIB)).toBe("128 GiB");
    expect(formatGiB(5 * GIB, false)).toBe("5.0");
  });
  it.each([null, undefined, Number.NaN, Number.POSITIVE_INFINITY])("shows %s as missing", (value) => {
    expect(formatGiB(value)).toBe(MISSING);
  });
});

describe("formatUsedOfTotalGiB", () => {
  it("puts the unit once and drops a whole total's .0 (keeps the bar compact)", () => {
    expect(formatUsedOfTotalGiB(5.2 * GIB, 24 * GIB)).toBe("5.2/24 GiB");
    expect(formatUsedOfTotalGiB(0, 23.54 * GIB)).toBe("0.0/23.5 GiB");
    expect(formatUsedOfTotalGiB(100 * GIB, 128 * GIB)).toBe("100/128 GiB");
  });
  it("never shows NaN or Infinity", () => {
    expect(formatUsedOfTotalGiB(Number.NaN, 24 * GIB)).toBe(MISSING);
    expect(formatUsedOfTotalGiB(GIB, Number.POSITIVE_INFINITY)).toBe(MISSING);
  });
  it("is missing when either side is unknown", () => {
    expect(formatUsedOfTotalGiB(null, 24 * GIB)).toBe(MISSING);
    expect(formatUsedOfTotalGiB(GIB, null)).toBe(MISSING);
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
