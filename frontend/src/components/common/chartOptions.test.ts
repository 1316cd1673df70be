import type uPlot from "uplot";
import { afterEach, describe, expect, it } from "vitest";

import { byteUnit, durationUnit, PERCENT } from "../../lib/chartScale";
import { chartOptions, DEFAULT_PALETTE, readPalette, type ChartSpec } from "./chartOptions";

const GIB = 1024 ** 3;

const timeSpec: ChartSpec = {
  x: { kind: "time" },
  y: durationUnit(4000),
  series: [
    { label: "Mean time", color: "chart-1" },
    { label: "Max time", color: "chart-2", dashed: true },
  ],
};

/** What uPlot hands a scale's range function: the chart, whose data is what it holds now. */
const holding = (data: uPlot.AlignedData) => ({ data }) as unknown as uPlot;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("chartOptions", () => {
  it("puts time on x and sizes the chart as asked", () => {
    const options = chartOptions(timeSpec, DEFAULT_PALETTE, 640, 200);
    expect(options.width).toBe(640);
    expect(options.height).toBe(200);
    expect(options.scales?.["x"]?.time).toBe(true);
  });

  it("ranges y from zero to a round step over the values the chart holds when it rescales", () => {
    const range = chartOptions(timeSpec, DEFAULT_PALETTE, 640, 200).scales!["y"]!.range as uPlot.Range.Function;
    expect(range(holding([[1, 2], [1200, 3100], [1500, null]]), 0, 0, "y")).toEqual([0, 4000]);
    // New data, same options: the range follows.
    expect(range(holding([[1], [12_000], [null]]), 0, 0, "y")).toEqual([0, 15_000]);
  });

  it("splits y at round steps of the axis's unit and labels the ticks in it", () => {
    const axis = chartOptions({ ...timeSpec, y: byteUnit(9 * GIB) }, DEFAULT_PALETTE, 640, 200).axes![1]!;
    const splits = axis.splits as (u: uPlot, axis: number, min: number, max: number) => number[];
    const values = axis.values as (u: uPlot, splits: number[]) => string[];
    const ticks = splits({} as uPlot, 1, 0, 10 * GIB);
    expect(values({} as uPlot, ticks)).toEqual(["0 GiB", "2 GiB", "4 GiB", "6 GiB", "8 GiB", "10 GiB"]);
  });

  it("labels a numeric x axis in its unit, and leaves a time axis to uPlot", () => {
    const numeric = chartOptions({ ...timeSpec, x: { kind: "number", unit: durationUnit(500) } }, DEFAULT_PALETTE, 640, 200);
    const values = numeric.axes![0]!.values as (u: uPlot, splits: number[]) => string[];
    expect(values({} as uPlot, [0, 250, 500])).toEqual(["0 ms", "250 ms", "500 ms"]);
    expect(numeric.scales?.["x"]?.time).toBe(false);
    expect(chartOptions(timeSpec, DEFAULT_PALETTE, 640, 200).axes![0]!.values).toBeUndefined();
  });

  it("draws each series in its token's colour, a dashed one dashed, gaps left open", () => {
    const [, mean, max] = chartOptions(timeSpec, DEFAULT_PALETTE, 640, 200).series;
    expect(mean).toMatchObject({ label: "Mean time", stroke: DEFAULT_PALETTE.colors["chart-1"], spanGaps: false, scale: "y" });
    expect(mean!.dash).toBeUndefined();
    expect(max).toMatchObject({ stroke: DEFAULT_PALETTE.colors["chart-2"], dash: [6, 4] });
  });

  it("gives bars a fill and uPlot's bar paths", () => {
    const spec: ChartSpec = { x: { kind: "time" }, y: { label: "runs", divisor: 1 }, series: [{ label: "Runs", color: "chart-3", kind: "bars" }] };
    const bars = chartOptions(spec, DEFAULT_PALETTE, 640, 200).series[1]!;
    expect(bars.fill).toBe(DEFAULT_PALETTE.colors["chart-3"]);
    expect(typeof bars.paths).toBe("function");
  });

  it("adds a right axis and scale for series read against y2", () => {
    const spec: ChartSpec = {
      x: { kind: "time" },
      y: byteUnit(8 * GIB),
      y2: PERCENT,
      series: [
        { label: "Peak VRAM", color: "chart-1" },
        { label: "Hit rate", color: "chart-3", axis: "y2" },
      ],
    };
    const options = chartOptions(spec, DEFAULT_PALETTE, 640, 200);
    expect(options.axes).toHaveLength(3);
    expect(options.axes![2]).toMatchObject({ scale: "y2", side: 1 });
    expect(options.series[2]!.scale).toBe("y2");
    const y2 = options.scales!["y2"]!.range as uPlot.Range.Function;
    expect(y2(holding([[1], [3 * GIB], [62]]), 0, 0, "y2")).toEqual([0, 80]);
    const y = options.scales!["y"]!.range as uPlot.Range.Function;
    expect(y(holding([[1], [3 * GIB], [62]]), 0, 0, "y")).toEqual([0, 3 * GIB]);
  });

  it("writes legend values in the series' unit or its own format, -- for none", () => {
    const spec: ChartSpec = { ...timeSpec, series: [{ label: "Mean", color: "chart-1" }, { label: "Max", color: "chart-2", format: (v) => `${v} ms!` }] };
    const [, mean, max] = chartOptions(spec, DEFAULT_PALETTE, 640, 200).series;
    const value = (s: uPlot.Series, v: number | null) => (s.value as (u: uPlot, v: number | null) => string)({} as uPlot, v);
    expect(value(mean!, 2500)).toBe("2.5 s");
    expect(value(mean!, null)).toBe("--");
    expect(value(max!, 7)).toBe("7 ms!");
  });
});

describe("readPalette", () => {
  it("falls back to our dark look where the tokens do not resolve", () => {
    const element = document.createElement("div");
    document.body.append(element);
    const palette = readPalette(element);
    expect(Object.keys(palette.colors)).toEqual(["chart-1", "chart-2", "chart-3", "chart-4", "chart-5"]);
    expect(palette.font.length).toBeGreaterThan(0);
    expect(element.childElementCount).toBe(0);
  });

  it("reads the colours the page gives the tokens", () => {
    const element = document.createElement("div");
    element.style.setProperty("--swissarmyknife-chart-2", "rgb(1, 2, 3)");
    element.style.setProperty("--swissarmyknife-font-family", "Inter");
    document.body.append(element);
    const palette = readPalette(element);
    expect(palette.colors["chart-2"]).toBe("rgb(1, 2, 3)");
    expect(palette.font).toBe("Inter");
  });
});
