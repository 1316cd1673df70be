// What the Latest view says about a run's models and device memory, in words: a lane's label and
// its details (the swimlane's hover and its text for screen readers), a node's model uses and its
// VRAM before, and the notice for models loaded again although unchanged. Pure.
import type { ModelUse, NodeRecord, WorkflowRecord } from "../api/types";
import { formatBytes, formatDuration, formatPercent, MISSING } from "./format";
import { listed } from "./oom";
import { vramBeforeLevel, type VramBeforeLevel, type VramThresholds } from "./profilerRun";
import type { LaneNode, ModelLane, ModelStay } from "./timeline";

/** A tooltip names this many nodes that used a model, then "and N more". */
export const USED_BY_SHOWN = 6;

const seconds = (s: number) => `${s.toFixed(2)} s`;

/** "sd_xl_base_1.0.safetensors · 6.5 GiB" (the device too when the run used several). */
export function laneLabel(lane: ModelLane, withDevice: boolean): string {
  const parts = [lane.name, formatBytes(lane.loadedBytes)];
  if (withDevice && lane.device) parts.push(lane.device);
  return parts.join(" · ");
}

/** Whether the run's models were on more than one device (then each lane names its own). */
export function severalDevices(lanes: readonly ModelLane[]): boolean {
  return new Set(lanes.map((l) => l.device)).size > 1;
}

/** "KSampler #3, VAEDecode #8 and 2 more"; `none` when there are none. */
export function nodesListed(nodes: readonly LaneNode[], none = "no node of this run", shown = USED_BY_SHOWN): string {
  if (nodes.length === 0) return none;
  const labels = nodes.map((n) => n.label);
  if (labels.length <= shown) return listed(labels);
  return `${labels.slice(0, shown).join(", ")} and ${labels.length - shown} more`;
}

/** One stay in words: who put it there and when, who used it, how it ended. */
export function stayLines(stay: ModelStay): string[] {
  return [
    stay.loadedBy ? `Loaded by ${stay.loadedBy.label} at ${seconds(stay.startS)}` : "There since an earlier run",
    // The node that loaded it asked for it: "used" names the others.
    `Used by ${nodesListed(stay.usedBy, stay.loadedBy ? "no other node" : undefined)}`,
    stay.unloaded ? `Unloaded at ${seconds(stay.endS)}` : "Still on the device at the end",
  ];
}

/** The hover's heading line under the name: device and size, and whether it was loaded again. */
export function laneFigures(lane: ModelLane): string {
  const parts = [lane.device ?? "device unknown", formatBytes(lane.loadedBytes)];
  if (lane.reloaded) parts.push("loaded again although unchanged");
  return parts.join(" · ");
}

/** The whole lane in one sentence, for screen readers (the hover shows the same). */
export function laneDescription(lane: ModelLane): string {
  const stays = lane.stays.map((stay) => stayLines(stay).join(", ")).join("; then ");
  return `${lane.name}, ${laneFigures(lane)}: ${stays}.`;
}

export const MODEL_ACTIONS: Record<ModelUse["action"], string> = {
  loaded: "loaded",
  used: "used",
  unloaded: "unloaded",
};

/** A node's model uses as its expanded row lists them. */
export interface ModelUseRow {
  name: string;
  action: ModelUse["action"];
  device: string;
  size: string;
}

export function modelUseRows(node: Pick<NodeRecord, "models">): ModelUseRow[] {
  return (node.models ?? []).map((m) => ({ name: m.name, action: m.action, device: m.device ?? MISSING, size: formatBytes(m.loaded_bytes) }));
}

/** A node's device memory before it started: "1.0 GiB free", "96% in use", and the level. */
export interface VramBefore {
  free: string;
  inUse: string;
  level: VramBeforeLevel;
}

export function vramBefore(node: Pick<NodeRecord, "vram_free_before_bytes" | "vram_percent_before">, thresholds: VramThresholds): VramBefore | null {
  const free = node.vram_free_before_bytes ?? null;
  const percent = node.vram_percent_before ?? null;
  if (free === null && percent === null) return null;
  return { free: `${formatBytes(free)} free`, inUse: `${formatPercent(percent)} in use`, level: vramBeforeLevel(percent, thresholds) };
}

/** The words for a level, for screen readers and the hover ("critical: 95 % or more in use"). */
export function levelLabel(level: VramBeforeLevel, thresholds: VramThresholds): string | null {
  if (level === "critical") return `critical: ${thresholds.criticalPercent} % or more in use, an out-of-memory error is likely`;
  if (level === "warning") return `warning: ${thresholds.warningPercent} % or more in use, little room is left`;
  return null;
}

/**
 * The notice above the node table when the run put models on the device again although they had
 * not changed, with what it cost where the record says (the loading node's time).
 */
export function reloadedNotice(run: Pick<WorkflowRecord, "reloaded_models" | "nodes">, lanes: readonly ModelLane[]): string | null {
  const names = run.reloaded_models ?? [];
  if (names.length === 0) return null;
  const one = names.length === 1;
  const costs: string[] = [];
  for (const name of names) {
    // The load again is its last one (a model evicted and loaded again in the run was loaded before).
    const by = lanes.flatMap((l) => (l.name === name ? l.stays : [])).filter((s) => s.loadedBy !== null).at(-1)?.loadedBy;
    const loader = by && run.nodes.find((n) => n.node_id === by.nodeId);
    if (by && loader && loader.duration_ms !== null) costs.push(`${by.label} took ${formatDuration(loader.duration_ms)} with ${one ? "the load" : `${name}'s load`} in it`);
  }
  const cost = costs.length > 0 ? ` Here ${listed(costs)}.` : "";
  return (
    `${listed(names)} ${one ? "was" : "were"} loaded again although unchanged — time spent copying the same weights onto the device ` +
    `once more (seconds for a large checkpoint).${cost} ${one ? "It was" : "They were"} there before (when the last run ended, or ` +
    `earlier in this run) until Clear VRAM, an unload or another model's need for room took ${one ? "it" : "them"} off.`
  );
}
