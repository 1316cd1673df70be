import { describe, expect, it } from "vitest";

import type { MonitorStatus } from "../api/types";
import { gpuDevice, snapshot, status } from "../testing/fixtures";
import { arrangeTiles, gpuIndexOf, gridColumns, hiddenBy, parseDock, parseHidden, parsePreset, tileKind, type Preset } from "./presets";
import { buildTileGroups } from "./tiles";

function gpus(count: number): MonitorStatus {
  const s = status();
  const devices = Array.from({ length: count }, (_, i) => gpuDevice(i, "NVIDIA RTX A6000", 48));
  return { ...s, gpu: { ...s.gpu, devices } };
}

const WIDE = 1920;

function ids(preset: Preset, hidden: string[] = [], count = 2): string[] {
  const groups = buildTileGroups(gpus(count), snapshot());
  return arrangeTiles(groups, preset, hidden, WIDE).groups.flatMap((g) => g.tiles.map((t) => t.id));
}

describe("presets", () => {
  it("Full shows every tile with its label", () => {
    const groups = buildTileGroups(gpus(2), snapshot());
    const arranged = arrangeTiles(groups, "full", ["vram"], WIDE);
    expect(arranged.groups).toEqual(groups);
    expect(arranged.columns).toBe(0);
  });

  it("Compact shows every tile, values only: no label inside, the full name kept for the tooltip and screen readers", () => {
    const { groups } = arrangeTiles(buildTileGroups(gpus(1), snapshot()), "compact", [], WIDE);
    const tiles = groups.flatMap((g) => g.tiles);
    expect(tiles.map((t) => t.id)).toEqual(["cpu", "ram", "cpu-temp", "gpu-0", "vram-0", "gpu-temp-0"]);
    expect(tiles.every((t) => t.shortLabel === "")).toBe(true);
    expect(tiles.find((t) => t.id === "vram-0")?.label).toBe("VRAM 0 (A6000)");
  });

  it("Minimal keeps CPU, RAM and each GPU's VRAM, which names its GPU now that no utilization tile does", () => {
    expect(ids("minimal")).toEqual(["cpu", "ram", "vram-0", "vram-1"]);
    const { groups } = arrangeTiles(buildTileGroups(gpus(2), snapshot()), "minimal", [], WIDE);
    expect(groups.flatMap((g) => g.tiles.map((t) => t.shortLabel))).toEqual(["CPU", "RAM", "VRAM 0", "VRAM 1"]);
    const temps = arrangeTiles(buildTileGroups(gpus(1), snapshot()), "custom", ["gpu", "vram"], WIDE).groups[1]?.tiles;
    expect(temps?.map((t) => t.shortLabel)).toEqual(["TEMP 0"]);
  });

  it("Laptop drops every GPU tile, and the GPU groups with them", () => {
    const groups = arrangeTiles(buildTileGroups(gpus(2), snapshot()), "laptop", [], WIDE).groups;
    expect(groups.map((g) => g.id)).toEqual(["host"]);
    expect(ids("laptop")).toEqual(["cpu", "ram", "cpu-temp"]);
  });

  it("Custom hides a kind on every GPU, or one GPU's tile, and a group's level is that of its shown tiles", () => {
    expect(ids("custom", ["gpu-temp", "vram-1"])).toEqual(["cpu", "ram", "cpu-temp", "gpu-0", "vram-0", "gpu-1"]);
    const groups = buildTileGroups(gpus(1), snapshot({ gpus: [{ ...snapshot().gpus[0]!, utilization_percent: 99, vram_used_bytes: 1 }] }));
    expect(groups[1]?.level).toBe("critical");
    const [, gpu] = arrangeTiles(groups, "custom", ["gpu", "gpu-temp"], WIDE).groups;
    expect(gpu?.level).toBe("ok");
  });

  it("what each preset hides, as Custom's entries ('Hide this tile' starts from it)", () => {
    expect(hiddenBy("minimal", ["x"])).toEqual(["cpu-temp", "gpu", "gpu-temp"]);
    expect(hiddenBy("full", ["vram"])).toEqual([]);
    expect(hiddenBy("custom", ["vram"])).toEqual(["vram"]);
  });

  it("reads the settings tolerantly", () => {
    expect(parsePreset("laptop")).toBe("laptop");
    expect(parsePreset("LAPTOP")).toBeNull();
    expect(parsePreset(undefined)).toBeNull();
    expect(parseDock("bottom")).toBe("bottom");
    expect(parseDock("left")).toBeNull();
    expect(parseHidden(" GPU-temp, vram-3 vram-3,,bogus cpu-x ")).toEqual(["gpu-temp", "vram-3"]);
    expect(parseHidden(["ram", 4, "cpu"])).toEqual(["ram", "cpu"]);
    expect(parseHidden(12)).toEqual([]);
    expect(parseHidden(null)).toEqual([]);
  });

  it("names a tile's kind and GPU", () => {
    expect(tileKind("gpu-temp-12")).toBe("gpu-temp");
    expect(tileKind("cpu-temp")).toBe("cpu-temp");
    expect(gpuIndexOf("vram-7")).toBe(7);
    expect(gpuIndexOf("gpu-0")).toBe(0);
    expect(gpuIndexOf("cpu-temp")).toBeNull();
  });
});

describe("multi-GPU grid", () => {
  it("stays one row up to three GPUs", () => {
    expect(gridColumns(3, WIDE)).toBe(0);
    expect(arrangeTiles(buildTileGroups(gpus(3), snapshot()), "full", [], WIDE).columns).toBe(0);
  });

  it("wraps four to eight GPUs into two rows of up to four columns", () => {
    expect([4, 5, 6, 7, 8, 12].map((n) => gridColumns(n, WIDE))).toEqual([2, 3, 3, 4, 4, 4]);
  });

  it("takes fewer columns in a narrower window, and wraps as a row where two do not fit", () => {
    expect(gridColumns(8, 1280)).toBe(4);
    expect(gridColumns(8, 1000)).toBe(3);
    expect(gridColumns(8, 720)).toBe(2);
    expect(gridColumns(8, 590)).toBe(0);
    expect(gridColumns(4, 320)).toBe(0);
  });

  it("names each GPU by its index in the grid (the model stays in the tooltip), and counts only GPUs shown", () => {
    const groups = buildTileGroups(gpus(8), snapshot());
    const grid = arrangeTiles(groups, "full", [], WIDE);
    expect(grid.columns).toBe(4);
    const util = grid.groups.flatMap((g) => g.tiles).find((t) => t.id === "gpu-5");
    expect(util).toMatchObject({ shortLabel: "GPU 5", label: "GPU 5 (A6000)" });
    expect(grid.groups.flatMap((g) => g.tiles).find((t) => t.id === "vram-5")?.shortLabel).toBe("VRAM");
    expect(arrangeTiles(groups, "laptop", [], WIDE).columns).toBe(0);
  });
});
