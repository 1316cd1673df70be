// What the popup and the Latest view say about one stored run: its name, its usual time, its slowest
// nodes and each node's markers. Pure, so the views only render what these return.
import type { NodeRecord, WorkflowRecord } from "../api/types";
import { sortRows } from "./sort";

export const UNSAVED_WORKFLOW = "Unsaved workflow";
/** How much of the graph hash names an unsaved workflow (as git shortens commits). */
export const SHORT_HASH_CHARS = 7;
export const SLOWEST_COUNT = 10;

/** The fields that name a run (a summary, a record, a workflow's averages all have them). */
export interface NamedRun {
  workflow_hash: string;
  /** The saved workflow's name the page sent when the prompt was queued; null or absent when unknown. */
  workflow_name?: string | null;
}

/** The name users know: the saved workflow's, else "Unsaved workflow · 3f2a9c0" (the graph hash's short form). */
export function runName(run: NamedRun): string {
  const name = run.workflow_name?.trim();
  return name ? name : `${UNSAVED_WORKFLOW} · ${run.workflow_hash.slice(0, SHORT_HASH_CHARS)}`;
}

/** A workflow's averages as far as the usual time needs them. */
export interface UsualTimeSource {
  workflow_hash: string;
  mean_duration_ms: number | null;
  successes: number;
}

/** The workflow's usual time: the mean of its successful runs, or null when it has none. */
export function usualDurationMs(averages: readonly UsualTimeSource[], workflowHash: string): number | null {
  const entry = averages.find((a) => a.workflow_hash === workflowHash);
  return entry && entry.successes > 0 ? entry.mean_duration_ms : null;
}

/** `part` of `whole` (0..1 and beyond), or null when either is missing or the whole is not positive. */
export function shareOf(part: number | null | undefined, whole: number | null | undefined): number | null {
  if (typeof part !== "number" || typeof whole !== "number" || !Number.isFinite(part) || !(whole > 0)) return null;
  return part / whole;
}

export type NodeMarker = "cached" | "error" | "oom" | "interrupted";

/** The markers a node carries: from the cache, failed, the node the run ran out of memory in, interrupted. */
export function nodeMarkers(node: NodeRecord, run: Pick<WorkflowRecord, "status" | "error">): NodeMarker[] {
  const markers: NodeMarker[] = [];
  if (node.cache_hit) markers.push("cached");
  const failedHere = run.error?.node_id === node.node_id;
  if (run.status === "oom" && failedHere) markers.push("oom");
  else if (node.status === "error") markers.push("error");
  if (node.status === "interrupted") markers.push("interrupted");
  return markers;
}

export const MARKER_LABELS: Record<NodeMarker, string> = {
  cached: "cache hit",
  error: "error",
  oom: "out of memory",
  interrupted: "interrupted",
};

export interface SlowNode {
  node: NodeRecord;
  /** Its time's share of the run's total time; null when either is unknown. */
  share: number | null;
  markers: NodeMarker[];
}

/**
 * The run's slowest nodes, slowest first: the nodes that ran (a subgraph's inner nodes, not the
 * node that expanded into them, whose time overlaps theirs), untimed ones after them.
 */
export function slowestNodes(run: WorkflowRecord, count = SLOWEST_COUNT): SlowNode[] {
  const parents = new Set(run.nodes.map((n) => n.parent_node_id).filter((id): id is string => id !== null));
  const leaves = run.nodes.filter((n) => !parents.has(n.node_id));
  return sortRows(leaves, (n) => n.duration_ms, "descending")
    .slice(0, count)
    .map((node) => ({ node, share: shareOf(node.duration_ms, run.duration_ms), markers: nodeMarkers(node, run) }));
}

/** The node's RAM change (process RSS after minus before), null when either reading is missing. */
export function ramDeltaBytes(node: Pick<NodeRecord, "rss_before_bytes" | "rss_after_bytes">): number | null {
  const { rss_before_bytes: before, rss_after_bytes: after } = node;
  return before === null || after === null ? null : after - before;
}

/** A node's peak device memory during its run (before plus the peak's rise), null when unknown. */
export function vramPeakBytes(node: Pick<NodeRecord, "vram_before_bytes" | "vram_peak_delta_bytes">): number | null {
  const { vram_before_bytes: before, vram_peak_delta_bytes: delta } = node;
  return before === null || delta === null ? null : before + delta;
}

export type VramBeforeLevel = "ok" | "warning" | "critical" | "unknown";

/** The device's memory in use (percent, all processes) from which a node warns, and from which it is critical. */
export interface VramThresholds {
  warningPercent: number;
  criticalPercent: number;
}

/**
 * From these shares of the GPU's memory in use before a node, an out-of-memory error is likely: the
 * profiler's default warning and critical thresholds (its settings move them; GET /profiler/stats
 * says the ones in force).
 */
export const VRAM_BEFORE_WARNING_PERCENT = 85;
export const VRAM_BEFORE_CRITICAL_PERCENT = 95;
export const DEFAULT_VRAM_THRESHOLDS: VramThresholds = { warningPercent: VRAM_BEFORE_WARNING_PERCENT, criticalPercent: VRAM_BEFORE_CRITICAL_PERCENT };

/** How full the GPU was before a run or a node (percent in use, all processes): warning and critical from the thresholds (85 % and 95 % by default). */
export function vramBeforeLevel(percent: number | null | undefined, thresholds: VramThresholds = DEFAULT_VRAM_THRESHOLDS): VramBeforeLevel {
  if (typeof percent !== "number" || !Number.isFinite(percent)) return "unknown";
  if (percent >= thresholds.criticalPercent) return "critical";
  if (percent >= thresholds.warningPercent) return "warning";
  return "ok";
}

/** The GPU's memory in use when the run began: as its first node to start found it (percent), null when not measured. */
export function vramPercentBefore(run: Pick<WorkflowRecord, "nodes">): number | null {
  let first: NodeRecord | null = null;
  for (const node of run.nodes) {
    if (node.started_at === null || node.vram_percent_before === null || node.vram_percent_before === undefined) continue;
    if (first === null || node.started_at < first.started_at!) first = node;
  }
  return first?.vram_percent_before ?? null;
}
