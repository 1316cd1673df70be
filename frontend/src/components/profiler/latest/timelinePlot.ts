// The Latest tab's timeline drawn by uPlot: a chart of one bar per node (a row each, in execution
// order, drawn in uPlot's draw hook on its time axis) over a chart of VRAM and RAM as lines, their
// cursors synced so a hover reads both. Timeline.svelte renders around it (the model swimlane
// between the two, on the same axis: PLOT_INSET); what a time on the axis means (which node) is
// lib/timeline.ts's, and the colours come from the design tokens.
import uPlot from "uplot";

import { byteUnit, niceRange, niceTicks, tickLabels, type AxisUnit } from "../../../lib/chartScale";
import { barAtTime, SHARE_STEPS, type ColorMode, type Timeline, type TimelineBar } from "../../../lib/timeline";
import { CHART_COLORS, readPalette, type ChartPalette } from "../../common/chartOptions";

export interface TimelinePlotInput {
  timeline: Timeline;
  colorMode: ColorMode;
  selectedNodeId: string | null;
}

export interface TimelinePlotEvents {
  /** The pointer is over `bar` (null: over none), `leftPx` from the timeline's left edge (CSS px). */
  hover(bar: TimelineBar | null, leftPx: number): void;
  /** A click on a bar. */
  select(bar: TimelineBar): void;
}

export interface TimelinePlot {
  update(input: TimelinePlotInput): void;
  resize(widthPx: number): void;
  destroy(): void;
}

/** Where the two charts go: the bars', and the memory lines' under it (the swimlane may sit between). */
export interface TimelinePlotTargets {
  bars: HTMLElement;
  memory: HTMLElement;
}

export type TimelinePlotFactory = (targets: TimelinePlotTargets, input: TimelinePlotInput, events: TimelinePlotEvents, widthPx: number) => TimelinePlot;

/** Rows this tall at most; a long run's rows shrink to fit BARS_MAX_PX (under a pixel each past 220 nodes). */
export const ROW_MAX_PX = 16;
export const BARS_MIN_PX = 48;
export const BARS_MAX_PX = 220;
/** What uPlot keeps around the bars' plot area (its padding; the bars chart shows no axis labels). */
const BARS_CHROME_PX = 12;
export const MEMORY_HEIGHT_PX = 140;
/** The y axes' width, the same on both charts so their time axes line up. */
export const AXIS_WIDTH_PX = 64;
/** How near (px) a click beside a bar still finds it: a node of a millisecond is a hairline. */
export const HIT_SLOP_PX = 3;
const SECONDS: AxisUnit = { label: "s", divisor: 1 };
const PADDING_RIGHT_PX = 18;
/** The same padding on both charts (top, right, bottom, left), so their time axes span the same pixels. */
const PADDING: uPlot.Padding = [6, PADDING_RIGHT_PX, 0, 0];
/** The plot area's distance from the charts' edges (px): the y axis on the left, the padding on the right. */
export const PLOT_INSET = { leftPx: AXIS_WIDTH_PX, rightPx: PADDING_RIGHT_PX } as const;
/** Colour strength per share step (lib/timeline.ts's SHARE_STEPS). */
const SHARE_ALPHA = [0.22, 0.4, 0.6, 0.8, 1] as const;

/** The bars chart's height for `rows` nodes: a row each, within bounds. */
export function barsHeightPx(rows: number): number {
  return BARS_CHROME_PX + Math.round(Math.min(BARS_MAX_PX, Math.max(BARS_MIN_PX, rows * ROW_MAX_PX)));
}

/**
 * The time axis: round steps of seconds. Labelled under the memory chart only; the bars chart above
 * keeps its grid lines (the same ticks, so both line up) without labels.
 */
function timeAxis(palette: ChartPalette, labelled: boolean): uPlot.Axis {
  return {
    scale: "x",
    side: 2,
    size: labelled ? 30 : 0,
    stroke: palette.text,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { show: labelled, stroke: palette.grid, width: 1, size: 4 },
    font: `11px ${palette.font}`,
    splits: (_u, _axis, min, max) => niceTicks(min, max, SECONDS, 8),
    values: (_u, ticks) => (labelled ? tickLabels(ticks, SECONDS) : ticks.map(() => "")),
  };
}

/** The x range: the run, or a second when it took no time at all (uPlot needs a span). */
const xRange = (timeline: Timeline): [number, number] => [0, timeline.durationS > 0 ? timeline.durationS : 1];

