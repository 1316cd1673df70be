import { describe, expect, it } from "vitest";

import { GIB, gpuDevice, snapshot, status } from "../testing/fixtures";
import { vramPressureEvent } from "../testing/oom";
import { buildTileGroups } from "./tiles";
import { pressureDevice, pressureOf, pressureText, withPressure } from "./vramPressure";

describe("a run's VRAM pressure", () => {
  it("is raised by a warning or critical event and ended by normal or the run's end", () => {
    expect(pressureOf(vramPressureEvent())).toEqual({ promptId: "p-live", level: "critical", nodeId: "3", nodeType: "KSampler", percent: 96.1, totalBytes: 24 * GIB, deviceIndex: 0 });
    expect(pressureOf(vramPressureEvent({ level: "normal" }))).toBeNull();
    expect(pressureOf(vramPressureEvent({ level: "warning", node_id: null }))).toBeNull();
  });

  it("says the figure and the node it was measured before", () => {
    const critical = pressureOf(vramPressureEvent())!;
    expect(pressureText(critical)).toBe("VRAM 96 % before KSampler");
    expect(pressureText({ ...critical, percent: null, nodeType: null })).toBe("VRAM high before node #3");
  });

  it("marks the GPU whose total matches the event's, else the first with VRAM", () => {
    const devices = [gpuDevice(0, "A", 48), gpuDevice(1, "B", 24), { ...gpuDevice(2, "C", 24), supports: { utilization: true, vram: false, temperature: false, power: false } }];
    expect(pressureDevice(devices, 24 * GIB - 300 * 1024 ** 2)).toBe(1);
    expect(pressureDevice(devices, 80 * GIB)).toBe(0);
    expect(pressureDevice(devices, null)).toBe(0);
    expect(pressureDevice([], 24 * GIB)).toBeNull();
  });

  it("marks the GPU the event names, when that GPU reports VRAM", () => {
    const devices = [gpuDevice(0, "A", 24), gpuDevice(1, "B", 24), { ...gpuDevice(2, "C", 24), supports: { utilization: true, vram: false, temperature: false, power: false } }];
    expect(pressureDevice(devices, 24 * GIB, 1)).toBe(1);
    // A GPU without VRAM figures, or one not listed: found by its total instead.
    expect(pressureDevice(devices, 24 * GIB, 2)).toBe(0);
    expect(pressureDevice(devices, 24 * GIB, 7)).toBe(0);
  });

  it("puts the mark on that VRAM tile and makes its group's dot at least as hot", () => {
    const s = status({ snapshot: snapshot({ gpus: [{ index: 0, utilization_percent: 10, vram_used_bytes: 2 * GIB, vram_total_bytes: 24 * GIB, temperature_c: 30, power_draw_watts: null, power_limit_watts: null }] }) });
    const groups = buildTileGroups(s, s.snapshot);
    expect(groups[1]!.level).toBe("ok");
    const marked = withPressure(groups, s.gpu.devices, pressureOf(vramPressureEvent())!);
    const vram = marked[1]!.tiles.find((t) => t.id === "vram-0")!;
    expect(vram.pressure).toEqual({ level: "critical", text: "VRAM 96 % before KSampler" });
    // The fill takes the level's colour; its length stays what the telemetry says.
    expect(vram.level).toBe("critical");
    expect(vram.percent).toBe(groups[1]!.tiles.find((t) => t.id === "vram-0")!.percent);
    expect(marked[1]!.level).toBe("critical");
    expect(marked[0]).toBe(groups[0]);
    expect(marked[1]!.tiles.filter((t) => t.pressure)).toHaveLength(1);
    expect(withPressure(groups, s.gpu.devices, pressureOf(vramPressureEvent({ level: "warning" })))[1]!.level).toBe("hot");
    expect(withPressure(groups, s.gpu.devices, null)).toEqual(groups);
  });
});
