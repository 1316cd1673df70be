import { describe, expect, it } from "vitest";

import type { MonitorStatus } from "../api/types";
import { GIB, gpuDevice, snapshot, status } from "../testing/fixtures";
import { buildTileGroups, buildTiles, compactGpuName } from "./tiles";

function twoGpus(): MonitorStatus {
  const s = status();
  return { ...s, gpu: { ...s.gpu, devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24), gpuDevice(1, "NVIDIA RTX A6000", 48)] } };
}

describe("compactGpuName", () => {
  it.each([
    ["NVIDIA GeForce RTX 3090 Ti", "3090Ti"],
    ["NVIDIA RTX A6000", "A6000"],
    ["NVIDIA GeForce RTX 4080 SUPER", "4080Super"],
    ["NVIDIA H100 80GB HBM3", "H100"],
    ["Tesla V100-SXM2-16GB", "V100"],
    ["AMD Radeon RX 7900 XTX", "7900Xtx"],
    ["Intel(R) Arc(TM) A770 Graphics", "A770"],
    ["Apple M2 Max", "M2Max"],
    ["Apple", "Apple"],
  ])("%s -> %s", (name, short) => {
    expect(compactGpuName(name)).toBe(short);
  });
});

describe("buildTiles", () => {
  it("builds CPU, RAM, temperature and per-GPU tiles in order", () => {
    const tiles = buildTiles(status(), snapshot());
    expect(tiles.map((t) => t.id)).toEqual(["cpu", "ram", "cpu-temp", "gpu-0", "vram-0", "gpu-temp-0"]);
    expect(tiles.find((t) => t.id === "gpu-0")).toMatchObject({ label: "GPU 0 (3090Ti)", value: "95%", level: "critical" });
    expect(tiles.find((t) => t.id === "vram-0")).toMatchObject({ label: "VRAM 0 (3090Ti)", shortLabel: "VRAM", value: "20.0/24 GiB" });
    expect(tiles.find((t) => t.id === "gpu-temp-0")).toMatchObject({ label: "TEMP 0 (3090Ti)", value: "70°C", level: "hot" });
    expect(tiles.find((t) => t.id === "ram")?.percent).toBeCloseTo(37.5);
  });

  it("tells the monitor's own CPU cost per sample in the CPU tile's tooltip, where the server reports it", () => {
    expect(buildTiles({ ...status(), sample_cpu_ms: 0.234 }, snapshot()).find((t) => t.id === "cpu")?.title).toMatch(/\nThis monitor: 0\.23 ms CPU per sample$/);
    expect(buildTiles({ ...status(), sample_cpu_ms: null }, snapshot()).find((t) => t.id === "cpu")?.title).not.toMatch(/This monitor/);
  });

  it("colors by the product's thresholds, from the used/total ratio for memory", () => {
    const tiles = buildTiles(status(), snapshot({ cpu_percent: 49.9, ram_used_bytes: 16 * GIB, cpu_temperature_c: 89 }));
    expect(tiles.find((t) => t.id === "cpu")?.level).toBe("ok");
    expect(tiles.find((t) => t.id === "ram")?.level).toBe("warm");
    expect(tiles.find((t) => t.id === "cpu-temp")?.level).toBe("hot");
  });

  it("creates no GPU tiles on a machine without GPUs and no temperature tile without a sensor", () => {
    const s = status();
    const noGpu = { ...s, gpu: { ...s.gpu, devices: [] }, hardware: { ...s.hardware, cpu_temperature_available: false } };
    expect(buildTiles(noGpu, snapshot({ gpus: [] })).map((t) => t.id)).toEqual(["cpu", "ram"]);
  });

  it("creates no host tiles without psutil", () => {
    const s = status();
    const bare = { ...s, hardware: { ...s.hardware, psutil_available: false, cpu_temperature_available: false } };
    expect(buildTileGroups(bare, snapshot()).map((g) => g.id)).toEqual(["gpu-0"]);
  });

  it("shows -- with no fill when a metric goes missing mid-stream", () => {
    const tiles = buildTiles(status(), snapshot({ cpu_percent: null, gpus: [] }));
    expect(tiles.find((t) => t.id === "cpu")).toMatchObject({ value: "--", percent: null, level: "unknown" });
    expect(tiles.find((t) => t.id === "gpu-0")).toMatchObject({ value: "--", percent: null });
    expect(tiles.find((t) => t.id === "vram-0")?.value).toBe("--");
  });

  it("falls back to the device's total VRAM when a sample lacks it", () => {
    const gpu = { ...snapshot().gpus[0]!, vram_used_bytes: 6 * GIB, vram_total_bytes: null };
    const vram = buildTiles(status(), snapshot({ gpus: [gpu] })).find((t) => t.id === "vram-0");
    expect(vram).toMatchObject({ value: "6.0/24 GiB", percent: 25 });
  });

  it("never lets NaN or Infinity through, whatever a broken payload carries", () => {
    const bad = snapshot({
      cpu_percent: Number.NaN,
      ram_used_bytes: Number.POSITIVE_INFINITY,
      cpu_temperature_c: Number.NaN,
      gpus: [{ ...snapshot().gpus[0]!, utilization_percent: Number.NaN, vram_total_bytes: 0, temperature_c: Number.NEGATIVE_INFINITY }],
    });
    for (const t of buildTiles(status(), bad)) {
      expect(t.value).not.toMatch(/NaN|Infinity/);
      expect(t.percent === null || Number.isFinite(t.percent)).toBe(true);
    }
  });

  it("before the first snapshot every tile shows --", () => {
    const values = buildTiles(status(), null).map((t) => t.value);
    expect(values.every((v) => v === "--")).toBe(true);
  });

  it("labels two GPUs of different models by their torch index", () => {
    const labels = buildTiles(twoGpus(), snapshot()).map((t) => t.label);
    expect(labels).toContain("VRAM 1 (A6000)");
    expect(labels).toContain("GPU 0 (3090Ti)");
    expect(labels).toContain("TEMP 1 (A6000)");
  });

  it("skips metrics a device cannot report", () => {
    const s = status();
    const device = { ...gpuDevice(0, "Apple M2 Max", 32), supports: { utilization: false, vram: true, temperature: false, power: false } };
    const ids = buildTiles({ ...s, gpu: { ...s.gpu, devices: [device] } }, snapshot()).map((t) => t.id);
    expect(ids).toEqual(["cpu", "ram", "cpu-temp", "vram-0"]);
  });
});

