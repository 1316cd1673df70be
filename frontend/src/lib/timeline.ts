// The Latest view's timeline as data: one bar per timed node on a time axis from the run's start
// (seconds), a row per bar in execution order, a colour per class or by share of the run, the
// VRAM and RAM readings each node took at its start and end as two lines, and a lane per model on
// the device (its stays, who loaded and used it). uPlot draws the bars and lines
// (components/profiler/latest/); what is under the pointer is answered here.
import type { ModelResidency, NodeRecord, WorkflowRecord } from "../api/types";
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

/** A node as the lanes name it: "KSampler #3". */
export interface LaneNode {
  nodeId: string;
  label: string;
  /** When its bar starts (seconds from the run's start); null when it has no bar. */
  atS: number | null;
}

/** One stay of a model on its device, on the timeline's axis. */
export interface ModelStay {
  startS: number;
  /** Its unloading, else the run's end. */
  endS: number;
  /** The node that put it there during this run; null: on the device when the run began. */
  loadedBy: LaneNode | null;
  /** Taken off the device before the run ended. */
  unloaded: boolean;
  usedBy: LaneNode[];
}

/** A model on one device during the run: a lane of the swimlane, its stays in time order. */
export interface ModelLane {
  /** "name@device", unique in a run. */
  key: string;
  name: string;
  device: string | null;
  /** The most it held on the device over its stays; null when unknown. */
  loadedBytes: number | null;
  stays: ModelStay[];
  /** Put on the device again although unchanged (the run's reloaded_models). */
  reloaded: boolean;
}

export interface Timeline {
  /** The axis' extent: the run's time (or its last node's end while it runs), at least the last bar. */
  durationS: number;
  /** In execution order (by start). */
  bars: TimelineBar[];
  memory: MemorySeries;
  /** A lane per model and device, the first on the device first; none for a run recorded without. */
  lanes: ModelLane[];
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
  const durationS = Math.max(lastEnd, runS);
  return { durationS, bars, memory: memorySeries(timed, origin), lanes: modelLanes(run, bars, run.started_at - origin, durationS) };
}

/**
 * The run's model stays as lanes: one per model and device (a model evicted and loaded again has
 * two stays in its lane), ordered by when each was first on the device, then by name. `offsetS`
 * moves the stays' times (ms from the run's start) onto the bars' axis; an open stay ends with it.
 */
export function modelLanes(run: Pick<WorkflowRecord, "model_residency" | "reloaded_models" | "nodes">, bars: readonly TimelineBar[], offsetS: number, durationS: number): ModelLane[] {
  const residency: readonly ModelResidency[] = run.model_residency ?? [];
  if (residency.length === 0) return [];
  const starts = new Map(bars.map((b) => [b.nodeId, b.startS]));
  const classes = new Map(run.nodes.map((n) => [n.node_id, n.class_type]));
  const node = (nodeId: string): LaneNode => ({ nodeId, label: `${classes.get(nodeId) ?? "Node"} #${nodeId}`, atS: starts.get(nodeId) ?? null });
  const clamp = (s: number) => Math.min(durationS, Math.max(0, s));
  const reloaded = new Set(run.reloaded_models ?? []);
  const lanes = new Map<string, ModelLane>();
  for (const stay of residency) {
    const key = `${stay.name}@${stay.device ?? ""}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { key, name: stay.name, device: stay.device, loadedBytes: null, stays: [], reloaded: reloaded.has(stay.name) };
      lanes.set(key, lane);
    }
    if (stay.loaded_bytes !== null && (lane.loadedBytes === null || stay.loaded_bytes > lane.loadedBytes)) lane.loadedBytes = stay.loaded_bytes;
    const startS = clamp(stay.from_ms / 1000 + offsetS);
    lane.stays.push({
      startS,
      endS: stay.until_ms === null ? durationS : Math.max(startS, clamp(stay.until_ms / 1000 + offsetS)),
      loadedBy: stay.loaded_by_node_id === null ? null : node(stay.loaded_by_node_id),
      unloaded: stay.until_ms !== null,
      usedBy: stay.used_by_node_ids.map(node),
    });
  }
  const ordered = [...lanes.values()];
  for (const lane of ordered) lane.stays.sort((a, b) => a.startS - b.startS);
  return ordered.sort((a, b) => a.stays[0]!.startS - b.stays[0]!.startS || a.name.localeCompare(b.name) || (a.device ?? "").localeCompare(b.device ?? ""));
}

/** The stay of a lane at a time on the axis, else the nearest one (a pointer beside a short stay). */
export function stayAt(lane: ModelLane, timeS: number): ModelStay | null {
  let best: ModelStay | null = null;
  let bestGap = Infinity;
  for (const stay of lane.stays) {
    const gap = timeS < stay.startS ? stay.startS - timeS : Math.max(0, timeS - stay.endS);
    if (gap < bestGap) {
      best = stay;
      bestGap = gap;
    }
  }
  return best;
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
