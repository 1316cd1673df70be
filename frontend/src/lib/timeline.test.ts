import { describe, expect, it } from "vitest";

import { cachedNode, GIB, MIB, nodeRecord, workflowRecord } from "../testing/fixtures";
import { CHECKPOINT, modelStay, runWithModels, UPSCALER, VAE } from "../testing/models";
import { barAtTime, buildTimeline, CATEGORY_COLORS, neighbourBar, shareStep, stayAt } from "./timeline";

const T0 = 1_700_000_000;

function ran(id: string, classType: string, start: number, end: number, extra: Parameters<typeof nodeRecord>[2] = {}) {
  return nodeRecord(id, classType, { started_at: T0 + start, ended_at: T0 + end, duration_ms: (end - start) * 1000, ...extra });
}

describe("buildTimeline", () => {
  const run = workflowRecord(
    "p",
    [
      cachedNode("1", "Loader"),
      ran("2", "Encode", 0.5, 1, { vram_before_bytes: 2 * GIB, vram_after_bytes: 3 * GIB, rss_before_bytes: 4 * GIB, rss_after_bytes: 5 * GIB }),
      ran("3", "KSampler", 1, 9, { vram_before_bytes: 3 * GIB, vram_after_bytes: 3 * GIB }),
      ran("4", "Encode", 9, 10),
    ],
    { started_at: T0, duration_ms: 10_000 },
  );
  const timeline = buildTimeline(run);

  it("draws a bar per timed node, in seconds from the run's start, one row each in execution order", () => {
    expect(timeline.bars.map((b) => [b.nodeId, b.startS, b.endS, b.row])).toEqual([
      ["2", 0.5, 1, 0],
      ["3", 1, 9, 1],
      ["4", 9, 10, 2],
    ]);
    expect(timeline.durationS).toBe(10);
  });

  it("gives each class one colour and each bar its share of the run", () => {
    const [encode, sampler, encodeAgain] = timeline.bars;
    expect(encode?.classColor).toBe(encodeAgain?.classColor);
    expect(sampler?.classColor).not.toBe(encode?.classColor);
    expect(sampler?.share).toBeCloseTo(0.8);
    expect(sampler?.shareStep).toBe(4);
    expect(encode?.shareStep).toBe(2);
  });

  it("reads each node's memory at its start and end, as two lines", () => {
    expect(timeline.memory.timesS.slice(0, 2)).toEqual([0.5, 1]);
    expect(timeline.memory.vramBytes.slice(0, 2)).toEqual([2 * GIB, 3 * GIB]);
    expect(timeline.memory.ramBytes.slice(0, 2)).toEqual([4 * GIB, 5 * GIB]);
  });

  it("wraps the colours round after the palette's last", () => {
    const many = workflowRecord(
      "p",
      Array.from({ length: CATEGORY_COLORS + 1 }, (_, i) => ran(String(i), `Class${i}`, i, i + 1)),
      { started_at: T0 },
    );
    const bars = buildTimeline(many).bars;
    expect(bars.at(-1)?.classColor).toBe(0);
  });

  it("leaves out the node a subgraph expanded from (its inner nodes are drawn)", () => {
    const nested = workflowRecord("p", [ran("7", "Outer", 0, 3), ran("7:1", "Inner", 0.1, 1, { parent_node_id: "7" }), ran("7:2", "Inner", 1, 3, { parent_node_id: "7" })], {
      started_at: T0,
    });
    expect(buildTimeline(nested).bars.map((b) => b.nodeId)).toEqual(["7:1", "7:2"]);
  });

  it("spans the last node's end when the run's time is not known yet (a live run)", () => {
    const live = workflowRecord("p", [ran("1", "A", 0, 2)], { started_at: T0, duration_ms: null, ended_at: null });
    expect(buildTimeline(live).durationS).toBe(2);
  });
});

