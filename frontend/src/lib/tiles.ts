// Turns a status + snapshot into the tiles the bar shows: pure, so every rule is unit-tested.
import type { GpuDevice, GpuSample, MonitorSnapshot, MonitorStatus } from "../api/types";
import { formatGHz, formatPercent, formatTemp, formatUsedOfTotalGiB, ratioPercent } from "./format";
import { DEFAULT_LEVEL_THRESHOLDS, levelFor, worstLevel, type Level, type LevelThresholds } from "./thresholds";

export interface TileModel {
  id: string;
  /** The full name, e.g. "VRAM 0 (3090Ti)": the accessible name and the tooltip's first line. */
  label: string;
  /** What the tile shows before its value: inside a GPU group the device is named once, so "VRAM". */
  shortLabel: string;
  value: string;
  /** 0..100 fill, null when unknown (no fill). */
  percent: number | null;
  level: Level;
  title: string;
  /** A running workflow's VRAM pressure on this (VRAM) tile: its level and why, e.g. "VRAM 96 % before KSampler". */
  pressure?: { level: "warning" | "critical"; text: string } | null;
}

/** Tiles shown side by side as one pill: the host's, or one GPU's (utilization, VRAM, temperature). */
export interface TileGroupModel {
  id: string;
  /** Accessible name of the group, e.g. "GPU 0 (3090Ti)". */
  label: string;
  kind: "host" | "gpu";
  tiles: TileModel[];
  /** The hottest tile's level: the collapsed bar shows one dot per group in this color. */
  level: Level;
}

const VENDOR_WORDS = new Set([
  "nvidia", "geforce", "rtx", "gtx", "quadro", "tesla", "amd", "radeon", "rx", "intel", "arc",
  "graphics", "apple", "pro", "(tm)", "(r)", "corporation",
]);
const SUFFIX_WORDS = new Set(["ti", "super", "xt", "xtx", "max", "ultra", "gre"]);

/** A compact model name for tile labels: "NVIDIA GeForce RTX 3090 Ti" -> "3090Ti", "NVIDIA RTX A6000" -> "A6000". */
export function compactGpuName(name: string): string {
  const tokens = name
    .replace(/\((tm|r)\)/gi, "")
    .split(/\s+/)
    .filter((t) => t && !VENDOR_WORDS.has(t.toLowerCase()));
  const start = tokens.findIndex((t) => /\d/.test(t));
  if (start < 0) return tokens.join("") || name;
  const model = tokens[start]?.split("-")[0] ?? "";
  const suffixes = [];
  for (const token of tokens.slice(start + 1)) {
    if (!SUFFIX_WORDS.has(token.toLowerCase())) break;
    suffixes.push(token.charAt(0).toUpperCase() + token.slice(1).toLowerCase());
  }
  return model + suffixes.join("");
}

function finite(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function tile(id: string, label: string, shortLabel: string, value: string, percent: number | null, title: string, levels: LevelThresholds): TileModel {
  const clamped = percent === null || !Number.isFinite(percent) ? null : Math.min(100, Math.max(0, percent));
  return { id, label, shortLabel, value, percent: clamped, level: levelFor(clamped, levels), title };
}

function group(id: string, label: string, kind: TileGroupModel["kind"], tiles: TileModel[]): TileGroupModel {
  return { id, label, kind, tiles, level: worstLevel(tiles.map((t) => t.level)) };
}

/** The bar's content: the host group (CPU, RAM, CPU temperature), then one group per GPU; colours at `levels`. */
export function buildTileGroups(status: MonitorStatus, snapshot: MonitorSnapshot | null, levels = DEFAULT_LEVEL_THRESHOLDS): TileGroupModel[] {
  const groups: TileGroupModel[] = [];
  const host = hostTiles(status, snapshot, levels);
  if (host.length > 0) groups.push(group("host", "Host", "host", host));
  const samples = new Map((snapshot?.gpus ?? []).map((g) => [g.index, g]));
  for (const device of status.gpu.devices) {
    const tiles = gpuTiles(device, samples.get(device.index) ?? null, levels);
    if (tiles.length > 0) groups.push(group(`gpu-${device.index}`, gpuName(device), "gpu", tiles));
  }
  return groups;
}

/** Every tile in bar order (tests and the collapsed summary read it flat). */
export function buildTiles(status: MonitorStatus, snapshot: MonitorSnapshot | null): TileModel[] {
  return buildTileGroups(status, snapshot).flatMap((g) => g.tiles);
}

function hostTiles(status: MonitorStatus, snapshot: MonitorSnapshot | null, levels: LevelThresholds): TileModel[] {
  const tiles: TileModel[] = [];
  const hw = status.hardware;
  if (hw.psutil_available) {
    const cpu = finite(snapshot?.cpu_percent);
    const freq = formatGHz(snapshot?.cpu_frequency_mhz);
    const cores = hw.cpu_cores_logical ? `${hw.cpu_cores_logical} threads` : null;
    const title = [hw.cpu_model ?? "CPU", cores, freq].filter(Boolean).join(" · ");
    // The monitor's own cost, where the user looks at CPU: its CPU time per sample.
    const own = finite(status.sample_cpu_ms);
    const cost = own === null ? "" : `\nThis monitor: ${own.toFixed(2)} ms CPU per sample`;
    tiles.push(tile("cpu", "CPU", "CPU", formatPercent(cpu), cpu, title + cost, levels));
    const used = finite(snapshot?.ram_used_bytes);
    const total = finite(snapshot?.ram_total_bytes) ?? finite(hw.ram_total_bytes);
    tiles.push(tile("ram", "RAM", "RAM", formatUsedOfTotalGiB(used, total), ratioPercent(used, total), "System memory (used/total)", levels));
  }
  if (hw.cpu_temperature_available) {
    const temp = finite(snapshot?.cpu_temperature_c);
    tiles.push(tile("cpu-temp", "CPU TEMP", "TEMP", formatTemp(temp), temp, "CPU temperature (fill: °C of 100)", levels));
  }
  return tiles;
}

function gpuName(device: GpuDevice): string {
  return `GPU ${device.index} (${compactGpuName(device.name)})`;
}

function gpuTiles(device: GpuDevice, sample: GpuSample | null, levels: LevelThresholds): TileModel[] {
  const suffix = `${device.index} (${compactGpuName(device.name)})`;
  const title = `${device.name} · cuda:${device.index}`;
  const tiles: TileModel[] = [];
  if (device.supports.utilization) {
    const util = finite(sample?.utilization_percent);
    tiles.push(tile(`gpu-${device.index}`, `GPU ${suffix}`, `GPU ${suffix}`, formatPercent(util), util, `${title}\nUtilization`, levels));
  }
  if (device.supports.vram) {
    const used = finite(sample?.vram_used_bytes);
    const total = finite(sample?.vram_total_bytes) ?? finite(device.vram_total_bytes);
    tiles.push(
      tile(`vram-${device.index}`, `VRAM ${suffix}`, "VRAM", formatUsedOfTotalGiB(used, total), ratioPercent(used, total), `${title}\nMemory (used/total)`, levels),
    );
  }
  if (device.supports.temperature) {
    const temp = finite(sample?.temperature_c);
    tiles.push(tile(`gpu-temp-${device.index}`, `TEMP ${suffix}`, "", formatTemp(temp), temp, `${title}\nTemperature (fill: °C of 100)`, levels));
  }
  return tiles;
}
