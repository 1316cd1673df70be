// The six figures the popup shows of a run (stored, or running now): what each card reads, in its
// unit, "--" for what is not known, and the level of the one that can warn (VRAM before).
import type { WorkflowRecord } from "../api/types";
import { formatBytes, formatDuration, formatPercent, MISSING } from "./format";
import { liveProgress, type LiveRun } from "./liveRun";
import { vramBeforeLevel, vramPercentBefore, type VramBeforeLevel } from "./profilerRun";

export type CardId = "started" | "total-time" | "vram-peak" | "ram-peak" | "cache" | "nodes" | "vram-before";

export interface Card {
  id: CardId;
  label: string;
  value: string;
  /** Said after the value, quieter (the usual time beside a run's). */
  note?: string;
  /** What the value means in words, for its tooltip and screen readers. */
  detail: string;
  /** Only VRAM before warns (85 % warning, 95 % critical); the others are "unknown" (no level). */
  level: VramBeforeLevel;
}

/** "3/7", or "--" when either count is unknown. */
export function formatPartOf(part: number | null | undefined, whole: number | null | undefined): string {
  return typeof part === "number" && typeof whole === "number" ? `${part}/${whole}` : MISSING;
}

/** The GPU's memory in use when the run began (its first node's reading), with its warning level. */
function vramBeforeCard(percent: number | null): Card {
  const level = vramBeforeLevel(percent);
  const warning = level === "critical" ? " Critical: an out-of-memory error is likely." : level === "warning" ? " High: little room is left." : "";
  return {
    id: "vram-before",
    label: "VRAM before",
    value: formatPercent(percent),
    detail: `GPU memory in use (all processes) when the run's first node started.${warning}`,
    level,
  };
}

function card(id: CardId, label: string, value: string, detail: string): Card {
  return { id, label, value, detail, level: "unknown" };
}

/** A stored run's cards. */
export function runCards(run: WorkflowRecord): Card[] {
  return [
    card("total-time", "Total time", formatDuration(run.duration_ms), "From the first node's start to the run's end."),
    card("vram-peak", "VRAM peak", formatBytes(run.peak_vram_bytes), "The most GPU memory in use during the run."),
    card("ram-peak", "RAM peak", formatBytes(run.peak_rss_bytes), "The most memory the server process held during the run."),
    card("cache", "Cache", formatPartOf(run.cache_hits, run.node_count), "Nodes taken from the cache, of the run's nodes."),
    card("nodes", "Nodes", formatPartOf(run.executed_count, run.node_count), "Nodes executed, of the run's nodes."),
    vramBeforeCard(vramPercentBefore(run)),
  ];
}

/**
 * The running workflow's cards: its elapsed time on the page's clock, the memory peaks so far from
 * the server's live record (when a view reads it), counts from ComfyUI's events.
 */
export function liveCards(live: LiveRun, current: WorkflowRecord | null, elapsedMs: number): Card[] {
  const progress = liveProgress(live);
  const total = live.nodeCount ?? current?.node_count ?? null;
  return [
    card("total-time", "Elapsed", formatDuration(elapsedMs), "Since the run started."),
    card("vram-peak", "VRAM peak", formatBytes(current?.peak_vram_bytes), "The most GPU memory in use so far."),
    card("ram-peak", "RAM peak", formatBytes(current?.peak_rss_bytes), "The most memory the server process held so far."),
    card("cache", "Cache", formatPartOf(live.cachedCount, total), "Nodes taken from the cache, of the run's nodes."),
    card("nodes", "Nodes", formatPartOf(progress.done, progress.toRun), "Nodes finished, of the nodes the run executes."),
    vramBeforeCard(current ? vramPercentBefore(current) : null),
  ];
}
