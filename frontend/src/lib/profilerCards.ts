// The six figures the popup shows of a run (stored, or running now): what each card reads, in its
// unit, "--" for what is not known, and the level of the one that can warn (VRAM before: the run's
// first node's reading, or while a run goes the running node's, by the thresholds in force).
import type { WorkflowRecord } from "../api/types";
import { formatBytes, formatDuration, formatPercent, MISSING } from "./format";
import { liveProgress, type LiveRun } from "./liveRun";
import { levelLabel } from "./models";
import { DEFAULT_VRAM_THRESHOLDS, vramBeforeLevel, vramPercentBefore, type VramBeforeLevel, type VramThresholds } from "./profilerRun";

export type CardId = "started" | "total-time" | "vram-peak" | "ram-peak" | "cache" | "nodes" | "vram-before";

export interface Card {
  id: CardId;
  label: string;
  value: string;
  /** Said after the value, quieter (the usual time beside a run's). */
  note?: string;
  /** What the value means in words, for its tooltip and screen readers. */
  detail: string;
  /** Only VRAM before warns (by the thresholds in force); the others are "unknown" (no level). */
  level: VramBeforeLevel;
  /** The level in words for screen readers (a warning or critical level only). */
  levelText?: string;
}

/** "3/7", or "--" when either count is unknown. */
export function formatPartOf(part: number | null | undefined, whole: number | null | undefined): string {
  return typeof part === "number" && typeof whole === "number" ? `${part}/${whole}` : MISSING;
}

/** A reading of the device's memory in use before a node: the live record's, or a vram_pressure event's. */
export interface VramReading {
  percent: number | null;
  nodeId: string | null;
  nodeType: string | null;
}

/** The running workflow's VRAM pressure as the last vram_pressure event of its prompt said it. */
export interface LivePressure extends VramReading {
  promptId: string;
}

function vramBeforeCard(percent: number | null, thresholds: VramThresholds, when: string): Card {
  const level = vramBeforeLevel(percent, thresholds);
  const warning = level === "critical" ? " Critical: an out-of-memory error is likely." : level === "warning" ? " High: little room is left." : "";
  const levelText = levelLabel(level, thresholds);
  return {
    id: "vram-before",
    label: "VRAM before",
    value: formatPercent(percent),
    detail: `GPU memory in use (all processes) ${when}.${warning}`,
    level,
    ...(levelText ? { levelText } : {}),
  };
}

/**
 * The running node's VRAM before, as far as it is known: of the readings there are (each node of
 * the live record, the prompt's last vram_pressure event, whose level holds until the next one),
 * the one of the node that started last, the event on a tie (it is the newer).
 */
export function liveVramReading(live: LiveRun, current: WorkflowRecord | null, pressure: LivePressure | null): VramReading | null {
  const rank = (nodeId: string | null) => (nodeId === null ? -1 : live.executed.indexOf(nodeId));
  let best: VramReading | null = null;
  let bestRank = -2;
  if (pressure && pressure.percent !== null && (live.promptId === null || pressure.promptId === live.promptId)) {
    best = pressure;
    bestRank = rank(pressure.nodeId);
  }
  if (current && (live.promptId === null || current.prompt_id === live.promptId)) {
    for (const node of current.nodes) {
      if (node.vram_percent_before === null || node.vram_percent_before === undefined) continue;
      const at = rank(node.node_id);
      if (at > bestRank) {
        best = { percent: node.vram_percent_before, nodeId: node.node_id, nodeType: node.class_type };
        bestRank = at;
      }
    }
  }
  return best;
}

function card(id: CardId, label: string, value: string, detail: string): Card {
  return { id, label, value, detail, level: "unknown" };
}

/** A stored run's cards; VRAM before's level by the thresholds in force. */
export function runCards(run: WorkflowRecord, thresholds: VramThresholds = DEFAULT_VRAM_THRESHOLDS): Card[] {
  return [
    card("total-time", "Total time", formatDuration(run.duration_ms), "From the first node's start to the run's end."),
    card("vram-peak", "VRAM peak", formatBytes(run.peak_vram_bytes), "The most GPU memory in use during the run."),
    card("ram-peak", "RAM peak", formatBytes(run.peak_rss_bytes), "The most memory the server process held during the run."),
    card("cache", "Cache", formatPartOf(run.cache_hits, run.node_count), "Nodes taken from the cache, of the run's nodes."),
    card("nodes", "Nodes", formatPartOf(run.executed_count, run.node_count), "Nodes executed, of the run's nodes."),
    vramBeforeCard(vramPercentBefore(run), thresholds, "when the run's first node started"),
  ];
}

/**
 * The running workflow's cards: its elapsed time on the page's clock, the memory peaks so far from
 * the server's live record (when a view reads it), counts from ComfyUI's events, VRAM before the
 * node running now (or the latest node known).
 */
export function liveCards(
  live: LiveRun,
  current: WorkflowRecord | null,
  elapsedMs: number,
  thresholds: VramThresholds = DEFAULT_VRAM_THRESHOLDS,
  pressure: LivePressure | null = null,
): Card[] {
  const progress = liveProgress(live);
  const total = live.nodeCount ?? current?.node_count ?? null;
  return [
    card("total-time", "Elapsed", formatDuration(elapsedMs), "Since the run started."),
    card("vram-peak", "VRAM peak", formatBytes(current?.peak_vram_bytes), "The most GPU memory in use so far."),
    card("ram-peak", "RAM peak", formatBytes(current?.peak_rss_bytes), "The most memory the server process held so far."),
    card("cache", "Cache", formatPartOf(live.cachedCount, total), "Nodes taken from the cache, of the run's nodes."),
    card("nodes", "Nodes", formatPartOf(progress.done, progress.toRun), "Nodes finished, of the nodes the run executes."),
    liveVramCard(live, liveVramReading(live, current, pressure), thresholds),
  ];
}

function liveVramCard(live: LiveRun, reading: VramReading | null, thresholds: VramThresholds): Card {
  if (!reading) return vramBeforeCard(null, thresholds, "before the node running now (not measured yet)");
  const node = `${reading.nodeType ?? "node"}${reading.nodeId ? ` #${reading.nodeId}` : ""}`;
  const running = reading.nodeId !== null && reading.nodeId === live.runningNode;
  return vramBeforeCard(reading.percent, thresholds, running ? `before ${node}, the node running now` : `before ${node}, the latest node measured`);
}
