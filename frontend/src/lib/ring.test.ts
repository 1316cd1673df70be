import { describe, expect, it } from "vitest";

import openapi from "../api/openapi.gen.json";
import { snapshot, status } from "../testing/fixtures";
import { HISTORY_MAX_S, ringCapacity, seriesOf, TileSeries, windowSeconds } from "./ring";
import { buildTiles } from "./tiles";

/** A sample of the CPU tile alone (no GPUs), at `time` seconds. */
const cpu = (time: number, percent: number | null) => snapshot({ sampled_at: time, cpu_percent: percent, gpus: [] });

function seriesOfCpu(samples: [number, number | null][], capacity = 100): TileSeries {
  const series = new TileSeries(capacity);
  for (const [time, percent] of samples) series.add(cpu(time, percent));
  return series;
}

/** The times it holds, oldest first. */
function times(series: TileSeries): number[] {
  return Array.from({ length: series.size }, (_, i) => series.times[series.slot(i)]!);
}

describe("TileSeries", () => {
  it("keeps the newest `capacity` samples, oldest first, overwriting in place", () => {
    const series = new TileSeries(3);
    const array = series.times;
    for (let t = 1; t <= 5; t++) series.add(cpu(t, t * 10));
    expect(times(series)).toEqual([3, 4, 5]);
    expect(series.end).toBe(5);
    expect(series.path("cpu", 4, 10)).toBe("M50 70h0L75 60L100 50");
    // No allocation per sample: the same typed array all along.
    expect(series.times).toBe(array);
  });

  it("ignores a sample not newer than the last (a duplicate of what it holds)", () => {
    const series = seriesOfCpu([
      [10, 1],
      [10, 2],
      [9, 3],
      [11, null],
    ]);
    expect(times(series)).toEqual([10, 11]);
    expect(new TileSeries(2).end).toBe(-Infinity);
  });

  it("merges samples of any time in order, one per time: what it held is kept", () => {
    const series = seriesOfCpu([
      [50, 50],
      [70, 70],
    ]).merged([cpu(30, 30), cpu(40, 40), cpu(50, 99), cpu(60, 60), cpu(80, null)], 10);
    expect(series.capacity).toBe(10);
    expect(times(series)).toEqual([30, 40, 50, 60, 70, 80]);
    // The missing value at 80 s is the right edge: the line ends at 70 s.
    expect(series.path("cpu", 100, 100)).toBe("M50 70h0L60 60L70 50L80 40L90 30");
  });

  it("keeps the newest samples in a smaller copy (a shorter window, a longer interval)", () => {
    const series = seriesOfCpu(Array.from({ length: 10 }, (_, i) => [10 * (i + 1), 50] as [number, number]), 20).merged([], 3);
    expect(times(series)).toEqual([80, 90, 100]);
  });

  it("keeps each tile's values apart; a tile that came later is missing before", () => {
    const series = new TileSeries(10);
    series.add(cpu(0, 10));
    series.add(snapshot({ sampled_at: 50, cpu_percent: 20 }));
    series.add(snapshot({ sampled_at: 100, cpu_percent: 30 }));
    expect(series.path("cpu", 100, 60)).toBe("M0 90h0L50 80L100 70");
    expect(series.path("gpu-0", 100, 60)).toBe("M50 5h0L100 5");
    expect(series.path("gpu-7", 100, 60)).toBe("");
  });
});

describe("TileSeries.path", () => {
  it("leaves out what is older than the window and clamps values to 0..100", () => {
    const series = seriesOfCpu([
      [0, 10],
      [60, -5],
      [100, 140],
    ]);
    expect(series.path("cpu", 50, 60)).toBe("M20 100h0L100 0");
  });

  it("breaks the line at a missing value and at a gap, a lone sample a dot", () => {
    const missing = seriesOfCpu([
      [0, 10],
      [10, 20],
      [20, null],
      [30, 40],
      [100, 50],
    ]);
    expect(missing.path("cpu", 100, 15)).toBe("M0 90h0L10 80M30 60h0M100 50h0");
  });

  it("draws one point per x unit, the highest of its samples, however many there are", () => {
    const series = new TileSeries(1001);
    for (let t = 0; t <= 1000; t++) series.add(cpu(t, t === 13 ? 90 : 10));
    const d = series.path("cpu", 1000, 5);
    expect(d.match(/[ML]/g)).toHaveLength(101);
    // x unit 1 holds the samples at 5..14, the spike at 13 among them.
    expect(d.startsWith("M0 90h0L1 10L2 90L3 90")).toBe(true);
  });

  it("is empty when nothing is in the window", () => {
    expect(new TileSeries(4).path("cpu", 60, 5)).toBe("");
  });
});

describe("windowSeconds and ringCapacity", () => {
  it("read the setting's minutes, clamped to 1..30, the default 5 for what is not a number", () => {
    expect(windowSeconds(5)).toBe(300);
    expect(windowSeconds(0.2)).toBe(60);
    expect(windowSeconds(90)).toBe(1800);
    expect(windowSeconds("x")).toBe(300);
    expect(windowSeconds(undefined)).toBe(300);
  });
  it("size the ring by the window and the interval", () => {
    expect(ringCapacity(300, 2)).toBe(151);
    expect(ringCapacity(1800, 0.5)).toBe(3601);
  });
  it("ask the server for no more than its ring keeps (the OpenAPI document's maximum)", () => {
    const seconds = openapi.paths["/swissarmyknife/monitor/history"].get.parameters[0]!;
    expect(seconds.schema.maximum).toBe(HISTORY_MAX_S);
  });
});

describe("seriesOf", () => {
  it("gives every tile of the bar its value, the tile's fill", () => {
    const seen = new Map<string, number | null>();
    const sample = snapshot();
    seriesOf(sample, (id, value) => seen.set(id, value));
    const tiles = buildTiles(status({ snapshot: sample }), sample);
    expect([...seen.keys()].sort()).toEqual(tiles.map((t) => t.id).sort());
    for (const tile of tiles) expect(seen.get(tile.id)).toBeCloseTo(tile.percent!, 6);
  });
  it("is null where a figure is missing", () => {
    const seen = new Map<string, number | null>();
    seriesOf(snapshot({ cpu_percent: null, ram_total_bytes: null, gpus: [] }), (id, value) => seen.set(id, value));
    expect(seen.get("cpu")).toBeNull();
    expect(seen.get("ram")).toBeNull();
    expect(seen.size).toBe(3);
  });
});
