import { describe, expect, it } from "vitest";

import { GIB, MIB } from "../testing/fixtures";
import { CHECKPOINT, emptyOomStats, modelCorrelation, oomCapturedEvent, oomEvent, oomFigures, oomRisk, oomStats, recommendation, UPSCALER } from "../testing/oom";
import {
  allocatorFigures,
  captureFigures,
  describeUnload,
  expectedFreed,
  formatPoints,
  listed,
  modelSizes,
  neededLabel,
  nodeName,
  oomToastText,
  ranOutIn,
  recommendationFigures,
  riskToastText,
  shareAbove,
  standsOut,
  summaryCards,
  unloadLabel,
  usedByLabel,
} from "./oom";

describe("the summary cards", () => {
  it("give the count, the rate and the newest capture's time and node", () => {
    const newest = oomEvent("p", { captured_at: new Date(2026, 0, 5, 14, 3, 7).getTime() / 1000 });
    expect(summaryCards(oomStats(), newest)).toEqual([
      { id: "count", label: "Out-of-memory runs", value: "4", detail: "Stored runs that ended out of memory." },
      { id: "rate", label: "OOM rate", value: "10.8%", detail: "Their share of all the runs in history." },
      { id: "last", label: "Last one", value: "2026-01-05 14:03:07", detail: "KSampler (#3) in Text to image (SDXL)" },
    ]);
  });

  it("say so when no capture is kept", () => {
    expect(summaryCards(emptyOomStats(), null)[2]).toMatchObject({ value: "--", detail: "No capture kept." });
    expect(nodeName({ node_type: null, node_id: null })).toBe("a node");
    expect(nodeName({ node_type: null, node_id: "7" })).toBe("node #7");
  });
});

describe("which model goes with the failures", () => {
  it("is one whose share of the OOMs is well above its share of all runs", () => {
    const everyRun = modelCorrelation(CHECKPOINT, { oom_share: 1, run_share: 1 });
    const often = modelCorrelation(UPSCALER, { oom_share: 1, run_share: 0.78 });
    const justUnder = modelCorrelation("x", { oom_share: 0.5, run_share: 0.36 });
    expect(standsOut(everyRun)).toBe(false);
    expect(standsOut(often)).toBe(true);
    expect(standsOut(justUnder)).toBe(false);
    expect(standsOut(modelCorrelation("y", { run_share: null }))).toBe(false);
    // One OOM makes every model loaded then 100 % of the OOMs: not yet a pattern.
    expect(standsOut(modelCorrelation("z", { oom_events: 1, oom_share: 1, run_share: 0.33 }))).toBe(false);
    expect(shareAbove(often)).toBeCloseTo(0.22);
    expect([formatPoints(0.22), formatPoints(0), formatPoints(-0.051), formatPoints(null)]).toEqual(["+22 pts", "±0 pts", "\u22125 pts", "--"]);
  });
});