describe("model lanes", () => {
  const timeline = buildTimeline(runWithModels());

  it("draws a lane per model, the first on the device first, each stay on the bars' axis", () => {
    expect(timeline.lanes.map((l) => [l.name, l.device, l.loadedBytes])).toEqual([
      [CHECKPOINT, "cuda:0", 6.5 * GIB],
      [UPSCALER, "cuda:0", 70 * MIB],
      [VAE, "cuda:0", 160 * MIB],
    ]);
    const [checkpoint, upscaler, vae] = timeline.lanes.map((l) => l.stays);
    // There since an earlier run, still there at the end: the whole axis.
    expect(checkpoint).toMatchObject([{ startS: 0, endS: 10, loadedBy: null, unloaded: false }]);
    expect(upscaler).toMatchObject([{ startS: 1, endS: 4, loadedBy: { nodeId: "10", label: "ImageUpscaleWithModel #10", atS: 1 }, unloaded: true }]);
    expect(vae?.[0]).toMatchObject({ startS: 9, endS: 10, loadedBy: { nodeId: "8" } });
  });

  it("names the nodes that used it, at their bars' starts", () => {
    expect(timeline.lanes[0]!.stays[0]!.usedBy).toEqual([
      { nodeId: "6", label: "CLIPTextEncode #6", atS: 0 },
      { nodeId: "3", label: "KSampler #3", atS: 4 },
      { nodeId: "8", label: "VAEDecode #8", atS: 9 },
    ]);
  });

  it("marks a model loaded again although unchanged", () => {
    expect(timeline.lanes.map((l) => l.reloaded)).toEqual([false, false, true]);
  });

  it("keeps a model's stays in one lane per device, in time order, and another device in a lane of its own", () => {
    const run = runWithModels({
      model_residency: [
        modelStay(UPSCALER, { from_ms: 6000, loaded_by_node_id: "3" }),
        modelStay(UPSCALER, { from_ms: 1000, until_ms: 4000, loaded_by_node_id: "10" }),
        modelStay(UPSCALER, { device: "cuda:1", from_ms: 2000 }),
      ],
    });
    const lanes = buildTimeline(run).lanes;
    expect(lanes.map((l) => l.key)).toEqual([`${UPSCALER}@cuda:0`, `${UPSCALER}@cuda:1`]);
    expect(lanes[0]!.stays.map((s) => [s.startS, s.endS])).toEqual([
      [1, 4],
      [6, 10],
    ]);
  });

  it("clamps stays to the axis and draws none for a run recorded without residency", () => {
    const odd = buildTimeline(runWithModels({ model_residency: [modelStay(CHECKPOINT, { from_ms: -5, until_ms: 60_000 })] }));
    expect(odd.lanes[0]!.stays[0]).toMatchObject({ startS: 0, endS: 10 });
    expect(buildTimeline(runWithModels({ model_residency: [] })).lanes).toEqual([]);
  });

  it("finds the stay at a time, else the nearest", () => {
    const run = runWithModels({
      model_residency: [modelStay(UPSCALER, { from_ms: 1000, until_ms: 2000 }), modelStay(UPSCALER, { from_ms: 6000, until_ms: 7000 })],
    });
    const [lane] = buildTimeline(run).lanes;
    expect(stayAt(lane!, 1.5)?.startS).toBe(1);
    expect(stayAt(lane!, 3)?.startS).toBe(1);
    expect(stayAt(lane!, 5)?.startS).toBe(6);
    expect(stayAt(lane!, 9)?.startS).toBe(6);
  });
});

describe("shareStep", () => {
  it("counts the thresholds a share reaches (2 %, 5 %, 10 %, 20 %)", () => {
    expect([null, 0, 0.019, 0.02, 0.05, 0.099, 0.1, 0.2, 0.9].map(shareStep)).toEqual([0, 0, 0, 1, 2, 2, 3, 4, 4]);
  });
});

describe("barAtTime", () => {
  const bars = buildTimeline(workflowRecord("p", [ran("a", "A", 0, 1), ran("b", "B", 1, 4), ran("c", "C", 5, 6)], { started_at: T0 })).bars;

  it("finds the node running at a time", () => {
    expect(barAtTime(bars, 0.5)?.nodeId).toBe("a");
    expect(barAtTime(bars, 2)?.nodeId).toBe("b");
    expect(barAtTime(bars, 5.5)?.nodeId).toBe("c");
  });

  it("between nodes, the nearest within the tolerance only", () => {
    expect(barAtTime(bars, 4.4)).toBeNull();
    expect(barAtTime(bars, 4.4, 0.5)?.nodeId).toBe("b");
    expect(barAtTime(bars, 4.8, 0.5)?.nodeId).toBe("c");
    expect(barAtTime(bars, -0.1, 0.2)?.nodeId).toBe("a");
    expect(barAtTime(bars, 7)).toBeNull();
    expect(barAtTime([], 1)).toBeNull();
  });

  it("picks the latest-started of overlapping nodes (async ones)", () => {
    const overlapping = buildTimeline(workflowRecord("p", [ran("long", "A", 0, 10), ran("short", "B", 2, 3)], { started_at: T0 })).bars;
    expect(barAtTime(overlapping, 2.5)?.nodeId).toBe("short");
    expect(barAtTime(overlapping, 5)?.nodeId).toBe("long");
  });
});

describe("neighbourBar", () => {
  const bars = buildTimeline(workflowRecord("p", [ran("a", "A", 0, 1), ran("b", "B", 1, 2)], { started_at: T0 })).bars;
  it("steps along the bars, staying at the ends; with nothing selected starts at either end", () => {
    expect(neighbourBar(bars, "a", 1)?.nodeId).toBe("b");
    expect(neighbourBar(bars, "b", 1)?.nodeId).toBe("b");
    expect(neighbourBar(bars, "a", -1)?.nodeId).toBe("a");
    expect(neighbourBar(bars, null, 1)?.nodeId).toBe("a");
    expect(neighbourBar(bars, null, -1)?.nodeId).toBe("b");
    expect(neighbourBar([], null, 1)).toBeNull();
  });
});
