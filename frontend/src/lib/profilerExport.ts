// What an export holds: a run (every node) or a page of history, as JSON (the API's own shapes) or
// CSV (one row per node or per run, each column's unit in its name), and the file's name.
import type { NodeRecord, TensorShape, WorkflowRecord, WorkflowSummary } from "../api/types";
import { toCsv, type CsvColumn } from "./csv";

export type ExportFormat = "json" | "csv";

export const MIME_TYPES: Record<ExportFormat, string> = {
  json: "application/json",
  csv: "text/csv;charset=utf-8",
};

const iso = (unixS: number | null) => (unixS === null ? null : new Date(unixS * 1000).toISOString());

/** One row per run: what history lists. */
export const RUN_COLUMNS: readonly CsvColumn<WorkflowSummary>[] = [
  { header: "prompt_id", value: (r) => r.prompt_id },
  { header: "workflow_name", value: (r) => r.workflow_name },
  { header: "workflow_hash", value: (r) => r.workflow_hash },
  { header: "status", value: (r) => r.status },
  { header: "started_at_utc", value: (r) => iso(r.started_at) },
  { header: "started_at_unix_s", value: (r) => r.started_at },
  { header: "ended_at_unix_s", value: (r) => r.ended_at },
  { header: "duration_ms", value: (r) => r.duration_ms },
  { header: "node_count", value: (r) => r.node_count },
  { header: "executed_count", value: (r) => r.executed_count },
  { header: "cache_hits", value: (r) => r.cache_hits },
  { header: "cache_misses", value: (r) => r.cache_misses },
  { header: "peak_vram_bytes", value: (r) => r.peak_vram_bytes },
  { header: "peak_rss_bytes", value: (r) => r.peak_rss_bytes },
  { header: "error_node_id", value: (r) => r.error?.node_id },
  { header: "error_node_type", value: (r) => r.error?.node_type },
  { header: "error_exception_type", value: (r) => r.error?.exception_type },
  { header: "error_message", value: (r) => r.error?.message },
];

/** A node's tensors in one cell: "samples float16[1,4,128,128] cuda:0; out[0] float32[1,1024,1024,3] cpu". */
export function describeShapes(shapes: readonly TensorShape[]): string {
  return shapes.map((s) => [s.path, `${s.dtype ?? ""}[${s.shape.join(",")}]`, s.device].filter(Boolean).join(" ")).join("; ");
}

type NodeRow = NodeRecord & { prompt_id: string };

/** One row per node of a run, in execution order. */
export const NODE_COLUMNS: readonly CsvColumn<NodeRow>[] = [
  { header: "prompt_id", value: (n) => n.prompt_id },
  { header: "order", value: (n) => n.order },
  { header: "node_id", value: (n) => n.node_id },
  { header: "class_type", value: (n) => n.class_type },
  { header: "title", value: (n) => n.title },
  { header: "parent_node_id", value: (n) => n.parent_node_id },
  { header: "status", value: (n) => n.status },
  { header: "cache_hit", value: (n) => n.cache_hit },
  { header: "started_at_unix_s", value: (n) => n.started_at },
  { header: "ended_at_unix_s", value: (n) => n.ended_at },
  { header: "duration_ms", value: (n) => n.duration_ms },
  { header: "vram_before_bytes", value: (n) => n.vram_before_bytes },
  { header: "vram_after_bytes", value: (n) => n.vram_after_bytes },
  { header: "vram_peak_delta_bytes", value: (n) => n.vram_peak_delta_bytes },
  { header: "rss_before_bytes", value: (n) => n.rss_before_bytes },
  { header: "rss_after_bytes", value: (n) => n.rss_after_bytes },
  { header: "input_shapes", value: (n) => describeShapes(n.input_shapes) },
  { header: "output_shapes", value: (n) => describeShapes(n.output_shapes) },
  { header: "error", value: (n) => n.error },
];

export interface ExportFile {
  name: string;
  mimeType: string;
  text: string;
}

/** What filtered the page, carried in its JSON so the file says what it holds. */
export interface PageFilter {
  workflow_hash: string | null;
  status: string | null;
  /** The page's `before` cursor (null: the newest runs). */
  before: number | null;
}

const stamp = (d: Date) =>
  `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, "0")}${String(d.getDate()).padStart(2, "0")}-${String(d.getHours()).padStart(2, "0")}${String(
    d.getMinutes(),
  ).padStart(2, "0")}${String(d.getSeconds()).padStart(2, "0")}`;

/** A name every file system takes: prompt ids may hold ':' (refused on Windows). */
const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, "-");

/** A run with every node: JSON as `GET /profiler/workflows/{id}` gives it, or its nodes as CSV. */
export function runExport(run: WorkflowRecord, format: ExportFormat): ExportFile {
  const name = `swissarmyknife-run-${safe(run.prompt_id)}.${format}`;
  const text =
    format === "json"
      ? `${JSON.stringify(run, null, 2)}\n`
      : toCsv(
          NODE_COLUMNS,
          [...run.nodes].sort((x, y) => x.order - y.order).map((n) => ({ ...n, prompt_id: run.prompt_id })),
        );
  return { name, mimeType: MIME_TYPES[format], text };
}

/** A page of history: JSON with its filter and total, or one CSV row per run. */
export function pageExport(items: readonly WorkflowSummary[], filter: PageFilter, total: number, format: ExportFormat, now: Date): ExportFile {
  const name = `swissarmyknife-history-${stamp(now)}.${format}`;
  const text =
    format === "json"
      ? `${JSON.stringify({ format: "swissarmyknife.history-page", exported_at: now.toISOString(), filter, total, items }, null, 2)}\n`
      : toCsv(RUN_COLUMNS, items);
  return { name, mimeType: MIME_TYPES[format], text };
}
