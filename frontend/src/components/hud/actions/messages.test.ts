import { describe, expect, it } from "vitest";

import { describeBusyQueue, describeFreed, queueFromSession, queueFromStatusEvent } from "./messages";

describe("queue summaries", () => {
  it("reads ComfyUI's status event detail and the standalone shim's nested one", () => {
    expect(queueFromStatusEvent({ exec_info: { queue_remaining: 2 } })?.remaining).toBe(2);
    expect(queueFromStatusEvent({ status: { exec_info: { queue_remaining: 0 } }, sid: "x" })?.remaining).toBe(0);
    expect(queueFromStatusEvent(null)).toBeNull();
    expect(queueFromStatusEvent({ exec_info: { queue_remaining: "X" } })).toBeNull();
  });

  it("describes a busy queue, or nothing", () => {
    expect(describeBusyQueue(queueFromSession({ running: 1, queued: 0 }))).toBe("1 workflow is running");
    expect(describeBusyQueue(queueFromSession({ running: 0, queued: 3 }))).toBe("3 are queued");
    expect(describeBusyQueue(queueFromSession({ running: 0, queued: 0 }))).toBeNull();
    expect(describeBusyQueue(queueFromSession({ running: null, queued: null }))).toBeNull();
    expect(describeBusyQueue({ running: null, queued: null, remaining: 1 })).toBe("1 workflow is running or queued");
  });
});

describe("describeFreed", () => {
  const device = (index: number, freed: number | null) => ({
    index,
    name: `GPU ${index}`,
    vram_total_bytes: null,
    vram_used_before_bytes: null,
    vram_used_after_bytes: null,
    vram_freed_bytes: freed,
  });

  it("says what was freed where", () => {
    expect(describeFreed({ models_unloaded: 1, vram_freed_bytes: 2 ** 30, devices: [device(0, 2 ** 30), device(1, null)] })).toBe(
      "Freed 1.0 GB on GPU 0, unknown on GPU 1 (1 model unloaded).",
    );
  });

  it("without GPUs says there was nothing to measure", () => {
    expect(describeFreed({ models_unloaded: 0, vram_freed_bytes: null, devices: [] })).toBe(
      "0 models unloaded; no GPU memory to measure on this machine.",
    );
    expect(describeFreed({ models_unloaded: null, vram_freed_bytes: null, devices: [] })).toBe(
      "Models unloaded; no GPU memory to measure on this machine.",
    );
  });
});
