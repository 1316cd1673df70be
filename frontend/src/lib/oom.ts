// What the OOM tab and its toasts say: the summary cards, a capture's figures in words, which model
// goes with the failures, what an unload freed, and the toasts' sentences. Pure, so the views and
// the stores only show what these return.
import type {
  LoadedModelInfo,
  ModelCorrelation,
  OomCapturedEvent,
  OomEvent,
  OomRisk,
  OomStats,
  Recommendation,
  UnloadResult,
  WorkflowSummary,
} from "../api/types";
import { formatBytes, formatCount, formatDateTime, formatShare, MISSING } from "./format";
import { runName } from "./profilerRun";

/** The mark of an out-of-memory run and of the node it ran out in. */
export const OOM_MARK = "💥";

/** "1 model", "3 models". */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** A list in words: "a", "a and b", "a, b and c". */
export function listed(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "KSampler (#3)", "a node" when the capture did not say. */
export function nodeName(node: { node_type: string | null; node_id: string | null }): string {
  if (!node.node_type) return node.node_id ? `node #${node.node_id}` : "a node";
  return node.node_id ? `${node.node_type} (#${node.node_id})` : node.node_type;
}

export interface SummaryCard {
  id: "count" | "rate" | "last";
  label: string;
  value: string;
  /** The value's meaning in words (its tooltip, and read by screen readers after the value). */
  detail: string;
}

/** The tab's three cards: how many runs ran out of memory, their share of all runs, the newest one. */
export function summaryCards(stats: OomStats, newest: OomEvent | null): SummaryCard[] {
  return [
    { id: "count", label: "Out-of-memory runs", value: formatCount(stats.total_oom_count), detail: "Stored runs that ended out of memory." },
    { id: "rate", label: "OOM rate", value: formatShare(stats.oom_rate), detail: "Their share of all the runs in history." },
    {
      id: "last",
      label: "Last one",
      value: newest ? formatDateTime(newest.captured_at) : MISSING,
      detail: newest ? `${nodeName(newest)} in ${runName(newest)}` : "No capture kept.",
    },
  ];
}

/**
 * How far a model's share of the OOMs is above its share of all runs, in points (0..1): a model
 * loaded in every run is loaded in every OOM too; one loaded in 100 % of OOMs but 40 % of runs goes
 * with the failures. Null when the runs' share is unknown.
 */
export function shareAbove(model: Pick<ModelCorrelation, "oom_share" | "run_share">): number | null {
  return model.run_share === null ? null : model.oom_share - model.run_share;
}

/** From this many points above its share of runs, a model is marked as going with the failures... */
export const STANDS_OUT_POINTS = 0.15;
/** ...once it was loaded in this many OOMs (one OOM makes every model loaded then 100 % of them). */
export const STANDS_OUT_MIN_OOMS = 2;

export function standsOut(model: Pick<ModelCorrelation, "oom_events" | "oom_share" | "run_share">): boolean {
  const above = shareAbove(model);
  return model.oom_events >= STANDS_OUT_MIN_OOMS && above !== null && above >= STANDS_OUT_POINTS;
}

/** "+22 pts", "±0 pts", "−5 pts"; "--" when unknown. */
export function formatPoints(points: number | null): string {
  if (points === null || !Number.isFinite(points)) return MISSING;
  const rounded = Math.round(points * 100);
  if (rounded === 0) return "±0 pts";
  return `${rounded > 0 ? "+" : "\u2212"}${Math.abs(rounded)} pts`;
}

export interface Figure {
  id: string;
  label: string;
  value: string;
}

/** A capture's figures that are known: what the message said (parsed) and what torch and the probe read. */
export function captureFigures(event: OomEvent): Figure[] {
  const f = event.figures;
  const device = f.backend ? `${f.backend}${f.device_index === null ? "" : `:${f.device_index}`}` : null;
  const rows: [string, string, number | string | null][] = [
    ["device", "Device", device],
    ["requested", "Asked for", f.requested_bytes],
    ["total", "Device total", f.total_bytes],
    ["free", "Free (as the error said)", f.free_bytes],
    ["free-before", "Free when the node started", event.vram_free_before_bytes],
    ["process", "This process", f.process_bytes],
    ["allocated", "Allocated by PyTorch", f.allocated_bytes ?? event.vram_allocated_bytes],
    ["reserved", "Reserved by PyTorch", event.vram_reserved_bytes],
    ["reserved-unallocated", "Reserved but unallocated", f.reserved_unallocated_bytes],
    ["other", "Other allocations", f.other_bytes],
  ];
  return rows
    .filter(([, , value]) => value !== null)
    .map(([id, label, value]) => ({ id, label, value: typeof value === "number" ? formatBytes(value) : value! }));
}

// torch.cuda.memory_stats() keys the capture keeps (backend/host/comfyui_hooks/memory.py), in words.
const ALLOCATOR_LABELS: readonly (readonly [string, string])[] = [
  ["num_alloc_retries", "Allocation retries (cache flushed and tried again)"],
  ["num_ooms", "Out-of-memory errors so far"],
  ["allocated_bytes.all.current", "Allocated now"],
  ["allocated_bytes.all.peak", "Allocated at most"],
  ["reserved_bytes.all.current", "Reserved now"],
  ["reserved_bytes.all.peak", "Reserved at most"],
  ["active_bytes.all.current", "Active now"],
  ["inactive_split_bytes.all.current", "Free inside split blocks (fragmentation)"],
  ["inactive_split.all.current", "Split blocks with free space"],
  ["segment.all.current", "Segments reserved from the device"],
];

/** The CUDA caching allocator's counters at the capture, in words; empty without CUDA. */
export function allocatorFigures(event: Pick<OomEvent, "allocator_stats">): Figure[] {
  const stats = event.allocator_stats;
  if (!stats) return [];
  return ALLOCATOR_LABELS.filter(([key]) => typeof stats[key] === "number").map(([key, label]) => ({
    id: key,
    label,
    value: key.includes("_bytes") ? formatBytes(stats[key]!) : String(stats[key]),
  }));
}

/** "asked for 25.6 GiB with 17.4 GiB free", as far as the capture says. */
export function requestInWords(requested: number | null, free: number | null): string | null {
  if (requested === null) return free === null ? null : `${formatBytes(free)} was free`;
  return free === null ? `asked for ${formatBytes(requested)}` : `asked for ${formatBytes(requested)} with ${formatBytes(free)} free`;
}

/** What a loaded model was to the run: "needed later", "not needed any more", or unknown. */
export function neededLabel(model: Pick<LoadedModelInfo, "needed_later">): string {
  if (model.needed_later === null) return "unknown";
  return model.needed_later ? "needed later" : "not needed any more";
}

/** "#3, #8" or "none". */
export function usedByLabel(model: Pick<LoadedModelInfo, "used_by_node_ids">): string {
  return model.used_by_node_ids.length ? model.used_by_node_ids.map((id) => `#${id}`).join(", ") : "none";
}

/** Whether an OOM run failed in this node: the run's 💥 node. */
export function ranOutIn(run: Pick<WorkflowSummary, "status" | "error">, nodeId: string): boolean {
  return run.status === "oom" && run.error?.node_id === nodeId;
}

/** "Unload 2 models". */
export function unloadLabel(count: number): string {
  return `Unload ${countOf(count, "model")}`;
}

/** The recommendation's figures in words, beside its text: "frees about 70 MiB · the device 27 % full after". */
export function recommendationFigures(recommendation: Recommendation): string | null {
  const parts: string[] = [];
  if (recommendation.expected_freed_bytes !== null) parts.push(`frees about ${formatBytes(recommendation.expected_freed_bytes)}`);
  if (recommendation.resulting_percent !== null) parts.push(`the device ${Math.round(recommendation.resulting_percent)} % full after`);
  return parts.length ? parts.join(" · ") : null;
}

/** What an unload did, in one sentence or two: what was freed, and what was not loaded (nothing to do for it). */
export function describeUnload(result: UnloadResult): string {
  const absent = result.not_found.length === 1 ? `${result.not_found[0]} is not loaded now` : `${listed(result.not_found)} are not loaded now`;
  if (result.unloaded.length === 0) {
    return result.not_found.length > 0 ? `Nothing was unloaded: ${absent}.` : "Nothing was unloaded.";
  }
  const each = result.unloaded.map((m) => (m.freed_bytes === null ? m.name : `${m.name} (${formatBytes(m.freed_bytes)})`));
  const freed = result.freed_bytes === null ? "" : `: ${formatBytes(result.freed_bytes)} freed`;
  const text = `Unloaded ${listed(each)}${freed}.`;
  return result.not_found.length > 0 ? `${text} ${absent.charAt(0).toUpperCase()}${absent.slice(1)}, so nothing to do for ${result.not_found.length === 1 ? "it" : "them"}.` : text;
}

/** The server refused an unload because the queue is busy (409): what the user can do about it. */
export const UNLOAD_WAITS = "Unloading waits until the queue is empty: try again once the running workflow is done.";

export interface ToastText {
  summary: string;
  detail: string;
}

/** The toast when an OOM was captured: where, what was loaded, and where to look. */
export function oomToastText(event: OomCapturedEvent): ToastText {
  const where = event.node_type ?? (event.node_id ? `node #${event.node_id}` : "a node");
  const models = event.loaded_models.length;
  const loaded = models === 0 ? "No model was loaded" : `${countOf(models, "model")} ${models === 1 ? "was" : "were"} loaded (${listed(event.loaded_models)})`;
  const request = requestInWords(event.requested_bytes, event.free_bytes);
  const workflow = event.workflow_name ? ` in “${event.workflow_name}”` : "";
  return {
    summary: `Out of memory in ${where}`,
    detail: `${OOM_MARK} ${where}${workflow}${request ? ` ${request}` : " ran out of memory"}. ${loaded}; see the OOM tab.`,
  };
}

/** The toast when a queued prompt may not fit: the server's warning and what unloading would do. */
export function riskToastText(risk: OomRisk): ToastText {
  const models = risk.models_to_unload.map((m) => (m.loaded_bytes === null ? m.name : `${m.name} (${formatBytes(m.loaded_bytes)})`));
  const advice =
    models.length === 0
      ? ""
      : ` Loaded and not used by it: ${listed(models)}${risk.fits_after_unload ? "; unloading them makes room." : "; unloading them is not enough on its own."}`;
  const name = risk.workflow_name ? `“${risk.workflow_name}”` : "This workflow";
  return { summary: `${name} may run out of memory`, detail: `${risk.message}${advice}` };
}

/** Each kind of recommendation in two words, for its badge. */
export const RECOMMENDATION_LABELS: Record<Recommendation["kind"], string> = {
  unload_models: "Unload models",
  fragmentation: "Fragmentation",
  request_exceeds_device: "Too large for the GPU",
  low_vram_mode: "Low-VRAM mode",
};

/**
 * What each model holds on the device, for the unload question: as the newest capture that had it
 * loaded says, else its mean over the OOMs; null where neither knows.
 */
export function modelSizes(
  names: readonly string[],
  captures: readonly Pick<OomEvent, "loaded_models">[],
  correlation: readonly Pick<ModelCorrelation, "name" | "mean_loaded_bytes">[],
): { name: string; bytes: number | null }[] {
  return names.map((name) => {
    for (const capture of captures) {
      const model = capture.loaded_models.find((m) => m.name === name);
      if (model && (model.loaded_bytes ?? model.size_bytes) !== null) return { name, bytes: model.loaded_bytes ?? model.size_bytes };
    }
    return { name, bytes: correlation.find((c) => c.name === name)?.mean_loaded_bytes ?? null };
  });
}

/** What an unload should free: the server's figure when given, else the models' sum when every size is known. */
export function expectedFreed(request: { models: readonly { bytes: number | null }[]; expectedFreedBytes: number | null }): number | null {
  if (request.expectedFreedBytes !== null) return request.expectedFreedBytes;
  const sizes = request.models.map((m) => m.bytes);
  return sizes.length > 0 && sizes.every((b) => b !== null) ? sizes.reduce<number>((n, b) => n + b!, 0) : null;
}
