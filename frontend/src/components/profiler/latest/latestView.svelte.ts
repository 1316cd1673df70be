// The Latest view of one run: its table rows (subgraphs grouped), its timeline, the node selected
// (by a row, a bar or the arrow keys, the same selection in both), which groups and rows are
// expanded, the sort and the timeline's colouring. LatestRun.svelte renders it.
import type { WorkflowRecord } from "../../../api/types";
import { keySet, withKey } from "../../../lib/keySet";
import { buildNodeTree, rowKeyOf, type TreeRow } from "../../../lib/nodeTree";
import { buildTimeline, neighbourBar, type ColorMode, type TimelineBar } from "../../../lib/timeline";
import type { SortState } from "../../common/table.svelte";

/** Execution order, as the run went. */
export const DEFAULT_SORT: SortState = { column: "order", direction: "ascending" };

export class LatestView {
  #record: () => WorkflowRecord;

  colorMode = $state<ColorMode>("class");
  /** The selected node's id (a group's: its parent's). */
  selectedNodeId = $state<string | null>(null);
  sort = $state<SortState | null>(DEFAULT_SORT);
  expanded = $state.raw<ReadonlySet<string>>(keySet());

  /** `record` is read through a getter, so the view follows a new record of the run. */
  constructor(record: () => WorkflowRecord) {
    this.#record = record;
    // Groups start open: a subgraph's inner nodes are what ran.
    this.expanded = keySet(this.rows.filter((r) => r.kind === "group").map((r) => r.key));
  }

  readonly rows = $derived.by(() => buildNodeTree(this.#record()));
  readonly timeline = $derived.by(() => buildTimeline(this.#record()));
  readonly selectedRowKey = $derived(this.selectedNodeId === null ? null : (rowKeyOf(this.rows, this.selectedNodeId)?.rowKey ?? null));

  /** Select a node (from the timeline, the keys): its group opens so its row shows. */
  select(nodeId: string): void {
    this.selectedNodeId = nodeId;
    const group = rowKeyOf(this.rows, nodeId)?.groupKey;
    if (group) this.expanded = withKey(this.expanded, group);
  }

  /** A row was clicked. */
  selectRow(row: TreeRow): void {
    this.selectedNodeId = row.kind === "node" ? row.node.node_id : row.parentId;
  }

  /** The arrow keys on the timeline: the bar before or after the selected one. */
  step(direction: -1 | 1): TimelineBar | null {
    const bar = neighbourBar(this.timeline.bars, this.selectedNodeId, direction);
    if (bar) this.select(bar.nodeId);
    return bar;
  }

  /** The selected node's record, for showing it on the canvas. */
  get selectedNode() {
    return this.#record().nodes.find((n) => n.node_id === this.selectedNodeId) ?? null;
  }
}
