// Two runs of one workflow, node by node: which nodes got faster or slower, used more or less VRAM,
// came from the cache or stopped doing so, and which exist in one run only; and the runs' totals.
// Pure, so the Previous tab's compare view only renders what this returns.
import type { NodeRecord, WorkflowRecord, WorkflowSummary } from "../api/types";

/** Lower time and lower VRAM are better; a change within the tolerance is "same". */
export type Verdict = "better" | "worse" | "same";
/** Whether a node ran in both runs, only in the newer one (added) or only in the older one (removed). */
export type Presence = "both" | "added" | "removed";
/** A node in both runs: cached in both or neither ("same"), cached only in the newer run, or only in the older. */
export type CacheChange = "same" | "now-cached" | "now-executed";

/**
 * A change smaller than this share of the older value, or than the floor, reads as "same": node
 * times jitter by a few per cent between identical runs, and a node's VRAM peak by allocator slack.
 */
export const RELATIVE_TOLERANCE = 0.05;
export const DURATION_FLOOR_MS = 1;
export const VRAM_FLOOR_BYTES = 1024 ** 2;

/** One figure in the older run (a) and the newer (b); delta and verdict are null when either is missing. */
export interface Delta {
  a: number | null;
  b: number | null;
  /** b - a. */
  delta: number | null;
  /** delta / a, null when a is 0 or missing. */
  ratio: number | null;
  verdict: Verdict | null;
}

export interface NodeDiff {
  /** Unique among the rows: the node id, prefixed "a:"/"b:" when the id changed class between runs. */
  key: string;
  node_id: string;
  class_type: string;
  title: string | null;
  parent_node_id: string | null;
  presence: Presence;
  a: NodeRecord | null;
  b: NodeRecord | null;
  duration: Delta;
  vram: Delta;
  /** Null unless the node is in both runs. */
  cache: CacheChange | null;
  /** In both runs, ending differently (success in one, error in the other); a cache change is not one. */
  statusChanged: boolean;
}

export interface RunDiff {
  /** The older run (the baseline) and the newer one. */
  a: WorkflowSummary;
  b: WorkflowSummary;
  sameWorkflow: boolean;
  /** The newer run's nodes in its execution order, then the removed ones in the older run's order. */
  rows: NodeDiff[];
  duration: Delta;
  peakVram: Delta;
  peakRss: Delta;
  cacheHits: Delta;
  executed: Delta;
  counts: { both: number; added: number; removed: number; nowCached: number; nowExecuted: number; faster: number; slower: number };
}

