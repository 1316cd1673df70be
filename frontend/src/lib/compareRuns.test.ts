import { describe, expect, it } from "vitest";

import { cachedNode, GIB, MIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import { canCompare, compareRuns, delta, DURATION_FLOOR_MS, orderRuns, RELATIVE_TOLERANCE, VRAM_FLOOR_BYTES } from "./compareRuns";

describe("delta", () => {
  it("is b - a with its ratio to a; lower is better", () => {
    expect(delta(200, 100, DURATION_FLOOR_MS)).toEqual({ a: 200, b: 100, delta: -100, ratio: -0.5, verdict: "better" });
    expect(delta(100, 200, DURATION_FLOOR_MS)).toEqual({ a: 100, b: 200, delta: 100, ratio: 1, verdict: "worse" });
  });

  it("reads a change within the relative tolerance as the same, its edge included", () => {
    const edge = 1000 * (1 + RELATIVE_TOLERANCE);
    expect(delta(1000, edge, DURATION_FLOOR_MS).verdict).toBe("same");
    expect(delta(1000, edge + 0.001, DURATION_FLOOR_MS).verdict).toBe("worse");
    expect(delta(1000, 1000 * (1 - RELATIVE_TOLERANCE), DURATION_FLOOR_MS).verdict).toBe("same");
    expect(delta(1000, 1000 * (1 - RELATIVE_TOLERANCE) - 0.001, DURATION_FLOOR_MS).verdict).toBe("better");
  });

  it("reads a change under the floor as the same when the tolerance is smaller (tiny values)", () => {
    expect(delta(2, 2.9, DURATION_FLOOR_MS).verdict).toBe("same");
    expect(delta(2, 3.1, DURATION_FLOOR_MS).verdict).toBe("worse");
    expect(delta(0, VRAM_FLOOR_BYTES, VRAM_FLOOR_BYTES).verdict).toBe("same");
    expect(delta(0, VRAM_FLOOR_BYTES + 1, VRAM_FLOOR_BYTES).verdict).toBe("worse");
  });

  it("has no ratio from zero, and compares a negative baseline by its size", () => {
    expect(delta(0, 10, DURATION_FLOOR_MS)).toMatchObject({ delta: 10, ratio: null, verdict: "worse" });
    expect(delta(-100, -50, 1)).toMatchObject({ delta: 50, ratio: 0.5, verdict: "worse" });
  });

  it.each([
    [null, 5],
    [5, null],
    [undefined, 5],
    [Number.NaN, 5],
    [5, Number.POSITIVE_INFINITY],
  ])("has no delta or verdict when a side is missing (%s, %s)", (a, b) => {
    const d = delta(a, b, 1);
    expect(d.delta).toBeNull();
    expect(d.ratio).toBeNull();
    expect(d.verdict).toBeNull();
  });
});

describe("compareRuns", () => {
  const older = (nodes = baseNodes()) => workflowRecord("old", nodes, { started_at: 1000, duration_ms: 3000, peak_vram_bytes: 10 * GIB, peak_rss_bytes: 8 * GIB });
  const newer = (nodes = baseNodes()) => workflowRecord("new", nodes, { started_at: 2000, duration_ms: 2000, peak_vram_bytes: 12 * GIB, peak_rss_bytes: 8 * GIB });
  function baseNodes() {
    return [nodeRecord("1", "CheckpointLoader"), nodeRecord("2", "KSampler", { duration_ms: 2000 }), nodeRecord("3", "VAEDecode")];
  }

  it("takes the run that started first as the baseline, whichever is passed first", () => {
    const diff = compareRuns(newer(), older());
    expect(diff.a.prompt_id).toBe("old");
    expect(diff.b.prompt_id).toBe("new");
    expect(compareRuns(older(), newer()).a.prompt_id).toBe("old");
  });

  it("carries the runs' summaries without their nodes", () => {
    const diff = compareRuns(older(), newer());
    expect(diff.a).not.toHaveProperty("nodes");
    expect(diff.b).not.toHaveProperty("nodes");
    expect(diff.b.duration_ms).toBe(2000);
  });

  it("matches nodes by id and compares their time and VRAM peak", () => {
    const diff = compareRuns(
      older(),
      newer([
        nodeRecord("1", "CheckpointLoader", { duration_ms: 101 }),
        nodeRecord("2", "KSampler", { duration_ms: 1500, vram_peak_delta_bytes: 3 * GIB }),
        nodeRecord("3", "VAEDecode", { duration_ms: 150, vram_peak_delta_bytes: GIB / 2 }),
      ]),
    );
    const byId = Object.fromEntries(diff.rows.map((r) => [r.key, r]));
    expect(byId["1"]).toMatchObject({ presence: "both", cache: "same", statusChanged: false });
    expect(byId["1"]!.duration.verdict).toBe("same");
    expect(byId["2"]!.duration).toEqual({ a: 2000, b: 1500, delta: -500, ratio: -0.25, verdict: "better" });
    expect(byId["2"]!.vram).toMatchObject({ delta: 2 * GIB, verdict: "worse" });
    expect(byId["3"]!.duration.verdict).toBe("worse");
    expect(byId["3"]!.vram.verdict).toBe("better");
    expect(diff.counts).toMatchObject({ both: 3, added: 0, removed: 0, faster: 1, slower: 1 });
  });

  it("lists nodes only in the newer run as added and only in the older as removed", () => {
    const diff = compareRuns(
      older([nodeRecord("1", "CheckpointLoader"), nodeRecord("2", "KSampler"), nodeRecord("9", "Upscale")]),
      newer([nodeRecord("1", "CheckpointLoader"), nodeRecord("4", "LoraLoader"), nodeRecord("2", "KSampler")]),
    );
    const added = diff.rows.find((r) => r.key === "4")!;
    const removed = diff.rows.find((r) => r.key === "9")!;
    expect(added).toMatchObject({ presence: "added", a: null, cache: null, class_type: "LoraLoader" });
    expect(added.duration).toMatchObject({ a: null, b: 100, delta: null, verdict: null });
    expect(removed).toMatchObject({ presence: "removed", b: null, cache: null, class_type: "Upscale" });
    expect(removed.duration).toMatchObject({ a: 100, b: null, verdict: null });
    expect(diff.counts).toMatchObject({ both: 2, added: 1, removed: 1 });
  });

  it("treats an id that changed class as a removed node and an added one, with distinct keys", () => {
    const diff = compareRuns(older([nodeRecord("5", "KSampler")]), newer([nodeRecord("5", "KSamplerAdvanced")]));
    expect(diff.rows.map((r) => [r.key, r.presence, r.class_type])).toEqual([
      ["b:5", "added", "KSamplerAdvanced"],
      ["a:5", "removed", "KSampler"],
    ]);
    expect(diff.counts).toMatchObject({ both: 0, added: 1, removed: 1 });
  });

  it("orders rows by the newer run's execution, then the removed nodes by the older run's", () => {
    const diff = compareRuns(
      older([nodeRecord("a", "X"), nodeRecord("gone2", "X"), nodeRecord("b", "X"), nodeRecord("gone1", "Y"), nodeRecord("r", "X")]),
      newer([nodeRecord("b", "X"), nodeRecord("new", "X"), nodeRecord("a", "X"), nodeRecord("r", "Z")]),
    );
    expect(diff.rows.map((r) => r.key)).toEqual(["b", "new", "a", "b:r", "gone2", "gone1", "a:r"]);
  });

  it("tells cache changes apart; a cached side has no time or VRAM to compare", () => {
    const diff = compareRuns(
      older([nodeRecord("1", "Loader"), cachedNode("2", "Encode"), cachedNode("3", "Empty")]),
      newer([cachedNode("1", "Loader"), nodeRecord("2", "Encode"), cachedNode("3", "Empty")]),
    );
    const [one, two, three] = ["1", "2", "3"].map((id) => diff.rows.find((r) => r.key === id)!);
    expect(one!.cache).toBe("now-cached");
    expect(one!.duration).toMatchObject({ a: 100, b: null, verdict: null });
    expect(two!.cache).toBe("now-executed");
    expect(two!.vram).toMatchObject({ a: null, b: GIB, verdict: null });
    expect(three!.cache).toBe("same");
    expect(diff.counts).toMatchObject({ nowCached: 1, nowExecuted: 1, faster: 0, slower: 0 });
    expect(diff.cacheHits).toEqual({ a: 2, b: 2, delta: 0, ratio: 0, verdict: null });
    expect(diff.executed).toEqual({ a: 1, b: 1, delta: 0, ratio: 0, verdict: null });
  });

  it("does not call a cache change a status change", () => {
    const diff = compareRuns(older([nodeRecord("1", "X")]), newer([cachedNode("1", "X")]));
    expect(diff.rows[0]).toMatchObject({ cache: "now-cached", statusChanged: false });
  });

  it("says when a node's status changed", () => {
    const diff = compareRuns(older([nodeRecord("1", "X")]), newer([nodeRecord("1", "X", { status: "error", duration_ms: null })]));
    expect(diff.rows[0]).toMatchObject({ statusChanged: true });
    expect(diff.rows[0]!.duration.verdict).toBeNull();
  });

  it("compares the totals: time, peak VRAM, peak RAM", () => {
    const diff = compareRuns(older(), newer());
    expect(diff.duration).toMatchObject({ a: 3000, b: 2000, delta: -1000, verdict: "better" });
    expect(diff.peakVram).toMatchObject({ a: 10 * GIB, b: 12 * GIB, delta: 2 * GIB, ratio: 0.2, verdict: "worse" });
    expect(diff.peakRss.verdict).toBe("same");
  });

  it("has no total verdict where a run has no figure (an interrupted run without its duration)", () => {
    const diff = compareRuns(older(), workflowRecord("new", baseNodes(), { started_at: 2000, duration_ms: null, peak_vram_bytes: null }));
    expect(diff.duration.verdict).toBeNull();
    expect(diff.peakVram.verdict).toBeNull();
  });

  it("says whether the runs are of one workflow", () => {
    expect(compareRuns(older(), newer()).sameWorkflow).toBe(true);
    const other = workflowRecord("other", baseNodes(), { started_at: 3000, workflow_hash: "fedcba9876543210" });
    expect(compareRuns(older(), other).sameWorkflow).toBe(false);
  });

  it("compares runs without nodes (all empty)", () => {
    const diff = compareRuns(older([]), newer([]));
    expect(diff.rows).toEqual([]);
    expect(diff.counts).toEqual({ both: 0, added: 0, removed: 0, nowCached: 0, nowExecuted: 0, faster: 0, slower: 0 });
  });

  it("keeps the older run's title when the newer one lost it", () => {
    const diff = compareRuns(older([nodeRecord("1", "X", { title: "My loader" })]), newer([nodeRecord("1", "X")]));
    expect(diff.rows[0]!.title).toBe("My loader");
  });

  it("reads small VRAM changes as the same (allocator slack)", () => {
    const diff = compareRuns(older([nodeRecord("1", "X", { vram_peak_delta_bytes: 0 })]), newer([nodeRecord("1", "X", { vram_peak_delta_bytes: MIB / 2 })]));
    expect(diff.rows[0]!.vram.verdict).toBe("same");
  });
});

describe("orderRuns", () => {
  it("puts the run that started first first, ties by prompt id", () => {
    const x = { prompt_id: "b", started_at: 5 };
    const y = { prompt_id: "a", started_at: 9 };
    expect(orderRuns(x, y)).toEqual([x, y]);
    expect(orderRuns(y, x)).toEqual([x, y]);
    const tie = { prompt_id: "a", started_at: 5 };
    expect(orderRuns(x, tie)).toEqual([tie, x]);
    expect(orderRuns(tie, x)).toEqual([tie, x]);
  });
});

describe("canCompare", () => {
  it("allows two different runs of one workflow only", () => {
    expect(canCompare({ prompt_id: "a", workflow_hash: "h" }, { prompt_id: "b", workflow_hash: "h" })).toBe(true);
    expect(canCompare({ prompt_id: "a", workflow_hash: "h" }, { prompt_id: "a", workflow_hash: "h" })).toBe(false);
    expect(canCompare({ prompt_id: "a", workflow_hash: "h" }, { prompt_id: "b", workflow_hash: "g" })).toBe(false);
  });
});
