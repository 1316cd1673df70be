// What each node's badge on the graph says: its time and VRAM peak rise, a mark for a cached, failed,
// out-of-memory or interrupted node, and a heat level by its share of the run. A subgraph's nodes
// give the node that holds them on the root graph one badge with their wall-clock time. Pure: the
// store derives these from a stored run or the live one, host/ puts them on the nodes.
import type { NodeRecord, WorkflowRecord } from "../api/types";
import { formatBytes, formatDuration } from "./format";
import { wallClockMs } from "./nodeTree";
import { nodeMarkers, shareOf, type NodeMarker } from "./profilerRun";

export type BadgeMode = "on" | "hover" | "off";
export const BADGE_MODES: readonly BadgeMode[] = ["on", "hover", "off"];

/** Which figures a badge shows (the marks always show). */
export interface BadgeFigures {
  time: boolean;
  vram: boolean;
}

/** Heat: 0 under 5 % of the run, 1 from 5 %, 2 from 15 %, 3 from 35 % (the tokens --swissarmyknife-heat-N). */
export type HeatLevel = 0 | 1 | 2 | 3;
export const HEAT_BOUNDS = [0.05, 0.15, 0.35] as const;
export const HEAT_LEVELS: readonly HeatLevel[] = [0, 1, 2, 3];

export type BadgeMark = NodeMarker | "running";

/** One node's badge, before colours: the text says everything the colour says. */
export interface NodeBadge {
  text: string;
  /** null: no share known (cached, running, no time). */
  heat: HeatLevel | null;
  /** From the run before the one now running: drawn greyed until this run replaces it. */
  stale: boolean;
}

/** What a badge is made of, for a node or a subgraph's group. */
export interface BadgeFacts {
  durationMs: number | null;
  vramPeakDeltaBytes: number | null;
  marks: readonly BadgeMark[];
  /** Its time's share of the run, 0..1. */
  share: number | null;
}

const MARK_TEXT: Record<BadgeMark, string> = {
  cached: "♻ cached",
  oom: "💥 OOM",
  error: "✖ error",
  interrupted: "⏹ stopped",
  running: "▶ running",
};

/** The heat level of a share of the run; null when unknown. */
export function heatLevel(share: number | null | undefined): HeatLevel | null {
  if (typeof share !== "number" || !Number.isFinite(share) || share < 0) return null;
  let level = 0;
  for (const bound of HEAT_BOUNDS) if (share >= bound) level++;
  return level as HeatLevel;
}

/** "4.20 s · +3.2 GiB", "♻ cached", "💥 OOM · 1.20 s": marks first, then the figures asked for. */
export function badgeText(facts: BadgeFacts, figures: BadgeFigures): string {
  const parts = facts.marks.map((mark) => MARK_TEXT[mark]);
  const cachedOrRunning = facts.marks.includes("cached") || facts.marks.includes("running");
  if (!cachedOrRunning) {
    if (figures.time && facts.durationMs !== null) parts.push(formatDuration(facts.durationMs));
    // A rise under 1 MiB is noise (allocator rounding); a device that reports none gives null.
    const vram = facts.vramPeakDeltaBytes;
    if (figures.vram && vram !== null && vram >= 1024 ** 2) parts.push(`+${formatBytes(vram)}`);
  }
  return parts.join(" · ");
}

export function nodeBadge(facts: BadgeFacts, figures: BadgeFigures): NodeBadge | null {
  const text = badgeText(facts, figures);
  if (!text) return null;
  const heat = facts.marks.includes("cached") || facts.marks.includes("running") ? null : heatLevel(facts.share);
  return { text, heat, stale: false };
}

/**
 * The node on the root graph that shows a recorded node: "12" for "12:5" (node 5 of the subgraph
 * node 12, the frontend's flattened ids) and for a node a subgraph expansion added under 12.
 */
export function outerNodeId(node: Pick<NodeRecord, "node_id" | "parent_node_id">): string {
  const shown = node.parent_node_id ?? node.node_id;
  return shown.split(":")[0] ?? shown;
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length > 0 ? Math.max(...known) : null;
}

/** A group's marks: cached when all of it was; any failure inside marks it. */
function groupMarks(members: readonly (readonly BadgeMark[])[]): BadgeMark[] {
  const marks: BadgeMark[] = [];
  if (members.length > 0 && members.every((m) => m.includes("cached"))) marks.push("cached");
  for (const mark of ["running", "oom", "error", "interrupted"] as const) if (members.some((m) => m.includes(mark))) marks.push(mark);
  return marks;
}

/** The recorded nodes by the root-graph node that shows them, in execution order. */
export function groupByOuterNode(nodes: readonly NodeRecord[]): Map<string, NodeRecord[]> {
  const groups = new Map<string, NodeRecord[]>();
  for (const node of nodes) {
    const id = outerNodeId(node);
    const list = groups.get(id);
    if (list) list.push(node);
    else groups.set(id, [node]);
  }
  return groups;
}

