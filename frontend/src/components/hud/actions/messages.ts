// The sentences the action buttons show: queue warnings and what a clear-VRAM freed.
import type { ClearVramResult } from "../../../api/client";
import { formatGB } from "../../../lib/format";

/** What the page knows about the prompt queue: from the session (split) or ComfyUI's `status` event (total). */
export interface QueueSummary {
  running: number | null;
  queued: number | null;
  /** running + queued when known as one number (ComfyUI's exec_info.queue_remaining). */
  remaining: number | null;
}

export const UNKNOWN_QUEUE: QueueSummary = { running: null, queued: null, remaining: null };

export function queueFromSession(queue: { running: number | null; queued: number | null }): QueueSummary {
  const known = queue.running !== null || queue.queued !== null;
  return { ...queue, remaining: known ? (queue.running ?? 0) + (queue.queued ?? 0) : null };
}

/** ComfyUI's `status` event detail is `{exec_info: {queue_remaining}}` (the standalone shim nests it in `status`). */
export function queueFromStatusEvent(detail: unknown): QueueSummary | null {
  const record = (value: unknown): Record<string, unknown> | null =>
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  const outer = record(detail);
  const status = record(outer?.["exec_info"]) ? outer : record(outer?.["status"]);
  const remaining = record(status?.["exec_info"])?.["queue_remaining"];
  if (typeof remaining !== "number" || !Number.isFinite(remaining)) return null;
  return { running: null, queued: null, remaining: Math.max(0, Math.round(remaining)) };
}

/** "1 workflow is running and 2 are queued", or null when the queue is empty or unknown. */
export function describeBusyQueue(queue: QueueSummary): string | null {
  const { running, queued, remaining } = queue;
  if (running !== null || queued !== null) {
    const parts: string[] = [];
    if (running) parts.push(`${running} workflow${running > 1 ? "s are" : " is"} running`);
    if (queued) parts.push(`${queued} ${queued > 1 ? "are" : "is"} queued`);
    if (parts.length > 0) return parts.join(" and ");
  }
  if (remaining) return `${remaining} workflow${remaining > 1 ? "s are" : " is"} running or queued`;
  return null;
}

/** "Freed 6.0 GB on GPU 0, 12.0 GB on GPU 1 (2 models unloaded)". */
export function describeFreed(result: ClearVramResult): string {
  const models =
    result.models_unloaded === null
      ? null
      : `${result.models_unloaded} model${result.models_unloaded === 1 ? "" : "s"} unloaded`;
  if (result.devices.length === 0) {
    return `${models ?? "Models unloaded"}; no GPU memory to measure on this machine.`;
  }
  const perDevice = result.devices
    .map((d) => `${d.vram_freed_bytes === null ? "unknown" : formatGB(d.vram_freed_bytes)} on GPU ${d.index}`)
    .join(", ");
  return `Freed ${perDevice}${models ? ` (${models})` : ""}.`;
}
