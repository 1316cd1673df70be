// A run's nodes as the Latest table shows them: top-level nodes in execution order, and the nodes a
// subgraph expanded into grouped under the node they came from, with the group's own figures.
// A group's time is wall-clock (its first start to its last end), never a sum: inner nodes of one
// subgraph can overlap the node that expanded them, and async ones each other.
import type { NodeRecord, WorkflowRecord } from "../api/types";
import { nodeMarkers, ramDeltaBytes, vramPeakBytes, type NodeMarker } from "./profilerRun";

/** One row of the table: a node, or a subgraph's group with its inner nodes. */
export type TreeRow = NodeRow | GroupRow;

export interface RowFigures {
  /** Stable key: the node id (groups: "group:" and the parent's id). */
  key: string;
  order: number;
  durationMs: number | null;
  vramPeakBytes: number | null;
  /** The peak's rise over the memory in use before. */
  vramPeakDeltaBytes: number | null;
  ramDeltaBytes: number | null;
  markers: NodeMarker[];
}

export interface NodeRow extends RowFigures {
  kind: "node";
  node: NodeRecord;
}

export interface GroupRow extends RowFigures {
  kind: "group";
  parentId: string;
  /** The node that expanded into the group, when the run recorded it. */
  parent: NodeRecord | null;
  children: NodeRow[];
}

function nodeRow(node: NodeRecord, run: Pick<WorkflowRecord, "status" | "error">): NodeRow {
  return {
    kind: "node",
    key: node.node_id,
    node,
    order: node.order,
    durationMs: node.duration_ms,
    vramPeakBytes: vramPeakBytes(node),
    vramPeakDeltaBytes: node.vram_peak_delta_bytes,
    ramDeltaBytes: ramDeltaBytes(node),
    markers: nodeMarkers(node, run),
  };
}

function finite(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/** First start to last end of the nodes that have a clock, in ms; null when none has. */
export function wallClockMs(nodes: readonly Pick<NodeRecord, "started_at" | "ended_at">[]): number | null {
  const starts = finite(nodes.map((n) => n.started_at));
  const ends = finite(nodes.map((n) => n.ended_at));
  if (starts.length === 0 || ends.length === 0) return null;
  return Math.max(0, (Math.max(...ends) - Math.min(...starts)) * 1000);
}

/** RSS after the last node to end minus RSS before the first to start; null when unknown. */
function groupRamDelta(nodes: readonly NodeRecord[]): number | null {
  const timed = nodes.filter((n) => n.started_at !== null && n.ended_at !== null);
  if (timed.length === 0) return null;
  const first = timed.reduce((a, b) => (b.started_at! < a.started_at! ? b : a));
  const last = timed.reduce((a, b) => (b.ended_at! > a.ended_at! ? b : a));
  return first.rss_before_bytes === null || last.rss_after_bytes === null ? null : last.rss_after_bytes - first.rss_before_bytes;
}

function maxOrNull(values: (number | null)[]): number | null {
  const known = finite(values);
  return known.length > 0 ? Math.max(...known) : null;
}

function groupMarkers(members: readonly NodeRow[]): NodeMarker[] {
  const present = new Set(members.flatMap((m) => m.markers));
  const markers: NodeMarker[] = [];
  // A group is a cache hit only when all of it came from the cache; any failure inside marks it.
  if (members.length > 0 && members.every((m) => m.markers.includes("cached"))) markers.push("cached");
  for (const marker of ["oom", "error", "interrupted"] as const) if (present.has(marker)) markers.push(marker);
  return markers;
}

/**
 * The table's rows: nodes without a parent as rows of their own, and each subgraph's inner nodes
 * (`parent_node_id`) as one group, placed where its first node ran, in execution order.
 */
export function buildNodeTree(run: WorkflowRecord): TreeRow[] {
  const byId = new Map(run.nodes.map((n) => [n.node_id, n]));
  const childrenOf = new Map<string, NodeRecord[]>();
  for (const node of run.nodes) {
    if (node.parent_node_id === null || node.parent_node_id === node.node_id) continue;
    const list = childrenOf.get(node.parent_node_id) ?? [];
    list.push(node);
    childrenOf.set(node.parent_node_id, list);
  }
  const rows: TreeRow[] = [];
  const grouped = new Set<string>();
  for (const node of run.nodes) {
    // An inner node whose group is placed already, or will be at its parent.
    if (grouped.has(node.node_id)) continue;
    const groupId = childrenOf.has(node.node_id) ? node.node_id : node.parent_node_id !== null && childrenOf.has(node.parent_node_id) ? node.parent_node_id : null;
    if (groupId === null) {
      rows.push(nodeRow(node, run));
      continue;
    }
    const parent = byId.get(groupId) ?? null;
    const inner = childrenOf.get(groupId) ?? [];
    const members = [...(parent ? [parent] : []), ...inner];
    for (const member of members) grouped.add(member.node_id);
    const children = inner.map((n) => nodeRow(n, run));
    const memberRows = parent ? [nodeRow(parent, run), ...children] : children;
    rows.push({
      kind: "group",
      key: `group:${groupId}`,
      parentId: groupId,
      parent,
      children,
      order: Math.min(...members.map((m) => m.order)),
      durationMs: wallClockMs(members),
      vramPeakBytes: maxOrNull(memberRows.map((m) => m.vramPeakBytes)),
      vramPeakDeltaBytes: maxOrNull(memberRows.map((m) => m.vramPeakDeltaBytes)),
      ramDeltaBytes: groupRamDelta(members),
      markers: groupMarkers(memberRows),
    });
  }
  return rows;
}

/** The rows a node id is shown in: its own row, or its group's (for the timeline's selection). */
export function rowKeyOf(rows: readonly TreeRow[], nodeId: string): { rowKey: string; groupKey: string | null } | null {
  for (const row of rows) {
    if (row.kind === "node" && row.node.node_id === nodeId) return { rowKey: row.key, groupKey: null };
    if (row.kind === "group") {
      if (row.parentId === nodeId) return { rowKey: row.key, groupKey: null };
      const child = row.children.find((c) => c.node.node_id === nodeId);
      if (child) return { rowKey: child.key, groupKey: row.key };
    }
  }
  return null;
}
