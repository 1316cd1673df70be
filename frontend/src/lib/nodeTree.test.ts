import { describe, expect, it } from "vitest";

import { cachedNode, GIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import { buildNodeTree, rowKeyOf, wallClockMs, type GroupRow } from "./nodeTree";

const T0 = 1_700_000_000;

/** A node that ran from `start` to `end` seconds after T0. */
function ran(id: string, start: number, end: number, extra: Parameters<typeof nodeRecord>[2] = {}) {
  return nodeRecord(id, "Node", { started_at: T0 + start, ended_at: T0 + end, duration_ms: (end - start) * 1000, ...extra });
}

describe("wallClockMs", () => {
  it("is first start to last end, not the sum of the nodes' times", () => {
    expect(wallClockMs([ran("a", 0, 2), ran("b", 1, 3)])).toBeCloseTo(3000);
    expect(wallClockMs([ran("a", 0, 1), ran("b", 5, 6)])).toBeCloseTo(6000);
  });
  it("ignores nodes without a clock and is null when none has one", () => {
    expect(wallClockMs([cachedNode("c", "C"), ran("a", 1, 2)])).toBeCloseTo(1000);
    expect(wallClockMs([cachedNode("c", "C")])).toBeNull();
  });
});

describe("buildNodeTree", () => {
  it("keeps nodes without a parent as rows of their own, in execution order", () => {
    const rows = buildNodeTree(workflowRecord("p", [cachedNode("1", "Loader"), ran("2", 0, 1), ran("3", 1, 3)]));
    expect(rows.map((r) => [r.kind, r.key])).toEqual([
      ["node", "1"],
      ["node", "2"],
      ["node", "3"],
    ]);
    expect(rows[0]?.markers).toEqual(["cached"]);
  });

  it("groups a subgraph's inner nodes under the node they came from, with the group's wall-clock time", () => {
    const run = workflowRecord("p", [
      ran("1", 0, 1),
      ran("7", 1, 1.1, { class_type: "MySubgraph" }),
      ran("7:1", 1.1, 2, { parent_node_id: "7", vram_peak_delta_bytes: 2 * GIB, rss_before_bytes: 4 * GIB, rss_after_bytes: 5 * GIB }),
      ran("7:2", 1.5, 3, { parent_node_id: "7", status: "error", rss_before_bytes: 5 * GIB, rss_after_bytes: 6 * GIB }),
      ran("9", 3, 4),
    ]);
    const rows = buildNodeTree(run);
    expect(rows.map((r) => r.key)).toEqual(["1", "group:7", "9"]);
    const group = rows[1] as GroupRow;
    expect(group.parent?.class_type).toBe("MySubgraph");
    expect(group.children.map((c) => c.key)).toEqual(["7:1", "7:2"]);
    // 1.0 s to 3.0 s: 2 s, though its members' times add up to 2.5 s.
    expect(group.durationMs).toBeCloseTo(2000);
    expect(group.order).toBe(1);
    expect(group.vramPeakDeltaBytes).toBe(2 * GIB);
    // RSS before the first to start (the parent's 4 GiB) to after the last to end (6 GiB).
    expect(group.ramDeltaBytes).toBe(2 * GIB);
    expect(group.markers).toEqual(["error"]);
  });

  it("makes a group for inner nodes whose parent the run did not record, where its first inner node ran", () => {
    const rows = buildNodeTree(workflowRecord("p", [ran("1", 0, 1), ran("5:1", 1, 2, { parent_node_id: "5" }), ran("5:2", 2, 3, { parent_node_id: "5" })]));
    expect(rows.map((r) => r.key)).toEqual(["1", "group:5"]);
    const group = rows[1] as GroupRow;
    expect(group.parent).toBeNull();
    expect(group.durationMs).toBeCloseTo(2000);
  });

  it("marks a group a cache hit only when every member came from the cache", () => {
    const all = buildNodeTree(workflowRecord("p", [cachedNode("5:1", "A", { parent_node_id: "5" }), cachedNode("5:2", "A", { parent_node_id: "5" })]));
    expect(all[0]?.markers).toEqual(["cached"]);
    const some = buildNodeTree(workflowRecord("p", [cachedNode("5:1", "A", { parent_node_id: "5" }), ran("5:2", 0, 1, { parent_node_id: "5" })]));
    expect(some[0]?.markers).toEqual([]);
  });
});

describe("rowKeyOf", () => {
  it("finds a node's row, and the group it sits in", () => {
    const rows = buildNodeTree(workflowRecord("p", [ran("1", 0, 1), ran("7", 1, 2), ran("7:1", 1, 2, { parent_node_id: "7" })]));
    expect(rowKeyOf(rows, "1")).toEqual({ rowKey: "1", groupKey: null });
    expect(rowKeyOf(rows, "7:1")).toEqual({ rowKey: "7:1", groupKey: "group:7" });
    expect(rowKeyOf(rows, "7")).toEqual({ rowKey: "group:7", groupKey: null });
    expect(rowKeyOf(rows, "nope")).toBeNull();
  });
});
