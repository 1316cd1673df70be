// The sentences the action buttons show: queue warnings and what a clear-VRAM freed, and the shape
// of the toasts that carry them.
import type { ClearVramResult } from "../api/types";
import { formatGiB } from "./format";
import type { QueueSummary } from "./queue";

/** A notification for the user; host/ shows it through ComfyUI's toasts. */
export interface Toast {
  severity: "success" | "info" | "warn" | "error";
  summary: string;
  detail: string;
  /** How long it stays, in milliseconds. */
  life: number;
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

/** The warning shown in the restart confirmation, or null when nothing is running. */
export function restartWarning(queue: QueueSummary): string | null {
  const busy = describeBusyQueue(queue);
  return busy ? `${busy}: restarting interrupts it and empties the queue.` : null;
}

/** "Freed 6.0 GiB on GPU 0, 12.0 GiB on GPU 1 (2 models unloaded)". */
export function describeFreed(result: ClearVramResult): string {
  const models =
    result.models_unloaded === null
      ? null
      : `${result.models_unloaded} model${result.models_unloaded === 1 ? "" : "s"} unloaded`;
  if (result.devices.length === 0) {
    return `${models ?? "Models unloaded"}; no GPU memory to measure on this machine.`;
  }
  const perDevice = result.devices
    .map((d) => `${d.vram_freed_bytes === null ? "unknown" : formatGiB(d.vram_freed_bytes)} on GPU ${d.index}`)
    .join(", ");
  return `Freed ${perDevice}${models ? ` (${models})` : ""}.`;
}