export const uPlotTimeline: TimelinePlotFactory = (targets, initial, events, widthPx) => {
  let input = initial;
  let hovered: TimelineBar | null = null;
  const palette = readPalette(targets.bars);
  const colors = CHART_COLORS.map((c) => palette.colors[c]);
  const selectedColor = palette.text;
  const sync = uPlot.sync(`swissarmyknife-timeline-${Math.random().toString(36).slice(2)}`);

  const barsRoot = document.createElement("div");
  barsRoot.className = "swissarmyknife-timeline-bars";
  const memoryRoot = document.createElement("div");
  memoryRoot.className = "swissarmyknife-timeline-memory";
  targets.bars.append(barsRoot);
  targets.memory.append(memoryRoot);

  /** The selected node's span as a faint band across a chart, so both charts show where it ran. */
  function drawSelection(u: uPlot): void {
    const bar = input.timeline.bars.find((b) => b.nodeId === input.selectedNodeId);
    if (!bar) return;
    const { top, height } = u.bbox;
    const x0 = u.valToPos(bar.startS, "x", true);
    const x1 = Math.max(x0 + 2, u.valToPos(bar.endS, "x", true));
    u.ctx.save();
    u.ctx.globalAlpha = 0.14;
    u.ctx.fillStyle = selectedColor;
    u.ctx.fillRect(x0, top, x1 - x0, height);
    u.ctx.restore();
  }

  function drawBars(u: uPlot): void {
    const { bars } = input.timeline;
    const rows = Math.max(1, bars.length);
    const { top, height } = u.bbox;
    const rowPx = height / rows;
    const gap = rowPx > 4 ? Math.min(2, rowPx * 0.2) : 0;
    const minWidth = Math.max(1, devicePixelRatio);
    const ctx = u.ctx;
    ctx.save();
    for (const bar of bars) {
      const x0 = u.valToPos(bar.startS, "x", true);
      const x1 = u.valToPos(bar.endS, "x", true);
      const y = top + bar.row * rowPx;
      const byShare = input.colorMode === "share";
      ctx.fillStyle = byShare ? colors[0]! : colors[bar.classColor % colors.length]!;
      ctx.globalAlpha = byShare ? SHARE_ALPHA[Math.min(SHARE_STEPS - 1, bar.shareStep)]! : 0.9;
      ctx.fillRect(x0, y + gap / 2, Math.max(minWidth, x1 - x0), Math.max(1, rowPx - gap));
      if (bar.nodeId === input.selectedNodeId) {
        ctx.globalAlpha = 1;
        ctx.strokeStyle = selectedColor;
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        ctx.strokeRect(x0, y + gap / 2, Math.max(minWidth, x1 - x0), Math.max(1, rowPx - gap));
      }
    }
    ctx.restore();
    drawSelection(u);
  }

  /** Which bar the cursor is over, told once per change. */
  function onCursor(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    let bar: TimelineBar | null = null;
    if (left >= 0) {
      const time = u.posToVal(left, "x");
      const slop = Math.abs(u.posToVal(left + HIT_SLOP_PX, "x") - time);
      bar = barAtTime(input.timeline.bars, time, slop);
    }
    if (bar === hovered) return;
    hovered = bar;
    events.hover(bar, left + u.over.offsetLeft);
  }

  const cursor: uPlot.Cursor = { sync: { key: sync.key }, y: false, points: { show: false }, drag: { x: false, y: false, setScale: false } };

  const barsPlot = new uPlot(
    {
      width: widthPx,
      height: barsHeightPx(input.timeline.bars.length),
      padding: PADDING,
      legend: { show: false },
      cursor,
      scales: { x: { time: false, range: () => xRange(input.timeline) }, lane: { range: [0, 1] } },
      axes: [timeAxis(palette, false), { scale: "lane", size: AXIS_WIDTH_PX, values: () => [], grid: { show: false }, ticks: { show: false } }],
      series: [{}, { scale: "lane", paths: () => null, points: { show: false } }],
      hooks: { draw: [drawBars], setCursor: [onCursor] },
    },
    [xRange(input.timeline), [null, null]],
    barsRoot,
  );

  function memoryData(timeline: Timeline): uPlot.AlignedData {
    const { timesS, vramBytes, ramBytes } = timeline.memory;
    return [timesS, vramBytes, ramBytes];
  }

  const bytesUnit = (): AxisUnit => {
    const { vramBytes, ramBytes } = input.timeline.memory;
    const known = [...vramBytes, ...ramBytes].filter((v): v is number => v !== null);
    return byteUnit(known.length > 0 ? Math.max(...known) : null);
  };

  const memoryPlot = new uPlot(
    {
      width: widthPx,
      height: MEMORY_HEIGHT_PX,
      padding: PADDING,
      legend: { show: false },
      cursor,
      scales: {
        x: { time: false, range: () => xRange(input.timeline) },
        bytes: { range: () => niceRange([...input.timeline.memory.vramBytes, ...input.timeline.memory.ramBytes], bytesUnit(), 3) },
      },
      axes: [
        timeAxis(palette, true),
        {
          scale: "bytes",
          size: AXIS_WIDTH_PX,
          stroke: palette.text,
          grid: { stroke: palette.grid, width: 1 },
          ticks: { show: false },
          font: `11px ${palette.font}`,
          splits: (_u, _axis, min, max) => niceTicks(min, max, bytesUnit(), 3),
          values: (_u, ticks) => tickLabels(ticks, bytesUnit()),
        },
      ],
      series: [
        {},
        { label: "VRAM", scale: "bytes", stroke: colors[0], width: 1.5, points: { show: false } },
        { label: "RAM", scale: "bytes", stroke: colors[1], width: 1.5, points: { show: false } },
      ],
      hooks: { draw: [drawSelection], setCursor: [onCursor] },
    },
    memoryData(input.timeline),
    memoryRoot,
  );

  const onClick = () => {
    if (hovered) events.select(hovered);
  };
  barsPlot.over.addEventListener("click", onClick);
  memoryPlot.over.addEventListener("click", onClick);
  const onLeave = () => {
    if (hovered === null) return;
    hovered = null;
    events.hover(null, -1);
  };
  barsPlot.over.addEventListener("mouseleave", onLeave);
  memoryPlot.over.addEventListener("mouseleave", onLeave);

  return {
    update(next) {
      const newData = next.timeline !== input.timeline;
      input = next;
      if (newData) {
        barsPlot.setSize({ width: barsPlot.width, height: barsHeightPx(next.timeline.bars.length) });
        barsPlot.setData([xRange(next.timeline), [null, null]]);
        memoryPlot.setData(memoryData(next.timeline));
      } else {
        barsPlot.redraw(false, false);
        memoryPlot.redraw(false, false);
      }
    },
    resize(width) {
      if (width <= 0) return;
      barsPlot.setSize({ width, height: barsPlot.height });
      memoryPlot.setSize({ width, height: memoryPlot.height });
    },
    destroy() {
      barsPlot.destroy();
      memoryPlot.destroy();
      barsRoot.remove();
      memoryRoot.remove();
    },
  };
};
