// The Latest view's timeline as data: one bar per timed node on a time axis from the run's start
// (seconds), a row per bar in execution order, a colour per class or by share of the run, and the
// VRAM and RAM readings each node took at its start and end as two lines. uPlot draws it
// (components/profiler/latest/); what is under the pointer is answered here.
import type { NodeRecord, WorkflowRecord } from "../api/types";
import { shareOf } from "./profilerRun";

/** How many categorical colours the chart tokens define (--swissarmyknife-chart-1 ... -5). */
export const CATEGORY_COLORS = 5;
/** Shares of the run split into this many steps of one colour's strength (SHARE_THRESHOLDS). */
export const SHARE_STEPS = 5;

export type ColorMode = "class" | "share";

export interface TimelineBar {
  nodeId: string;
  classType: string;
  title: string | null;
  /** Seconds from the run's start. */
  startS: number;
  endS: number;
  /** 0 for the first bar drawn (top), in execution order. */
  row: number;
  /** 0 .. CATEGORY_COLORS - 1: the same class always gets the same colour within a run. */
  classColor: number;
  /** Its share of the run's time, 0..1 (null when the run's time is unknown). */
  share: number | null;
  /** 0 .. SHARE_STEPS - 1: how strong its colour is when coloured by share. */
  shareStep: number;
}

export interface MemorySeries {
  /** Seconds from the run's start, ascending. */
  timesS: number[];
  vramBytes: (number | null)[];
  ramBytes: (number | null)[];
}

export interface Timeline {
  /** The axis' extent: the run's time (or its last node's end while it runs), at least the last bar. */
  durationS: number;
  /** In execution order (by start). */
  bars: TimelineBar[];
  memory: MemorySeries;
}

type TimedNode = NodeRecord & { started_at: number; ended_at: number };

function isTimed(node: NodeRecord): node is TimedNode {
  return node.started_at !== null && node.ended_at !== null && Number.isFinite(node.started_at) && Number.isFinite(node.ended_at);
}

/** Where each step of colour strength starts: a node taking a fifth of the run or more is the strongest. */
export const SHARE_THRESHOLDS = [0.02, 0.05, 0.1, 0.2] as const;

/** The step (0 .. SHARE_STEPS - 1) a share falls in: how many thresholds it reaches. */
export function shareStep(share: number | null): number {
  if (share === null || !Number.isFinite(share)) return 0;
  return SHARE_THRESHOLDS.filter((threshold) => share >= threshold).length;
}

/**
 * The timeline of a run: nodes with a clock only (cached ones never ran). Nodes a subgraph expanded
 * into are drawn too; the node that expanded them is not (its span covers theirs).
 */
export function buildTimeline(run: WorkflowRecord): Timeline {
  const parents = new Set(run.nodes.map((n) => n.parent_node_id).filter((id): id is string => id !== null));
  const timed = run.nodes.filter(isTimed).filter((n) => !parents.has(n.node_id));
  timed.sort((a, b) => a.started_at - b.started_at || a.order - b.order);
  const origin = Math.min(run.started_at, ...timed.map((n) => n.started_at));
  const classes = new Map<string, number>();
  const bars = timed.map((node, row): TimelineBar => {
    if (!classes.has(node.class_type)) classes.set(node.class_type, classes.size % CATEGORY_COLORS);
    const share = shareOf(node.duration_ms ?? (node.ended_at - node.started_at) * 1000, run.duration_ms);
    return {
      nodeId: node.node_id,
      classType: node.class_type,
      title: node.title,
      startS: node.started_at - origin,
      endS: Math.max(node.started_at, node.ended_at) - origin,
      row,
      classColor: classes.get(node.class_type)!,
      share,
      shareStep: shareStep(share),
    };
  });
  const lastEnd = bars.reduce((max, bar) => Math.max(max, bar.endS), 0);
  const runS = run.duration_ms !== null ? run.duration_ms / 1000 : run.ended_at !== null ? run.ended_at - origin : 0;
  return { durationS: Math.max(lastEnd, runS), bars, memory: memorySeries(timed, origin) };
}

/** Two readings per node (its start and its end), in time order. */
function memorySeries(timed: readonly TimedNode[], origin: number): MemorySeries {
  const points: { t: number; vram: number | null; ram: number | null }[] = [];
  for (const node of timed) {
    points.push({ t: node.started_at - origin, vram: node.vram_before_bytes, ram: node.rss_before_bytes });
    points.push({ t: Math.max(node.started_at, node.ended_at) - origin, vram: node.vram_after_bytes, ram: node.rss_after_bytes });
  }
  points.sort((a, b) => a.t - b.t);
  return { timesS: points.map((p) => p.t), vramBytes: points.map((p) => p.vram), ramBytes: points.map((p) => p.ram) };
}

/**
 * The bar under a time on the axis: the one running then (the latest started, when several overlap),
 * else the nearest within `toleranceS` (a click beside a bar a pixel wide still finds it).
 */
export function barAtTime(bars: readonly TimelineBar[], timeS: number, toleranceS = 0): TimelineBar | null {
  if (bars.length === 0 || !Number.isFinite(timeS)) return null;
  // Bars are sorted by start: the last one that started at or before the time, found by bisection.
  let lo = 0;
  let hi = bars.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.startS <= timeS) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Overlaps (async nodes): walk back to the latest-started bar still running at that time.
  for (let i = at; i >= 0 && i >= at - 32; i--) {
    const bar = bars[i]!;
    if (bar.endS >= timeS) return bar;
  }
  let best: TimelineBar | null = null;
  let bestGap = toleranceS;
  for (const i of [at, at + 1]) {
    const bar = bars[i];
    if (!bar) continue;
    const gap = timeS < bar.startS ? bar.startS - timeS : timeS - bar.endS;
    if (gap <= bestGap) {
      best = bar;
      bestGap = gap;
    }
  }
  return best;
}

/** The bar before or after a node's (arrow keys on the timeline), clamped at either end. */
export function neighbourBar(bars: readonly TimelineBar[], nodeId: string | null, step: -1 | 1): TimelineBar | null {
  if (bars.length === 0) return null;
  const at = nodeId === null ? -1 : bars.findIndex((b) => b.nodeId === nodeId);
  if (at === -1) return step === 1 ? bars[0]! : bars.at(-1)!;
  return bars[Math.min(bars.length - 1, Math.max(0, at + step))]!;
}
