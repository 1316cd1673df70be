// What Chart.svelte hands uPlot: options built from a chart's description (its x axis, one or two
// y axes with their units, its series) and the palette read from the design tokens, so scales,
// ticks and colours are decided here, where they are tested, and uPlot only draws.
import uPlot from "uplot";

import { niceRange, niceTicks, tickLabels, type AxisUnit } from "../../lib/chartScale";

/** The series colours tokens.css defines (--swissarmyknife-chart-1 ... -5). */
export const CHART_COLORS = ["chart-1", "chart-2", "chart-3", "chart-4", "chart-5"] as const;
export type ChartColor = (typeof CHART_COLORS)[number];

export interface ChartSeries {
  label: string;
  color: ChartColor;
  /** The y axis it is read against: "y" (left, default) or "y2" (right). */
  axis?: "y" | "y2";
  /** Bars for counts per bucket; lines (default) for measures. */
  kind?: "line" | "bars";
  /** A dashed line: the secondary measure of a pair (a maximum beside its mean). */
  dashed?: boolean;
  /** How the legend writes a value of this series (hover readout); by default the axis's unit. */
  format?: (value: number) => string;
}

export interface ChartSpec {
  /** Unix seconds on a time axis, or plain numbers in a unit. */
  x: { kind: "time" } | { kind: "number"; unit: AxisUnit };
  y: AxisUnit;
  y2?: AxisUnit;
  series: readonly ChartSeries[];
}

export interface ChartPalette {
  text: string;
  grid: string;
  font: string;
  colors: Record<ChartColor, string>;
}

/** Fallbacks for a page without our tokens (they are our dark look's values). */
export const DEFAULT_PALETTE: ChartPalette = {
  text: "#f4f4f5",
  grid: "rgba(244, 244, 245, 0.1)",
  font: "system-ui, sans-serif",
  colors: { "chart-1": "#60a5fa", "chart-2": "#f59e0b", "chart-3": "#34d399", "chart-4": "#a78bfa", "chart-5": "#f87171" },
};

export type ChartData = uPlot.AlignedData;

const AXIS_FONT_PX = 11;
// Room for the widest tick label ("1000 ms", "12.5 GiB") at the axis font.
const Y_AXIS_SIZE_PX = 64;

function valuesOf(data: ChartData | null | undefined, spec: ChartSpec, axis: "y" | "y2"): (number | null | undefined)[] {
  const out: (number | null | undefined)[] = [];
  spec.series.forEach((s, i) => {
    if ((s.axis ?? "y") === axis) out.push(...((data?.[i + 1] ?? []) as (number | null | undefined)[]));
  });
  return out;
}

function axisFor(scale: string, unit: AxisUnit, side: 1 | 3, palette: ChartPalette, grid: boolean): uPlot.Axis {
  return {
    scale,
    side,
    size: Y_AXIS_SIZE_PX,
    stroke: palette.text,
    font: `${AXIS_FONT_PX}px ${palette.font}`,
    grid: { show: grid, stroke: palette.grid, width: 1 },
    ticks: { show: false },
    splits: (_u, _axis, min, max) => niceTicks(min, max, unit),
    values: (_u, splits) => tickLabels(splits, unit),
  };
}

function numericAxis(unit: AxisUnit): Pick<uPlot.Axis, "splits" | "values"> {
  return { splits: (_u, _axis, min, max) => niceTicks(min, max, unit), values: (_u, splits) => tickLabels(splits, unit) };
}

/** uPlot's options for a chart of `width` x `height` CSS pixels. */
export function chartOptions(spec: ChartSpec, palette: ChartPalette, width: number, height: number): uPlot.Options {
  const font = `${AXIS_FONT_PX}px ${palette.font}`;
  const scales: uPlot.Scales = {
    x: spec.x.kind === "time" ? { time: true } : { time: false },
    // From the data the chart holds when it rescales (setData), so new data needs no new options.
    y: { range: (u) => niceRange(valuesOf(u.data, spec, "y"), spec.y) },
  };
  const axes: uPlot.Axis[] = [
    {
      stroke: palette.text,
      font,
      grid: { show: false },
      ticks: { show: true, stroke: palette.grid, width: 1, size: 4 },
      ...(spec.x.kind === "number" ? numericAxis(spec.x.unit) : {}),
    },
    axisFor("y", spec.y, 3, palette, true),
  ];
  if (spec.y2) {
    const y2 = spec.y2;
    scales["y2"] = { range: (u) => niceRange(valuesOf(u.data, spec, "y2"), y2) };
    axes.push(axisFor("y2", y2, 1, palette, false));
  }
  const series: uPlot.Series[] = [
    {},
    ...spec.series.map((s): uPlot.Series => {
      const unit = (s.axis ?? "y") === "y2" && spec.y2 ? spec.y2 : spec.y;
      const color = palette.colors[s.color];
      const base: uPlot.Series = {
        label: s.label,
        scale: s.axis ?? "y",
        stroke: color,
        width: 2,
        value: (_u, v) => (v === null || v === undefined ? "--" : s.format ? s.format(v) : (tickLabels([v], unit)[0] ?? "--")),
      };
      if (s.kind === "bars") {
        return { ...base, width: 0, fill: color, paths: uPlot.paths.bars?.({ size: [0.7, 24] }), points: { show: false } };
      }
      return { ...base, dash: s.dashed ? [6, 4] : undefined, spanGaps: false, points: { size: 5, fill: color } };
    }),
  ];
  return { width, height, scales, axes, series, legend: { show: true, live: true }, cursor: { drag: { x: false, y: false } } };
}

/** A colour token as the page resolves it (color-mix and var() included), or the fallback. */
function resolveColor(probe: HTMLElement, token: string, fallback: string): string {
  probe.style.color = "";
  probe.style.color = `var(--swissarmyknife-${token})`;
  const value = getComputedStyle(probe).color;
  return value && !value.includes("var(") ? value : fallback;
}

/** The chart's palette from the tokens in force where `element` sits (light palettes included). */
export function readPalette(element: HTMLElement): ChartPalette {
  const probe = document.createElement("span");
  probe.hidden = true;
  element.append(probe);
  try {
    const colors = Object.fromEntries(CHART_COLORS.map((c) => [c, resolveColor(probe, c, DEFAULT_PALETTE.colors[c])])) as Record<ChartColor, string>;
    const font = getComputedStyle(element).getPropertyValue("--swissarmyknife-font-family").trim();
    return {
      text: resolveColor(probe, "color-fg", DEFAULT_PALETTE.text),
      grid: resolveColor(probe, "chart-grid", DEFAULT_PALETTE.grid),
      font: font || DEFAULT_PALETTE.font,
      colors,
    };
  } finally {
    probe.remove();
  }
}
