import { describe, expect, it } from "vitest";

import type { NodeClassStats, ProfilerSeries, SeriesPoint } from "../api/types";
import { cachedShare, columnsMax, describeSeries, seriesColumns, seriesTotals, slowestClasses, successRate } from "./analytics";

const GIB = 1024 ** 3;

function point(start: number, overrides: Partial<SeriesPoint> = {}): SeriesPoint {
  return {
    start,
    runs: 2,
    successes: 2,
    errors: 0,
    interrupted: 0,
    ooms: 0,
    mean_duration_ms: 1000,
    max_duration_ms: 1500,
    mean_peak_vram_bytes: 4 * GIB,
    max_peak_vram_bytes: 6 * GIB,
    cache_hits: 1,
    cache_lookups: 4,
    ...overrides,
  };
}

function stats(classType: string, overrides: Partial<NodeClassStats> = {}): NodeClassStats {
  return {
    class_type: classType,
    runs: 10,
    cached_runs: 0,
    timed_runs: 10,
    mean_duration_ms: 100,
    min_duration_ms: 50,
    max_duration_ms: 200,
    p95_duration_ms: 190,
    total_duration_ms: 1000,
    time_share: 0.1,
    mean_vram_peak_delta_bytes: null,
    max_vram_peak_delta_bytes: null,
    ...overrides,
  };
}

const hour = 3600;
const series = (items: SeriesPoint[]): ProfilerSeries => ({ bucket_s: hour, since: null, until: null, items });

describe("seriesColumns", () => {
  it("gives each chart x and its series, a null point over missing buckets", () => {
    const columns = seriesColumns(series([point(0), point(hour, { mean_duration_ms: 2000, cache_hits: 0 }), point(4 * hour, { cache_lookups: 0, cache_hits: 0 })]));
    expect(columns.time).toEqual([
      [0, hour, 2 * hour, 4 * hour],
      [1000, 2000, null, 1000],
      [1500, 1500, null, 1500],
    ]);
    expect(columns.vram[1]).toEqual([4 * GIB, 4 * GIB, null, 4 * GIB]);
    expect(columns.vram[2]).toEqual([6 * GIB, 6 * GIB, null, 6 * GIB]);
    // No lookups in a bucket: no rate, not 0 %.
    expect(columns.cache[1]).toEqual([25, 0, null, null]);
  });

  it("keeps a bucket without successful runs as a null time", () => {
    const columns = seriesColumns(series([point(0, { successes: 0, mean_duration_ms: null, max_duration_ms: null })]));
    expect(columns.time).toEqual([[0], [null], [null]]);
  });
});

describe("columnsMax and seriesTotals", () => {
  it("finds the largest value over a chart's series", () => {
    expect(columnsMax([[0, 1], [3, null], [7, 2]])).toBe(7);
    expect(columnsMax([[0], [null]])).toBeNull();
  });

  it("adds up runs and lookups over buckets (the rate of the sums, not a mean of rates)", () => {
    const totals = seriesTotals(series([point(0, { cache_hits: 3, cache_lookups: 4 }), point(hour, { cache_hits: 0, cache_lookups: 12, max_duration_ms: 9000 })]));
    expect(totals).toEqual({ runs: 4, hitRatePercent: 18.75, maxDurationMs: 9000, maxPeakVramBytes: 6 * GIB });
    expect(seriesTotals(series([])).hitRatePercent).toBeNull();
  });
});

describe("describeSeries", () => {
  it("says the span and the extreme of each chart", () => {
    const s = series([point(0), point(hour, { max_duration_ms: 12_345 })]);
    expect(describeSeries(s, "time")).toMatch(/^2 periods with runs, from .* to .*; longest successful run 12\.3 s\.$/);
    expect(describeSeries(s, "vram")).toMatch(/highest peak VRAM 6\.0 GiB\.$/);
    expect(describeSeries(s, "cache")).toMatch(/25\.0% of node lookups served from the cache overall\.$/);
    expect(describeSeries(series([point(0, { cache_lookups: 0, cache_hits: 0 })]), "cache")).toMatch(/^1 period with runs.*no cache lookups\.$/);
  });

  it("says so when there are no runs", () => {
    expect(describeSeries(series([]), "time")).toBe("No runs stored yet.");
  });
});

describe("rates and shares", () => {
  it("gives a workflow's success rate, null without runs", () => {
    expect(successRate({ runs: 8, successes: 6 })).toBe(0.75);
    expect(successRate({ runs: 0, successes: 0 })).toBeNull();
  });

  it("gives a class's cached share, null without runs", () => {
    expect(cachedShare({ runs: 4, cached_runs: 1 })).toBe(0.25);
    expect(cachedShare({ runs: 0, cached_runs: 0 })).toBeNull();
  });
});

describe("slowestClasses", () => {
  it("ranks classes by mean time, slowest first, with their length against the slowest", () => {
    const ranked = slowestClasses([stats("VAEDecode", { mean_duration_ms: 400 }), stats("KSampler", { mean_duration_ms: 5000 }), stats("Save", { mean_duration_ms: 50 })]);
    expect(ranked.map((r) => r.stats.class_type)).toEqual(["KSampler", "VAEDecode", "Save"]);
    expect(ranked.map((r) => r.relative)).toEqual([1, 0.08, 0.01]);
  });

  it("leaves out classes never timed (always cached), keeps ties in name order, and cuts at the count", () => {
    const ranked = slowestClasses(
      [stats("B", { mean_duration_ms: 10 }), stats("A", { mean_duration_ms: 10 }), stats("Cached", { mean_duration_ms: null, timed_runs: 0 }), stats("C", { mean_duration_ms: 1 })],
      2,
    );
    expect(ranked.map((r) => r.stats.class_type)).toEqual(["A", "B"]);
  });

  it("gives zero lengths when the slowest mean is zero, and nothing for no classes", () => {
    expect(slowestClasses([stats("X", { mean_duration_ms: 0 })])[0]!.relative).toBe(0);
    expect(slowestClasses([])).toEqual([]);
  });
});