describe("a capture in words", () => {
  it("lists only the figures it has, in bytes the reader knows", () => {
    const figures = captureFigures(oomEvent("p", { figures: oomFigures({ reserved_unallocated_bytes: 512 * MIB }) }));
    expect(figures.map((f) => [f.id, f.value])).toEqual([
      ["device", "cuda:0"],
      ["requested", "25.6 GiB"],
      ["total", "24.0 GiB"],
      ["free", "17.4 GiB"],
      ["free-before", "952 MiB"],
      ["allocated", "6.6 GiB"],
      ["reserved", "6.6 GiB"],
      ["reserved-unallocated", "512 MiB"],
    ]);
  });

  it("puts the allocator's counters in words, bytes as bytes, and nothing without CUDA", () => {
    const stats = { num_alloc_retries: 3, "inactive_split_bytes.all.current": 1.5 * GIB, "reserved_bytes.all.peak": 22 * GIB, unknown_key: 9 };
    expect(allocatorFigures({ allocator_stats: stats }).map((f) => [f.id, f.value])).toEqual([
      ["num_alloc_retries", "3"],
      ["reserved_bytes.all.peak", "22.0 GiB"],
      ["inactive_split_bytes.all.current", "1.5 GiB"],
    ]);
    expect(allocatorFigures({ allocator_stats: null })).toEqual([]);
  });

  it("says what a loaded model was to the run", () => {
    expect([neededLabel({ needed_later: true }), neededLabel({ needed_later: false }), neededLabel({ needed_later: null })]).toEqual([
      "needed later",
      "not needed any more",
      "unknown",
    ]);
    expect([usedByLabel({ used_by_node_ids: ["3", "8"] }), usedByLabel({ used_by_node_ids: [] })]).toEqual(["#3, #8", "none"]);
  });

  it("marks an OOM run's failing node only", () => {
    const run = { status: "oom" as const, error: { node_id: "3", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", message: "x" } };
    expect(ranOutIn(run, "3")).toBe(true);
    expect(ranOutIn(run, "4")).toBe(false);
    expect(ranOutIn({ ...run, status: "error" }, "3")).toBe(false);
  });
});

describe("unloading", () => {
  it("names the button and the recommendation's figures", () => {
    expect([unloadLabel(1), unloadLabel(3)]).toEqual(["Unload 1 model", "Unload 3 models"]);
    expect(recommendationFigures(recommendation("unload_models"))).toBe("frees about 70.0 MiB · the device 27 % full after");
    expect(recommendationFigures(recommendation("fragmentation"))).toBeNull();
  });

  it("finds each model's size in the newest capture that had it, else its mean", () => {
    const sizes = modelSizes([UPSCALER, CHECKPOINT, "gone.safetensors"], [oomEvent("p", { loaded_models: [] }), oomEvent("q")], [
      modelCorrelation("gone.safetensors", { mean_loaded_bytes: 2 * GIB }),
    ]);
    expect(sizes).toEqual([
      { name: UPSCALER, bytes: 70 * MIB },
      { name: CHECKPOINT, bytes: 6.5 * GIB },
      { name: "gone.safetensors", bytes: 2 * GIB },
    ]);
    expect(expectedFreed({ models: sizes, expectedFreedBytes: null })).toBe(70 * MIB + 8.5 * GIB);
    expect(expectedFreed({ models: sizes, expectedFreedBytes: 5 })).toBe(5);
    expect(expectedFreed({ models: [{ bytes: null }], expectedFreedBytes: null })).toBeNull();
  });

  it("says what was freed and what was not loaded", () => {
    expect(describeUnload({ unloaded: [{ name: CHECKPOINT, freed_bytes: 6.5 * GIB }], not_found: [], freed_bytes: 6.5 * GIB })).toBe(
      `Unloaded ${CHECKPOINT} (6.5 GiB): 6.5 GiB freed.`,
    );
    expect(describeUnload({ unloaded: [{ name: CHECKPOINT, freed_bytes: null }], not_found: [UPSCALER], freed_bytes: null })).toBe(
      `Unloaded ${CHECKPOINT}. ${UPSCALER} is not loaded now, so nothing to do for it.`,
    );
    expect(describeUnload({ unloaded: [], not_found: [UPSCALER, "a", "b"], freed_bytes: null })).toBe(`Nothing was unloaded: ${UPSCALER}, a and b are not loaded now.`);
    expect(listed([])).toBe("");
  });
});

describe("the toasts' words", () => {
  it("say where memory ran out, what was loaded and where to look", () => {
    expect(oomToastText(oomCapturedEvent())).toEqual({
      summary: "Out of memory in KSampler",
      detail: `💥 KSampler in “Text to image (SDXL)” asked for 25.6 GiB with 17.4 GiB free. 2 models were loaded (${CHECKPOINT} and ${UPSCALER}); see the OOM tab.`,
    });
    expect(oomToastText(oomCapturedEvent({ node_type: null, workflow_name: null, requested_bytes: null, free_bytes: null, loaded_models: [] }))).toEqual({
      summary: "Out of memory in node #3",
      detail: "💥 node #3 ran out of memory. No model was loaded; see the OOM tab.",
    });
  });

  it("give a risky prompt's warning and what unloading would do", () => {
    const text = riskToastText(oomRisk());
    expect(text.summary).toBe("“Text to image (SDXL)” may run out of memory");
    expect(text.detail).toBe(
      `${oomRisk().message} Loaded and not used by it: ${UPSCALER} (70.0 MiB) and flux1-dev.safetensors (11.0 GiB); unloading them makes room.`,
    );
    expect(riskToastText(oomRisk({ models_to_unload: [], workflow_name: null }))).toEqual({ summary: "This workflow may run out of memory", detail: oomRisk().message });
    expect(riskToastText(oomRisk({ fits_after_unload: false })).detail).toMatch(/unloading them is not enough on its own\.$/);
  });
});
