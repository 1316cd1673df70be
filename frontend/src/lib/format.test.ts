import { describe, expect, it } from "vitest";

import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatDuration,
  formatGHz,
  formatGiB,
  formatPercent,
  formatShare,
  formatSigned,
  formatTemp,
  formatUsedOfTotalGiB,
  MISSING,
  ratioPercent,
} from "./format";

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

describe("formatDuration", () => {
  it.each([
    [0, "0.0 ms"],
    [0.42, "0.4 ms"],
    [12.4, "12 ms"],
    [850, "850 ms"],
    [999.4, "999 ms"],
    [999.6, "1.00 s"],
    [9.96, "10 ms"],
    [1000, "1.00 s"],
    [1234, "1.23 s"],
    [12_345, "12.3 s"],
    [59_940, "59.9 s"],
    [59_960, "1m 0.0s"],
    [60_000, "1m 0.0s"],
    [350_900, "5m 50.9s"],
    [3_599_900, "59m 59.9s"],
    [3_600_000, "1h 00m 00s"],
    [3_912_000, "1h 05m 12s"],
    [-1500, "\u22121.50 s"],
  ])("%s ms -> %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
  it.each([null, undefined, Number.NaN])("shows %s as missing", (value) => {
    expect(formatDuration(value)).toBe(MISSING);
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [3.5 * 1024, "3.5 KiB"],
    [768 * 1024 ** 2, "768 MiB"],
    [12.34 * GIB, "12.3 GiB"],
    [128 * GIB, "128 GiB"],
    [2048 * GIB, "2.0 TiB"],
    [-512 * 1024 ** 2, "\u2212512 MiB"],
  ])("%s bytes -> %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
  it("shows missing as --", () => {
    expect(formatBytes(null)).toBe(MISSING);
  });
});

describe("formatSigned", () => {
  it("always shows the sign, the minus as U+2212", () => {
    expect(formatSigned(1500, formatDuration)).toBe("+1.50 s");
    expect(formatSigned(-GIB, formatBytes)).toBe("\u22121.0 GiB");
    expect(formatSigned(0, formatDuration)).toBe("±0.0 ms");
    expect(formatSigned(null, formatDuration)).toBe(MISSING);
  });
});

describe("formatShare, formatCount, formatDateTime", () => {
  it("writes a share with one decimal", () => {
    expect(formatShare(0.1234)).toBe("12.3%");
    expect(formatShare(1)).toBe("100.0%");
    expect(formatShare(null)).toBe(MISSING);
  });
  it("writes counts with separators", () => {
    expect(formatCount(10_000)).toBe("10,000");
    expect(formatCount(7)).toBe("7");
    expect(formatCount(undefined)).toBe(MISSING);
  });
  it("writes a Unix time as local date and time, zero-padded", () => {
    const local = new Date(2026, 0, 5, 4, 3, 7).getTime() / 1000;
    expect(formatDateTime(local)).toBe("2026-01-05 04:03:07");
    expect(formatDateTime(null)).toBe(MISSING);
  });
});
