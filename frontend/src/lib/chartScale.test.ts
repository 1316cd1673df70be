import { describe, expect, it } from "vitest";

import { byteUnit, decimalsFor, durationUnit, hitRatePercent, niceRange, niceStep, niceTicks, PERCENT, tickLabels, withGaps } from "./chartScale";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

describe("byteUnit", () => {
  it.each([
    [null, "B"],
    [0, "B"],
    [1023, "B"],
    [1024, "KiB"],
    [MIB, "MiB"],
    [GIB - 1, "MiB"],
    [GIB, "GiB"],
    [80 * GIB, "GiB"],
    [2 * 1024 * GIB, "TiB"],
    [-3 * GIB, "GiB"],
  ])("%s bytes -> %s", (bytes, label) => {
    expect(byteUnit(bytes).label).toBe(label);
  });

  it("divides by powers of 1024", () => {
    expect(byteUnit(5 * GIB).divisor).toBe(GIB);
  });
});

describe("durationUnit", () => {
  it.each([
    [null, "ms", 1],
    [0, "ms", 1],
    [1999, "ms", 1],
    [2000, "s", 1000],
    [119_999, "s", 1000],
    [120_000, "min", 60_000],
    [7_200_000, "h", 3_600_000],
  ])("%s ms -> %s", (ms, label, divisor) => {
    expect(durationUnit(ms)).toEqual({ label, divisor });
  });

  it("answers the same object for the same unit (views rebuild a chart only when its unit changes)", () => {
    expect(durationUnit(3000)).toBe(durationUnit(9000));
    expect(byteUnit(2 * GIB)).toBe(byteUnit(7 * GIB));
  });
});

