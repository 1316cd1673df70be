// Words for the Previous tab: run statuses, the workflow filter's options, and what a page of
// history holds ("Runs 51–100 of 1,234 · portrait · errors only").
import type { WorkflowAverage, WorkflowSummary } from "../api/types";
import { formatCount } from "./format";
import { runName } from "./profilerRun";

/** The statuses history can be filtered by (a stored run is never "running"). */
export const HISTORY_STATUSES = ["success", "error", "interrupted", "oom"] as const;
export type HistoryStatus = (typeof HISTORY_STATUSES)[number];

export const STATUS_LABELS: Record<WorkflowSummary["status"], string> = {
  running: "Running",
  success: "Success",
  error: "Error",
  interrupted: "Interrupted",
  oom: "Out of memory",
};

/** A workflow as the filter lists it: "portrait (120 runs)". */
export function workflowOption(workflow: Pick<WorkflowAverage, "workflow_hash" | "workflow_name" | "runs">): string {
  return `${runName(workflow)} (${formatCount(workflow.runs)} ${workflow.runs === 1 ? "run" : "runs"})`;
}

/** What a filtered page is of, for headings and exports: "portrait · errors only", "all workflows". */
export function describeFilter(workflow: string | null, status: WorkflowSummary["status"] | null): string {
  const parts = [workflow ?? "all workflows"];
  if (status) parts.push(`${STATUS_LABELS[status].toLowerCase()} only`);
  return parts.join(" · ");
}