describe("buildTileGroups", () => {
  it("groups the host, then each GPU, each named once", () => {
    const groups = buildTileGroups(twoGpus(), snapshot());
    expect(groups.map((g) => [g.id, g.label, g.kind])).toEqual([
      ["host", "Host", "host"],
      ["gpu-0", "GPU 0 (3090Ti)", "gpu"],
      ["gpu-1", "GPU 1 (A6000)", "gpu"],
    ]);
    expect(groups[1]?.tiles.map((t) => t.shortLabel)).toEqual(["GPU 0 (3090Ti)", "VRAM", ""]);
  });

  it("a group's level is its hottest tile's", () => {
    const groups = buildTileGroups(twoGpus(), snapshot());
    expect(groups.find((g) => g.id === "gpu-0")?.level).toBe("critical");
    expect(groups.find((g) => g.id === "gpu-1")?.level).toBe("unknown");
  });

  it("colours every tile, and so each group, at the thresholds given", () => {
    const at = (levels?: { warm: number; hot: number; critical: number }) =>
      buildTileGroups(status(), snapshot({ cpu_percent: 49.9, ram_used_bytes: 16 * GIB, cpu_temperature_c: 89 }), levels)[0]!;
    expect(at().tiles.map((t) => t.level)).toEqual(["ok", "warm", "hot"]);
    const host = at({ warm: 10, hot: 55, critical: 60 });
    expect(host.tiles.map((t) => t.level)).toEqual(["warm", "warm", "critical"]);
    expect(host.level).toBe("critical");
  });

  it("a device that supports nothing gets no group", () => {
    const s = status();
    const device = { ...gpuDevice(0, "Mystery", 0), supports: { utilization: false, vram: false, temperature: false, power: true } };
    expect(buildTileGroups({ ...s, gpu: { ...s.gpu, devices: [device] } }, snapshot()).map((g) => g.id)).toEqual(["host"]);
  });
});
