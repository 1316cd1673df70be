import { describe, expect, it } from "vitest";

import { gpuDevice, snapshot, status } from "../testing/fixtures";
import { buildTiles, compactGpuName } from "./tiles";

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
  ])("%s -> %s", (name, short) => {
    expect(compactGpuName(name)).toBe(short);
  });
});

describe("buildTiles", () => {
  it("builds CPU, RAM, temperature and per-GPU tiles in order", () => {
    const tiles = buildTiles(status(), snapshot());
    expect(tiles.map((t) => t.id)).toEqual(["cpu", "ram", "cpu-temp", "gpu-0", "vram-0", "gpu-temp-0"]);
    expect(tiles.find((t) => t.id === "gpu-0")).toMatchObject({ label: "GPU 0 (3090Ti)", value: "95%", level: "critical" });
    expect(tiles.find((t) => t.id === "vram-0")).toMatchObject({ label: "VRAM 0 (3090Ti)", value: "20.0/24.0 GB" });
    expect(tiles.find((t) => t.id === "ram")?.percent).toBeCloseTo(37.5);
  });

  it("creates no GPU tiles on a machine without GPUs and no temperature tile without a sensor", () => {
    const s = status();
    const noGpu = { ...s, gpu: { ...s.gpu, devices: [] }, hardware: { ...s.hardware, cpu_temperature_available: false } };
    expect(buildTiles(noGpu, snapshot({ gpus: [] })).map((t) => t.id)).toEqual(["cpu", "ram"]);
  });

  it("shows -- with no fill when a metric goes missing mid-stream", () => {
    const tiles = buildTiles(status(), snapshot({ cpu_percent: null, gpus: [] }));
    expect(tiles.find((t) => t.id === "cpu")).toMatchObject({ value: "--", percent: null, level: "unknown" });
    expect(tiles.find((t) => t.id === "gpu-0")).toMatchObject({ value: "--", percent: null });
    expect(tiles.find((t) => t.id === "vram-0")?.value).toBe("--");
  });

  it("labels two GPUs of different models by their torch index", () => {
    const s = status();
    const two = { ...s, gpu: { ...s.gpu, devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24), gpuDevice(1, "NVIDIA RTX A6000", 48)] } };
    const labels = buildTiles(two, snapshot()).map((t) => t.label);
    expect(labels).toContain("VRAM 1 (A6000)");
    expect(labels).toContain("GPU 0 (3090Ti)");
  });

  it("skips metrics a device cannot report", () => {
    const s = status();
    const device = { ...gpuDevice(0, "Apple M2 Max", 32), supports: { utilization: false, vram: true, temperature: false, power: false } };
    const ids = buildTiles({ ...s, gpu: { ...s.gpu, devices: [device] } }, snapshot()).map((t) => t.id);
    expect(ids).toEqual(["cpu", "ram", "cpu-temp", "vram-0"]);
  });
});
