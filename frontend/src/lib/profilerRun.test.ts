import { describe, expect, it } from "vitest";

import { cachedNode, GIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import {
  nodeMarkers,
  ramDeltaBytes,
  runName,
  shareOf,
  slowestNodes,
  usualDurationMs,
  vramBeforeLevel,
  vramPeakBytes,
  vramPercentBefore,
} from "./profilerRun";

describe("runName", () => {
  it("is the saved workflow's name when the page sent one", () => {
    expect(runName({ workflow_hash: "3f2a9c0d1e4b5a67", workflow_name: "Portrait upscale" })).toBe("Portrait upscale");
  });
  it.each([null, undefined, "", "   "])("says 'Unsaved workflow' and the hash's first 7 digits for %j", (name) => {
    expect(runName({ workflow_hash: "3f2a9c0d1e4b5a67", workflow_name: name })).toBe("Unsaved workflow · 3f2a9c0");
  });
});

describe("usualDurationMs", () => {
  const averages = [
    { workflow_hash: "a", mean_duration_ms: 5000, successes: 3 },
    { workflow_hash: "b", mean_duration_ms: null, successes: 0 },
  ];
  it("is the workflow's mean over its successful runs", () => {
    expect(usualDurationMs(averages, "a")).toBe(5000);
  });
  it("is unknown for a workflow without successful runs or without averages", () => {
    expect(usualDurationMs(averages, "b")).toBeNull();
    expect(usualDurationMs(averages, "c")).toBeNull();
  });
});

describe("shareOf", () => {
  it("divides, and is null for a missing part or a whole that is not positive", () => {
    expect(shareOf(250, 1000)).toBe(0.25);
    expect(shareOf(1500, 1000)).toBe(1.5);
    expect(shareOf(null, 1000)).toBeNull();
    expect(shareOf(1, 0)).toBeNull();
    expect(shareOf(1, null)).toBeNull();
    expect(shareOf(Number.NaN, 10)).toBeNull();
  });
});

describe("nodeMarkers", () => {
  it("marks cache hits, errors, interrupts, and the node an out-of-memory run failed in", () => {
    const run = { status: "oom" as const, error: { node_id: "3", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", message: "CUDA out of memory" } };
    expect(nodeMarkers(cachedNode("1", "A"), run)).toEqual(["cached"]);
    expect(nodeMarkers(nodeRecord("3", "KSampler", { status: "error" }), run)).toEqual(["oom"]);
    expect(nodeMarkers(nodeRecord("4", "B", { status: "error" }), { status: "error", error: null })).toEqual(["error"]);
    expect(nodeMarkers(nodeRecord("5", "B", { status: "interrupted" }), { status: "interrupted", error: null })).toEqual(["interrupted"]);
    expect(nodeMarkers(nodeRecord("6", "B"), { status: "success", error: null })).toEqual([]);
  });
});

describe("slowestNodes", () => {
  it("lists the slowest first with their share of the run, untimed nodes last, at most `count`", () => {
    const run = workflowRecord(
      "p",
      [cachedNode("1", "Loader"), nodeRecord("2", "Encode", { duration_ms: 300 }), nodeRecord("3", "KSampler", { duration_ms: 2400 }), nodeRecord("4", "Decode", { duration_ms: 300 })],
      { duration_ms: 3000 },
    );
    const slow = slowestNodes(run, 3);
    expect(slow.map((s) => s.node.node_id)).toEqual(["3", "2", "4"]);
    expect(slow[0]?.share).toBeCloseTo(0.8);
    expect(slowestNodes(run).map((s) => s.node.node_id)).toEqual(["3", "2", "4", "1"]);
    expect(slowestNodes(run).at(-1)?.markers).toEqual(["cached"]);
  });

  it("counts a subgraph's inner nodes, not the node that expanded into them", () => {
    const run = workflowRecord("p", [
      nodeRecord("10", "Outer", { duration_ms: 900 }),
      nodeRecord("10:1", "Inner", { duration_ms: 500, parent_node_id: "10" }),
      nodeRecord("10:2", "Inner", { duration_ms: 300, parent_node_id: "10" }),
    ]);
    expect(slowestNodes(run).map((s) => s.node.node_id)).toEqual(["10:1", "10:2"]);
  });
});

describe("a node's memory figures", () => {
  it("RAM delta is RSS after minus before; VRAM peak is before plus the peak's rise", () => {
    expect(ramDeltaBytes({ rss_before_bytes: 4 * GIB, rss_after_bytes: 3 * GIB })).toBe(-GIB);
    expect(ramDeltaBytes({ rss_before_bytes: null, rss_after_bytes: 3 * GIB })).toBeNull();
    expect(vramPeakBytes({ vram_before_bytes: 2 * GIB, vram_peak_delta_bytes: GIB })).toBe(3 * GIB);
    expect(vramPeakBytes({ vram_before_bytes: 2 * GIB, vram_peak_delta_bytes: null })).toBeNull();
  });
});

describe("vramBeforeLevel", () => {
  it("warns from 85 % of the GPU's memory in use and is critical from 95 %", () => {
    expect(vramBeforeLevel(84.9)).toBe("ok");
    expect(vramBeforeLevel(85)).toBe("warning");
    expect(vramBeforeLevel(94.9)).toBe("warning");
    expect(vramBeforeLevel(95)).toBe("critical");
    expect(vramBeforeLevel(null)).toBe("unknown");
    expect(vramBeforeLevel(Number.NaN)).toBe("unknown");
  });

  it("follows the thresholds in force (the profiler's settings)", () => {
    const thresholds = { warningPercent: 70, criticalPercent: 80 };
    expect(vramBeforeLevel(69.9, thresholds)).toBe("ok");
    expect(vramBeforeLevel(70, thresholds)).toBe("warning");
    expect(vramBeforeLevel(80, thresholds)).toBe("critical");
    expect(vramBeforeLevel(88, { warningPercent: 90, criticalPercent: 98 })).toBe("ok");
  });
});

describe("vramPercentBefore", () => {
  it("is what the first node to start found, skipping nodes that were not measured", () => {
    const run = workflowRecord("p", [
      cachedNode("1", "Loader"),
      nodeRecord("3", "B", { started_at: 1_700_000_002, vram_percent_before: 91 }),
      nodeRecord("2", "A", { started_at: 1_700_000_001, vram_percent_before: 40 }),
      nodeRecord("4", "C", { started_at: 1_700_000_000, vram_percent_before: null }),
    ]);
    expect(vramPercentBefore(run)).toBe(40);
    expect(vramPercentBefore(workflowRecord("q", [cachedNode("1", "Loader")]))).toBeNull();
  });
});
