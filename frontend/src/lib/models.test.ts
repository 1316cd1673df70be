import { describe, expect, it } from "vitest";

import { GIB, MIB, nodeRecord } from "../testing/fixtures";
import { CHECKPOINT, modelStay, modelUse, runWithModels, UPSCALER, VAE } from "../testing/models";
import { laneDescription, laneFigures, laneLabel, levelLabel, modelUseRows, nodesListed, reloadedNotice, severalDevices, stayLines, vramBefore } from "./models";
import { DEFAULT_VRAM_THRESHOLDS } from "./profilerRun";
import { buildTimeline, type LaneNode } from "./timeline";

const lanes = buildTimeline(runWithModels()).lanes;
const lane = (name: string) => lanes.find((l) => l.name === name)!;

describe("lanes in words", () => {
  it("labels a lane with the model's name and its size on the device, the device when there are several", () => {
    expect(laneLabel(lane(CHECKPOINT), false)).toBe(`${CHECKPOINT} · 6.5 GiB`);
    expect(laneLabel(lane(UPSCALER), true)).toBe(`${UPSCALER} · 70.0 MiB · cuda:0`);
    expect(severalDevices(lanes)).toBe(false);
    const two = buildTimeline(runWithModels({ model_residency: [modelStay(CHECKPOINT), modelStay(CHECKPOINT, { device: "cuda:1" })] })).lanes;
    expect(severalDevices(two)).toBe(true);
  });

  it("says who loaded and used a stay and how it ended", () => {
    expect(stayLines(lane(CHECKPOINT).stays[0]!)).toEqual([
      "There since an earlier run",
      "Used by CLIPTextEncode #6, KSampler #3 and VAEDecode #8",
      "Still on the device at the end",
    ]);
    expect(stayLines(lane(UPSCALER).stays[0]!)).toEqual(["Loaded by ImageUpscaleWithModel #10 at 1.00 s", "Used by ImageUpscaleWithModel #10", "Unloaded at 4.00 s"]);
    // The node that loaded it used it; no other did.
    const alone = buildTimeline(runWithModels({ model_residency: [modelStay(VAE, { loaded_by_node_id: "8", from_ms: 9000 })] })).lanes[0]!;
    expect(stayLines(alone.stays[0]!)[1]).toBe("Used by no other node");
    expect(laneFigures(lane(VAE))).toBe("cuda:0 · 160 MiB · loaded again although unchanged");
    expect(laneDescription(lane(UPSCALER))).toBe(
      `${UPSCALER}, cuda:0 · 70.0 MiB: Loaded by ImageUpscaleWithModel #10 at 1.00 s, Used by ImageUpscaleWithModel #10, Unloaded at 4.00 s.`,
    );
  });

  it("lists at most six nodes, then how many more", () => {
    const nodes: LaneNode[] = Array.from({ length: 9 }, (_, i) => ({ nodeId: String(i), label: `N #${i}`, atS: i }));
    expect(nodesListed(nodes)).toBe("N #0, N #1, N #2, N #3, N #4, N #5 and 3 more");
    expect(nodesListed(nodes.slice(0, 2))).toBe("N #0 and N #1");
    expect(nodesListed([])).toBe("no node of this run");
    expect(nodesListed(nodes, "none", 2)).toBe("N #0, N #1 and 7 more");
  });
});

describe("a node's models and VRAM before", () => {
  it("lists each model use with its action, device and size", () => {
    const node = nodeRecord("3", "KSampler", { models: [modelUse(CHECKPOINT, "used"), modelUse(UPSCALER, "unloaded", { loaded_bytes: 70 * MIB, device: null })] });
    expect(modelUseRows(node)).toEqual([
      { name: CHECKPOINT, action: "used", device: "cuda:0", size: "6.5 GiB" },
      { name: UPSCALER, action: "unloaded", device: "--", size: "70.0 MiB" },
    ]);
    expect(modelUseRows(nodeRecord("1", "A"))).toEqual([]);
  });

  it("gives free and in-use memory with the level by the thresholds in force", () => {
    const node = nodeRecord("3", "KSampler", { vram_free_before_bytes: 0.96 * GIB, vram_percent_before: 96 });
    expect(vramBefore(node, DEFAULT_VRAM_THRESHOLDS)).toEqual({ free: "983 MiB free", inUse: "96% in use", level: "critical" });
    expect(vramBefore(node, { warningPercent: 90, criticalPercent: 98 })?.level).toBe("warning");
    expect(vramBefore({ vram_free_before_bytes: 8 * GIB, vram_percent_before: null }, DEFAULT_VRAM_THRESHOLDS)).toEqual({ free: "8.0 GiB free", inUse: "-- in use", level: "unknown" });
    expect(vramBefore(nodeRecord("1", "A"), DEFAULT_VRAM_THRESHOLDS)).toBeNull();
  });

  it("says a raised level in words, with its threshold", () => {
    expect(levelLabel("critical", { warningPercent: 80, criticalPercent: 92 })).toBe("critical: 92 % or more in use, an out-of-memory error is likely");
    expect(levelLabel("warning", DEFAULT_VRAM_THRESHOLDS)).toBe("warning: 85 % or more in use, little room is left");
    expect(levelLabel("ok", DEFAULT_VRAM_THRESHOLDS)).toBeNull();
  });
});

describe("reloadedNotice", () => {
  it("names the model loaded again, what that costs and the loading node's time", () => {
    const run = runWithModels();
    const notice = reloadedNotice(run, lanes)!;
    expect(notice).toMatch(new RegExp(`^${VAE.replace(/\./g, "\\.")} was loaded again although unchanged — time spent copying the same weights onto the device once more`));
    expect(notice).toContain("It was there before (when the last run ended, or earlier in this run)");
    expect(notice).toContain("Here VAEDecode #8 took 1.00 s with the load in it.");
  });

  it("names several, and says nothing when none was loaded again", () => {
    const run = runWithModels({ reloaded_models: [CHECKPOINT, VAE] });
    expect(reloadedNotice(run, buildTimeline(run).lanes)).toMatch(/^sd_xl_base_1\.0\.safetensors and sdxl_vae\.safetensors were loaded again although unchanged — time spent/);
    expect(reloadedNotice(runWithModels({ reloaded_models: [] }), lanes)).toBeNull();
  });
});