describe("niceStep", () => {
  it.each([
    [10, 5, 2],
    [100, 5, 20],
    [7, 5, 2],
    [1, 5, 0.2],
    [0.3, 3, 0.1],
    [95, 4, 50],
    [3, 10, 0.5],
  ])("span %s in at most %s ticks -> %s", (span, ticks, step) => {
    expect(niceStep(span, ticks)).toBeCloseTo(step, 12);
  });

  it("never gives more than maxTicks steps", () => {
    for (const span of [1, 3.3, 17, 99, 1234, 0.07]) {
      for (const ticks of [2, 4, 5, 8]) expect(span / niceStep(span, ticks)).toBeLessThanOrEqual(ticks + 1e-9);
    }
  });

  it("answers 1 for a span it cannot split", () => {
    expect(niceStep(0)).toBe(1);
    expect(niceStep(-5)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
    expect(niceStep(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe("niceRange", () => {
  it("starts at zero and ends on a round step above the largest value", () => {
    expect(niceRange([3, 7, 9.2])).toEqual([0, 10]);
    expect(niceRange([120, 480])).toEqual([0, 500]);
  });

  it("rounds in the unit the axis shows", () => {
    const [lo, hi] = niceRange([1.3 * GIB, 6.7 * GIB], byteUnit(6.7 * GIB));
    expect(lo).toBe(0);
    expect(hi / GIB).toBe(8);
  });

  it("goes below zero for negative values (a VRAM delta)", () => {
    expect(niceRange([-3, 4])).toEqual([-4, 4]);
  });

  it("still has a range for no values, missing values or a flat zero series", () => {
    expect(niceRange([])).toEqual([0, 1]);
    expect(niceRange([null, undefined, Number.NaN])).toEqual([0, 1]);
    expect(niceRange([0, 0])).toEqual([0, 1]);
  });

  it("does not add a step when the largest value is already round", () => {
    expect(niceRange([0, 100])).toEqual([0, 100]);
    expect(niceRange([100], PERCENT)).toEqual([0, 100]);
  });
});

describe("niceTicks", () => {
  it("puts ticks at round steps of the unit shown, ends of a nice range included", () => {
    const unit = byteUnit(9.3 * GIB);
    const [lo, hi] = niceRange([9.3 * GIB], unit);
    expect(niceTicks(lo, hi, unit)).toEqual([0, 2, 4, 6, 8, 10].map((g) => g * GIB));
    expect(niceTicks(0, 7500, durationUnit(7500))).toEqual([0, 2000, 4000, 6000]);
    expect(niceTicks(0, 100, PERCENT)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it("starts at the first step inside the range, and has none for an empty range", () => {
    expect(niceTicks(-3, 4, { label: "", divisor: 1 })).toEqual([-2, 0, 2, 4]);
    expect(niceTicks(5, 5, { label: "", divisor: 1 })).toEqual([5]);
    expect(niceTicks(5, 1, { label: "", divisor: 1 })).toEqual([]);
    expect(niceTicks(Number.NaN, 1, { label: "", divisor: 1 })).toEqual([]);
  });
});

describe("decimalsFor and tickLabels", () => {
  it("gives enough decimals to tell ticks apart", () => {
    expect(decimalsFor(1)).toBe(0);
    expect(decimalsFor(20)).toBe(0);
    expect(decimalsFor(0.5)).toBe(1);
    expect(decimalsFor(0.25)).toBe(2);
    expect(decimalsFor(2.5)).toBe(1);
    expect(decimalsFor(0.02)).toBe(2);
    expect(decimalsFor(0.0001)).toBe(3);
    expect(decimalsFor(0)).toBe(0);
  });

  it("labels ticks in the axis's unit with one precision", () => {
    expect(tickLabels([0, 2 * GIB, 4 * GIB], byteUnit(4 * GIB))).toEqual(["0 GiB", "2 GiB", "4 GiB"]);
    expect(tickLabels([0, 500, 1000, 1500], durationUnit(1500))).toEqual(["0 ms", "500 ms", "1000 ms", "1500 ms"]);
    expect(tickLabels([0, 2500, 5000], durationUnit(5000))).toEqual(["0.0 s", "2.5 s", "5.0 s"]);
    expect(tickLabels([0, 50, 100], PERCENT)).toEqual(["0%", "50%", "100%"]);
  });

  it("labels a single tick and never writes -0", () => {
    expect(tickLabels([3000], durationUnit(3000))).toEqual(["3 s"]);
    expect(tickLabels([-0, 1], { label: "", divisor: 1 })).toEqual(["0", "1"]);
  });
});

describe("hitRatePercent", () => {
  it("is the hits' share of lookups, null with no lookups", () => {
    expect(hitRatePercent(1, 4)).toBe(25);
    expect(hitRatePercent(0, 4)).toBe(0);
    expect(hitRatePercent(0, 0)).toBeNull();
  });
});

describe("withGaps", () => {
  const point = (start: number, y: number | null) => ({ start, y });
  const cols = (items: { start: number; y: number | null }[], bucket = 10) =>
    withGaps(items, (p) => p.start, bucket, [(p) => p.y, (p) => (p.y === null ? null : p.y * 2)]);

  it("gives x and one column per series for consecutive buckets", () => {
    expect(cols([point(0, 1), point(10, 2), point(20, 3)])).toEqual([
      [0, 10, 20],
      [1, 2, 3],
      [2, 4, 6],
    ]);
  });

  it("puts a null point into the first missing bucket of a gap, in every series", () => {
    expect(cols([point(0, 1), point(40, 2), point(50, 3)])).toEqual([
      [0, 10, 40, 50],
      [1, null, 2, 3],
      [2, null, 4, 6],
    ]);
  });

  it("keeps a bucket's own missing value as null", () => {
    expect(cols([point(0, null), point(10, 2)])).toEqual([
      [0, 10],
      [null, 2],
      [null, 4],
    ]);
  });

  it("handles no buckets and a single one", () => {
    expect(cols([])).toEqual([[], [], []]);
    expect(cols([point(5, 1)])).toEqual([[5], [1], [2]]);
  });

  it("inserts nothing without a bucket width", () => {
    expect(cols([point(0, 1), point(100, 2)], 0)[0]).toEqual([0, 100]);
  });
});
