// A regression flag in words: which figure moved and by how much ("+52 % time (3.1 s → 4.7 s,
// 6.2 σ)"), the nodes that moved most ("KSampler #3 +1.6 s"), the popup's one line, and what was
// checked when nothing is flagged. Pure: the Analytics tab and the popup render these.
import type { MetricShift, NodeMove, RegressionReport, WorkflowRegression } from "../api/types";
import { formatBytes, formatCount, formatDuration, formatSigned } from "./format";

const METRIC = {
  duration: { label: "time", format: formatDuration, worse: "slower" },
  peak_vram: { label: "peak VRAM", format: formatBytes, worse: "more VRAM" },
  peak_ram: { label: "peak RAM", format: formatBytes, worse: "more RAM" },
} as const;

const percent = (value: number) => `${Math.round(value)} %`;

/** "+52 % time (3.1 s → 4.7 s, 6.2 σ)"; the σ left out when the history never varied. */
export function describeShift(shift: MetricShift): string {
  const { label, format } = METRIC[shift.metric];
  const sigmas = shift.sigmas === null ? "" : `, ${shift.sigmas.toFixed(1)} σ`;
  return `+${percent(shift.change_percent)} ${label} (${format(shift.median)} → ${format(shift.recent)}${sigmas})`;
}

/** A node by its title (else class) and id: "KSampler #3". */
export const nodeLabel = (node: Pick<NodeMove, "node_id" | "class_type" | "title">) => `${node.title ?? node.class_type} #${node.node_id}`;

/** "KSampler #3 +1.6 s (1.0 s → 2.6 s)". */
export function describeMove(node: NodeMove): string {
  return `${nodeLabel(node)} ${formatSigned(node.change_ms, formatDuration)} (${formatDuration(node.usual_ms)} → ${formatDuration(node.recent_ms)})`;
}

/** The popup's line: "52 % slower than usual — KSampler #3 +1.6 s". */
export function flagLine(regression: WorkflowRegression): string {
  const shift = regression.shifts[0];
  const head = shift ? `${percent(shift.change_percent)} ${METRIC[shift.metric].worse} than usual` : "Unusual run";
  const node = regression.moved_nodes[0];
  return node && node.change_ms > 0 ? `${head} — ${nodeLabel(node)} ${formatSigned(node.change_ms, formatDuration)}` : head;
}

/** Whether the runs judged ran in another environment than most of their history. */
export function environmentChanged(regression: WorkflowRegression): boolean {
  return regression.recent_environment_id !== regression.usual_environment_id;
}

/** The rule in words: "more than 20 % and 3 σ above the median of the 20 runs before the latest 3". */
export function describeRule(report: Pick<RegressionReport, "rule">): string {
  const { percent: p, sigma, window_runs: window, recent_runs: recent } = report.rule;
  return `latest ${recent === 1 ? "run" : `${formatCount(recent)} runs (median)`} more than ${p} % and ${sigma} σ above the median of the ${formatCount(window)} successful runs before`;
}

/** The empty state: "12 workflows checked, none slower or hungrier than usual". */
export function describeChecked(report: RegressionReport): string {
  const n = report.checked_workflows;
  if (n === 0) return "No workflow has enough successful runs to judge yet.";
  return `${formatCount(n)} ${n === 1 ? "workflow" : "workflows"} checked, none slower or hungrier than usual.`;
}
