import { describe, expect, it } from "vitest";

import { vramDeviceReport } from "../testing/fixtures";
import { describeBusyQueue, describeFreed, restartWarning } from "./messages";
import { queueFromSession } from "./queue";

describe("queue summaries", () => {
  it("describes a busy queue, or nothing", () => {
    expect(describeBusyQueue(queueFromSession({ running: 1, queued: 0 }))).toBe("1 workflow is running");
    expect(describeBusyQueue(queueFromSession({ running: 0, queued: 3 }))).toBe("3 are queued");
    expect(describeBusyQueue(queueFromSession({ running: 0, queued: 0 }))).toBeNull();
    expect(describeBusyQueue(queueFromSession({ running: null, queued: null }))).toBeNull();
    expect(describeBusyQueue({ running: null, queued: null, remaining: 1 })).toBe("1 workflow is running or queued");
  });
});

describe("restartWarning", () => {
  it("says what a restart interrupts, or nothing when the queue is empty", () => {
    expect(restartWarning(queueFromSession({ running: 1, queued: 2 }))).toBe(
      "1 workflow is running and 2 are queued: restarting interrupts it and empties the queue.",
    );
    expect(restartWarning(queueFromSession({ running: 0, queued: 0 }))).toBeNull();
  });
});

describe("describeFreed", () => {
  const device = (index: number, freed: number | null) => vramDeviceReport(index, { vram_freed_bytes: freed });

  it("says what was freed where", () => {
    expect(describeFreed({ models_unloaded: 1, vram_freed_bytes: 2 ** 30, devices: [device(0, 2 ** 30), device(1, null)] })).toBe(
      "Freed 1.0 GiB on GPU 0, unknown on GPU 1 (1 model unloaded).",
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