function usable(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** a and b compared, lower being better; within max(floor, tolerance x |a|) they are the same. */
export function delta(a: number | null | undefined, b: number | null | undefined, floor: number): Delta {
  const av = usable(a) ? a : null;
  const bv = usable(b) ? b : null;
  if (av === null || bv === null) return { a: av, b: bv, delta: null, ratio: null, verdict: null };
  const change = bv - av;
  const threshold = Math.max(floor, RELATIVE_TOLERANCE * Math.abs(av));
  const verdict: Verdict = Math.abs(change) <= threshold ? "same" : change < 0 ? "better" : "worse";
  return { a: av, b: bv, delta: change, ratio: av !== 0 ? change / Math.abs(av) : null, verdict };
}

/** A count compared without a verdict (more cache hits is neither better nor worse by itself). */
function countDelta(a: number, b: number): Delta {
  return { a, b, delta: b - a, ratio: a !== 0 ? (b - a) / a : null, verdict: null };
}

function cacheChange(a: NodeRecord, b: NodeRecord): CacheChange {
  if (a.cache_hit === b.cache_hit) return "same";
  return b.cache_hit ? "now-cached" : "now-executed";
}

function row(key: string, presence: Presence, a: NodeRecord | null, b: NodeRecord | null): NodeDiff {
  const node = (b ?? a)!;
  return {
    key,
    node_id: node.node_id,
    class_type: node.class_type,
    title: node.title ?? a?.title ?? null,
    parent_node_id: node.parent_node_id,
    presence,
    a,
    b,
    duration: delta(a?.duration_ms, b?.duration_ms, DURATION_FLOOR_MS),
    vram: delta(a?.vram_peak_delta_bytes, b?.vram_peak_delta_bytes, VRAM_FLOOR_BYTES),
    cache: a && b ? cacheChange(a, b) : null,
    // A node that came from the cache in one run only has changed its cache use, not its outcome.
    statusChanged: a !== null && b !== null && a.status !== b.status && a.status !== "cached" && b.status !== "cached",
  };
}

const byOrder = (x: NodeRecord, y: NodeRecord) => x.order - y.order;

/**
 * Compares two runs. Nodes are matched by id; an id whose class differs between the runs is a
 * different node (removed from the older, added in the newer). Pass the runs in either order: the
 * one that started first is the baseline, unless `keepOrder` (a pinned baseline is "before" even
 * when it ran later).
 */
export function compareRuns(first: WorkflowRecord, second: WorkflowRecord, keepOrder = false): RunDiff {
  const [a, b] = keepOrder ? [first, second] : orderRuns(first, second);
  const older = new Map(a.nodes.map((node) => [node.node_id, node]));
  const matched = new Set<string>();
  const rows: NodeDiff[] = [];
  const removedLater: NodeDiff[] = [];
  for (const node of [...b.nodes].sort(byOrder)) {
    const before = older.get(node.node_id);
    if (before && before.class_type === node.class_type) {
      matched.add(node.node_id);
      rows.push(row(node.node_id, "both", before, node));
    } else if (before) {
      // Same id, other class: the id was reused for another node.
      matched.add(node.node_id);
      removedLater.push(row(`a:${node.node_id}`, "removed", before, null));
      rows.push(row(`b:${node.node_id}`, "added", null, node));
    } else {
      rows.push(row(node.node_id, "added", null, node));
    }
  }
  const removed = a.nodes.filter((node) => !matched.has(node.node_id)).map((node) => row(node.node_id, "removed", node, null));
  rows.push(...[...removed, ...removedLater].sort((x, y) => byOrder(x.a!, y.a!)));

  const counts = { both: 0, added: 0, removed: 0, nowCached: 0, nowExecuted: 0, faster: 0, slower: 0 };
  for (const r of rows) {
    counts[r.presence] += 1;
    if (r.cache === "now-cached") counts.nowCached += 1;
    if (r.cache === "now-executed") counts.nowExecuted += 1;
    if (r.duration.verdict === "better") counts.faster += 1;
    if (r.duration.verdict === "worse") counts.slower += 1;
  }
  const { nodes: _a, ...aSummary } = a;
  const { nodes: _b, ...bSummary } = b;
  return {
    a: aSummary,
    b: bSummary,
    sameWorkflow: a.workflow_hash === b.workflow_hash,
    rows,
    duration: delta(a.duration_ms, b.duration_ms, DURATION_FLOOR_MS),
    peakVram: delta(a.peak_vram_bytes, b.peak_vram_bytes, VRAM_FLOOR_BYTES),
    peakRss: delta(a.peak_rss_bytes, b.peak_rss_bytes, VRAM_FLOOR_BYTES),
    cacheHits: countDelta(a.cache_hits, b.cache_hits),
    executed: countDelta(a.executed_count, b.executed_count),
    counts,
  };
}

/** The two runs, the one that started first first (ties: by prompt id, so the order is stable). */
export function orderRuns<T extends Pick<WorkflowSummary, "started_at" | "prompt_id">>(x: T, y: T): [T, T] {
  if (x.started_at !== y.started_at) return x.started_at < y.started_at ? [x, y] : [y, x];
  return x.prompt_id <= y.prompt_id ? [x, y] : [y, x];
}

/** Whether two listed runs can be compared: two different runs of one workflow (graph hash). */
export function canCompare(x: Pick<WorkflowSummary, "prompt_id" | "workflow_hash">, y: Pick<WorkflowSummary, "prompt_id" | "workflow_hash">): boolean {
  return x.prompt_id !== y.prompt_id && x.workflow_hash === y.workflow_hash;
}