/** Every badge of a stored run, by the root-graph node id it goes on. */
export function recordBadges(run: WorkflowRecord, figures: BadgeFigures): Map<string, NodeBadge> {
  const badges = new Map<string, NodeBadge>();
  for (const [id, members] of groupByOuterNode(run.nodes)) {
    const single = members.length === 1 && members[0]!.node_id === id ? members[0]! : null;
    const durationMs = single ? single.duration_ms : wallClockMs(members);
    const facts: BadgeFacts = {
      durationMs,
      vramPeakDeltaBytes: maxOrNull(members.map((m) => m.vram_peak_delta_bytes)),
      marks: single ? nodeMarkers(single, run) : groupMarks(members.map((m) => nodeMarkers(m, run))),
      share: shareOf(durationMs, run.duration_ms),
    };
    const badge = nodeBadge(facts, figures);
    if (badge) badges.set(id, badge);
  }
  return badges;
}

/** A node of the graph on screen: its id and class (LGraphNode.type). */
export type GraphNodes = ReadonlyMap<string, string>;

/**
 * Whether the graph on screen is the run's workflow: every root-graph node the run recorded is on it,
 * a plain node with the class it ran as (a subgraph's holder by id only: its type is the subgraph's).
 */
export function recordMatchesGraph(run: Pick<WorkflowRecord, "nodes">, graph: GraphNodes): boolean {
  const groups = groupByOuterNode(run.nodes);
  if (groups.size === 0) return false;
  for (const [id, members] of groups) {
    const type = graph.get(id);
    if (type === undefined) return false;
    const single = members.length === 1 && members[0]!.node_id === id ? members[0]! : null;
    if (single && single.class_type !== type) return false;
  }
  return true;
}

/** A node of the run going on now, timed by the page's clock from ComfyUI's executing events. */
export interface LiveNode {
  startedMs: number | null;
  endedMs: number | null;
  cached: boolean;
}

/**
 * The live run's badges: finished nodes with their time, the running one, the cached ones. Heat is a
 * node's share of `expectedMs` (the last run of the workflow): a fixed whole, so a node's badge
 * changes only when it does (none without a last run).
 */
export function liveBadges(nodes: ReadonlyMap<string, LiveNode>, expectedMs: number | null, figures: BadgeFigures): Map<string, NodeBadge> {
  const byOuter = new Map<string, LiveNode[]>();
  for (const [id, node] of nodes) {
    const outer = id.split(":")[0] ?? id;
    const list = byOuter.get(outer);
    if (list) list.push(node);
    else byOuter.set(outer, [node]);
  }
  const badges = new Map<string, NodeBadge>();
  for (const [id, members] of byOuter) {
    const running = members.some((m) => m.startedMs !== null && m.endedMs === null);
    const cached = members.every((m) => m.cached);
    const starts = members.map((m) => m.startedMs).filter((v): v is number => v !== null);
    const ends = members.map((m) => m.endedMs).filter((v): v is number => v !== null);
    const durationMs = !running && starts.length > 0 && ends.length > 0 ? Math.max(...ends) - Math.min(...starts) : null;
    const marks: BadgeMark[] = cached ? ["cached"] : running ? ["running"] : [];
    const badge = nodeBadge({ durationMs, vramPeakDeltaBytes: null, marks, share: shareOf(durationMs, expectedMs) }, figures);
    if (badge) badges.set(id, badge);
  }
  return badges;
}

/** The previous run's badges greyed, under the live run's: a node the new run reached shows its new badge. */
export function overStale(previous: ReadonlyMap<string, NodeBadge>, live: ReadonlyMap<string, NodeBadge>): Map<string, NodeBadge> {
  const badges = new Map<string, NodeBadge>();
  for (const [id, badge] of previous) badges.set(id, { ...badge, stale: true });
  for (const [id, badge] of live) badges.set(id, badge);
  return badges;
}

/** What the host draws: a badge's colours at the chosen opacity. */
export interface BadgeColours {
  fg: string;
  bg: string;
}

/** The palette read from the tokens: one pair per heat level, one for no heat, one for the greyed last run. */
export interface BadgePalette {
  heat: readonly [BadgeColours, BadgeColours, BadgeColours, BadgeColours];
  neutral: BadgeColours;
  stale: BadgeColours;
}

/** "#rrggbb" at an alpha: "rgba(r, g, b, a)"; any other colour string is returned as it is. */
export function withAlpha(colour: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour.trim());
  if (!match) return colour;
  const [r, g, b] = [match[1]!, match[2]!, match[3]!].map((hex) => parseInt(hex, 16));
  const a = Math.min(1, Math.max(0, Math.round(alpha * 100) / 100));
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

export function badgeColours(badge: NodeBadge, palette: BadgePalette, opacity: number): BadgeColours {
  const pair = badge.stale ? palette.stale : badge.heat === null ? palette.neutral : palette.heat[badge.heat];
  return { fg: withAlpha(pair.fg, opacity), bg: withAlpha(pair.bg, opacity) };
}

/** WCAG 2 contrast ratio of two "#rrggbb" colours (1..21). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string) => {
    const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const [r, g, bl] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** An opacity setting's value as a number in 0.2..1 (a badge never vanishes by opacity: use Off). */
export function badgeOpacity(value: unknown, fallback = 0.9): number {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? Math.min(1, Math.max(0.2, n)) : fallback;
}

export function badgeMode(value: unknown): BadgeMode {
  return BADGE_MODES.includes(value as BadgeMode) ? (value as BadgeMode) : "on";
}
